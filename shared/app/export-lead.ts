import { now as clock } from '#adapters/clock';
import { headEntry } from '#domain/capture/consent-ledger';
import { isoAt } from '#domain/lead/events';
import type { Consent } from '#domain/lead/types';
import { keys, LEAD_ITEM_KIND_NAMES, leadItemKind, PREFIX } from '#store/keys';
import {
  getItem,
  type Item,
  isRefKey,
  leadPartitionPages,
  referencedItems,
  stitchedAnonymousIds,
  stitchedAnonymousItems,
} from '#store/lead-items-all';
import { outboxEntriesOf } from '#store/outbox';

export type ExportOutcome = { kind: 'found'; document: LeadExport } | { kind: 'not_found' };

/** Items of the lead's partition grouped by kind; `profile` and `state` are single items. */
export type LeadItemsByKind = { profile: Item; state: Item | null } & Record<string, Item | Item[] | null>;

export interface LeadExport {
  format: 'leadloop.lead-export.v1';
  leadId: string;
  exportedAt: string;
  /** Every item under the lead's partition (`LEAD#<id>`), grouped by kind (a new kind appears by itself). */
  items: LeadItemsByKind;
  /** Items stored elsewhere that name the lead, fetched by key. */
  related: {
    emailClaim: Item | null;
    /**
     * Per stitched anonymous id (every one the lead's `REF#anon#` pointers or its profile name, unless it
     * was stitched to another lead since): its link and its kept events.
     */
    anonymous: Record<string, Item[]>;
    /** Records the lead's `REF#` pointers name (sales actions and their first results). */
    records: Item[];
  };
}

const MAX_LEAD_ID = 128;
const withoutPk = (item: Item): Item => {
  const { pk: _pk, ...rest } = item;
  return rest;
};

/**
 * GET /v1/ops/leads/{leadId}/export: everything stored about one lead as one JSON document, for a data
 * subject's access request. The lead's partition is read whole with a paged Query (profile, state, every
 * timeline page, enrollments, timers, outbox leftovers, consent items, …: grouped by the kind in the sort
 * key, so a kind added later is exported without a change here); what lives elsewhere is read by key.
 */
export async function exportLead(leadId: string): Promise<ExportOutcome> {
  if (leadId.length === 0 || leadId.length > MAX_LEAD_ID) return { kind: 'not_found' };
  const grouped: Record<string, Item[]> = {};
  const refs: string[] = [];
  for await (const page of leadPartitionPages(leadId)) {
    for (const item of page) {
      const sk = String(item.sk);
      if (isRefKey(sk)) refs.push(sk);
      const kind = LEAD_ITEM_KIND_NAMES[leadItemKind(sk)] ?? leadItemKind(sk);
      const list = grouped[kind] ?? [];
      list.push(withoutPk(item));
      grouped[kind] = list;
    }
  }
  const profile = grouped.profile?.[0];
  if (!profile) return { kind: 'not_found' };
  // One outbox item may hold several events (one per write): exported one entry per event.
  if (grouped.outbox) grouped.outbox = grouped.outbox.flatMap(outboxEntriesOf);
  // The consent ledger's head is the profile's grant: exported with the ledger's entries, as the item it
  // becomes once a later grant replaces it (marked `ledgerHead`), so the history reads whole in one place.
  const head = headEntry(profile.consent as Consent | undefined);
  if (head) {
    const kind = LEAD_ITEM_KIND_NAMES[leadItemKind(PREFIX.consent)] ?? 'consentHistory';
    const entry = { sk: keys.consentEntry(leadId, head.at, head.entryId).sk, ...head, ledgerHead: true };
    grouped[kind] = [...(grouped[kind] ?? []), entry].sort((a, b) => (String(a.sk) < String(b.sk) ? -1 : 1));
  }
  const { profile: _p, state, ...rest } = grouped;

  const anonymous = Object.fromEntries(
    await stitchedAnonymousItems(leadId, stitchedAnonymousIds(profile, refs)),
  );
  const emailClaim =
    typeof profile.emailKey === 'string' ? await getItem(keys.emailIndex(profile.emailKey)) : undefined;
  const records = await referencedItems(refs);

  return {
    kind: 'found',
    document: {
      format: 'leadloop.lead-export.v1',
      leadId,
      exportedAt: isoAt(clock()),
      items: { profile, state: state?.[0] ?? null, ...rest },
      related: {
        emailClaim: emailClaim && emailClaim.leadId === leadId ? emailClaim : null,
        anonymous,
        records: records.filter((r) => r.leadId === leadId),
      },
    },
  };
}
