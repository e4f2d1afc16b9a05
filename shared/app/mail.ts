import { type OutgoingMail, sendMail } from '#adapters/ses';
import { mailSender, templateById } from '#config/settings';
import type { Lead, LeadProfile } from '#domain/lead/lead';
import { buildListUnsubscribeHeaders, formatAddress } from '#domain/nurture/mail-headers';
import { renderTemplate, type TemplateVars } from '#domain/nurture/templates';

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
  return sendMail({
    from: formatAddress(sender.fromAddress, sender.fromName),
    ...(sender.replyTo ? { replyTo: [sender.replyTo] } : {}),
    to: mail.lead.email,
    subject: rendered.subject,
    html: rendered.html,
    text: rendered.text,
    headers,
    tags: { lead: mail.lead.leadId, template: template.id, kind: template.kind, ...mail.tags },
  });
}

/** `{{owner.name}}` / `{{owner.email}}` for a lead's mail: the owner of its open hand-off, if any. */
export function ownerVars(lead: Pick<Lead, 'state'>): TemplateVars {
  const handoff = lead.state.handoff;
  if (handoff === undefined || handoff.closedAt !== undefined) return {};
  return { owner: { name: handoff.owner.name, email: handoff.owner.email } };
}
