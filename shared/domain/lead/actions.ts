/**
 * Sales actions: the bodies of the ops API's action routes and the inbound `CRM Sales Action` events share
 * these schemas, so both paths run the same validation before the same domain code. Kept apart from the
 * event catalogue (events.ts) so that the many modules that only name events do not bundle zod.
 */
import { z } from 'zod';
import { CONVERSION_TARGETS, CRM_EVENT_SOURCE, CRM_SALES_ACTION_DETAIL_TYPE } from '#domain/lead/events';

/** Client-chosen idempotency key: the same action retried with the same id announces the same event. */
const actionIdSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9._:-]+$/, 'actionId may contain letters, digits and . _ : - only');
const actorSchema = z.string().trim().min(1).max(200).optional();
const noteSchema = z.string().max(2000).optional();
const bantFieldSchema = z.string().trim().min(1).max(500).optional();
const reasonSchema = z.string().trim().min(1).max(500);

const isCalendarDate = (s: string): boolean => {
  const [y, m, d] = s.split('-').map(Number);
  if (y === undefined || m === undefined || d === undefined) return false;
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
};
const calendarDateSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date as YYYY-MM-DD')
  .refine(isCalendarDate, 'not a calendar date');

export const bantchSchema = z
  .object({
    budget: bantFieldSchema,
    authority: bantFieldSchema,
    needs: bantFieldSchema,
    timing: bantFieldSchema,
    competitor: bantFieldSchema,
    humanResources: bantFieldSchema,
  })
  .strict();

/** A configured owner's id (config/handoff.ts → owners[].ownerId). */
const ownerIdSchema = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9._@-]+$/, 'ownerId may contain letters, digits and . _ @ - only');

export const acceptActionSchema = z
  .object({
    action: z.literal('accept'),
    actionId: actionIdSchema,
    by: actorSchema,
    /**
     * The owner accepting. When the lead has no open hand-off (taken from the call list, or the automatic
     * hand-off is still on its way), the accept opens one for this owner (else for the owner `by` names by
     * id or e-mail); when another owner's hand-off is open and not yet accepted, this owner takes it over.
     */
    ownerId: ownerIdSchema.optional(),
    note: noteSchema,
  })
  .strict();
export const qualifyActionSchema = z
  .object({
    action: z.literal('qualify'),
    actionId: actionIdSchema,
    bant: bantchSchema,
    by: actorSchema,
    note: noteSchema,
  })
  .strict();
export const convertActionSchema = z
  .object({
    action: z.literal('convert'),
    actionId: actionIdSchema,
    /** Omitted: the next step from the current stage (sql → opportunity, opportunity → customer). */
    to: z.enum(CONVERSION_TARGETS).optional(),
    amount: z.number().finite().min(0).max(1e13),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, 'expected an ISO 4217 code such as JPY')
      .default('JPY'),
    expectedCloseDate: calendarDateSchema,
    /** The opportunity's first phase (a configured phase id); default: the first configured phase. */
    phase: z.string().trim().min(1).max(64).optional(),
    /** Win probability in percent; default: the phase's configured probability. */
    probability: z.number().int().min(0).max(100).optional(),
    /** 取引先 */
    account: z
      .object({
        name: z.string().trim().min(1).max(255),
        domain: z
          .string()
          .trim()
          .toLowerCase()
          .max(253)
          .regex(/^[a-z0-9.-]+\.[a-z]{2,}$/, 'expected a domain such as example.co.jp')
          .optional(),
      })
      .strict()
      .optional(),
    /** 取引先責任者 */
    contact: z
      .object({
        lastName: z.string().trim().min(1).max(80).optional(),
        firstName: z.string().trim().min(1).max(40).optional(),
        email: z.string().trim().toLowerCase().pipe(z.email()).optional(),
        title: z.string().trim().min(1).max(128).optional(),
        phone: z.string().trim().min(1).max(40).optional(),
      })
      .strict()
      .optional(),
    by: actorSchema,
    note: noteSchema,
  })
  .strict();

/** `POST /v1/ops/leads/{leadId}/opportunity`: moves the open opportunity to a phase (or won / lost). */
export const opportunityActionSchema = z
  .object({
    action: z.literal('opportunity'),
    actionId: actionIdSchema,
    phase: z.string().trim().min(1).max(64),
    amount: z.number().finite().min(0).max(1e13).optional(),
    expectedCloseDate: calendarDateSchema.optional(),
    probability: z.number().int().min(0).max(100).optional(),
    /** Required when `phase` is `lost` (失注理由). */
    reason: z.string().trim().min(1).max(500).optional(),
    competitor: z.string().trim().min(1).max(200).optional(),
    by: actorSchema,
    note: noteSchema,
  })
  .strict()
  .refine((a) => a.phase !== 'lost' || a.reason !== undefined, {
    message: 'a lost opportunity needs a reason',
    path: ['reason'],
  });
export type OpportunityAction = z.output<typeof opportunityActionSchema>;
export const disqualifyActionSchema = z
  .object({
    action: z.literal('disqualify'),
    actionId: actionIdSchema,
    reason: reasonSchema,
    by: actorSchema,
    note: noteSchema,
  })
  .strict();
export const recycleActionSchema = z
  .object({
    action: z.literal('recycle'),
    actionId: actionIdSchema,
    reason: reasonSchema,
    /** Overrides the configured delay before the lead re-enters nurture. */
    nurtureAfterDays: z.number().int().min(0).max(365).optional(),
    by: actorSchema,
    note: noteSchema,
  })
  .strict();

export const handoffActionSchema = z
  .object({
    action: z.literal('handoff'),
    actionId: actionIdSchema,
    ownerId: ownerIdSchema.optional(),
    reason: reasonSchema,
    by: actorSchema,
    note: noteSchema,
  })
  .strict();
export const reassignActionSchema = z
  .object({
    action: z.literal('reassign'),
    actionId: actionIdSchema,
    ownerId: ownerIdSchema.optional(),
    reason: reasonSchema,
    by: actorSchema,
    note: noteSchema,
  })
  .strict();
export type OwnerAction = z.output<typeof handoffActionSchema> | z.output<typeof reassignActionSchema>;

/** Body of `POST …/actions` on the ops API (the route may also put `action` in the path and merge it). */
export const salesActionSchema = z.discriminatedUnion('action', [
  acceptActionSchema,
  qualifyActionSchema,
  convertActionSchema,
  disqualifyActionSchema,
  recycleActionSchema,
]);
export type SalesAction = z.output<typeof salesActionSchema>;
export type SalesActionInput = z.input<typeof salesActionSchema>;

export const leadActionSchema = z.discriminatedUnion('action', [
  acceptActionSchema,
  qualifyActionSchema,
  convertActionSchema,
  disqualifyActionSchema,
  recycleActionSchema,
  handoffActionSchema,
  reassignActionSchema,
]);
export type LeadAction = z.output<typeof leadActionSchema>;

/** The CRM names the lead by our id (stored on the CRM record) or, failing that, by email. */
const crmIdentity = {
  leadId: z.string().min(1).max(128).optional(),
  email: z.string().trim().toLowerCase().pipe(z.email()).optional(),
};
const hasIdentity = (d: { leadId?: string | undefined; email?: string | undefined }): boolean =>
  d.leadId !== undefined || d.email !== undefined;

export const crmSalesActionDetailSchema = z
  .discriminatedUnion('action', [
    acceptActionSchema.extend(crmIdentity),
    qualifyActionSchema.extend(crmIdentity),
    convertActionSchema.extend(crmIdentity),
    disqualifyActionSchema.extend(crmIdentity),
    recycleActionSchema.extend(crmIdentity),
    // The opportunity's phase (proposal … won/lost) moved in the CRM; keeps its own "lost needs a reason".
    opportunityActionSchema.safeExtend(crmIdentity),
  ])
  .refine(hasIdentity, { message: 'either leadId or email is required', path: ['leadId'] });
export type CrmSalesActionDetail = z.output<typeof crmSalesActionDetailSchema>;

/** The EventBridge envelope of an inbound CRM action as a bus rule delivers it to a Lambda target. */
export const crmSalesActionEventSchema = z.object({
  source: z.literal(CRM_EVENT_SOURCE),
  'detail-type': z.literal(CRM_SALES_ACTION_DETAIL_TYPE),
  detail: crmSalesActionDetailSchema,
});
export type CrmSalesActionEvent = z.output<typeof crmSalesActionEventSchema>;

/** Strips the CRM identity, leaving the action exactly as the ops API would have parsed it. */
export function salesActionFromCrm(detail: CrmSalesActionDetail): SalesAction | OpportunityAction {
  const { leadId: _leadId, email: _email, ...action } = detail;
  return action;
}
