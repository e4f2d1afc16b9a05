import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { dynamodb, tableName } from '#store/dynamodb';
import { TABLE_KEYS } from '#store/table-design';

/**
 * Whether the table answers: one eventually consistent GetItem of a key that never exists (half a read
 * unit, no control-plane call, so a flood of health checks cannot exhaust DescribeTable's low rate limit).
 * Needs only `dynamodb:GetItem` on the table.
 */
export const tableReachable = async (): Promise<boolean> => {
  try {
    await dynamodb.send(
      new GetCommand({
        TableName: tableName,
        Key: { [TABLE_KEYS.partitionKey]: 'HEALTH', [TABLE_KEYS.sortKey]: 'HEALTH' },
        ProjectionExpression: TABLE_KEYS.partitionKey,
      }),
    );
    return true;
  } catch {
    return false;
  }
};
