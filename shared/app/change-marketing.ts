import { type EmailCount, emailCounted, emailCountWrite } from '#app/email-kpis';
import type { ConsentLedgerEntry } from '#domain/capture/consent-ledger';
import { buildDomainEvent, isoAt, type UnsubscribeMethod } from '#domain/lead/events';
import type { LeadProfile, MarketingStatus } from '#domain/lead/lead';
import type { EpochMs } from '#domain/lead/types';
import { consentEntryPut } from '#store/consent-ledger';
import { endEnrollmentUpdate, listEnrollments, stateVersionFence } from '#store/enrollments';
import { idempotencyPut, idempotencySeen } from '#store/idempotency';
import { getLead, type StoredTimelineEntry, type TransactItem, writeLead } from '#store/leads';
import { CONFLICT, retryOnConflict } from '#store/retry';

/**
 * Changing a lead's marketing status (a helper of the unsubscribe and SES-event use cases): unsubscribe,
 * suppression (hard bounce, complaint, too many soft bounces) and deliveries, each ending the lead's
 * sequences in the same transaction that changes the profile (and, for an unsubscribe, putting
 * `Lead Unsubscribed` in the outbox).
 *
 * Effective at once, also for a step mail already past its reads: a change that ends the sequences also
 * moves the lead state's version on (`stateVersionFence`). The sweeper reserves a send with a put of the
 * state conditioned on the version it read (`run-step`), so a reservation built on a read from before this
 * commit fails, reads again and finds the lead unsubscribed or suppressed (and its enrollment ended); one
 * read after it sees both. Only a send reserved before the commit can still go (it was under way: SES is
 * called next). This costs the rare unsubscribe and suppression one state update; the step mail's own
 * path writes nothing more.
 */

export interface MarketingChange {
  marketing: MarketingStatus;
  /** End every active enrollment with this exit reason. */
  endSequences?: string;
  timeline: StoredTimelineEntry[];
  unsubscribedHow?: UnsubscribeMethod;
  /**
   * A consent-ledger entry (an unsubscribe's withdrawal), written in the same transaction: evidence that
   * cannot be lost between the change and a separate write, and that a retry finding the change made
   * (and so changing nothing) does not need to repeat.
   */
  ledger?: ConsentLedgerEntry;
}

export type MarketingDecision<R extends string> = (profile: LeadProfile) => {
  change: MarketingChange | null;
  result: R;
  /** The e-mail KPI this event counts (with the change, or alone when nothing changes), exactly once. */
  count?: EmailCount | undefined;
};

/**
 * Change a lead's marketing status: the profile (version-checked), the timeline line, the end of its
 * active sequences, the consent-ledger entry and the `Lead Unsubscribed` event, all in one transaction, re-decided on conflict.
 * With an idempotency key, a redelivered SES event is recognised and changes nothing. The decision's
 * e-mail count (bounced, complained, unsubscribed) commits in that same transaction (see app/email-kpis.ts).
 */
export async function changeMarketing<R extends string>(
  leadId: string,
  now: EpochMs,
  decide: MarketingDecision<R>,
  idempotency?: { scope: string; id: string },
): Promise<R | 'not_found' | 'duplicate'> {
  return retryOnConflict(`marketing status of lead ${leadId}`, async () => {
    const lead = await getLead(leadId);
    if (!lead) return 'not_found' as const;
    if (idempotency && (await idempotencySeen(idempotency.scope, idempotency.id)))
      return 'duplicate' as const;
    const { change, result, count } = decide(lead.profile);
    // A fact counted already (the same event recorded before, e.g. while nothing changed) is not counted again.
    const counts = count && !(await emailCounted(leadId, count)) ? emailCountWrite(leadId, count) : [];
    if (!change) {
      if (counts.length && (await writeLead({}, { leadId, extra: counts, at: now })) !== 'saved')
        return CONFLICT;
      return result;
    }
    const version = lead.profile.version + 1;
    const extra: TransactItem[] = [];
    if (change.endSequences) {
      const reason = change.endSequences;
      for (const enrollment of await listEnrollments(leadId)) {
        if (enrollment.status === 'active')
          extra.push(endEnrollmentUpdate(leadId, enrollment.sequenceId, reason, now));
      }
      // A step mail whose send is not reserved yet must not go out after this commits: its reservation is
      // conditioned on the state version it read, so move that version on.
      extra.push(stateVersionFence(leadId));
    }
    if (idempotency) extra.push(idempotencyPut(idempotency.scope, idempotency.id, now));
    if (change.ledger) extra.push(consentEntryPut(leadId, change.ledger));
    extra.push(...counts);
    const events = change.unsubscribedHow
      ? [
          buildDomainEvent('Lead Unsubscribed', {
            eventId: `${leadId}:unsubscribed:${version}`,
            version: 1,
            occurredAt: isoAt(now),
            leadId,
            how: change.unsubscribedHow,
          }),
        ]
      : [];
    const saved = await writeLead(
      { profile: lead.profile.version },
      {
        previous: lead,
        profile: { ...lead.profile, marketing: change.marketing, updatedAt: now, version },
        timeline: change.timeline,
        events,
        extra,
        at: now,
      },
    );
    return saved === 'saved' ? result : CONFLICT;
  });
}
