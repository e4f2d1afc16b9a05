import { errorFields, logger } from '#adapters/logger';
import { countMetric } from '#adapters/metrics';
import { signingSecret } from '#adapters/secrets';
import { MailNotSentError } from '#adapters/ses';
import { confirmUrl } from '#app/links';
import { sendTemplate } from '#app/mail';
import type { FormConfig } from '#config/forms';
import { mailSafeAttributes } from '#domain/capture/mail-safety';
import type { LeadProfile } from '#domain/lead/lead';
import type { EpochMs } from '#domain/lead/types';
import { DOUBLE_OPT_IN_TEMPLATE_ID } from '#domain/nurture/template-ids';
import { quotaSubjectKey } from '#domain/privacy/address-hash';
import { takeQuota } from '#store/quotas';
import { armCaptureMailRetry } from '#store/timers';

/** What a form's mails may use besides the lead's fields (dotted names become nested values). */
function mailVars(form: FormConfig): Record<string, unknown> {
  const vars: Record<string, unknown> = {
    formName: form.name,
    ...(form.downloadUrl ? { downloadUrl: form.downloadUrl } : {}),
  };
  for (const [name, value] of Object.entries(form.mailVars)) vars[name] = value;
  return vars;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** A mail SES did not take is sent again by the sweeper this long after, and again, for up to a day. */
export const CAPTURE_MAIL_RETRY_MS = 60_000;
export const CAPTURE_MAIL_RETRY_FOR_MS = DAY_MS;

/** One unit of a quota whose subject (an address, an IP) is stored only keyed one way (`quotaSubjectKey`). */
const takeMailQuota = (
  scope: string,
  subject: string,
  window: { key: string; endsAt: number },
  limit: number,
): Promise<boolean> => takeQuota(scope, quotaSubjectKey(scope, subject, signingSecret), window, limit);

/**
 * Takes one unit of the form's mail limits: per recipient address per (UTC) day, then per source IP per
 * hour. Returns the reason the mail must not go, or null.
 */
async function mailLimitReached(
  form: FormConfig,
  profile: LeadProfile,
  source: string | undefined,
  now: EpochMs,
): Promise<'address_limit' | 'source_limit' | null> {
  const day = Math.floor(now / DAY_MS);
  const byAddress = await takeMailQuota(
    'capture-mail-address',
    profile.emailKey,
    { key: `day:${day}`, endsAt: (day + 1) * DAY_MS },
    form.mailLimits.perAddressPerDay,
  );
  if (!byAddress) return 'address_limit';
  if (!source) return null;
  const hour = Math.floor(now / HOUR_MS);
  const bySource = await takeMailQuota(
    'capture-mail-source',
    source,
    { key: `hour:${hour}`, endsAt: (hour + 1) * HOUR_MS },
    form.mailLimits.perSourcePerHour,
  );
  return bySource ? null : 'source_limit';
}

/** The template of a form's mail: the double opt-in request while confirmation is pending, else the auto-reply. */
const templateOf = (form: FormConfig, pending: boolean): string | undefined =>
  pending ? DOUBLE_OPT_IN_TEMPLATE_ID : form.autoReplyTemplateId;

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
  await sendTemplate({
    templateId,
    lead,
    vars: { ...mailVars(form), ...(pending ? { confirmUrl: confirmUrl(profile.leadId, now) } : {}) },
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
 * nothing (throttled, paused, not reached), the mail is not lost: a `capture-mail` timer has the sweeper send
 * it again a minute later, for up to a day (`deferred`). A mail whose result is unknown (a timeout) is not
 * retried, so it never goes twice.
 */
export async function sendCaptureMail(
  form: FormConfig,
  profile: LeadProfile,
  pending: boolean,
  now: EpochMs,
  limits?: { source?: string },
): Promise<'sent' | 'none' | 'suppressed' | 'deferred' | 'failed'> {
  if (!templateOf(form, pending)) return 'none';
  try {
    if (limits) {
      const reason = await mailLimitReached(form, profile, limits.source, now);
      if (reason) {
        countMetric('CaptureMailSuppressed', { formId: form.id, reason });
        logger.info('capture mail suppressed', { leadId: profile.leadId, formId: form.id, reason });
        return 'suppressed';
      }
    }
    return await deliverCaptureMail(form, profile, pending, now);
  } catch (error) {
    if (error instanceof MailNotSentError) return deferCaptureMail(form, profile, pending, now, error);
    logger.error('capture mail not sent', { leadId: profile.leadId, formId: form.id, ...errorFields(error) });
    return 'failed';
  }
}

async function deferCaptureMail(
  form: FormConfig,
  profile: LeadProfile,
  pending: boolean,
  now: EpochMs,
  error: MailNotSentError,
): Promise<'deferred' | 'failed'> {
  const fields = { leadId: profile.leadId, formId: form.id, reason: error.reason, ...errorFields(error) };
  try {
    await armCaptureMailRetry(
      { leadId: profile.leadId, formId: form.id, pending, firstFailedAt: now },
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
  logger.warn('capture mail not sent (SES took nothing): the sweeper sends it again', fields);
  return 'deferred';
}
