import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { ConsentLedgerEntry } from '#domain/capture/consent-ledger';
import { dynamodb, tableName } from '#store/dynamodb';
import { keys, PREFIX } from '#store/keys';
import { stripKeys } from '#store/lead-items';
import type { TransactItem } from '#store/leads';

/**
 * The consent ledger's items (`CONSENT#<time>#<entryId>` under the lead's partition): written once, never
 * updated (`attribute_not_exists`), erased with the lead.
 */

const entryItem = (leadId: string, entry: ConsentLedgerEntry) => ({
  ...keys.consentEntry(leadId, entry.at, entry.entryId),
  ...entry,
});

/** The entry as part of the lead's transaction (capture, confirmation, unsubscribe). */
export function consentEntryPut(leadId: string, entry: ConsentLedgerEntry): TransactItem {
  return {
    Put: {
      TableName: tableName,
      Item: entryItem(leadId, entry),
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

/** A lead's consent history, oldest first (bounded: the newest `limit` entries). */
export async function getConsentHistory(leadId: string, limit = 200): Promise<ConsentLedgerEntry[]> {
  const result = await dynamodb.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': keys.profile(leadId).pk, ':prefix': PREFIX.consent },
      ScanIndexForward: false,
      Limit: limit,
      ConsistentRead: true,
    }),
  );
  return (result.Items ?? [])
    .flatMap((i) => {
      const entry = stripKeys<ConsentLedgerEntry>(i, []);
      return entry ? [entry] : [];
    })
    .reverse();
}
