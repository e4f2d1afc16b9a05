import { randomUUID } from 'node:crypto';
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
  armedCaptureMailTimer,
  type CaptureMailLimits,
  type ClaimedTimer,
  claimTimer,
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
  by: 'sweeper' | 'request' = 'sweeper',
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
  if (by === 'request') {
    if (outcome === 'rearmed') countMetric('CaptureMailDeferred', { formId });
  } else if (outcome !== 'rearmed') countMetric('CaptureMailRetried', { outcome });
  logger.info('capture mail timer', { ...log, outcome, by });
  return outcome;
}

/**
 * Sends now the auto-reply that a transaction armed as a `capture-mail` timer (the mail a double opt-in
 * confirmation owes, `#app/confirm-consent`), rather than when the sweeper finds it due a minute later: the
 * request claims the timer as a sweeper would and runs the same processor on it. Only an armed, unclaimed
 * timer is claimed, so the request that armed it, a retry of that request (its answer lost) and the sweeper
 * send it once between them; SES refusing it re-arms it for the sweeper, an unknown result ends it. Never
 * throws (the confirmation has committed): a failure before the claim leaves the timer to the sweeper, and
 * a claim this request holds but could not complete is found by the sweeper after its lease, not sent again.
 */
export async function sendArmedCaptureMail(
  leadId: string,
  formId: string,
  now: EpochMs,
): Promise<CaptureMailRetryOutcome | 'none' | 'deferred'> {
  const log = { leadId, formId };
  let claimed: ClaimedTimer | undefined;
  try {
    const armed = await armedCaptureMailTimer(leadId, formId);
    // A double opt-in request's retry is the sweeper's: only the auto-reply is sent from here.
    if (!armed || armed.item.pending === true) return 'none';
    claimed = await claimOwnTimer(armed, now);
  } catch (error) {
    logger.warn('capture mail: its timer could not be claimed, the sweeper sends it', {
      ...log,
      ...errorFields(error),
    });
    return 'deferred';
  }
  // Claimed by someone else (the sweeper, a concurrent click): theirs to send.
  if (!claimed) return 'none';
  try {
    return await runCaptureMailTimer(claimed, now, 'request');
  } catch (error) {
    logger.error('capture mail: its timer could not be completed (its claim ends it)', {
      ...log,
      ...errorFields(error),
    });
    return 'uncertain';
  }
}

/**
 * Claim an armed timer with a claim id of our own. A claim whose answer is lost (a timeout after DynamoDB
 * wrote it) would otherwise hold the timer until its lease ran out and then count as interrupted, so the
 * mail would never go: the claim is read back, and one carrying our id is ours (with the item as read).
 */
async function claimOwnTimer(
  timer: Parameters<typeof claimTimer>[0] & { item: Record<string, unknown> },
  now: EpochMs,
): Promise<ClaimedTimer | undefined> {
  const claimId = randomUUID();
  try {
    return await claimTimer(timer, now, claimId);
  } catch (error) {
    if (!(await isStillClaimed({ pk: timer.pk, sk: timer.sk, claimId }))) throw error;
    return { ...timer, claimId, item: { ...timer.item, claimId }, interrupted: false };
  }
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
