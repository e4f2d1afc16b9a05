import { z } from 'zod';
import { appConfigSchema } from '#config/app';
import { DEFAULT_DEALS, dealsConfigSchema } from '#config/deals';
import { parseConfig } from '#config/errors';
import { DOUBLE_OPT_IN_TEMPLATE_ID, formsConfigSchema } from '#config/forms';
import { handoffConfigSchema } from '#config/handoff';
import { reportsConfigSchema } from '#config/reports';
import { scoringConfigSchema } from '#config/scoring';
import { nurtureSettingsSchema, sequencesConfigSchema, validateSequenceRefs } from '#config/sequences';
import { templatesConfigSchema } from '#config/templates';
import { templateVariablePaths, visitorTextVariables } from '#domain/capture/mail-safety';
import { requiredVariables } from '#domain/nurture/templates';
/*
 * `shared/config/` is code: the zod schemas (one per area, each checked against the types the domain
 * declares, e.g. `ScoringConfig` in shared/domain/scoring/config.ts), the one `ConfigError` and issue
 * formatter (errors.ts), this file (all areas validated together), and `settings` (settings.ts), the
 * validated values the rest of the code reads. `config/` (the top-level folder) is data: what marketing ops
 * edit. Nothing imports `config/` but settings-source.ts.
 *
 * Nothing on a Lambda's import path imports this file: the CDK app validates at synth and bundles the result
 * (see settings-source.ts); tests, `npm start` and the scripts validate when they load the settings.
 */

/**
 * All of marketing ops' settings (`config/`), validated together: at synth (the CDK app imports them), in
 * tests and when `npm start` or a script loads them; deployed functions get the result, not this schema.
 * Besides each area's own schema, references across areas are checked (a form's auto-reply template and
 * sequences, a sequence step's template, the recycle sequence), so a typo fails with a message that names
 * the field, e.g. `forms[1].sequenceIds[0]: unknown sequence "whitepaper-nurtur"`.
 */
export const settingsSchema = z
  .object({
    app: appConfigSchema,
    forms: formsConfigSchema,
    scoring: scoringConfigSchema,
    templates: templatesConfigSchema,
    sequences: sequencesConfigSchema,
    nurtureSettings: nurtureSettingsSchema.default(nurtureSettingsSchema.parse({})),
    handoff: handoffConfigSchema,
    reports: reportsConfigSchema.default(reportsConfigSchema.parse({})),
    deals: dealsConfigSchema.default(dealsConfigSchema.parse(DEFAULT_DEALS)),
  })
  .superRefine((s, ctx) => {
    // One sign-in per address: a person is not also a sales owner (signed in as `sales`), nor listed twice.
    const ownerEmails = new Set(s.handoff.owners.map((o) => o.email.toLowerCase()));
    const seen = new Set<string>();
    s.app.signIn.people.forEach((person, i) => {
      const email = person.email.toLowerCase();
      const clash = ownerEmails.has(email)
        ? 'is a sales owner in config/handoff.ts'
        : seen.has(email)
          ? 'is listed twice'
          : '';
      if (clash)
        ctx.addIssue({
          code: 'custom',
          path: ['app', 'signIn', 'people', i, 'email'],
          message: `${person.email} ${clash}`,
        });
      seen.add(email);
    });
    const templateIds = new Set(s.templates.map((t) => t.id));
    const sequenceIds = new Set(s.sequences.map((q) => q.id));
    for (const issue of validateSequenceRefs(s.sequences, s.templates)) {
      ctx.addIssue({ code: 'custom', path: ['sequences', ...issue.path], message: issue.message });
    }
    s.forms.forEach((form, i) => {
      if (form.autoReplyTemplateId && !templateIds.has(form.autoReplyTemplateId)) {
        ctx.addIssue({
          code: 'custom',
          path: ['forms', i, 'autoReplyTemplateId'],
          message: `unknown template "${form.autoReplyTemplateId}"`,
        });
      }
      form.sequenceIds.forEach((id, j) => {
        if (!sequenceIds.has(id)) {
          ctx.addIssue({
            code: 'custom',
            path: ['forms', i, 'sequenceIds', j],
            message: `unknown sequence "${id}"`,
          });
        }
      });
    });
    if (s.forms.some((f) => f.doubleOptIn) && !templateIds.has(DOUBLE_OPT_IN_TEMPLATE_ID)) {
      ctx.addIssue({
        code: 'custom',
        path: ['templates'],
        message: `a double opt-in form needs the "${DOUBLE_OPT_IN_TEMPLATE_ID}" template`,
      });
    }
    // Every variable a template needs must be supplied by whoever sends it: no mail with an empty link.
    const requires = (templateId: string, supplied: readonly string[], path: (string | number)[]) => {
      const template = s.templates.find((t) => t.id === templateId);
      const missing = template
        ? requiredVariables(template).filter((v) => !supplied.includes(v.split('.')[0] ?? v))
        : [];
      if (missing.length) {
        ctx.addIssue({
          code: 'custom',
          path,
          message: `template "${templateId}" needs ${missing.join(', ')}: add them to vars`,
        });
      }
    };
    s.sequences.forEach((sequence, i) => {
      sequence.steps.forEach((step, j) => {
        requires(
          step.templateId,
          ['unsubscribeUrl', ...Object.keys(step.vars)],
          ['sequences', i, 'steps', j, 'vars'],
        );
      });
    });
    s.forms.forEach((form, i) => {
      const supplied = [
        'formName',
        ...(form.downloadUrl ? ['downloadUrl'] : []),
        ...Object.keys(form.mailVars),
      ];
      if (form.autoReplyTemplateId) requires(form.autoReplyTemplateId, supplied, ['forms', i, 'mailVars']);
      // Capture mail goes to unproven addresses: it must not echo what the visitor typed (mail relay).
      for (const id of [form.autoReplyTemplateId, form.doubleOptIn ? DOUBLE_OPT_IN_TEMPLATE_ID : undefined]) {
        const template = id ? s.templates.find((t) => t.id === id) : undefined;
        const echoed = template ? [...new Set(visitorTextVariables(templateVariablePaths(template)))] : [];
        if (echoed.length) {
          ctx.addIssue({
            code: 'custom',
            path: ['forms', i, id === form.autoReplyTemplateId ? 'autoReplyTemplateId' : 'doubleOptIn'],
            message: `template "${id}" is sent by a form to unverified addresses and must not use visitor input: ${echoed.join(', ')} (only the salutation's lastName, firstName, company)`,
          });
        }
      }
      if (form.doubleOptIn)
        requires(DOUBLE_OPT_IN_TEMPLATE_ID, ['confirmUrl', ...supplied], ['forms', i, 'mailVars']);
    });
    const recycle = s.handoff.recycle.sequenceId;
    if (recycle && !sequenceIds.has(recycle)) {
      ctx.addIssue({
        code: 'custom',
        path: ['handoff', 'recycle', 'sequenceId'],
        message: `unknown sequence "${recycle}"`,
      });
    }
  });

export type Settings = z.output<typeof settingsSchema>;

export { ConfigError } from '#config/errors';

/** Validates a whole set of settings (the shape of `config/index.ts`); throws `ConfigError` naming each field. */
export function parseSettings(input: unknown): Settings {
  return parseConfig(settingsSchema, input);
}
