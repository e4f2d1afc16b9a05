import { changeMarketing } from '#app/change-marketing';
import { timelineEntry } from '#app/nurture-timeline';
import { settings } from '#config/settings';
import type { MarketingStatus, SuppressionReason } from '#domain/lead/lead';
import type { EpochMs } from '#domain/lead/types';

/**
 * Bounces, complaints and deliveries on a lead's marketing status (helpers of the SES-event use case).
 * `eventKey` is the SES event's identity: the same event delivered twice changes nothing.
 */

/**
 * Suppress the lead's address (hard bounce, complaint): no marketing mail again and every sequence ends.
 * A complaint is also an unsubscribe (`Lead Unsubscribed`, how `complaint`).
 */
export async function suppressLead(
  leadId: string,
  reason: Extract<SuppressionReason, 'bounce' | 'complaint'>,
  eventKey: string,
  now: EpochMs,
): Promise<'suppressed' | 'already' | 'not_found' | 'duplicate'> {
  return changeMarketing(
    leadId,
    now,
    (profile) => {
      const m = profile.marketing;
      const unsubscribe = reason === 'complaint' && m.unsubscribedAt === undefined;
      if (m.suppressedAt !== undefined && !unsubscribe) return { change: null, result: 'already' as const };
      const marketing: MarketingStatus = {
        ...m,
        ...(m.suppressedAt === undefined ? { suppressedAt: now, suppressionReason: reason } : {}),
        ...(unsubscribe ? { unsubscribedAt: now, unsubscribeMethod: 'complaint' } : {}),
      };
      return {
        change: {
          marketing,
          endSequences: unsubscribe ? 'unsubscribed' : 'suppressed',
          ...(unsubscribe ? { unsubscribedHow: 'complaint' as const } : {}),
          timeline: [
            timelineEntry(`marketing:suppressed:${profile.version + 1}`, 'email_suppressed', now, { reason }),
          ],
        },
        result: 'suppressed' as const,
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
): Promise<'counted' | 'suppressed' | 'already' | 'not_found' | 'duplicate'> {
  return changeMarketing(
    leadId,
    now,
    (profile) => {
      const m = profile.marketing;
      if (m.suppressedAt !== undefined) return { change: null, result: 'already' as const };
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
