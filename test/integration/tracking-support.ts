import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll } from 'vitest';
import { now as clock } from '#adapters/clock';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '#local/engines';
import { tableName } from '#store/dynamodb';
import { keys } from '#store/keys';
import { batchWriteAll, consentingLeadItems } from '../support/fixtures.ts';

/**
 * What the tracking write-path tests share: a raw client on the test table (outside the product's client and
 * the faults its tests inject there), a consenting lead to track, and its state item exactly as stored.
 */
export function trackingTable() {
  const raw = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: process.env.AWS_ENDPOINT_URL_DYNAMODB,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    }),
  );
  afterAll(() => raw.destroy());
  return {
    newLeadId: async (): Promise<string> => {
      const leadId = randomUUID();
      await batchWriteAll(raw, tableName, consentingLeadItems(leadId, `${leadId}@example.co.jp`, clock()));
      return leadId;
    },
    storedState: async (leadId: string): Promise<Record<string, unknown>> =>
      (
        await raw.send(
          new GetCommand({ TableName: tableName, Key: keys.state(leadId), ConsistentRead: true }),
        )
      ).Item ?? {},
  };
}
