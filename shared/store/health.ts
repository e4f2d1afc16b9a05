import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { dynamodb, tableName } from '#store/dynamodb';
import { TABLE_KEYS } from '#store/table-design';

/**
 * How long the deep check waits for the table, retries included. The health function's timeout is 3 s, less
 * than the 4.35 s one DynamoDB call may take against a table that stops answering (`#adapters/sdk-timeouts`):
 * the check gives up first, so the route answers its own 503 rather than timing out.
 */
export const TABLE_CHECK_DEADLINE_MS = 2_000;

/**
 * Whether the table answers: one eventually consistent GetItem of a key that never exists (half a read
 * unit, no control-plane call, so a flood of health checks cannot exhaust DescribeTable's low rate limit),
 * within `TABLE_CHECK_DEADLINE_MS`. Needs only `dynamodb:GetItem` on the table.
 */
export const tableReachable = async (): Promise<boolean> => {
  try {
    await dynamodb.send(
      new GetCommand({
        TableName: tableName,
        Key: { [TABLE_KEYS.partitionKey]: 'HEALTH', [TABLE_KEYS.sortKey]: 'HEALTH' },
        ProjectionExpression: TABLE_KEYS.partitionKey,
      }),
      { abortSignal: AbortSignal.timeout(TABLE_CHECK_DEADLINE_MS) },
    );
    return true;
  } catch {
    return false;
  }
};
