/**
 * Sales actions: the bodies of the ops API's action routes and the inbound `CRM Sales Action` events share
 * these schemas, so both paths run the same validation before the same domain code. Kept apart from the
 * event catalogue (events.ts) so that the many modules that only name events do not bundle a validator.
 * zod/mini (`#domain/lead/validation`): the action routes' and the CRM events' cold path.
 */
import { CONVERSION_TARGETS, CRM_EVENT_SOURCE, CRM_SALES_ACTION_DETAIL_TYPE } from '#domain/lead/events';
import * as z from '#domain/lead/validation';

/** Client-chosen idempotency key: the same action retried with the same id announces the same event. */
const actionIdSchema = z
  .string()
  .check(
    z.minLength(1),
    z.maxLength(128),
    z.regex(/^[A-Za-z0-9._:-]+$/, 'actionId may contain letters, digits and . _ : - only'),
  );
const actorSchema = z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(200)));
const noteSchema = z.optional(z.string().check(z.maxLength(2000)));
const bantFieldSchema = z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(500)));
const reasonSchema = z.string().check(z.trim(), z.minLength(1), z.maxLength(500));
const amountSchema = z.number().check(z.minimum(0), z.maximum(1e13));
const probabilitySchema = z.number().check(z.int(), z.minimum(0), z.maximum(100));
const phaseSchema = z.string().check(z.trim(), z.minLength(1), z.maxLength(64));

const isCalendarDate = (s: string): boolean => {
  const [y, m, d] = s.split('-').map(Number);
  if (y === undefined || m === undefined || d === undefined) return false;
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
};
const calendarDateSchema = z
  .string()
  .check(
    z.regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date as YYYY-MM-DD'),
    z.refine(isCalendarDate, 'not a calendar date'),
  );

export const bantchSchema = z.strictObject({
  budget: bantFieldSchema,
  authority: bantFieldSchema,
  needs: bantFieldSchema,
  timing: bantFieldSchema,
  competitor: bantFieldSchema,
  humanResources: bantFieldSchema,
});

/** A configured owner's id (config/handoff.ts → owners[].ownerId). */
const ownerIdSchema = z
  .string()
  .check(
    z.trim(),
    z.minLength(1),
    z.maxLength(64),
    z.regex(/^[A-Za-z0-9._@-]+$/, 'ownerId may contain letters, digits and . _ @ - only'),
  );

export const acceptActionSchema = z.strictObject({
  action: z.literal('accept'),
  actionId: actionIdSchema,
  by: actorSchema,
  /**
   * The owner accepting. When the lead has no open hand-off (taken from the call list, or the automatic
   * hand-off is still on its way), the accept opens one for this owner (else for the owner `by` names by
   * id or e-mail); when another owner's hand-off is open and not yet accepted, this owner takes it over.
   */
  ownerId: z.optional(ownerIdSchema),
  note: noteSchema,
});
export const qualifyActionSchema = z.strictObject({
  action: z.literal('qualify'),
  actionId: actionIdSchema,
  bant: bantchSchema,
  by: actorSchema,
  note: noteSchema,
});
export const convertActionSchema = z.strictObject({
  action: z.literal('convert'),
  actionId: actionIdSchema,
  /** Omitted: the next step from the current stage (sql → opportunity, opportunity → customer). */
  to: z.optional(z.enum(CONVERSION_TARGETS)),
  amount: amountSchema,
  currency: z._default(
    z.string().check(z.regex(/^[A-Z]{3}$/, 'expected an ISO 4217 code such as JPY')),
    'JPY',
  ),
  expectedCloseDate: calendarDateSchema,
  /** The opportunity's first phase (a configured phase id); default: the first configured phase. */
  phase: z.optional(phaseSchema),
  /** Win probability in percent; default: the phase's configured probability. */
  probability: z.optional(probabilitySchema),
  /** 取引先 */
  account: z.optional(
    z.strictObject({
      name: z.string().check(z.trim(), z.minLength(1), z.maxLength(255)),
      domain: z.optional(
        z
          .string()
          .check(
            z.trim(),
            z.toLowerCase(),
            z.maxLength(253),
            z.regex(/^[a-z0-9.-]+\.[a-z]{2,}$/, 'expected a domain such as example.co.jp'),
          ),
      ),
    }),
  ),
  /** 取引先責任者 */
  contact: z.optional(
    z.strictObject({
      lastName: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(80))),
      firstName: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(40))),
      email: z.optional(z.pipe(z.string().check(z.trim(), z.toLowerCase()), z.email())),
      title: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(128))),
      phone: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(40))),
    }),
  ),
  by: actorSchema,
  note: noteSchema,
});

/** `POST /v1/ops/leads/{leadId}/opportunity`: moves the open opportunity to a phase (or won / lost). */
export const opportunityActionSchema = z
  .strictObject({
    action: z.literal('opportunity'),
    actionId: actionIdSchema,
    phase: phaseSchema,
    amount: z.optional(amountSchema),
    expectedCloseDate: z.optional(calendarDateSchema),
    probability: z.optional(probabilitySchema),
    /** Required when `phase` is `lost` (失注理由). */
    reason: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(500))),
    competitor: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(200))),
    by: actorSchema,
    note: noteSchema,
  })
  .check(
    z.refine((a) => a.phase !== 'lost' || a.reason !== undefined, {
      message: 'a lost opportunity needs a reason',
      path: ['reason'],
    }),
  );
export type OpportunityAction = z.output<typeof opportunityActionSchema>;
export const disqualifyActionSchema = z.strictObject({
  action: z.literal('disqualify'),
  actionId: actionIdSchema,
  reason: reasonSchema,
  by: actorSchema,
  note: noteSchema,
});
export const recycleActionSchema = z.strictObject({
  action: z.literal('recycle'),
  actionId: actionIdSchema,
  reason: reasonSchema,
  /** Overrides the configured delay before the lead re-enters nurture. */
  nurtureAfterDays: z.optional(z.number().check(z.int(), z.minimum(0), z.maximum(365))),
  by: actorSchema,
  note: noteSchema,
});

/** Owner actions of the ops API (events.ts → OWNER_ACTIONS). */
export const handoffActionSchema = z.strictObject({
  action: z.literal('handoff'),
  actionId: actionIdSchema,
  ownerId: z.optional(ownerIdSchema),
  reason: reasonSchema,
  by: actorSchema,
  note: noteSchema,
});
export const reassignActionSchema = z.strictObject({
  action: z.literal('reassign'),
  actionId: actionIdSchema,
  ownerId: z.optional(ownerIdSchema),
  reason: reasonSchema,
  by: actorSchema,
  note: noteSchema,
});
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

/** Every action of `POST /v1/ops/leads/{leadId}/{action}`: sales' answers and the owner actions. */
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
  leadId: z.optional(z.string().check(z.minLength(1), z.maxLength(128))),
  email: z.optional(z.pipe(z.string().check(z.trim(), z.toLowerCase()), z.email())),
};
const hasIdentity = (d: { leadId?: string | undefined; email?: string | undefined }): boolean =>
  d.leadId !== undefined || d.email !== undefined;

export const crmSalesActionDetailSchema = z
  .discriminatedUnion('action', [
    z.extend(acceptActionSchema, crmIdentity),
    z.extend(qualifyActionSchema, crmIdentity),
    z.extend(convertActionSchema, crmIdentity),
    z.extend(disqualifyActionSchema, crmIdentity),
    z.extend(recycleActionSchema, crmIdentity),
    // The opportunity's phase (proposal … won/lost) moved in the CRM; keeps its own "lost needs a reason".
    z.safeExtend(opportunityActionSchema, crmIdentity),
  ])
  .check(z.refine(hasIdentity, { message: 'either leadId or email is required', path: ['leadId'] }));
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
