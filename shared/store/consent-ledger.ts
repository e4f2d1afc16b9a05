import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { ConsentLedgerEntry } from '#domain/capture/consent-ledger';
import { dynamodb, tableName } from '#store/dynamodb';
import { keys, PREFIX } from '#store/keys';
import { stripKeys } from '#store/lead-items';
import type { TransactItem } from '#store/leads';

/**
 * The consent ledger's items (`CONSENT#<time>#<entryId>` under the lead's partition): written once, never
 * updated, erased with the lead. The ledger's head is not an item: it is the profile's consent
 * (`#domain/capture/consent-ledger`).
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

/**
 * A former head put into the ledger by the write that replaced it. No condition: the key is the fact (the
 * form and the time of the grant), so the one entry it could meet is the same grant's, from a post of the same
 * form at the same millisecond (a double submit in one batch). A condition there would fail the transaction
 * on every retry.
 */
export function formerHeadPut(leadId: string, entry: ConsentLedgerEntry): TransactItem {
  return { Put: { TableName: tableName, Item: entryItem(leadId, entry) } };
}

/** The ledger's entries, oldest first (bounded: the newest `limit`); its head is on the profile. */
export async function getConsentEntries(leadId: string, limit = 200): Promise<ConsentLedgerEntry[]> {
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
