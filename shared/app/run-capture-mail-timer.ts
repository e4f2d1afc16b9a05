import { errorFields, logger } from '#adapters/logger';
import { countMetric } from '#adapters/metrics';
import { MailNotSentError } from '#adapters/ses';
import {
  CAPTURE_MAIL_RETRY_FOR_MS,
  CAPTURE_MAIL_RETRY_MS,
  deliverCaptureMail,
  MailLimitsNotTakenError,
  mailSuppressed,
  takeMailLimits,
} from '#app/capture-mail';
import { formById } from '#config/settings';
import { awaitsConfirmation } from '#domain/capture/submission';
import type { EpochMs } from '#domain/lead/types';
import { getLead } from '#store/leads';
import {
  type CaptureMailLimits,
  type ClaimedTimer,
  completeTimer,
  isStillClaimed,
  timerLeadId,
} from '#store/timers';

export type CaptureMailRetryOutcome =
  | 'sent'
  | 'suppressed'
  | 'rearmed'
  | 'given_up'
  | 'cleared'
  | 'superseded'
  | 'uncertain';

/**
 * `capture-mail` timers: a form's mail (the double opt-in request or the auto-reply) that SES did not take
 * at capture or confirmation (`#app/capture-mail`). Sent again once a minute until SES takes it, for up to a
 * day from the first refusal. Not sent when it no longer applies: the lead was erased, the form left the
 * configuration, or a double opt-in request whose address was confirmed meanwhile. Never sent twice: a claim
 * a sweeper left behind (it died during the send) and an unknown SES result both end the retries. A mail
 * deferred because its form post could not take the mail limits takes the limits left first: over one, it
 * is `suppressed` as the post's mail would have been; a failed quota write again re-arms it.
 */
export async function runCaptureMailTimer(
  timer: ClaimedTimer,
  now: EpochMs,
): Promise<CaptureMailRetryOutcome> {
  const leadId = timerLeadId(timer) ?? '';
  const formId = typeof timer.item.formId === 'string' ? timer.item.formId : '';
  const pending = timer.item.pending === true;
  const firstFailedAt = typeof timer.item.firstFailedAt === 'number' ? timer.item.firstFailedAt : now;
  const limits = limitsOf(timer.item.limits);
  const form = formById(formId);
  const lead = leadId ? await getLead(leadId) : undefined;
  const log = { leadId, formId, pending };
  let outcome: CaptureMailRetryOutcome;
  let nextAt: number | null = null;
  /** The limits still to take when the timer is re-armed (none once taken: never twice). */
  let left: CaptureMailLimits | undefined = limits;
  if (timer.interrupted || !form || !lead || (pending && !awaitsConfirmation(form, lead.profile))) {
    outcome = timer.interrupted ? 'uncertain' : 'cleared';
  } else if (!(await isStillClaimed(timer))) {
    return 'superseded';
  } else {
    try {
      const reason = limits ? await takeMailLimits(form, lead.profile, limits, now) : null;
      left = undefined;
      if (reason) {
        mailSuppressed(form, leadId, reason);
        outcome = 'suppressed';
      } else {
        await deliverCaptureMail(form, lead.profile, pending, now);
        outcome = 'sent';
      }
    } catch (error) {
      if (error instanceof MailLimitsNotTakenError) left = error.left;
      if (!(error instanceof MailNotSentError || error instanceof MailLimitsNotTakenError)) {
        logger.error('capture mail retry: result unknown, not sent again', { ...log, ...errorFields(error) });
        outcome = 'uncertain';
      } else if (now + CAPTURE_MAIL_RETRY_MS - firstFailedAt <= CAPTURE_MAIL_RETRY_FOR_MS) {
        nextAt = now + CAPTURE_MAIL_RETRY_MS;
        outcome = 'rearmed';
      } else {
        logger.error(
          'capture mail retry: not sent for a day (SES refused it, or its limits could not be taken), given up',
          {
            ...log,
            ...errorFields(error),
          },
        );
        outcome = 'given_up';
      }
    }
  }
  const carry = left ? { set: { limits: left } } : limits ? { remove: ['limits'] } : undefined;
  await completeTimer(timer, nextAt, nextAt === null ? undefined : carry);
  if (outcome !== 'rearmed') countMetric('CaptureMailRetried', { outcome });
  logger.info('capture mail timer', { ...log, outcome });
  return outcome;
}

/** The `limits` a timer item carries (written by `#app/capture-mail`), or undefined when none are left. */
function limitsOf(value: unknown): CaptureMailLimits | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const { address, sourceKey } = value as Record<string, unknown>;
  const limits: CaptureMailLimits = {
    ...(address === true ? { address: true } : {}),
    ...(typeof sourceKey === 'string' ? { sourceKey } : {}),
  };
  return limits.address || limits.sourceKey ? limits : undefined;
}
