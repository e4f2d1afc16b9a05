import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DynamoDBDocumentClient,
  QueryCommand,
  type QueryCommandInput,
  type QueryCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import { DYNAMODB_MAX_ATTEMPTS, DYNAMODB_TIMEOUTS } from '#adapters/sdk-timeouts';
import { traced } from '#adapters/tracer';
import { env } from '#config/env';
import { CONFLICT, retryOnConflict } from '#store/retry';

/**
 * One DynamoDB document client per container, created at module scope and reused across invocations.
 * The endpoint comes from AWS_ENDPOINT_URL_DYNAMODB locally; nothing here knows where it runs. A table that
 * stops answering fails a call within seconds (`DYNAMODB_TIMEOUTS`, `#adapters/sdk-timeouts`).
 */
export const dynamodb = DynamoDBDocumentClient.from(
  traced(new DynamoDBClient({ maxAttempts: DYNAMODB_MAX_ATTEMPTS, requestHandler: DYNAMODB_TIMEOUTS })),
  {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  },
);

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

/**
 * Runs one conditional write: true when it was written, false when its condition (or a concurrent
 * transaction) refused it; any other error is thrown. For claims, quotas and markers whose caller only needs
 * to know whether it won.
 */
export async function conditionalWrite(write: () => Promise<unknown>): Promise<boolean> {
  try {
    await write();
    return true;
  } catch (error) {
    if (isConditionalCheckFailure(error)) return false;
    throw error;
  }
}

export type WriteRequest =
  | { PutRequest: { Item: Record<string, unknown> } }
  | { DeleteRequest: { Key: Record<string, unknown> } };

/**
 * Unconditional puts and deletes in pages of 25 (BatchWriteItem), for admin batches (rescore, report
 * rebuild) that run with the operator's credentials: no function is granted BatchWriteItem. Items DynamoDB
 * leaves unprocessed (throttling) are sent again through the one retry loop.
 */
export async function batchWrite(requests: readonly WriteRequest[]): Promise<void> {
  for (let i = 0; i < requests.length; i += 25) {
    let pending: Record<string, WriteRequest[]> = { [tableName]: requests.slice(i, i + 25) };
    await retryOnConflict(`batch write of ${requests.length} items`, async () => {
      const result = await dynamodb.send(new BatchWriteCommand({ RequestItems: pending }));
      pending = (result.UnprocessedItems ?? {}) as Record<string, WriteRequest[]>;
      return Object.values(pending).some((list) => list.length > 0) ? CONFLICT : undefined;
    });
  }
}

/** A page of a query's items, as the document client returns them. */
export type QueryItems = NonNullable<QueryCommandOutput['Items']>;

/** Every page of a query on the table (its `LastEvaluatedKey` followed to the end), a page of items at a time. */
export async function* queryPages(
  input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>,
): AsyncGenerator<QueryItems> {
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await dynamodb.send(
      new QueryCommand({ TableName: tableName, ...input, ExclusiveStartKey: startKey }),
    );
    yield page.Items ?? [];
    startKey = page.LastEvaluatedKey;
  } while (startKey);
}

/**
 * Every item of one partition, a page at a time, read strongly (an erase or an export must see the writes
 * just made, its own deletes included). `projection`: only these attributes (e.g. 'pk, sk' to delete).
 */
export function partitionPages(pk: string, projection?: string): AsyncGenerator<QueryItems> {
  return queryPages({
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': pk },
    ConsistentRead: true,
    ...(projection ? { ProjectionExpression: projection } : {}),
  });
}
