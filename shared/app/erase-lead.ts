import { now as clock } from '#adapters/clock';
import { logger } from '#adapters/logger';
import { countMetric } from '#adapters/metrics';
import { signingSecret } from '#adapters/secrets';
import { isoAt } from '#domain/lead/events';
import type { EpochMs } from '#domain/lead/types';
import { addressHash } from '#domain/privacy/address-hash';
import { ERASE_SWEEP_DELAY_MS, leadErasedEvent } from '#domain/privacy/erasure';
import { keys } from '#store/keys';
import {
  commitErasure,
  deleteItems,
  getErasure,
  getItem,
  type Item,
  type ItemKey,
  isRefKey,
  itemKeys,
  leadPartitionPages,
  referencedItems,
  stitchedAnonymousIds,
  stitchedAnonymousItems,
} from '#store/lead-items-all';
import { type ClaimedTimer, completeTimer, isStillClaimed, timerLeadId } from '#store/timers';

/** The request body (the handler validates with it; the OpenAPI document is generated from it). */

export type EraseOutcome =
  | { kind: 'erased'; leadId: string; erasedAt: string; deletedItems: number }
  | { kind: 'already_erased'; leadId: string; erasedAt: string }
  | { kind: 'not_found' };

const MAX_LEAD_ID = 128;

/**
 * DELETE /v1/ops/leads/{leadId} (and the retention timer): removes every item stored about the lead and
 * keeps only what the law and the product need afterwards: the erasure record (id, time, reason), a salted
 * one-way hash of the address on the suppression list (no mail, no silent re-creation by an import) and
 * the aggregate counters. `Lead Erased` is published through the outbox so CRM targets delete too.
 *
 * Order, so a crash at any point leaves a retry able to finish: (1) the dependents (partition items other
 * than profile and state, the anonymous visitors' items, the records `REF#` pointers name); (2) one
 * transaction: profile, state and e-mail claim out, erasure record, suppression and outbox event in;
 * (3) a last sweep of the partition for anything a concurrent writer added meanwhile; (4) the same sweep again
 * `ERASE_SWEEP_DELAY_MS` later (`runEraseSweepTimer`, the erasure record is its timer), for the plain writes
 * that follow their commit and may still land after (3). A second erase finds the erasure record, sweeps
 * again (normally nothing) and answers `already_erased`. Steps 1, 3 and 4 delete what a pointer names before
 * the pointer (`deleteFollowingPointers`), so an interrupted run leaves every pointer whose target is not gone
 * yet for the retry to follow.
 */
export async function eraseLead(leadId: string, reason: string, at?: EpochMs): Promise<EraseOutcome> {
  if (leadId.length === 0 || leadId.length > MAX_LEAD_ID) return { kind: 'not_found' };
  const now = at ?? clock();
  const profile = await getItem(keys.profile(leadId));
  if (!profile) return finishEarlierErasure(leadId);

  let deleted = await deleteDependents(leadId, profile);
  const event = leadErasedEvent(leadId, reason, now);
  const emailKey = String(profile.emailKey ?? '');
  const committed = await commitErasure({
    leadId,
    emailKey,
    addressHash: addressHash(emailKey, signingSecret),
    erasedAt: now,
    reason,
    event: {
      leadId,
      source: event.source,
      detailType: event.detailType,
      detail: event.detail as unknown as Item & { eventId: string },
      time: now,
    },
    // Counted from about the commit (`now` is when the erase began, or the retention sweep's time): a writer
    // that read the lead before it puts what it still puts within a Lambda's lifetime.
    sweepAt: Math.max(now, clock()) + ERASE_SWEEP_DELAY_MS,
  });
  if (committed === 'gone') return finishEarlierErasure(leadId);
  // + the profile, the state and the e-mail claim, which every lead has.
  deleted += 3 + (await sweepPartition(leadId));
  countMetric('LeadErased', {});
  logger.info('lead erased', { leadId, deletedItems: deleted });
  return { kind: 'erased', leadId, erasedAt: isoAt(now), deletedItems: deleted };
}

async function finishEarlierErasure(leadId: string): Promise<EraseOutcome> {
  const erasure = await getErasure(leadId);
  if (!erasure) return { kind: 'not_found' };
  const leftovers = await sweepPartition(leadId);
  if (leftovers > 0)
    logger.warn('erase finished an interrupted erasure', { leadId, deletedItems: leftovers });
  return { kind: 'already_erased', leadId, erasedAt: isoAt(erasure.erasedAt) };
}

/** Step 1: everything but the profile and state (they go in the transaction that records the erasure). */
async function deleteDependents(leadId: string, profile: Item): Promise<number> {
  const own: ItemKey[] = [];
  for await (const page of leadPartitionPages(leadId)) {
    for (const item of page) {
      const sk = String(item.sk);
      if (sk === 'PROFILE' || sk === 'STATE') continue;
      own.push({ pk: String(item.pk), sk });
    }
  }
  return deleteFollowingPointers(leadId, own, profile);
}

/** Step 3: what a concurrent writer may have added; the `Lead Erased` outbox item stays (it holds the id only). */
async function sweepPartition(leadId: string): Promise<number> {
  const erasedOutbox = keys.outbox(leadId, `${leadId}:erased`).sk;
  const left: ItemKey[] = [];
  for await (const page of leadPartitionPages(leadId)) {
    for (const item of page)
      if (item.sk !== erasedOutbox) left.push({ pk: String(item.pk), sk: String(item.sk) });
  }
  return deleteFollowingPointers(leadId, left);
}

/**
 * Deletes `own` (items of the lead's partition) after what they point at: the records its `REF#` pointers
 * name and the items of every anonymous visitor stitched to the lead (its `REF#anon#` pointers, however
 * many, and the ids the profile remembers), each only while it still names this lead.
 */
async function deleteFollowingPointers(
  leadId: string,
  own: readonly ItemKey[],
  profile?: Item,
): Promise<number> {
  const refs = own.map((k) => k.sk).filter(isRefKey);
  const records = (await referencedItems(refs)).filter((r) => r.leadId === leadId);
  const anonymous = await stitchedAnonymousItems(leadId, stitchedAnonymousIds(profile ?? {}, refs));
  const followed = await deleteItems([...itemKeys(records), ...itemKeys([...anonymous.values()].flat())]);
  return followed + (await deleteItems(own));
}

/**
 * The erase's delayed second sweep (`erase-sweep` timer, due `ERASE_SWEEP_DELAY_MS` after the erase
 * committed): a plain write that followed its own commit (see `ERASE_SWEEP_DELAY_MS`) may have landed in
 * the partition after the erase's sweep; this one removes it, the `Lead Erased` outbox item excepted. The
 * erasure record stays, off the due index. Returns how many items it removed.
 */
export async function runEraseSweepTimer(timer: ClaimedTimer): Promise<number> {
  const leadId = timerLeadId(timer) ?? '';
  const removed = leadId ? await sweepPartition(leadId) : 0;
  if (removed > 0) logger.warn('erase sweep removed late writes', { leadId, deletedItems: removed });
  if (await isStillClaimed(timer)) await completeTimer(timer, null);
  return removed;
}
