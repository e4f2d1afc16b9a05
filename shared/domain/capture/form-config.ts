import type { Channel, Consent, EpochMs, LeadAttribute } from '#domain/lead/types';

/**
 * What form validation needs from configuration, declared by the domain. The zod schemas that validate
 * marketing ops' forms (`shared/config/forms.ts`) are checked against these types, so the arrow points
 * config → domain only.
 */
export const FIELD_TYPES = ['email', 'text', 'tel', 'select', 'checkbox', 'hidden', 'textarea'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

/** The checkbox that carries consent; one name everywhere, like the lead attributes. */
export const CONSENT_FIELD = 'consent';

/** Auto-reply templates a form may send at once (the templates themselves live with the mail templates). */
export const AUTO_REPLY_TEMPLATE_IDS = [
  'autoreply-contact',
  'autoreply-whitepaper',
  'autoreply-webinar',
] as const;
export type AutoReplyTemplateId = (typeof AUTO_REPLY_TEMPLATE_IDS)[number];

export const FORM_LOCALES = ['ja', 'en'] as const;

export const SCORE_ONCE_PER = ['submission', 'day'] as const;

/** `immediate`: the inquiry fast lane (hand-off at once, only the form's own sequences). */
export const FORM_HANDOFF_MODES = ['score', 'immediate'] as const;
export type FormHandoffMode = (typeof FORM_HANDOFF_MODES)[number];

export interface FormField {
  /** The name the browser posts. */
  name: string;
  type: FieldType;
  /** Label shown to people; validation messages use it (the name when not configured). */
  label: string;
  required: boolean;
  /** Maximum length in characters (code points). */
  maxLength: number;
  /** Allowed values of a select. */
  options?: { value: string; label: string }[] | undefined;
  /** The lead attribute the value is stored as; none for fields such as the consent checkbox. */
  attribute?: LeadAttribute;
}

export interface FormConfig {
  id: string;
  name: string;
  /** Language of validation messages returned to the browser. */
  locale: (typeof FORM_LOCALES)[number];
  fields: FormField[];
  allowedOrigins: string[];
  thankYouUrl: string;
  errorUrl: string;
  consent: { purpose: string; text: string; version: string; required: boolean };
  doubleOptIn: boolean;
  autoReplyTemplateId?: AutoReplyTemplateId;
  downloadUrl?: string;
  mailVars: Record<string, string>;
  sequenceIds: string[];
  /**
   * `immediate` (contact, demo request, quote): a post hands the lead to sales at once, whatever its score,
   * and enrolls it only in `sequenceIds` (sequences whose entry names the form are not started by it).
   * `score` or absent: the configured hand-off trigger decides.
   */
  handoff?: FormHandoffMode;
  channel: Channel;
  /** What a submission counts as for behaviour scoring. */
  behaviourEvent: { type: 'form_submitted'; properties: Record<string, string | number | boolean> };
  /**
   * How often a submission of this form earns its behaviour points for one lead: once per `day` (in the
   * app's time zone; the default, so ten identical posts cannot make a lead hot) or every `submission`.
   * Every submission is on the timeline either way.
   */
  scoreOncePer: (typeof SCORE_ONCE_PER)[number];
  /**
   * Limits on the mail a post sends (auto-reply or double opt-in request) to stop the form being used as a
   * mail cannon: per recipient address per day (across forms) and per source IP per hour. The excess post is
   * still stored; only its mail is suppressed.
   */
  mailLimits: { perAddressPerDay: number; perSourcePerHour: number };
  /** Posts filled faster than this are treated as bots. */
  minFillMs: number;
  /** Visually hidden field people leave empty; bots fill it. */
  honeypotField: string;
}

/** The consent record to store with the lead, or null when the box was not ticked. */
export function consentRecord(
  form: FormConfig,
  consented: boolean,
  at: EpochMs,
  context: { ip?: string; userAgent?: string } = {},
): Consent | null {
  if (!consented) return null;
  return {
    purpose: form.consent.purpose,
    textVersion: form.consent.version,
    formId: form.id,
    at,
    doubleOptIn: form.doubleOptIn,
    ...(context.ip ? { ip: context.ip } : {}),
    ...(context.userAgent ? { userAgent: context.userAgent.slice(0, 512) } : {}),
  };
}

/**
 * What a form's mails may use besides the lead's fields: the form's name, its download link and its own
 * `mailVars` (names without dots, checked by the config schema). Capture's mails and the template preview
 * both take them from here.
 */
export function formMailVars(form: {
  name: string;
  downloadUrl?: string | undefined;
  mailVars: Readonly<Record<string, string>>;
}): Record<string, unknown> {
  return {
    formName: form.name,
    ...(form.downloadUrl ? { downloadUrl: form.downloadUrl } : {}),
    ...form.mailVars,
  };
}
