/**
 * Landing-page forms as configuration. Marketing ops list their forms in `config/forms.ts`; this schema
 * validates them at synth and at start-up, so a typo fails with a message naming the field
 * (e.g. `forms[0].fields[2].attribute`).
 */
import { z } from 'zod';
import {
  AUTO_REPLY_TEMPLATE_IDS,
  CONSENT_FIELD,
  FIELD_TYPES,
  type FieldType,
  FORM_HANDOFF_MODES,
  FORM_LOCALES,
  type FormConfig,
  type FormField,
  SCORE_ONCE_PER,
} from '#domain/capture/form-config';
import { CHANNELS, LEAD_ATTRIBUTES } from '#domain/lead/types';
import { DOUBLE_OPT_IN_TEMPLATE_ID } from '#domain/nurture/template-ids';

export type { AutoReplyTemplateId, FieldType, FormConfig, FormField } from '#domain/capture/form-config';
export { AUTO_REPLY_TEMPLATE_IDS, CONSENT_FIELD, DOUBLE_OPT_IN_TEMPLATE_ID, FIELD_TYPES };

/**
 * Meta fields the landing page and tracking snippet add. They are never form fields: a form field with one
 * of these names would shadow them.
 */
export const META_FIELDS = [
  '_anonymousId',
  '_startedAt',
  '_landingUrl',
  '_referrer',
  'utm_source',
  'utm_medium',
  'utm_campaign',
  'utm_term',
  'utm_content',
] as const;

/** Default maximum length (in characters) per field type when the config does not say. */
export const DEFAULT_MAX_LENGTH: Record<FieldType, number> = {
  email: 254,
  text: 200,
  tel: 30,
  select: 200,
  checkbox: 10,
  hidden: 500,
  textarea: 5000,
};

/** Upper bound on any configured maxLength: keeps one lead item far below DynamoDB's 400 KB. */
const MAX_FIELD_LENGTH = 20_000;

/** True for an exact browser origin: https, or http on localhost for development; no path, no slash. */
export function isOrigin(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.origin !== value) return false;
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && (url.hostname === 'localhost' || url.hostname === '127.0.0.1');
}

/**
 * True for a redirect target: an absolute http(s) URL, or a path on the API's own origin. Protocol-relative
 * `//host` and backslash tricks are refused because browsers treat them as other hosts.
 */
export function isRedirectTarget(value: string): boolean {
  if (value.startsWith('/')) return !value.startsWith('//') && !value.includes('\\') && !/\s/.test(value);
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

const origin = z.string().refine(isOrigin, {
  message: 'must be an exact origin such as https://www.example.co.jp (https, or http://localhost)',
});

const redirectTarget = z.string().max(2048).refine(isRedirectTarget, {
  message: 'must be an absolute http(s) URL or a path starting with a single "/"',
});

const selectOption = z.union([
  z.string().min(1).max(200),
  z.object({ value: z.string().min(1).max(200), label: z.string().min(1).max(200) }).strict(),
]);

export const formFieldSchema = z
  .object({
    /** The name the browser posts. For attribute fields, use the attribute's own name. */
    name: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'letters, digits and "_", starting with a letter (max 64)'),
    type: z.enum(FIELD_TYPES),
    /** Label shown to people; validation messages use it. Defaults to the name. */
    label: z.string().min(1).max(100).optional(),
    required: z.boolean().default(false),
    /** Maximum length in characters (code points); defaults per type (text 200, textarea 5000, …). */
    maxLength: z.number().int().positive().max(MAX_FIELD_LENGTH).optional(),
    /** Allowed values of a select; a plain string is both value and label. */
    options: z.array(selectOption).min(1).max(200).optional(),
    /** The lead attribute the value is stored as; none for fields such as the consent checkbox. */
    attribute: z.enum(LEAD_ATTRIBUTES).optional(),
  })
  .strict()
  .superRefine((field, ctx) => {
    if (field.type === 'select' && field.options === undefined) {
      ctx.addIssue({ code: 'custom', path: ['options'], message: 'a select field needs options' });
    }
    if (field.type !== 'select' && field.options !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['options'], message: 'only a select field takes options' });
    }
    if (field.type === 'checkbox' && field.attribute !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['attribute'],
        message: 'a checkbox cannot hold a lead attribute',
      });
    }
    if ((field.type === 'email') !== (field.attribute === 'email')) {
      ctx.addIssue({
        code: 'custom',
        path: ['attribute'],
        message: 'the email attribute needs a field of type "email", and an "email" field maps to it',
      });
    }
    if ((META_FIELDS as readonly string[]).includes(field.name)) {
      ctx.addIssue({ code: 'custom', path: ['name'], message: `"${field.name}" is reserved for tracking` });
    }
  })
  // Absent stays absent (not `undefined`): the settings must survive JSON as they are (infra/bundling.ts).
  .transform(({ options, ...field }) => ({
    ...field,
    label: field.label ?? field.name,
    maxLength: field.maxLength ?? DEFAULT_MAX_LENGTH[field.type],
    ...(options ? { options: options.map((o) => (typeof o === 'string' ? { value: o, label: o } : o)) } : {}),
  })) satisfies z.ZodType<FormField>;

const behaviourEventSchema = z
  .object({
    type: z.literal('form_submitted').default('form_submitted'),
    properties: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
  })
  .strict();

export const formConfigSchema = z
  .object({
    /** Used in the URL: `POST /v1/forms/{id}`. */
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'lower-case letters, digits and "-" (max 64)'),
    name: z.string().min(1).max(200),
    /** Language of validation messages returned to the browser. */
    locale: z.enum(FORM_LOCALES).default('ja'),
    fields: z.array(formFieldSchema).min(1).max(50),
    /** Browser origins allowed to post (CORS); exact match. */
    allowedOrigins: z.array(origin).default([]),
    /** Where a plain (no-JavaScript) post is sent after success / failure. The handler redirects only here. */
    thankYouUrl: redirectTarget,
    errorUrl: redirectTarget,
    consent: z
      .object({
        /** What is agreed to, e.g. "marketing_email". */
        purpose: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'lower-case letters, digits and "_"'),
        /** The text shown next to the checkbox, kept so a consent record can show what was agreed to. */
        text: z.string().min(1).max(2000),
        version: z.string().min(1).max(50),
        required: z.boolean().default(true),
      })
      .strict(),
    doubleOptIn: z.boolean().default(false),
    autoReplyTemplateId: z.enum(AUTO_REPLY_TEMPLATE_IDS).optional(),
    /** Document handed out by a whitepaper form (linked from the auto-reply and thank-you page). */
    downloadUrl: z.url({ protocol: /^https?$/ }).optional(),
    /** Other values the form's mails use, e.g. a webinar's `joinUrl` and `webinar.startsAt`. */
    mailVars: z.record(z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,39}$/), z.string().max(2000)).default({}),
    sequenceIds: z.array(z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/)).default([]),
    /**
     * `immediate` (contact, demo request, quote): every post hands the lead to sales at once, whatever its
     * score, and enrolls it only in this form's `sequenceIds`. `score` (default): the hand-off trigger decides.
     */
    handoff: z.enum(FORM_HANDOFF_MODES).default('score'),
    channel: z.enum(CHANNELS).default('inbound_web'),
    /** What a submission counts as for behaviour scoring; `properties.formId` defaults to the form id. */
    behaviourEvent: behaviourEventSchema.optional(),
    /** How often a submission earns its behaviour points per lead: once a `day` (default) or every `submission`. */
    scoreOncePer: z.enum(SCORE_ONCE_PER).default('day'),
    /** Mail (auto-reply, double opt-in request) per recipient address per day and per source IP per hour. */
    mailLimits: z
      .object({
        perAddressPerDay: z.number().int().min(1).max(100).default(3),
        perSourcePerHour: z.number().int().min(1).max(10_000).default(20),
      })
      .strict()
      .default({ perAddressPerDay: 3, perSourcePerHour: 20 }),
    /** Posts filled faster than this since `_startedAt` are treated as bots. */
    minFillMs: z.number().int().min(0).max(600_000).default(2500),
    /** Visually hidden field people leave empty; bots fill it. */
    honeypotField: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/)
      .default('website'),
  })
  .strict()
  .superRefine((form, ctx) => {
    const seen = new Map<string, number>();
    const attributes = new Map<string, number>();
    form.fields.forEach((field, i) => {
      if (seen.has(field.name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['fields', i, 'name'],
          message: `duplicate field "${field.name}"`,
        });
      }
      seen.set(field.name, i);
      if (field.attribute !== undefined) {
        if (attributes.has(field.attribute)) {
          ctx.addIssue({
            code: 'custom',
            path: ['fields', i, 'attribute'],
            message: `attribute "${field.attribute}" is already mapped by another field`,
          });
        }
        attributes.set(field.attribute, i);
      }
    });
    if (!attributes.has('email')) {
      ctx.addIssue({ code: 'custom', path: ['fields'], message: 'a form needs an email field' });
    } else {
      const emailField = form.fields[attributes.get('email') ?? 0];
      if (emailField !== undefined && !emailField.required) {
        ctx.addIssue({
          code: 'custom',
          path: ['fields', attributes.get('email') ?? 0, 'required'],
          message: 'the email field must be required (leads are keyed by email)',
        });
      }
    }
    const consentIndex = seen.get(CONSENT_FIELD);
    const consentField = consentIndex === undefined ? undefined : form.fields[consentIndex];
    if (consentField !== undefined && consentField.type !== 'checkbox') {
      ctx.addIssue({
        code: 'custom',
        path: ['fields', consentIndex ?? 0, 'type'],
        message: `the "${CONSENT_FIELD}" field must be a checkbox`,
      });
    }
    if (form.consent.required && consentField === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['consent', 'required'],
        message: `consent is required but the form has no "${CONSENT_FIELD}" checkbox`,
      });
    }
    if (seen.has(form.honeypotField)) {
      ctx.addIssue({
        code: 'custom',
        path: ['honeypotField'],
        message: 'the honeypot must not be a real field',
      });
    }
    if (form.doubleOptIn && consentField === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['doubleOptIn'],
        message: `double opt-in confirms consent, so the form needs a "${CONSENT_FIELD}" checkbox`,
      });
    }
  })
  .transform((form) => ({
    ...form,
    behaviourEvent: {
      type: form.behaviourEvent?.type ?? ('form_submitted' as const),
      properties: { formId: form.id, ...form.behaviourEvent?.properties },
    },
  })) satisfies z.ZodType<FormConfig>;

export const formsConfigSchema = z.array(formConfigSchema).superRefine((forms, ctx) => {
  const seen = new Set<string>();
  forms.forEach((form, i) => {
    if (seen.has(form.id)) {
      ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `duplicate form id "${form.id}"` });
    }
    seen.add(form.id);
  });
});

export type FormsConfig = z.output<typeof formsConfigSchema>;
