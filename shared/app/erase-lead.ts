import { now as clock } from '#adapters/clock';
import { logger } from '#adapters/logger';
import { countMetric } from '#adapters/metrics';
import { signingSecret } from '#adapters/secrets';
import { ADDRESS_MAIL_LIMIT_SCOPE } from '#app/capture-mail';
import { settings } from '#config/settings';
import { isoAt } from '#domain/lead/events';
import type { EpochMs } from '#domain/lead/types';
import { addressHash, quotaSubjectKey } from '#domain/privacy/address-hash';
import { ERASE_SWEEP_DELAY_MS, leadErasedEvent } from '#domain/privacy/erasure';
import { currentFact } from '#domain/reports/counting';
import { type ErasedRemains, erasedRemains } from '#domain/reports/erased-remains';
import { keys } from '#store/keys';
import { fromStateItem } from '#store/lead-items';
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
  pointAtAnonymous,
  referencedItems,
  stitchedAnonymousIds,
  stitchedAnonymousItems,
} from '#store/lead-items-all';
import { readProfile } from '#store/leads';
import { deleteQuota } from '#store/quotas';
import { readLeadFacts } from '#store/report-counters';
import { CONFLICT, retryOnConflict } from '#store/retry';
import { type ClaimedTimer, completeTimer, isStillClaimed, timerLeadId } from '#store/timers';

/** The request body (the handler validates with it; the OpenAPI document is generated from it). */

export type EraseOutcome =
  | { kind: 'erased'; leadId: string; erasedAt: string; deletedItems: number }
  | { kind: 'already_erased'; leadId: string; erasedAt: string }
  | { kind: 'not_found' };

/** A conditional erase (`expectStateVersion`) found the lead changed since that version: nothing was deleted. */
export interface LeadChanged {
  kind: 'changed';
  leadId: string;
}

const MAX_LEAD_ID = 128;

/**
 * DELETE /v1/ops/leads/{leadId} (and the retention timer): removes every item stored about the lead and
 * keeps only what the law and the product need afterwards: the erasure record (id, time, reason, and the
 * lead's counted facts without personal data, so `reports:rebuild` still counts it: ErasedRemains), a salted
 * one-way hash of the address on the suppression list (no mail, no silent re-creation by an import) and
 * the aggregate counters. `Lead Erased` is published through the outbox so CRM targets delete too.
 *
 * Order, so a crash at any point leaves a retry able to finish and nothing is deleted before the commit
 * decides: (1) a pointer `REF#anon#<id>` for each anonymous visitor only the profile remembers (the sweeps
 * after the commit no longer have the profile; nothing is deleted here); (2) one transaction: profile, state
 * and e-mail claim out, erasure record, suppression and outbox event in, the gauges decremented; (3) a sweep
 * of the partition: every dependent (timeline, enrollments, timers, deal, …, the anonymous visitors' items,
 * the records `REF#` pointers name) and anything a concurrent writer added meanwhile, and the address's
 * daily mail-limit count (`QUOTA#capture-mail-address#<keyed hash>`; after a crash here it is left to its TTL,
 * a day after its window, since only the deleted profile knew the address); (4) the same sweep
 * again `ERASE_SWEEP_DELAY_MS` later (`runEraseSweepTimer`, the erasure record is its timer), for the plain
 * writes that follow their commit and may still land after (3). A crash after (2) is finished by a second erase
 * (it finds the erasure record and sweeps) or, at the latest, by (4). A second erase answers
 * `already_erased`. The sweeps delete what a pointer names before the pointer (`deleteFollowingPointers`),
 * so an interrupted run leaves every pointer whose target is not gone yet for the retry to follow.
 *
 * The state is read with the profile, and the commit (2) deletes it only at the version read, taking that
 * state off the current-lead gauges (temperature, stage, score bucket) in the same transaction, so the
 * gauges lose exactly the state that was deleted (the funnel, SLA and e-mail counts of the lead stay). A
 * privacy erasure (the person asked; the ops route, the CLI) is unconditional in effect: a write of the lead
 * that commits between the read and the commit makes it read again and retry, until it wins (or the retry
 * budget is spent: `ContentionError`, a 503 the caller may retry). The retention timer passes
 * `expectStateVersion`, the version of the state it decided on: a state read at another version, or one
 * written between the read and the commit (the person came back: a webinar, a visit, a form, a sales
 * action), or tracking events parked for the sweeper (a visit while the lead was contended, not in the state
 * until the sweeper scores it: the commit checks that the lead's `pending-events` timer is off the due
 * index), answers `changed` with every item still in place, and the timer decides again on a fresh read.
 * Because (2) is the first delete, there is no window in which a changed lead loses its dependents: the
 * only thing (1) may leave behind on a changed lead is pointers for visitors its profile names anyway.
 */
export function eraseLead(leadId: string, reason: string, at?: EpochMs): Promise<EraseOutcome>;
export function eraseLead(
  leadId: string,
  reason: string,
  at: EpochMs | undefined,
  condition: { expectStateVersion: number },
): Promise<EraseOutcome | LeadChanged>;
export async function eraseLead(
  leadId: string,
  reason: string,
  at?: EpochMs,
  condition?: { expectStateVersion: number },
): Promise<EraseOutcome | LeadChanged> {
  if (leadId.length === 0 || leadId.length > MAX_LEAD_ID) return { kind: 'not_found' };
  const now = at ?? clock();
  const event = leadErasedEvent(leadId, reason, now);
  // The erased address's hash is keyed by the signing key: read it before anything is deleted.
  const secret = await signingSecret();
  let pointersAdded = 0;
  // The one loop: a transaction that collided with another in flight on the lead's items, or found the state
  // changed since it was read (a privacy erasure), runs again on a fresh read of the profile and state.
  const commit = await retryOnConflict('erase lead', async () => {
    const profile = await getItem(keys.profile(leadId));
    if (!profile) return { kind: 'gone' as const };
    // The state as it is deleted: the commit is conditioned on its version and takes it off the gauges.
    const state = fromStateItem(await getItem(keys.state(leadId)));
    if (condition && state?.version !== condition.expectStateVersion) return { kind: 'changed' as const };
    pointersAdded += await pointAtAnonymous(leadId, stitchedAnonymousIds(profile, []), now);
    // A counted write commits a new state version, so the facts read here are the ones the commit's version
    // check vouches for (an e-mail event counted in its own transaction between this read and the commit is
    // the exception: live counters keep it, a rebuild will not).
    const remains = await reportRemains(leadId, profile);
    const emailKey = String(profile.emailKey ?? '');
    const committed = await commitErasure({
      leadId,
      emailKey,
      addressHash: addressHash(emailKey, secret),
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
      state,
      remains,
      // The retention erase: tracking events parked for the sweeper are activity the state does not show yet.
      ...(condition ? { noParkedEvents: true } : {}),
    });
    // A privacy erasure is unconditional: a write that moved the state on since the read only means reading
    // again (the gauges must lose the state that is deleted). The retention timer's erase answers `changed`.
    if (committed === 'conflict' || (committed === 'changed' && !condition)) return CONFLICT;
    return committed === 'erased' ? { kind: 'erased' as const, profile } : { kind: committed };
  });
  if (commit.kind === 'changed') {
    logger.info('erase skipped: the lead changed since it was read', { leadId });
    return { kind: 'changed', leadId };
  }
  if (commit.kind === 'gone') return finishEarlierErasure(leadId);
  // The profile, the state and the e-mail claim, which every lead has, + its dependents (not the pointers
  // step 1 added: they only stood in for the profile's list), + the address's daily mail-limit count (keyed
  // one way by the address, like the suppression entry, which is the only item so keyed to stay).
  const emailKey = String(commit.profile?.emailKey ?? '');
  const quota = emailKey
    ? await deleteQuota(ADDRESS_MAIL_LIMIT_SCOPE, quotaSubjectKey(ADDRESS_MAIL_LIMIT_SCOPE, emailKey, secret))
    : 0;
  const deleted = 3 + (await sweepPartition(leadId, commit.profile)) - pointersAdded + quota;
  countMetric('LeadErased', {});
  logger.info('lead erased', { leadId, deletedItems: deleted });
  return { kind: 'erased', leadId, erasedAt: isoAt(now), deletedItems: deleted };
}

/** What the lead leaves for a rebuild of the reports (no personal data: see #domain/reports/erased-remains). */
async function reportRemains(leadId: string, item: Item): Promise<ErasedRemains> {
  const profile = readProfile(item);
  const createdAt = profile?.createdAt ?? 0;
  const facts = (await readLeadFacts(leadId)).map((f) => currentFact(f, createdAt, settings.app.timeZone));
  return erasedRemains(profile ?? {}, facts);
}

async function finishEarlierErasure(leadId: string): Promise<EraseOutcome> {
  const erasure = await getErasure(leadId);
  if (!erasure) return { kind: 'not_found' };
  const leftovers = await sweepPartition(leadId);
  if (leftovers > 0)
    logger.warn('erase finished an interrupted erasure', { leadId, deletedItems: leftovers });
  return { kind: 'already_erased', leadId, erasedAt: isoAt(erasure.erasedAt) };
}

/**
 * Steps 3 and 4: everything left in the partition after the commit (the dependents and what a concurrent
 * writer added meanwhile), following its pointers (and the erased `profile`'s remembered visitors, when the
 * caller still holds it); the `Lead Erased` outbox item stays (it holds the id only).
 */
async function sweepPartition(leadId: string, profile?: Item): Promise<number> {
  const erasedOutbox = keys.outbox(leadId, `${leadId}:erased`).sk;
  const left: ItemKey[] = [];
  for await (const page of leadPartitionPages(leadId)) {
    for (const item of page)
      if (item.sk !== erasedOutbox) left.push({ pk: String(item.pk), sk: String(item.sk) });
  }
  return deleteFollowingPointers(leadId, left, profile);
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
