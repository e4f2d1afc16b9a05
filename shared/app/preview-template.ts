import { settings as configured, mailSender, type Settings, templateById } from '#config/settings';
import { formMailVars } from '#domain/capture/form-config';
import type { LeadAttributes } from '#domain/lead/types';
import { buildListUnsubscribeHeaders } from '#domain/nurture/mail-headers';
import { type Locale, renderTemplate, type TemplateVars } from '#domain/nurture/templates';

/** The built-in Japanese sample lead a preview renders for (no real lead's data leaves the table). */
export const SAMPLE_LEAD: LeadAttributes = {
  email: 'taro.yamada@example.co.jp',
  lastName: '山田',
  firstName: '太郎',
  company: '株式会社サンプル商事',
  department: 'マーケティング部',
  title: '部長',
  employees: '300-999',
  industry: '製造業',
  prefecture: '東京都',
};
export const SAMPLE_UNSUBSCRIBE_URL = 'https://api.example.co.jp/v1/unsubscribe?t=SAMPLE-TOKEN';
export const SAMPLE_VARS: TemplateVars = {
  confirmUrl: 'https://api.example.co.jp/v1/confirm?t=SAMPLE-TOKEN',
  downloadUrl: 'https://www.example.co.jp/downloads/sample.pdf',
  formName: '資料ダウンロード',
};

export interface TemplatePreview {
  templateId: string;
  kind: string;
  locale: Locale;
  /** The locales the template has (the preview can be asked for each). */
  locales: Locale[];
  subject: string;
  /** The HTML part as sent: variables escaped, the sender footer and unsubscribe link of a marketing mail. */
  html: string;
  text: string;
  headers: { name: string; value: string }[];
}

/**
 * A configured e-mail template rendered for the sample lead (or the given one, with extra variables),
 * exactly as a send would render it (escaping, salutation, the marketing footer and RFC 8058 headers), for the
 * console's Settings page and `npm run preview`. Reads only configuration. Undefined for an unknown template.
 */
export function previewTemplate(
  templateId: string,
  locale?: Locale,
  input: { lead?: LeadAttributes; vars?: TemplateVars } = {},
  settings: Settings = configured,
): TemplatePreview | undefined {
  const template = templateById(templateId, settings);
  if (!template) return undefined;
  const marketing = template.kind === 'marketing';
  const vars: TemplateVars = {
    ...SAMPLE_VARS,
    ...configuredVars(template.id, settings),
    ...input.vars,
    lead: input.lead ?? SAMPLE_LEAD,
    ...(marketing ? { unsubscribeUrl: SAMPLE_UNSUBSCRIBE_URL } : {}),
  };
  const rendered = renderTemplate(template, vars, locale, { sender: mailSender(settings) });
  return {
    templateId: template.id,
    kind: template.kind,
    locale: rendered.locale,
    locales: Object.keys(template.locales) as Locale[],
    subject: rendered.subject,
    html: rendered.html,
    text: rendered.text,
    headers: marketing ? buildListUnsubscribeHeaders(SAMPLE_UNSUBSCRIBE_URL) : [],
  };
}

/**
 * The values a send of this template gets from configuration: the vars of the first sequence step that sends
 * it (e.g. `caseStudyUrl`), else the mail variables of the first form that auto-replies with it, as capture
 * gives them. Without them a preview showed an empty link where the mail has one.
 */
export function configuredVars(templateId: string, settings: Settings = configured): TemplateVars {
  const step = settings.sequences.flatMap((q) => q.steps).find((s) => s.templateId === templateId);
  if (step) return { ...step.vars };
  const form = settings.forms.find((f) => f.autoReplyTemplateId === templateId);
  return form ? (formMailVars(form) as TemplateVars) : {};
}

/** Template ids, for a 404's message. */
export const templateIds = (settings: Settings = configured): string[] => settings.templates.map((t) => t.id);
