/**
 * The event catalogue: every event the lead loop publishes on its custom bus, and the sales-action
 * events it accepts from a CRM. Each detail-type has a versioned JSON schema under
 * `shared/domain/lead/event-schemas/<kebab-name>.v<version>.json`; contract tests keep the two in step.
 *
 * `eventId` is derived from the state change an event announces (never random), so a replayed outbox
 * item or a retried handler produces the same id and targets can de-duplicate on it.
 */
import { z } from 'zod';
import type { Channel, ChannelGroup, Grade, ScoreSummary, Stage, Temperature } from '#domain/lead/types';

export const EVENT_SOURCE = 'leadloop.leads';

export const DETAIL_TYPES = [
  'Lead Captured',
  'Lead Stage Changed',
  'Lead Temperature Changed',
  'Lead Handed Off',
  'Lead Assigned',
  'Lead SLA Breached',
  'Lead First Contacted',
  'Lead Accepted',
  'Lead Qualified',
  'Lead Converted',
  'Lead Disqualified',
  'Lead Recycled',
  'Lead Unsubscribed',
  'Lead Erased',
  'Opportunity Created',
  'Opportunity Phase Changed',
  'Opportunity Won',
  'Opportunity Lost',
  'Lead Updated',
] as const;
export type DetailType = (typeof DETAIL_TYPES)[number];

/** Fields every published detail carries. `occurredAt` is ISO-8601 UTC (`toISOString()`). */
export interface DetailBase {
  eventId: string;
  version: 1;
  occurredAt: string;
  leadId: string;
}

/** The owner as it appears in events: enough for a Slack message or a CRM owner lookup. */
export interface OwnerRef {
  ownerId: string;
  name: string;
  email: string;
  team: string;
  crmUserId?: string;
}

export const CRM_SYSTEMS = ['salesforce', 'hubspot', 'none'] as const;
export type CrmSystem = (typeof CRM_SYSTEMS)[number];
export type CrmRecord = Record<string, string | number>;

export interface LeadCapturedDetail extends DetailBase {
  email: string;
  channel: Channel;
  formId?: string;
  /** False when the form post updated an existing lead (same normalized email). */
  isNew: boolean;
}

export interface LeadStageChangedDetail extends DetailBase {
  from: Stage | null;
  to: Stage;
  reason: string;
}

export interface LeadTemperatureChangedDetail extends DetailBase {
  from: Temperature | null;
  to: Temperature;
  score: ScoreSummary;
}

export interface LeadHandedOffDetail extends DetailBase {
  /** 1-based: the n-th hand-off of this lead (a recycled lead can be handed off again). */
  handoffNumber: number;
  owner: OwnerRef;
  crm: { system: CrmSystem; record: CrmRecord };
  score: ScoreSummary;
  grade?: Grade;
  temperature: Temperature;
  stage: Stage;
  /** ISO-8601: sales must accept before this or the SLA is breached. */
  slaDueAt: string;
  /**
   * What opened the hand-off: the automatic trigger (`hot`, `mql`), an inquiry form with `handoff:
   * 'immediate'` (`inquiry`), a person from the ops API (`manual`), an accept of a lead that had no open
   * hand-off (`accept`), or a booked appointment that made the lead a TQL for field sales
   * (`appointment_set`). Absent in events published before it existed.
   */
  trigger?: HandoffTriggerKind;
  /** Why, in words: the inquiry form's name, or the person's reason. */
  reason?: string;
  /** ISO-8601: the owner must first contact the lead before this (when the hand-off has that clock). */
  firstContactDueAt?: string;
}

export const HANDOFF_TRIGGER_KINDS = [
  'hot',
  'mql',
  'inquiry',
  'appointment_set',
  'manual',
  'accept',
] as const;
export type HandoffTriggerKind = (typeof HANDOFF_TRIGGER_KINDS)[number];

/**
 * `manual`: by a person through the ops API, a hand-off (`previousOwner: null`) or a reassignment
 * (`previousOwner` set). A new value would need a v2 of the pinned Lead Assigned schema.
 */
export const ASSIGNMENT_REASONS = ['handoff', 'sla_reassign', 'manual'] as const;
export type AssignmentReason = (typeof ASSIGNMENT_REASONS)[number];

export interface LeadAssignedDetail extends DetailBase {
  handoffNumber: number;
  owner: OwnerRef;
  previousOwner: OwnerRef | null;
  reason: AssignmentReason;
  /** Id of the assignment rule that chose the team or owner; null for plain round-robin. */
  rule: string | null;
}

export const ESCALATION_ACTIONS = ['notify', 'reassign'] as const;
export type EscalationAction = (typeof ESCALATION_ACTIONS)[number];

export interface LeadSlaBreachedDetail extends DetailBase {
  handoffNumber: number;
  /** Which clock ran out: time to accept, or time to first contact. */
  clock: 'accept' | 'first_contact';
  /** ISO-8601 deadline that passed. */
  dueAt: string;
  owner: OwnerRef;
  escalation: { action: EscalationAction; reassignTo?: OwnerRef };
  /** Reassignments done before this breach. */
  reassignments: number;
}

/** The hand-off's owner logged their first activity (call, meeting, e-mail, note) after the hand-off. */
export interface LeadFirstContactedDetail extends DetailBase {
  handoffNumber: number;
  owner: OwnerRef;
  activityId: string;
  activityType: string;
  outcome?: string;
  /** ISO-8601: when the contact happened (the activity's time). */
  contactedAt: string;
  /** ISO-8601 first-contact deadline, when the hand-off has that clock. */
  dueAt?: string;
  withinSla: boolean;
}

export interface LeadAcceptedDetail extends DetailBase {
  handoffNumber: number;
  ownerId: string;
  withinSla: boolean;
  by?: string;
}

/** BANT-CH: budget, authority, needs, timing, competitor, human resources. Free text, as sales notes it. */
export interface Bantch {
  budget?: string;
  authority?: string;
  needs?: string;
  timing?: string;
  competitor?: string;
  humanResources?: string;
}

export interface LeadQualifiedDetail extends DetailBase {
  bant: Bantch;
  by?: string;
}

export const CONVERSION_TARGETS = ['opportunity', 'customer'] as const;
export type ConversionTarget = (typeof CONVERSION_TARGETS)[number];

export interface LeadConvertedDetail extends DetailBase {
  to: ConversionTarget;
  amount: number;
  /** ISO 4217; JPY unless the action says otherwise. */
  currency: string;
  /** YYYY-MM-DD (a calendar date, no time zone). */
  expectedCloseDate: string;
  by?: string;
}

export interface LeadDisqualifiedDetail extends DetailBase {
  reason: string;
  by?: string;
}

export interface LeadRecycledDetail extends DetailBase {
  reason: string;
  /** ISO-8601: when the lead re-enters nurture. */
  nurtureAt: string;
  sequenceId: string;
  by?: string;
}

export const UNSUBSCRIBE_METHODS = ['one_click', 'page', 'complaint', 'ops'] as const;
export type UnsubscribeMethod = (typeof UNSUBSCRIBE_METHODS)[number];

export interface LeadUnsubscribedDetail extends DetailBase {
  how: UnsubscribeMethod;
}

/**
 * Everything stored about the lead was deleted (ops request or retention): CRM targets delete their copy
 * too. Carries the id only, never the address or name; `reason` is the operator's note.
 */
export interface LeadErasedDetail extends DetailBase {
  /** ISO-8601 UTC. */
  erasedAt: string;
  reason: string;
}

/** An opportunity as events carry it (amount in `currency`, dates as YYYY-MM-DD, phase ids and labels). */
export interface OpportunityRef {
  opportunityId: string;
  phase: string;
  phaseLabel: string;
  amount: number;
  currency: string;
  expectedCloseDate: string;
  /** Percent. */
  probability: number;
}

export interface OpportunityCreatedDetail extends DetailBase {
  opportunity: OpportunityRef;
  account?: { name: string; domain?: string };
  contact?: { lastName?: string; firstName?: string; email?: string; title?: string; phone?: string };
  by?: string;
}

export interface OpportunityPhaseChangedDetail extends DetailBase {
  opportunity: OpportunityRef;
  from: string;
  to: string;
  by?: string;
}

export interface OpportunityWonDetail extends DetailBase {
  opportunity: OpportunityRef;
  /** The first-touch channel group (report dimension). */
  channel: ChannelGroup;
  by?: string;
}

export interface OpportunityLostDetail extends DetailBase {
  opportunity: OpportunityRef;
  reason: string;
  competitor?: string;
  channel: ChannelGroup;
  /** ISO-8601: when the lead re-enters nurture. */
  nurtureAt: string;
  by?: string;
}

/**
 * The CRM record of a handed-off lead after changes sales cares about (stage, owner, temperature,
 * opportunity phase, unsubscribe), coalesced: at most one per lead per configured interval. Targets upsert.
 */
export interface LeadUpdatedDetail extends DetailBase {
  crm: { system: CrmSystem; record: CrmRecord };
  stage: Stage;
  temperature: Temperature;
  /** ISO-8601: the first change this update carries. */
  changedSince: string;
}

export interface DetailByType {
  'Lead Captured': LeadCapturedDetail;
  'Lead Stage Changed': LeadStageChangedDetail;
  'Lead Temperature Changed': LeadTemperatureChangedDetail;
  'Lead Handed Off': LeadHandedOffDetail;
  'Lead Assigned': LeadAssignedDetail;
  'Lead SLA Breached': LeadSlaBreachedDetail;
  'Lead First Contacted': LeadFirstContactedDetail;
  'Lead Accepted': LeadAcceptedDetail;
  'Lead Qualified': LeadQualifiedDetail;
  'Lead Converted': LeadConvertedDetail;
  'Lead Disqualified': LeadDisqualifiedDetail;
  'Lead Recycled': LeadRecycledDetail;
  'Lead Unsubscribed': LeadUnsubscribedDetail;
  'Lead Erased': LeadErasedDetail;
  'Opportunity Created': OpportunityCreatedDetail;
  'Opportunity Phase Changed': OpportunityPhaseChangedDetail;
  'Opportunity Won': OpportunityWonDetail;
  'Opportunity Lost': OpportunityLostDetail;
  'Lead Updated': LeadUpdatedDetail;
}

export interface DomainEvent<T extends DetailType = DetailType> {
  source: typeof EVENT_SOURCE;
  detailType: T;
  detail: DetailByType[T];
}

/** Any published event, discriminated on `detailType` (narrowing `detail` with a switch). */
export type AnyDomainEvent = { [T in DetailType]: DomainEvent<T> }[DetailType];

export function buildDomainEvent<T extends DetailType>(
  detailType: T,
  detail: DetailByType[T],
): DomainEvent<T> {
  return {
    source: EVENT_SOURCE,
    detailType,
    detail,
  };
}

/** `Lead Handed Off` → `lead-handed-off`: the schema and sample file name of a detail-type. */
export function kebabName(detailType: string): string {
  return detailType.toLowerCase().replace(/\s+/g, '-');
}

/** ISO-8601 string for an epoch-ms instant (UTC, millisecond precision). */
export function isoAt(at: number): string {
  return new Date(at).toISOString();
}

// ---------------------------------------------------------------------------------------------
// Sales actions: the bodies of the ops API's action routes and the inbound `CRM Sales Action`
// events share these schemas, so both paths run the same validation before the same domain code.
// ---------------------------------------------------------------------------------------------

export const SALES_ACTIONS = ['accept', 'qualify', 'convert', 'disqualify', 'recycle'] as const;
export type SalesActionName = (typeof SALES_ACTIONS)[number];

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

/**
 * Owner actions of the ops API (not from the CRM): `handoff` opens a hand-off by hand (from the call list;
 * without `ownerId` the assignment rules pick), `reassign` gives the open hand-off to another owner.
 */
export const OWNER_ACTIONS = ['handoff', 'reassign'] as const;
export type OwnerActionName = (typeof OWNER_ACTIONS)[number];

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

/** Every action of `POST /v1/ops/leads/{leadId}/{action}`: sales' answers and the owner actions. */
export const LEAD_ACTIONS = [...SALES_ACTIONS, ...OWNER_ACTIONS] as const;
export type LeadActionName = (typeof LEAD_ACTIONS)[number];
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

export const CRM_EVENT_SOURCE = 'leadloop.crm';
export const CRM_SALES_ACTION_DETAIL_TYPE = 'CRM Sales Action';

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
