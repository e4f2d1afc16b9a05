import { randomBytes } from 'node:crypto';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { dynamodb, isConditionalCheckFailure, tableName } from '#store/dynamodb';
import { keys } from '#store/keys';

/** Bytes of a generated key (48 random bytes, base64url: 64 characters). */
const KEY_BYTES = 48;

/**
 * The signing key item: read it (strongly consistent); when it does not exist yet, create it with a random
 * value under `attribute_not_exists`, so that concurrent first cold starts agree on one key (the loser of
 * the race reads the winner's). The table is encrypted at rest; functions without the grant are denied
 * reads of this partition by IAM (infra/stateless.ts).
 */
export async function readOrCreateSigningKey(): Promise<string> {
  const existing = await read();
  if (existing) return existing;
  const value = randomBytes(KEY_BYTES).toString('base64url');
  try {
    await dynamodb.send(
      new PutCommand({
        TableName: tableName,
        Item: { ...keys.signingKey(), value, createdAt: new Date().toISOString() },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return value;
  } catch (error) {
    if (!isConditionalCheckFailure(error)) throw error;
    const winner = await read();
    if (!winner) throw new Error('the signing key was created concurrently but cannot be read');
    return winner;
  }
}

const read = async (): Promise<string | undefined> => {
  const result = await dynamodb.send(
    new GetCommand({ TableName: tableName, Key: keys.signingKey(), ConsistentRead: true }),
  );
  const value = result.Item?.value;
  return typeof value === 'string' ? value : undefined;
};
