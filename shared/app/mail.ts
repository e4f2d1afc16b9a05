import { now } from '#adapters/clock';
import { errorFields, logger } from '#adapters/logger';
import { MailNotSentError, MailRejectedError, type OutgoingMail, sendMail } from '#adapters/ses';
import { mailSender, templateById } from '#config/settings';
import type { Lead, LeadProfile } from '#domain/lead/lead';
import { buildListUnsubscribeHeaders, formatAddress } from '#domain/nurture/mail-headers';
import { renderTemplate, type TemplateVars } from '#domain/nurture/templates';
import { claimMail, type MailClaim, markMailSent, releaseMail } from '#store/mail-claims';

export interface TemplateMail {
  templateId: string;
  lead: Pick<LeadProfile, 'leadId' | 'email' | 'attributes' | 'locale'>;
  vars?: TemplateVars;
  /** Required for marketing templates: the one-click unsubscribe link (also rendered in the footer). */
  unsubscribeUrl?: string;
  tags?: Record<string, string>;
}

/**
 * Render a configured template for a lead and send it through SES: From/Reply-To from config, message tags
 * so engagement events find the lead, and for marketing mail the RFC 8058 one-click headers plus the footer
 * with the sender's name and postal address. Returns the SES message id.
 */
export async function sendTemplate(mail: TemplateMail): Promise<string> {
  const template = templateById(mail.templateId);
  if (!template) throw new Error(`unknown template ${mail.templateId}`);
  const sender = mailSender();
  const rendered = renderTemplate(
    template,
    {
      lead: mail.lead.attributes,
      ...mail.vars,
      ...(mail.unsubscribeUrl ? { unsubscribeUrl: mail.unsubscribeUrl } : {}),
    },
    mail.lead.locale,
    { sender },
  );
  const headers: NonNullable<OutgoingMail['headers']> = [];
  if (template.kind === 'marketing') {
    if (!mail.unsubscribeUrl) throw new Error(`marketing template ${template.id} needs an unsubscribe link`);
    headers.push(...buildListUnsubscribeHeaders(mail.unsubscribeUrl));
  }
  return sendFromSender({
    to: mail.lead.email,
    subject: rendered.subject,
    html: rendered.html,
    text: rendered.text,
    headers,
    tags: { lead: mail.lead.leadId, template: template.id, kind: template.kind, ...mail.tags },
  });
}

/**
 * A mail from the configured sender (`app.sender`: From and Reply-To), through the configuration set: a
 * lead's template mail, the team's weekly digest, an owner's alert.
 */
export function sendFromSender(mail: Omit<OutgoingMail, 'from' | 'replyTo'>): Promise<string> {
  const sender = mailSender();
  return sendMail({
    from: formatAddress(sender.fromAddress, sender.fromName),
    ...(sender.replyTo ? { replyTo: [sender.replyTo] } : {}),
    ...mail,
  });
}

export type MailOnceOutcome =
  | { outcome: 'sent'; messageId: string }
  /** Claimed before: sent, or its send in doubt. */
  | { outcome: 'already_sent' }
  /** SES's answer never came (a timeout): it may have taken the mail, so it is not sent again. */
  | { outcome: 'uncertain' }
  /** SES refused the message for good (an address it will not take): a retry would be refused the same way. */
  | { outcome: 'rejected' };

/**
 * A mail from the configured sender sent at most once (the weekly digest, an owner's alert): claimed first in
 * the table (`#store/mail-claims`), so a repeated, retried or concurrent run sends nothing; its message id
 * recorded on the claim after. SES refusing it for now (throttled, unreachable: nothing was sent) gives the
 * claim back and throws, so the caller's retry sends it. An unknown result (a timeout: SES may have taken it)
 * and a rejection keep the claim and are logged as errors. At most once: a second copy of a mail to people
 * is worse than a missing one the log reports.
 */
export async function sendFromSenderOnce(
  claim: MailClaim,
  mail: Omit<OutgoingMail, 'from' | 'replyTo'>,
  log: Record<string, unknown>,
): Promise<MailOnceOutcome> {
  const at = now();
  if (!(await claimMail(claim, at))) return { outcome: 'already_sent' };
  let messageId: string;
  try {
    messageId = await sendFromSender(mail);
  } catch (error) {
    if (error instanceof MailNotSentError) {
      logger.warn('mail not sent; the claim is given back for the retry', { ...log, ...errorFields(error) });
      await releaseMail(claim, at);
      throw error;
    }
    const rejected = error instanceof MailRejectedError;
    logger.error(rejected ? 'mail rejected by SES' : 'mail: result unknown, not sent again', {
      ...log,
      ...errorFields(error),
    });
    return { outcome: rejected ? 'rejected' : 'uncertain' };
  }
  // The mail is out: a failure to note its id must not fail the run (a retry would find the claim anyway).
  await markMailSent(claim, at, messageId).catch((error: unknown) =>
    logger.warn('mail sent, its message id not recorded', { ...log, ...errorFields(error) }),
  );
  return { outcome: 'sent', messageId };
}

/** `{{owner.name}}` / `{{owner.email}}` for a lead's mail: the owner of its open hand-off, if any. */
export function ownerVars(lead: Pick<Lead, 'state'>): TemplateVars {
  const handoff = lead.state.handoff;
  if (handoff === undefined || handoff.closedAt !== undefined) return {};
  return { owner: { name: handoff.owner.name, email: handoff.owner.email } };
}
