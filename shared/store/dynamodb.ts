import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { traced } from '#adapters/tracer';
import { env } from '#config/env';

/**
 * One DynamoDB document client per container, created at module scope and reused across invocations.
 * The endpoint comes from AWS_ENDPOINT_URL_DYNAMODB locally; nothing here knows where it runs.
 */
export const dynamodb = DynamoDBDocumentClient.from(traced(new DynamoDBClient({})), {
  marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
});

export const tableName = env().TABLE_NAME;

/**
 * True when a write lost a race and should be decided again: a refused condition (also inside a
 * transaction), or a transaction cancelled because another transaction was writing the same item.
 */
export const isConditionalCheckFailure = (error: unknown): boolean => {
  if (!(error instanceof Error)) return false;
  if (error.name === 'ConditionalCheckFailedException' || error.name === 'TransactionConflictException')
    return true;
  if (error.name === 'TransactionCanceledException') {
    const reasons =
      (error as Error & { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
    return reasons.some((r) => r.Code === 'ConditionalCheckFailed' || r.Code === 'TransactionConflict');
  }
  return false;
};
