import { countMetric } from '#adapters/metrics';
import { changeMarketing } from '#app/change-marketing';
import { timelineEntry } from '#app/nurture-timeline';
import { type OptOutTaken, withdrawnEntry } from '#domain/capture/consent-ledger';
import type { UnsubscribeMethod } from '#domain/lead/events';
import type { EpochMs } from '#domain/lead/types';
import type { EmailMail } from '#domain/reports/counting';
import { stepSentDay } from '#store/report-counters';

/**
 * Opt the lead out of marketing mail, effective at once: the profile says so, every active sequence ends
 * (exit reason `unsubscribed`, off the due index) and `Lead Unsubscribed` goes to the outbox, in one
 * transaction. Idempotent: a second click changes nothing. Transactional mail is not affected. `mail`, the
 * step mail whose link was used (its sequence and step, from the link's token), is what the `unsubscribed`
 * KPI is counted under; without it (a link mailed before tokens named their mail) it is unattributed.
 * `taken`: an opt-out asked for outside the link (`ops`), with who recorded it and how the person asked, kept
 * on the timeline line and the consent-ledger entry.
 */
export async function unsubscribeLead(
  leadId: string,
  how: UnsubscribeMethod,
  at: EpochMs,
  { mail, taken }: { mail?: EmailMail | undefined; taken?: OptOutTaken } = {},
): Promise<'unsubscribed' | 'already' | 'not_found'> {
  // Counted on the day the mail whose link was used went out, as its opens and clicks are (a rate is the
  // share of the range's mails); the unsubscribe's own day when the mail is unknown or its send expired.
  const day =
    mail?.sequenceId && mail.stepId ? await stepSentDay(leadId, mail.sequenceId, mail.stepId) : undefined;
  const result = await changeMarketing(leadId, at, (profile) => {
    if (profile.marketing.unsubscribedAt !== undefined) return { change: null, result: 'already' as const };
    return {
      change: {
        marketing: { ...profile.marketing, unsubscribedAt: at, unsubscribeMethod: how },
        endSequences: 'unsubscribed',
        unsubscribedHow: how,
        // The withdrawal's consent-ledger entry commits with the change: a retry that finds the lead
        // unsubscribed ('already') finds the entry too.
        ledger: withdrawnEntry('marketing_email', how, at, taken),
        timeline: [
          timelineEntry(`marketing:unsubscribed:${profile.version + 1}`, 'unsubscribed', at, {
            how,
            ...(taken ? { by: taken.by, note: taken.note } : {}),
          }),
        ],
      },
      result: 'unsubscribed' as const,
      count: {
        kpi: 'unsubscribed' as const,
        id: String(profile.version + 1),
        at,
        day,
        ...(mail ? { mail } : {}),
      },
    };
  });
  if (result === 'duplicate') return 'already';
  if (result === 'unsubscribed') countMetric('Unsubscribed', { how });
  return result;
}
