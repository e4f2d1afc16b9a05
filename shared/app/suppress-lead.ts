import { changeMarketing } from '#app/change-marketing';
import { countsInKpis, type EmailCount } from '#app/email-kpis';
import { timelineEntry } from '#app/nurture-timeline';
import { settings } from '#config/settings';
import { withdrawnEntry } from '#domain/capture/consent-ledger';
import type { MarketingStatus, SuppressionReason } from '#domain/lead/lead';
import type { EpochMs } from '#domain/lead/types';
import type { EmailMail } from '#domain/reports/counting';

/**
 * Bounces, complaints and deliveries on a lead's marketing status (helpers of the SES-event use case).
 * `eventKey` is the SES event's identity: the same event delivered twice changes nothing, and its e-mail KPI
 * (bounced, complained) is counted once, in the same transaction as the change (app/email-kpis.ts).
 */

/**
 * Suppress the lead's address (hard bounce, complaint): no marketing mail again and every sequence ends.
 * A complaint is also an unsubscribe (`Lead Unsubscribed`, how `complaint`, and a `withdrawn` consent-ledger
 * entry with method `complaint`).
 */
export async function suppressLead(
  leadId: string,
  reason: Extract<SuppressionReason, 'bounce' | 'complaint'>,
  eventKey: string,
  now: EpochMs,
  mail: EmailMail = {},
  /** The KPI day it counts on: the mail's (see record-engagement); the day of `now` without one. */
  kpiDay?: string,
): Promise<'suppressed' | 'already' | 'not_found' | 'duplicate'> {
  const count: EmailCount | undefined = countsInKpis(mail)
    ? { kpi: reason === 'bounce' ? 'bounced' : 'complained', id: eventKey, at: now, day: kpiDay, mail }
    : undefined;
  return changeMarketing(
    leadId,
    now,
    (profile) => {
      const m = profile.marketing;
      const unsubscribe = reason === 'complaint' && m.unsubscribedAt === undefined;
      if (m.suppressedAt !== undefined && !unsubscribe)
        return { change: null, result: 'already' as const, count };
      const marketing: MarketingStatus = {
        ...m,
        ...(m.suppressedAt === undefined ? { suppressedAt: now, suppressionReason: reason } : {}),
        ...(unsubscribe ? { unsubscribedAt: now, unsubscribeMethod: 'complaint' } : {}),
      };
      return {
        change: {
          marketing,
          endSequences: unsubscribe ? 'unsubscribed' : 'suppressed',
          // A complaint withdraws the marketing consent: the ledger records it like an unsubscribe, in this
          // same write (a redelivered complaint is a duplicate and adds nothing).
          ...(unsubscribe
            ? {
                unsubscribedHow: 'complaint' as const,
                ledger: withdrawnEntry('marketing_email', 'complaint', now),
              }
            : {}),
          timeline: [
            timelineEntry(`marketing:suppressed:${profile.version + 1}`, 'email_suppressed', now, { reason }),
          ],
        },
        result: 'suppressed' as const,
        count,
      };
    },
    { scope: 'ses', id: eventKey },
  );
}

/**
 * A soft bounce: counted on the profile; at `transientBounceLimit` in a row (no delivery between) the
 * address is suppressed and its sequences end.
 */
export async function recordTransientBounce(
  leadId: string,
  eventKey: string,
  now: EpochMs,
  mail: EmailMail = {},
  /** The KPI day it counts on: the mail's (see record-engagement); the day of `now` without one. */
  kpiDay?: string,
): Promise<'counted' | 'suppressed' | 'already' | 'not_found' | 'duplicate'> {
  const bounced: EmailCount | undefined = countsInKpis(mail)
    ? { kpi: 'bounced', id: eventKey, at: now, day: kpiDay, mail }
    : undefined;
  return changeMarketing(
    leadId,
    now,
    (profile) => {
      const m = profile.marketing;
      if (m.suppressedAt !== undefined) return { change: null, result: 'already' as const, count: bounced };
      const count = (m.transientBounces ?? 0) + 1;
      const limit = settings.nurtureSettings.transientBounceLimit;
      if (count < limit) {
        return {
          change: {
            marketing: { ...m, transientBounces: count },
            timeline: [
              timelineEntry(`marketing:soft-bounce:${profile.version + 1}`, 'email_soft_bounce', now, {
                count,
                limit,
              }),
            ],
          },
          result: 'counted' as const,
          count: bounced,
        };
      }
      return {
        change: {
          marketing: {
            ...m,
            transientBounces: count,
            suppressedAt: now,
            suppressionReason: 'transient_bounces',
          },
          endSequences: 'suppressed',
          timeline: [
            timelineEntry(`marketing:suppressed:${profile.version + 1}`, 'email_suppressed', now, {
              reason: 'transient_bounces',
              count,
            }),
          ],
        },
        result: 'suppressed' as const,
        count: bounced,
      };
    },
    { scope: 'ses', id: eventKey },
  );
}

/** A delivery ends a run of soft bounces (only written when there was one). */
export async function recordDelivery(
  leadId: string,
  now: EpochMs,
): Promise<'reset' | 'unchanged' | 'not_found'> {
  const result = await changeMarketing(leadId, now, (profile) =>
    (profile.marketing.transientBounces ?? 0) > 0
      ? {
          change: { marketing: { ...profile.marketing, transientBounces: 0 }, timeline: [] },
          result: 'reset' as const,
        }
      : { change: null, result: 'unchanged' as const },
  );
  return result === 'duplicate' ? 'unchanged' : result;
}
