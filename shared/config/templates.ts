/**
 * Email templates and the sender identity, as marketing ops write them in `config/templates.ts`.
 * Template syntax is checked here, so a broken `{{…}}` fails at synth with the field's path.
 */
import { z } from 'zod';
import { templateSyntaxError } from '#domain/nurture/templates';

export const LOCALES = ['ja', 'en'] as const;

const templateId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'template id: lowercase letters, digits and "-" (max 64)');

const templateSource = z.string().superRefine((source, ctx) => {
  const problem = templateSyntaxError(source);
  if (problem) ctx.addIssue({ code: 'custom', message: `template syntax: ${problem}` });
});

export const templateVariantSchema = z
  .object({
    subject: templateSource.pipe(
      z
        .string()
        .min(1)
        .max(200)
        .refine((s) => !/[\r\n]/.test(s), 'subject must be one line (no CR/LF)'),
    ),
    html: templateSource.pipe(z.string().min(1).max(200_000)),
    /** Plain-text part; generated from the HTML when absent. */
    text: templateSource.pipe(z.string().max(200_000)).optional(),
  })
  .strict();

export const templateSchema = z
  .object({
    id: templateId,
    kind: z.enum(['marketing', 'transactional']),
    description: z.string().max(500).optional(),
    defaultLocale: z.enum(LOCALES).default('ja'),
    locales: z
      .object({ ja: templateVariantSchema.optional(), en: templateVariantSchema.optional() })
      .strict(),
  })
  .strict()
  .superRefine((t, ctx) => {
    if (!t.locales[t.defaultLocale]) {
      ctx.addIssue({
        code: 'custom',
        path: ['locales', t.defaultLocale],
        message: `template "${t.id}" needs a variant for its default locale "${t.defaultLocale}"`,
      });
    }
  });

export const templatesConfigSchema = z.array(templateSchema).superRefine((templates, ctx) => {
  const seen = new Set<string>();
  templates.forEach((t, i) => {
    if (seen.has(t.id)) {
      ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `duplicate template id "${t.id}"` });
    }
    seen.add(t.id);
  });
});

/** Who mail is from, and the identity printed in every marketing footer. */
export const mailSenderSchema = z
  .object({
    /** Display name, e.g. 「株式会社サンプル マーケティング部」. */
    fromName: z
      .string()
      .min(1)
      .max(100)
      .refine((s) => !/[\r\n]/.test(s), 'fromName must be one line (no CR/LF)'),
    /** A verified SES identity. */
    fromAddress: z.email(),
    replyTo: z.email().optional(),
    /** Company name for the footer. */
    name: z.string().min(1).max(200),
    /** Postal address for the footer (required in marketing mail in Japan). */
    postalAddress: z.string().min(1).max(300),
    /** Where complaints and questions reach the sender, for the footer (also required in Japan). */
    contact: z.string().min(1).max(300).optional(),
  })
  .strict();

export type TemplateConfig = z.output<typeof templateSchema>;
export type TemplatesConfig = z.output<typeof templatesConfigSchema>;
export type MailSenderConfig = z.output<typeof mailSenderSchema>;
