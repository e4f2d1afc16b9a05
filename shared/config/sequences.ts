/**
 * Step-email sequences and nurture settings, as marketing ops write them in `config/sequences.ts`.
 * A wrong value fails at synth / start-up with a message naming the field (e.g.
 * `sequences[0].steps[1].templateId: unknown template "case-study"`).
 */
import { z } from 'zod';
import type { ConfigIssue } from '#config/errors';
import type { TemplateConfig } from '#config/templates';
import { TEMPERATURES } from '#domain/lead/types';
import { isMonthDay, isValidTimeZone, parseHhMm } from '#domain/nurture/calendar';
import {
  type BusinessWindowConfig,
  type NurtureSettings,
  REENTRY_POLICIES,
  SEQUENCE_EXIT_CRITERIA,
  type SequenceConfig,
  type SequenceEntry,
  type SequenceStep,
  STEP_CONDITIONS,
  STEP_DELAY_UNITS,
  type StepDelay,
} from '#domain/nurture/config';

export type {
  BusinessWindowConfig,
  NurtureSettings,
  SequenceConfig,
  SequenceEntry,
  SequenceExitCriterion,
  SequenceStep,
  StepCondition,
  StepDelay,
} from '#domain/nurture/config';
export { SEQUENCE_EXIT_CRITERIA, STEP_CONDITIONS };

const slug = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'lowercase letters, digits and "-" (max 64)');

const hhmm = z.string().regex(/^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'time of day as "HH:MM"');

/** A send window / business-hours definition; its output satisfies `BusinessWindow`. */
export const businessWindowSchema = z
  .object({
    timeZone: z
      .string()
      .refine(isValidTimeZone, 'unknown IANA time zone (e.g. "Asia/Tokyo")')
      .default('Asia/Tokyo'),
    /** ISO weekdays, 1 = Monday … 7 = Sunday. */
    days: z
      .array(z.number().int().min(1).max(7))
      .min(1, 'at least one open weekday')
      .default([1, 2, 3, 4, 5])
      .transform((days) => [...new Set(days)].sort((a, b) => a - b)),
    start: hhmm.default('09:00'),
    end: hhmm.default('18:00'),
    skipJapaneseHolidays: z.boolean().default(true),
    /** Closed every year on these local dates, "MM-DD" (e.g. 年末年始: 12-29 … 01-03). */
    closedDates: z.array(z.string().refine(isMonthDay, 'a date as "MM-DD"')).max(366).optional(),
    /**
     * Sends that wait for the window to open go out over its first `spreadMinutes` minutes, each enrollment
     * at its own fixed minute, instead of all at the opening (0: all at the opening). Size it from the
     * morning's backlog: backlog ÷ send rate ÷ 60 (100,000 steps at 100/s: 17 minutes). Absent on a
     * sequence's window: the nurture settings' value.
     */
    spreadMinutes: z.number().int().min(0).max(240).optional(),
  })
  .strict()
  .refine((w) => parseHhMm(w.start) < parseHhMm(w.end), {
    path: ['end'],
    message: 'end must be after start',
  })
  .refine((w) => (w.spreadMinutes ?? 0) <= parseHhMm(w.end) - parseHhMm(w.start), {
    path: ['spreadMinutes'],
    message: 'spreadMinutes must fit inside the window (at most end − start)',
  }) satisfies z.ZodType<BusinessWindowConfig>;

export const stepDelaySchema = z
  .object({
    value: z.number().min(0).max(366),
    unit: z.enum(STEP_DELAY_UNITS),
  })
  .strict()
  .refine((d) => d.unit === 'hours' || Number.isInteger(d.value), {
    path: ['value'],
    message: 'days and businessDays must be whole numbers',
  }) satisfies z.ZodType<StepDelay>;

export const sequenceStepSchema = z
  .object({
    id: slug,
    /** Measured from the previous step (the first step: from enrollment). */
    delay: stepDelaySchema,
    templateId: z.string().min(1),
    condition: z.enum(STEP_CONDITIONS).optional(),
    /** Values the template uses besides the lead's fields, e.g. `{ caseStudyUrl: 'https://…' }`. */
    vars: z.record(z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,39}$/), z.string().max(2000)).default({}),
  })
  .strict() satisfies z.ZodType<SequenceStep>;

export const sequenceEntrySchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('form'), formIds: z.array(z.string().min(1)).min(1) }).strict(),
  z.object({ kind: z.literal('temperature'), temperatures: z.array(z.enum(TEMPERATURES)).min(1) }).strict(),
  z.object({ kind: z.literal('recycled') }).strict(),
  z.object({ kind: z.literal('dormant_customer'), afterDays: z.number().int().min(1).max(3650) }).strict(),
]) satisfies z.ZodType<SequenceEntry>;

export const sequenceSchema = z
  .object({
    id: slug,
    name: z.string().min(1).max(200),
    entry: sequenceEntrySchema,
    steps: z.array(sequenceStepSchema).min(1, 'a sequence needs at least one step'),
    exit: z
      .array(z.enum(SEQUENCE_EXIT_CRITERIA))
      .default(['became_hot', 'reached_sal', 'unsubscribed', 'suppressed', 'disqualified']),
    reentry: z.enum(REENTRY_POLICIES).default('never'),
    /** Overrides the nurture settings' send window for this sequence. */
    window: businessWindowSchema.optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    const seen = new Set<string>();
    s.steps.forEach((step, i) => {
      if (seen.has(step.id)) {
        ctx.addIssue({ code: 'custom', path: ['steps', i, 'id'], message: `duplicate step id "${step.id}"` });
      }
      seen.add(step.id);
    });
  }) satisfies z.ZodType<SequenceConfig>;

export const sequencesConfigSchema = z.array(sequenceSchema).superRefine((sequences, ctx) => {
  const seen = new Set<string>();
  sequences.forEach((s, i) => {
    if (seen.has(s.id)) {
      ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `duplicate sequence id "${s.id}"` });
    }
    seen.add(s.id);
  });
});

export const nurtureSettingsSchema = z
  .object({
    frequencyCap: z
      .object({ maxPerRolling7Days: z.number().int().min(1).max(50).default(3) })
      .strict()
      .default({ maxPerRolling7Days: 3 }),
    /** Default send window; the lead's own time zone replaces `timeZone` when known. */
    sendWindow: businessWindowSchema.default({
      timeZone: 'Asia/Tokyo',
      days: [1, 2, 3, 4, 5],
      start: '09:00',
      end: '18:00',
      skipJapaneseHolidays: true,
    }),
    /** Soft bounces in a row before the address is suppressed. */
    transientBounceLimit: z.number().int().min(1).max(20).default(3),
    /** Our own throttle, below the SES account's maximum send rate. */
    sendRatePerSecond: z.number().positive().max(1000).default(10),
    /** Also add hard bounces / complaints to the SES account-level suppression list. */
    suppressInSesAccountList: z.boolean().default(false),
    /**
     * A click within this many seconds of the send is a security gateway inspecting the link (Safe Links and
     * the like follow every link on arrival), not a reader: no points, no `clicked` count, no
     * `previous_not_clicked` answered by it. 0 turns the rule off.
     */
    machineClickSeconds: z.number().int().min(0).max(3600).default(30),
  })
  .strict() satisfies z.ZodType<NurtureSettings>;

export type SequencesConfig = z.output<typeof sequencesConfigSchema>;

/**
 * Cross-checks sequences against templates: every step's template exists, and is a marketing
 * template (step emails are marketing mail and must carry the footer and unsubscribe link).
 * Paths are relative to the sequences array.
 */
export function validateSequenceRefs(
  sequences: readonly Pick<SequenceConfig, 'id' | 'steps'>[],
  templates: readonly Pick<TemplateConfig, 'id' | 'kind'>[],
): ConfigIssue[] {
  const byId = new Map(templates.map((t) => [t.id, t]));
  const issues: ConfigIssue[] = [];
  sequences.forEach((s, i) => {
    s.steps.forEach((step, j) => {
      const path = [i, 'steps', j, 'templateId'];
      const template = byId.get(step.templateId);
      if (!template) {
        issues.push({ path, message: `unknown template "${step.templateId}" in sequence "${s.id}"` });
      } else if (template.kind !== 'marketing') {
        issues.push({
          path,
          message: `template "${step.templateId}" is ${template.kind}; sequence steps need a marketing template`,
        });
      }
    });
  });
  return issues;
}
