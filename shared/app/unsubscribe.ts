import { now } from '#adapters/clock';
import { countMetric } from '#adapters/metrics';
import { changeMarketing } from '#app/change-marketing';
import { unsubscribeTarget } from '#app/links';
import { timelineEntry } from '#app/nurture-timeline';
import { settings } from '#config/settings';
import { withdrawnEntry } from '#domain/capture/consent-ledger';
import type { UnsubscribeMethod } from '#domain/lead/events';
import type { EpochMs } from '#domain/lead/types';
import type { EmailMail } from '#domain/reports/counting';
import { stepSentDay } from '#store/report-counters';

/** One-click bodies are a few bytes (`List-Unsubscribe=One-Click`); anything big is not one of ours. */
export const UNSUBSCRIBE_MAX_BODY_BYTES = 2048;

export interface UnsubscribeRequest {
  token: string | undefined;
  /** Present for a POST (one-click or the confirmation page's button): the raw body. */
  post?: { body: Buffer };
}

export interface UnsubscribeAnswer {
  lang: 'ja' | 'en';
  outcome: 'invalid_link' | 'confirm' | 'body_too_large' | 'unsubscribed';
}

/**
 * The unsubscribe link (GET and POST /v1/unsubscribe?t=…). An invalid token is `invalid_link` (revealing
 * nothing); a GET only asks for confirmation (a link scanner unsubscribes nobody); a POST is RFC 8058
 * one-click (url-encoded or multipart `List-Unsubscribe=One-Click`) or the page's button, and the lead is
 * out at once. A valid link always gets the same answer, whether or not the lead still exists.
 */
export async function unsubscribeByLink(request: UnsubscribeRequest): Promise<UnsubscribeAnswer> {
  const lang = settings.app.locale;
  const at = now();
  const target = await unsubscribeTarget(request.token, at);
  if (!target || !request.token) return { lang, outcome: 'invalid_link' };
  if (!request.post) return { lang, outcome: 'confirm' };
  const { body } = request.post;
  if (body.length > UNSUBSCRIBE_MAX_BODY_BYTES) return { lang, outcome: 'body_too_large' };
  const text = body.toString('utf8');
  const oneClick =
    /(?:^|[&\s])List-Unsubscribe=One-Click(?:$|[&\s])/.test(text) ||
    /name="List-Unsubscribe"\r?\n\r?\nOne-Click/.test(text);
  await unsubscribeLead(target.leadId, oneClick ? 'one_click' : 'page', at, target.mail);
  return { lang, outcome: 'unsubscribed' };
}

/**
 * Opt the lead out of marketing mail, effective at once: the profile says so, every active sequence ends
 * (exit reason `unsubscribed`, off the due index) and `Lead Unsubscribed` goes to the outbox, in one
 * transaction. Idempotent: a second click changes nothing. Transactional mail is not affected. `mail`, the
 * step mail whose link was used (its sequence and step, from the link's token), is what the `unsubscribed`
 * KPI is counted under; without it (a link mailed before tokens named their mail) it is unattributed.
 */
export async function unsubscribeLead(
  leadId: string,
  how: UnsubscribeMethod,
  at: EpochMs,
  mail?: EmailMail,
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
        ledger: withdrawnEntry('marketing_email', how, at),
        timeline: [
          timelineEntry(`marketing:unsubscribed:${profile.version + 1}`, 'unsubscribed', at, { how }),
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
