import { errorFields, logger } from '#adapters/logger';
import { countMetric } from '#adapters/metrics';
import { confirmUrl } from '#app/links';
import { sendTemplate } from '#app/mail';
import type { FormConfig } from '#config/forms';
import { mailSafeAttributes } from '#domain/capture/mail-safety';
import type { LeadProfile } from '#domain/lead/lead';
import type { EpochMs } from '#domain/lead/types';
import { DOUBLE_OPT_IN_TEMPLATE_ID } from '#domain/nurture/template-ids';
import { takeQuota } from '#store/quotas';

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
  const byAddress = await takeQuota(
    'capture-mail-address',
    profile.emailKey,
    { key: `day:${day}`, endsAt: (day + 1) * DAY_MS },
    form.mailLimits.perAddressPerDay,
  );
  if (!byAddress) return 'address_limit';
  if (!source) return null;
  const hour = Math.floor(now / HOUR_MS);
  const bySource = await takeQuota(
    'capture-mail-source',
    source,
    { key: `hour:${hour}`, endsAt: (hour + 1) * HOUR_MS },
    form.mailLimits.perSourcePerHour,
  );
  return bySource ? null : 'source_limit';
}

/**
 * The mail a form sends after capture: the double opt-in request while confirmation is pending, otherwise
 * the form's auto-reply (if it has one). Never echoes what the visitor typed beyond a link-free salutation
 * (`mailSafeAttributes`). A post's mail (`limits` given) counts against the form's `mailLimits`; over
 * them, nothing is sent and `CaptureMailSuppressed` is counted with the reason. Never throws: the lead is
 * already safe, and a failed auto-reply must not turn the visitor's submission into an error.
 */
export async function sendCaptureMail(
  form: FormConfig,
  profile: LeadProfile,
  pending: boolean,
  now: EpochMs,
  limits?: { source?: string },
): Promise<'sent' | 'none' | 'suppressed' | 'failed'> {
  const templateId = pending ? DOUBLE_OPT_IN_TEMPLATE_ID : form.autoReplyTemplateId;
  if (!templateId) return 'none';
  try {
    if (limits) {
      const reason = await mailLimitReached(form, profile, limits.source, now);
      if (reason) {
        countMetric('CaptureMailSuppressed', { formId: form.id, reason });
        logger.info('capture mail suppressed', { leadId: profile.leadId, formId: form.id, reason });
        return 'suppressed';
      }
    }
    const lead = { ...profile, attributes: mailSafeAttributes(profile.attributes) };
    await sendTemplate({
      templateId,
      lead,
      vars: { ...mailVars(form), ...(pending ? { confirmUrl: confirmUrl(profile.leadId, now) } : {}) },
      tags: { form: form.id },
    });
    return 'sent';
  } catch (error) {
    logger.error('capture mail not sent', { leadId: profile.leadId, formId: form.id, ...errorFields(error) });
    return 'failed';
  }
}
