import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { publishOutbox } from '#app/publish-outbox';
import { eventHandler } from '#http/lambda';

/** Outbox → bus: the table stream's new outbox items are put on the custom bus (see `publishOutbox`). */
export const handler = eventHandler(
  async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => publishOutbox(event.Records),
);
