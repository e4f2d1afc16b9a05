import { errorFields, logger } from '#adapters/logger';
import { countMetric } from '#adapters/metrics';
import { signingSecret } from '#adapters/secrets';
import { MailNotSentError } from '#adapters/ses';
import { confirmUrl } from '#app/links';
import { sendTemplate } from '#app/mail';
import type { FormConfig } from '#config/forms';
import { formMailVars } from '#domain/capture/form-config';
import { mailSafeAttributes } from '#domain/capture/mail-safety';
import type { LeadProfile } from '#domain/lead/lead';
import type { EpochMs } from '#domain/lead/types';
import { DOUBLE_OPT_IN_TEMPLATE_ID } from '#domain/nurture/template-ids';
import { quotaSubjectKey } from '#domain/privacy/address-hash';
import { takeQuota } from '#store/quotas';
import { armCaptureMailRetry, type CaptureMailLimits } from '#store/timers';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** A mail SES did not take is sent again by the sweeper this long after, and again, for up to a day. */
export const CAPTURE_MAIL_RETRY_MS = 60_000;
export const CAPTURE_MAIL_RETRY_FOR_MS = DAY_MS;

/**
 * The limits a form post's mail takes: the recipient address's, and the source IP's if the post has one
 * (stored only keyed one way, `quotaSubjectKey`). A signing key that cannot be read takes none now: the
 * retry takes the address's (the IP itself is never stored, so its limit then goes untaken).
 *
 * The post that creates the lead takes no unit of the address's limit: a new address has had no mail (an
 * erasure deletes its counts), so its first mail is within any limit, and a write would only record it. A
 * later post of the same day counts it instead (`takeMailLimits`): the capture writes one item fewer.
 */
async function postLimits(source: string | undefined, created: boolean): Promise<CaptureMailLimits> {
  const address: CaptureMailLimits = created ? {} : { address: true };
  if (!source) return address;
  try {
    return { ...address, sourceKey: quotaSubjectKey('capture-mail-source', source, await signingSecret()) };
  } catch (error) {
    throw new MailLimitsNotTakenError(address, error);
  }
}

/**
 * A mail limit could not be taken (DynamoDB throttled, timed out, …): SES was not called, so the mail may
 * be deferred and sent by the sweeper, which must first take the limits in `left` (never more: one taken
 * already is not taken twice; one whose answer was lost may be, which errs on the side of fewer mails).
 */
export class MailLimitsNotTakenError extends Error {
  override name = 'MailLimitsNotTakenError';
  constructor(
    readonly left: CaptureMailLimits,
    override readonly cause: unknown,
  ) {
    super('capture mail limits could not be taken', { cause });
  }
}

/** The quota scope of the per-address daily mail limit (its subject: the address, keyed one way). */
export const ADDRESS_MAIL_LIMIT_SCOPE = 'capture-mail-address';

/**
 * Takes one unit of each of the form's mail limits in `limits`: per recipient address per (UTC) day, then
 * per source IP per hour (the subjects are stored only keyed one way, `quotaSubjectKey`). Returns the
 * reason the mail must not go, or null; throws MailLimitsNotTakenError when a quota write failed. The
 * address's count of the day the lead was created starts at 1: the creating post's mail, which took no
 * unit (`postLimits`); a creation that sent none (an import, a suppressed mail) errs towards fewer mails.
 */
export async function takeMailLimits(
  form: FormConfig,
  profile: LeadProfile,
  limits: CaptureMailLimits,
  now: EpochMs,
): Promise<'address_limit' | 'source_limit' | null> {
  if (limits.address) {
    const day = Math.floor(now / DAY_MS);
    const scope = ADDRESS_MAIL_LIMIT_SCOPE;
    let byAddress: boolean;
    try {
      byAddress = await takeQuota(
        scope,
        quotaSubjectKey(scope, profile.emailKey, await signingSecret()),
        { key: `day:${day}`, endsAt: (day + 1) * DAY_MS },
        form.mailLimits.perAddressPerDay,
        profile.createdAt >= day * DAY_MS ? 1 : 0,
      );
    } catch (error) {
      throw new MailLimitsNotTakenError(limits, error);
    }
    if (!byAddress) return 'address_limit';
  }
  if (!limits.sourceKey) return null;
  const hour = Math.floor(now / HOUR_MS);
  let bySource: boolean;
  try {
    bySource = await takeQuota(
      'capture-mail-source',
      limits.sourceKey,
      { key: `hour:${hour}`, endsAt: (hour + 1) * HOUR_MS },
      form.mailLimits.perSourcePerHour,
    );
  } catch (error) {
    throw new MailLimitsNotTakenError({ sourceKey: limits.sourceKey }, error);
  }
  return bySource ? null : 'source_limit';
}

/** Over a mail limit: nothing is sent, and `CaptureMailSuppressed` is counted with the reason. */
export function mailSuppressed(form: FormConfig, leadId: string, reason: 'address_limit' | 'source_limit') {
  countMetric('CaptureMailSuppressed', { formId: form.id, reason });
  logger.info('capture mail suppressed', { leadId, formId: form.id, reason });
}

/** The template of a form's mail: the double opt-in request while confirmation is pending, else the auto-reply. */
const templateOf = (form: FormConfig, pending: boolean): string | undefined =>
  pending ? DOUBLE_OPT_IN_TEMPLATE_ID : form.autoReplyTemplateId;

/**
 * The double opt-in link. Its token needs the signing key: a key that cannot be read (the table throttled)
 * means nothing was sent and the mail may go later, so it is a `MailNotSentError` like SES's own refusal
 * (the capture arms a retry; the sweeper's retry re-arms), never an unknown result that ends the retries.
 */
async function confirmLink(leadId: string, now: EpochMs): Promise<string> {
  try {
    return await confirmUrl(leadId, now);
  } catch (error) {
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new MailNotSentError(`the signing key could not be read (${reason})`, 'unreachable');
  }
}

/**
 * Sends a form's mail now (no limits, no catch): throws MailNotSentError when SES took nothing, anything else
 * when the result is unknown. The sweeper's retry (`#app/run-capture-mail-timer`) calls this directly.
 */
export async function deliverCaptureMail(
  form: FormConfig,
  profile: LeadProfile,
  pending: boolean,
  now: EpochMs,
): Promise<'sent' | 'none'> {
  const templateId = templateOf(form, pending);
  if (!templateId) return 'none';
  const lead = { ...profile, attributes: mailSafeAttributes(profile.attributes) };
  const link = pending ? { confirmUrl: await confirmLink(profile.leadId, now) } : {};
  await sendTemplate({
    templateId,
    lead,
    vars: { ...formMailVars(form), ...link },
    tags: { form: form.id },
  });
  return 'sent';
}

/**
 * The mail a form sends after capture: the double opt-in request while confirmation is pending, otherwise
 * the form's auto-reply (if it has one). Never echoes what the visitor typed beyond a link-free salutation
 * (`mailSafeAttributes`). A post's mail (`limits` given) counts against the form's `mailLimits`; over
 * them, nothing is sent and `CaptureMailSuppressed` is counted with the reason. Never throws: the lead is
 * already safe, and a failed auto-reply must not turn the visitor's submission into an error. When SES took
 * nothing (throttled, paused, not reached), or SES was never called because a mail-limit write failed, the
 * mail is not lost: a `capture-mail` timer has the sweeper send it a minute later, for up to a day
 * (`deferred`; limits not taken yet are taken by the retry first). A mail whose result is unknown (a
 * timeout) is not retried, so it never goes twice.
 */
export async function sendCaptureMail(
  form: FormConfig,
  profile: LeadProfile,
  pending: boolean,
  now: EpochMs,
  limits?: { source?: string; created: boolean },
): Promise<'sent' | 'none' | 'suppressed' | 'deferred' | 'failed'> {
  if (!templateOf(form, pending)) return 'none';
  try {
    if (limits) {
      const reason = await takeMailLimits(
        form,
        profile,
        await postLimits(limits.source, limits.created),
        now,
      );
      if (reason) {
        mailSuppressed(form, profile.leadId, reason);
        return 'suppressed';
      }
    }
    return await deliverCaptureMail(form, profile, pending, now);
  } catch (error) {
    if (error instanceof MailNotSentError)
      return deferCaptureMail(form, profile, pending, now, { reason: error.reason, error });
    // SES was never called: deferring cannot send the mail twice, and the retry takes the limits left.
    if (error instanceof MailLimitsNotTakenError)
      return deferCaptureMail(form, profile, pending, now, {
        reason: 'limits_unavailable',
        error: error.cause,
        limits: error.left,
      });
    logger.error('capture mail not sent', { leadId: profile.leadId, formId: form.id, ...errorFields(error) });
    return 'failed';
  }
}

async function deferCaptureMail(
  form: FormConfig,
  profile: LeadProfile,
  pending: boolean,
  now: EpochMs,
  why: { reason: string; error: unknown; limits?: CaptureMailLimits },
): Promise<'deferred' | 'failed'> {
  const fields = { leadId: profile.leadId, formId: form.id, reason: why.reason, ...errorFields(why.error) };
  try {
    await armCaptureMailRetry(
      {
        leadId: profile.leadId,
        formId: form.id,
        pending,
        firstFailedAt: now,
        ...(why.limits ? { limits: why.limits } : {}),
      },
      now + CAPTURE_MAIL_RETRY_MS,
    );
  } catch (armError) {
    logger.error('capture mail not sent, and its retry could not be armed', {
      ...fields,
      armError: errorFields(armError),
    });
    return 'failed';
  }
  countMetric('CaptureMailDeferred', { formId: form.id });
  logger.warn('capture mail not sent (SES took nothing, or was not called): the sweeper sends it', fields);
  return 'deferred';
}
