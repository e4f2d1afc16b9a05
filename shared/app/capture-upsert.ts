import { randomUUID } from 'node:crypto';
import { signingSecret } from '#adapters/secrets';
import { erasedAddressAtCreate, erasedAddressGuard, liftHeldAddress, liftsAtPost } from '#app/erased-address';
import { settings } from '#config/settings';
import { supersededGrant } from '#domain/capture/consent-ledger';
import {
  leadAfterSubmission,
  newLeadFromSubmission,
  type SubmissionChange,
  type SubmissionFacts,
} from '#domain/capture/submission';
import { hasSeenEvent, type Lead } from '#domain/lead/lead';
import type { Consent } from '#domain/lead/types';
import { formerHeadPut } from '#store/consent-ledger';
import {
  createLead,
  findLeadIdByEmail,
  type LeadWrite,
  mutateLead,
  type TransactItem,
  timelineEntriesExisting,
} from '#store/leads';
import { CONFLICT, retryOnConflict } from '#store/retry';
import { anonymousLinkPuts, stitchTimerPut } from '#store/stitch-queue';

/**
 * Capture's write path. Posts of one address that arrive together in one process are committed together
 * (group commit): the first waits for nothing, the ones that arrive meanwhile queue behind it and are folded
 * into ONE read-decide-write, submission after submission, with every timeline entry, announcement and
 * replaced grant's consent entry in the same transaction. So a burst of posts costs a few transactions
 * instead of N writers racing for one lead item (what made 50 concurrent posts of one address run out of
 * retries). Across processes the store's retry loop still settles the race. A batch holds form posts only or
 * ops entries only (ops entries refuse an erased address, form posts lift its suppression: never in one
 * transaction).
 */

export interface Upserted {
  lead: Lead;
  /** This submission created the lead. */
  created: boolean;
  /** The lead already had this submission's event (a resumed or repeated import row): nothing changed. */
  replayed?: boolean;
}

/**
 * An ops entry (`byOps`) refused because its address was erased on request: the suppression check in the
 * creating transaction failed (an erase committed after the entry's `isErasedAddress` read). Nothing stored.
 * A form post is never refused this way.
 */
export interface ErasedRefusal {
  erased: true;
}

/** At most this many submissions per transaction (each adds about five items; DynamoDB allows 100). */
const MAX_BATCH = 12;

interface Waiting {
  facts: SubmissionFacts;
  resolve: (value: Upserted | ErasedRefusal) => void;
  reject: (error: unknown) => void;
}

const queues = new Map<string, Waiting[]>();

export function upsertLead(facts: SubmissionFacts): Promise<Upserted | ErasedRefusal> {
  const key = facts.submission.emailKey;
  return new Promise((resolve, reject) => {
    const queue = queues.get(key);
    if (queue) {
      queue.push({ facts, resolve, reject });
      return;
    }
    queues.set(key, [{ facts, resolve, reject }]);
    void drain(key);
  });
}

async function drain(key: string): Promise<void> {
  for (;;) {
    const queue = queues.get(key) ?? [];
    if (queue.length === 0) {
      queues.delete(key);
      return;
    }
    const batch = takeBatch(queue);
    try {
      const results = await upsertBatch(batch.map((w) => w.facts));
      if (results === 'erased') {
        for (const w of batch) w.resolve({ erased: true });
        continue;
      }
      batch.forEach((w, i) => {
        const result = results[i];
        if (result) w.resolve(result);
        else w.reject(new Error('capture batch lost a submission'));
      });
    } catch (error) {
      for (const w of batch) w.reject(error);
    }
  }
}

/** The queue's next batch: up to `MAX_BATCH` submissions from its head, all form posts or all ops entries. */
function takeBatch(queue: Waiting[]): Waiting[] {
  const byOps = (w: Waiting | undefined) => w?.facts.byOps === true;
  const kind = byOps(queue[0]);
  let n = 0;
  while (n < queue.length && n < MAX_BATCH && byOps(queue[n]) === kind) n++;
  return queue.splice(0, n);
}

/**
 * Update the address's lead with every submission, or create it with the first; one transaction. 'erased':
 * a batch of ops entries whose address was erased meanwhile (see `erasedAddressGuard`).
 */
async function upsertBatch(batch: readonly SubmissionFacts[]): Promise<Upserted[] | 'erased'> {
  const { timeZone } = settings.app;
  const first = batch[0];
  if (!first) return [];
  // Before anything is written: a key that cannot be read fails the request whole (503, retry is safe).
  const secret = await signingSecret();
  return retryOnConflict(`capture of ${first.submission.emailKey}`, async () => {
    const existingId = await findLeadIdByEmail(first.submission.emailKey);
    if (existingId) {
      // Import rows offered again: their timeline entry, written in the row's own transaction, says whether
      // the row committed, however many events the lead had since (the recent hashes hold only the last 8).
      const repeats = batch.filter((f) => f.mayRepeat).map((f) => f.formEvent.eventId);
      const done = repeats.length ? await timelineEntriesExisting(existingId, repeats) : NONE;
      const updated = await mutateLead(existingId, (lead) => {
        const folded = fold(lead, batch, timeZone, done);
        const changed = folded.results.some((r) => !r.replayed);
        if (!changed) return { write: null, result: folded.results };
        // A lead whose erased address waits for its double opt-in: a post on a form without it is the
        // person's own act, as for a new lead, and lifts the suppression with this write.
        const held = batch.some(liftsAtPost) ? liftHeldAddress(folded.lead.profile, secret) : null;
        const lifted = held
          ? { profile: held.profile, extra: [...(folded.write.extra ?? []), ...held.lift] }
          : {};
        return { write: { ...folded.write, ...folded.lead, ...lifted }, result: folded.results };
      });
      return updated.found ? updated.result : CONFLICT;
    }
    const leadId = randomUUID();
    const made = newLeadFromSubmission(first, leadId, settings.scoring, timeZone);
    // A form post is the person's own act: if their address was erased, it comes back as a new lead and
    // leaves the suppression list in the same transaction, unless the form asks for double opt-in: then the
    // lead is marked and the suppression waits for the confirmation (see #app/erased-address). Ops entries
    // (manual, import) never lift it: their door refuses erased addresses, and their transaction checks the
    // list again (`erasedAddressGuard`), so an erase that committed since the door's read refuses them too.
    const erased = await erasedAddressAtCreate(first.submission.emailKey, batch);
    const created = erased.held
      ? {
          ...made,
          lead: { ...made.lead, profile: { ...made.lead.profile, erasedAddressHeld: true as const } },
        }
      : made;
    const rest = fold(created.lead, batch.slice(1), timeZone);
    const write = mergeWrites(changeWrite(created, first, leadId), rest.write);
    const anonymousId = first.submission.tracking.anonymousId;
    if (anonymousId) {
      // From the response on, the visitor's events go to the lead; the sweeper scores the earlier ones.
      write.extra = [
        ...(write.extra ?? []),
        ...anonymousLinkPuts(anonymousId, leadId, first.now),
        stitchTimerPut(leadId, anonymousId, first.now),
      ];
    }
    write.extra = [...(write.extra ?? []), ...erased.lift];
    const guard = first.byOps ? await erasedAddressGuard(first.submission.emailKey) : undefined;
    const result = await createLead(rest.lead, write, guard);
    if (result === 'refused') return 'erased';
    // 'exists': another process created it first; go round and update it instead.
    if (result !== 'created') return CONFLICT;
    return [{ lead: created.lead, created: true }, ...rest.results];
  });
}

const NONE: ReadonlySet<string> = new Set();

/**
 * Every submission applied in order to the lead; the writes of all of them together. `done`: events whose
 * timeline entry exists (read strongly before the lead); with the state's recent hashes (which also catch a
 * row committed by a concurrent run between that read and the lead's), they name what the lead already has.
 */
function fold(
  start: Lead,
  batch: readonly SubmissionFacts[],
  timeZone: string,
  done: ReadonlySet<string> = NONE,
) {
  let lead = start;
  const results: Upserted[] = [];
  let write: Omit<LeadWrite, 'profile' | 'state'> = { at: start.profile.updatedAt };
  for (const facts of batch) {
    // An event the lead already has (an import row done before an interruption): changes nothing.
    const eventId = facts.formEvent.eventId;
    if (done.has(eventId) || hasSeenEvent(lead.state, eventId)) {
      results.push({ lead, created: false, replayed: true });
      continue;
    }
    const change = leadAfterSubmission(lead, facts, settings.scoring, timeZone);
    write = mergeWrites(write, changeWrite(change, facts, lead.profile.leadId, lead.profile.consent));
    lead = change.lead;
    results.push({ lead, created: false });
  }
  return { lead, results, write };
}

type PartialWrite = Omit<LeadWrite, 'profile' | 'state'>;

function mergeWrites(a: PartialWrite, b: PartialWrite): PartialWrite {
  return {
    timeline: [...(a.timeline ?? []), ...(b.timeline ?? [])],
    events: [...(a.events ?? []), ...(b.events ?? [])],
    ...(b.decayTimerAt !== undefined
      ? { decayTimerAt: b.decayTimerAt }
      : a.decayTimerAt !== undefined
        ? { decayTimerAt: a.decayTimerAt }
        : {}),
    extra: [...(a.extra ?? []), ...(b.extra ?? [])] as TransactItem[],
    at: Math.max(a.at, b.at),
  };
}

/**
 * What commits with the lead's items: the form event's timeline entry, the announcements, the decay timer
 * and, when the post's grant replaces the profile's (`before`), the former head's consent-ledger entry (the
 * new grant is the profile's consent, the ledger's head: #domain/capture/consent-ledger).
 */
function changeWrite(
  change: SubmissionChange,
  facts: SubmissionFacts,
  leadId: string,
  before?: Consent,
): PartialWrite {
  const former = supersededGrant(before, change.lead.profile.consent);
  return {
    timeline: [{ ...change.entry, baseVersion: change.baseVersion, recordedAt: facts.now }],
    events: change.events,
    ...(change.decay !== undefined ? { decayTimerAt: change.decay } : {}),
    extra: former ? [formerHeadPut(leadId, former)] : [],
    at: facts.now,
  };
}
