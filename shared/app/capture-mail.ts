import { errorFields, logger } from '#adapters/logger';
import { confirmUrl } from '#app/links';
import { sendTemplate } from '#app/mail';
import type { FormConfig } from '#config/forms';
import type { LeadProfile } from '#domain/lead/lead';
import type { EpochMs } from '#domain/lead/types';
import { DOUBLE_OPT_IN_TEMPLATE_ID } from '#domain/nurture/template-ids';

/** What a form's mails may use besides the lead's fields (dotted names become nested values). */
function mailVars(form: FormConfig): Record<string, unknown> {
  const vars: Record<string, unknown> = {
    formName: form.name,
    ...(form.downloadUrl ? { downloadUrl: form.downloadUrl } : {}),
  };
  for (const [name, value] of Object.entries(form.mailVars)) vars[name] = value;
  return vars;
}

/**
 * The mail a form sends after capture: the double opt-in request while confirmation is pending, otherwise
 * the form's auto-reply (if it has one). Never throws: the lead is already safe, and a failed auto-reply
 * must not turn the visitor's submission into an error.
 */
export async function sendCaptureMail(
  form: FormConfig,
  profile: LeadProfile,
  pending: boolean,
  now: EpochMs,
): Promise<void> {
  try {
    if (pending) {
      await sendTemplate({
        templateId: DOUBLE_OPT_IN_TEMPLATE_ID,
        lead: profile,
        vars: { ...mailVars(form), confirmUrl: confirmUrl(profile.leadId, now) },
        tags: { form: form.id },
      });
    } else if (form.autoReplyTemplateId) {
      await sendTemplate({
        templateId: form.autoReplyTemplateId,
        lead: profile,
        vars: mailVars(form),
        tags: { form: form.id },
      });
    }
  } catch (error) {
    logger.error('capture mail not sent', { leadId: profile.leadId, formId: form.id, ...errorFields(error) });
  }
}
