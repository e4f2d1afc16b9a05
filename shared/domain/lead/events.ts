/**
 * The event catalogue: every event the lead loop publishes on its custom bus, and the sales-action
 * events it accepts from a CRM. Each detail-type has a versioned JSON schema under
 * `shared/domain/lead/event-schemas/<kebab-name>.v<version>.json`; contract tests keep the two in step.
 *
 * `eventId` is derived from the state change an event announces (never random), so a replayed outbox
 * item or a retried handler produces the same id and targets can de-duplicate on it.
 */
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
  'Lead Follow-up Due',
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

/**
 * Channel values that came after version 1 of the events that carry a channel (`Lead Captured`'s declared
 * channel, `Opportunity Won` and `Lost`'s channel group): an event with one of them is published as version 2,
 * whose schema names them; every other event of those types stays version 1. So a consumer of v1 never meets
 * a value its schema does not list, and one that reads both versions gets every event.
 */
export const CHANNELS_SINCE_V2: ReadonlySet<string> = new Set<Channel | ChannelGroup>([
  'inbound_phone',
  'phone',
]);

/** The version of an event that carries this channel (see `CHANNELS_SINCE_V2`). */
export const channelEventVersion = (channel: Channel | ChannelGroup): 1 | 2 =>
  CHANNELS_SINCE_V2.has(channel) ? 2 : 1;

/** The fields of an event that carries a channel: version 1, or 2 with a channel v1 cannot name. */
type ChannelDetailBase = Omit<DetailBase, 'version'> & { version: 1 | 2 };

export interface LeadCapturedDetail extends ChannelDetailBase {
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
  /** Who opened a hand-off by hand (`manual`): the person's owner id or e-mail, or the machine client. */
  by?: string;
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

/** The time the owner planned for the next contact (次回連絡予定) has come, and no contact has been made since. */
export interface LeadFollowUpDueDetail extends DetailBase {
  handoffNumber: number;
  owner: OwnerRef;
  /** ISO-8601: the time planned for the contact. */
  dueAt: string;
  /** Who planned it (the activity's `by`). */
  plannedBy: string;
  /** ISO-8601: when it was planned. */
  plannedAt: string;
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

export interface OpportunityWonDetail extends ChannelDetailBase {
  opportunity: OpportunityRef;
  /** The first-touch channel group (report dimension). */
  channel: ChannelGroup;
  by?: string;
}

export interface OpportunityLostDetail extends ChannelDetailBase {
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
  'Lead Follow-up Due': LeadFollowUpDueDetail;
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

// Sales actions: names here; their request schemas (zod) are in actions.ts, so modules that only name
// events do not bundle a validator.
export const SALES_ACTIONS = ['accept', 'qualify', 'convert', 'disqualify', 'recycle'] as const;
export type SalesActionName = (typeof SALES_ACTIONS)[number];

/**
 * Owner actions of the ops API (not from the CRM): `handoff` opens a hand-off by hand (from the call list;
 * without `ownerId` the assignment rules pick), `reassign` gives the open hand-off to another owner.
 */
export const OWNER_ACTIONS = ['handoff', 'reassign'] as const;
export type OwnerActionName = (typeof OWNER_ACTIONS)[number];

/**
 * Actions that record what sales learned without moving the stage: `bantch` merges BANTCH items into the
 * lead's deal (one call at a time; qualify then needs only what is still missing). No event of their own:
 * on a handed-off lead the save arms the CRM sync itself (`Lead Updated`), and `Lead Qualified` carries BANTCH.
 */
export const RECORD_ACTIONS = ['bantch'] as const;
export type RecordActionName = (typeof RECORD_ACTIONS)[number];

/** Every action of `POST /v1/ops/leads/{leadId}/{action}`: sales' answers, BANTCH and the owner actions. */
export const LEAD_ACTIONS = [...SALES_ACTIONS, ...RECORD_ACTIONS, ...OWNER_ACTIONS] as const;
export type LeadActionName = (typeof LEAD_ACTIONS)[number];

export const CRM_EVENT_SOURCE = 'leadloop.crm';
export const CRM_SALES_ACTION_DETAIL_TYPE = 'CRM Sales Action';
