import { z } from 'zod';
import { BANTCH_FIELDS, type DealsConfig } from '#domain/deals/opportunity';

const phaseId = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,39}$/, 'a phase id is lower-case letters, digits and _ (e.g. first_meeting)')
  .refine((id) => id !== 'won' && id !== 'lost', 'won and lost are the fixed terminal phases');

/**
 * Deals (`config/deals.ts`): the opportunity phases before won (受注) and lost (失注), the BANTCH items SQL
 * requires, how long a lost deal's lead waits before nurture again, and the CRM sync interval.
 */
export const dealsConfigSchema = z
  .object({
    phases: z
      .array(
        z
          .object({
            id: phaseId,
            label: z.string().trim().min(1).max(40),
            probability: z.number().int().min(0).max(100),
          })
          .strict(),
      )
      .min(1)
      .max(20)
      .superRefine((phases, ctx) => {
        const seen = new Set<string>();
        phases.forEach((p, i) => {
          if (seen.has(p.id))
            ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `duplicate phase "${p.id}"` });
          seen.add(p.id);
        });
      }),
    requiredForSql: z.array(z.enum(BANTCH_FIELDS)).max(BANTCH_FIELDS.length).default([]),
    lostNurtureAfterDays: z.number().int().min(0).max(730).default(90),
    crmSyncIntervalMinutes: z.number().int().min(1).max(1440).default(15),
  })
  .strict() satisfies z.ZodType<DealsConfig>;

export type DealsConfigInput = z.input<typeof dealsConfigSchema>;

/** Used when `config/` has no deals file (older configs): the demo phases, nothing required. */
export const DEFAULT_DEALS: DealsConfigInput = {
  phases: [
    { id: 'first_meeting', label: '初回商談', probability: 10 },
    { id: 'proposal', label: '提案', probability: 30 },
    { id: 'quote', label: '見積', probability: 50 },
    { id: 'negotiation', label: '交渉', probability: 70 },
  ],
};
