/**
 * Sales actions that touch the deal: bantch (BANTCH items recorded, the stage unchanged), qualify (BANTCH kept
 * and required for SQL), convert (opens the opportunity; a convert with `to: 'customer'` wins it) and the
 * opportunity's phase moves (won → customer, lost → recycled into nurture). The stage move itself is the
 * hand-off's transition table (`applySalesAction`); this module adds the deal record and its events. Pure:
 * (lead, deal, action, config, now) → decision.
 */
import {
  BANTCH_FIELDS,
  type BantchField,
  createOpportunity,
  type DealRecord,
  type DealsConfig,
  mergeBantch,
  missingBantch,
  moveOpportunityPhase,
  type Opportunity,
  openOpportunity,
  opportunityRef,
} from '#domain/deals/opportunity';
import {
  applySalesAction,
  type RecyclePolicy,
  recordsBantch,
  type SalesActionLead,
} from '#domain/handoff/sales-actions';
import { breachesOnLeaving, type HandoffState, type SlaCounter } from '#domain/handoff/sla';
import type { BantchAction, OpportunityAction, SalesAction } from '#domain/lead/actions';
import { type AnyDomainEvent, buildDomainEvent, channelEventVersion, isoAt } from '#domain/lead/events';
import type { ChannelGroup, EpochMs, Stage, StageTransition, TimelineEntry } from '#domain/lead/types';

export type DealAction =
  | Extract<SalesAction, { action: 'qualify' | 'convert' }>
  | BantchAction
  | OpportunityAction;

export interface DealLead extends SalesActionLead {
  /** First-touch channel (report dimension of won and lost deals). */
  channel: ChannelGroup;
}

export interface DealActionConfig {
  deals: DealsConfig;
  recycle: RecyclePolicy;
}

export type DealDecided = {
  ok: true;
  stage: Stage;
  transition?: StageTransition;
  handoff?: HandoffState;
  deal: DealRecord;
  opportunity?: Opportunity;
  events: AnyDomainEvent[];
  /** SLA counters: the breaches of deadlines no timer saw pass, when the move closes the hand-off. */
  slaCounters?: SlaCounter[];
  nurture?: { at: EpochMs; sequenceId: string };
  /** Lines for the lead's timeline (no points): what `bantch` recorded. */
  timeline?: TimelineEntry[];
  /** `bantch`: the items required for SQL the merged BANTCH still lacks, in configured order. */
  missingForSql?: BantchField[];
  /**
   * The lead's CRM record changes and no event says so (`bantch` on a handed-off lead: the record carries
   * BANTCH): the writer notes the change for the CRM sync itself.
   */
  crmRecordChanged?: true;
};

export type DealRefusal =
  | { ok: false; code: 'invalid_transition'; message: string }
  | { ok: false; code: 'bantch_incomplete'; message: string; missing: BantchField[] }
  | { ok: false; code: 'invalid'; message: string; field: string };

const refuse = (message: string): DealRefusal => ({ ok: false, code: 'invalid_transition', message });

const actor = (by: string | undefined) => (by === undefined ? {} : { by });

/** Decides a deal action. The caller writes the state, the deal item and the events together. */
export function decideDealAction(
  lead: DealLead,
  deal: DealRecord,
  action: DealAction,
  config: DealActionConfig,
  now: EpochMs,
): DealDecided | DealRefusal {
  if (action.action === 'opportunity') return movePhase(lead, deal, action, config, now);
  if (action.action === 'bantch') return recordBantch(lead, deal, action, config, now);
  const base = applySalesAction(lead, action, now, config.recycle);
  if (!base.ok) return refuse(base.message);
  const common = {
    ok: true as const,
    stage: base.stage,
    transition: base.transition,
    ...(base.handoff ? { handoff: base.handoff } : {}),
    ...(base.slaCounters.length ? { slaCounters: base.slaCounters } : {}),
  };
  if (action.action === 'qualify') {
    const bantch = mergeBantch(deal.bantch, action.bant);
    const missing = missingBantch(bantch, config.deals.requiredForSql);
    if (missing.length > 0) {
      return {
        ok: false,
        code: 'bantch_incomplete',
        missing,
        message: `BANTCH needed before SQL is missing: ${missing.join(', ')}`,
      };
    }
    // The CRM hears BANTCH with `Lead Qualified`: all of it as kept (items saved earlier with `bantch`
    // included), not only the items this qualify gave.
    const events = base.events.map((event) =>
      event.detailType === 'Lead Qualified'
        ? buildDomainEvent('Lead Qualified', { ...event.detail, bant: bantch })
        : event,
    );
    return {
      ...common,
      deal: { ...deal, bantch, updatedAt: now, version: deal.version + 1 },
      events,
    };
  }
  // convert
  if (base.stage === 'opportunity') {
    const created = createOpportunity(deal, action, config.deals, now);
    if (!created.ok) {
      return created.code === 'invalid'
        ? { ok: false, code: 'invalid', message: created.message, field: created.field ?? 'phase' }
        : refuse(created.message);
    }
    const { opportunity } = created.value;
    const event = buildDomainEvent('Opportunity Created', {
      eventId: `${lead.leadId}:opportunity:${opportunity.n}:created`,
      version: 1,
      occurredAt: isoAt(now),
      leadId: lead.leadId,
      opportunity: opportunityRef(opportunity, config.deals),
      ...(opportunity.account ? { account: definedOnly(opportunity.account) } : {}),
      ...(opportunity.contact ? { contact: definedOnly(opportunity.contact) } : {}),
      ...actor(action.by),
    });
    return { ...common, deal: created.value.deal, opportunity, events: [...base.events, event] };
  }
  // opportunity → customer: the open opportunity (if any) is won with the convert's figures.
  if (!openOpportunity(deal)) return { ...common, deal, events: base.events };
  const won = moveOpportunityPhase(
    deal,
    lead.stage,
    {
      actionId: action.actionId,
      phase: 'won',
      amount: action.amount,
      expectedCloseDate: action.expectedCloseDate,
    },
    config.deals,
    now,
  );
  if (!won.ok) return refuse(won.message);
  return {
    ...common,
    deal: won.value.deal,
    opportunity: won.value.opportunity,
    events: [
      ...base.events,
      ...phaseEvents(lead, won.value.before, won.value.opportunity, action, config, now),
    ],
  };
}

/**
 * `bantch`: merges the items given over the deal's BANTCH (an item not given keeps its value) on a lead that
 * is still worked, from subscriber to an open opportunity. The stage and hand-off stay as they are and no
 * event is announced (a handed-off lead's CRM record is refreshed through `crmRecordChanged`); the lead's
 * timeline gets a `bantch_recorded` line naming the items (with `by` and the note), and the answer says which
 * items SQL still needs. Refused on a disqualified lead or a customer.
 */
function recordBantch(
  lead: DealLead,
  deal: DealRecord,
  action: BantchAction,
  config: DealActionConfig,
  now: EpochMs,
): DealDecided | DealRefusal {
  if (!recordsBantch(lead.stage)) {
    return refuse(
      `cannot record BANTCH on a lead in stage '${lead.stage}': it is no longer worked (only from subscriber to an open opportunity, or recycled)`,
    );
  }
  const bantch = mergeBantch(deal.bantch, action.bant);
  const items = BANTCH_FIELDS.filter((field) => action.bant[field] !== undefined);
  return {
    ok: true,
    stage: lead.stage,
    ...(lead.handoff ? { handoff: lead.handoff } : {}),
    deal: { ...deal, bantch, updatedAt: now, version: deal.version + 1 },
    events: [],
    timeline: [
      {
        eventId: `${lead.leadId}:bantch:${action.actionId}`,
        type: 'bantch_recorded',
        occurredAt: now,
        points: 0,
        rule: null,
        properties: {
          items: items.join(','),
          ...(action.by === undefined ? {} : { by: action.by }),
          ...(action.note === undefined ? {} : { note: action.note }),
        },
      },
    ],
    missingForSql: missingBantch(bantch, config.deals.requiredForSql),
    // Only handed-off leads are in the CRM (`crmSyncWanted`).
    ...(lead.handoff ? { crmRecordChanged: true as const } : {}),
  };
}

const definedOnly = <T extends object>(o: T): { [K in keyof T]: Exclude<T[K], undefined> } =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]: Exclude<T[K], undefined>;
  };

/** `Opportunity Phase Changed`, then `Opportunity Won` or `Opportunity Lost` when it closed. */
function phaseEvents(
  lead: DealLead,
  before: Opportunity,
  after: Opportunity,
  action: {
    actionId: string;
    by?: string | undefined;
    reason?: string | undefined;
    competitor?: string | undefined;
  },
  config: DealActionConfig,
  now: EpochMs,
  nurtureAt?: EpochMs,
): AnyDomainEvent[] {
  const base = { version: 1 as const, occurredAt: isoAt(now), leadId: lead.leadId, ...actor(action.by) };
  const ref = opportunityRef(after, config.deals);
  const events: AnyDomainEvent[] = [
    buildDomainEvent('Opportunity Phase Changed', {
      ...base,
      eventId: `${lead.leadId}:opportunity:${after.n}:${action.actionId}`,
      opportunity: ref,
      from: before.phase,
      to: after.phase,
    }),
  ];
  if (after.status === 'won') {
    events.push(
      buildDomainEvent('Opportunity Won', {
        ...base,
        version: channelEventVersion(lead.channel),
        eventId: `${lead.leadId}:opportunity:${after.n}:won`,
        opportunity: ref,
        channel: lead.channel,
      }),
    );
  }
  if (after.status === 'lost') {
    events.push(
      buildDomainEvent('Opportunity Lost', {
        ...base,
        version: channelEventVersion(lead.channel),
        eventId: `${lead.leadId}:opportunity:${after.n}:lost`,
        opportunity: ref,
        reason: after.lostReason ?? action.reason ?? '',
        ...(after.competitor ? { competitor: after.competitor } : {}),
        channel: lead.channel,
        nurtureAt: isoAt(nurtureAt ?? now),
      }),
    );
  }
  return events;
}

function movePhase(
  lead: DealLead,
  deal: DealRecord,
  action: OpportunityAction,
  config: DealActionConfig,
  now: EpochMs,
): DealDecided | DealRefusal {
  if (lead.stage !== 'opportunity' && openOpportunity(deal)) {
    return refuse(`the lead is '${lead.stage}', not in an open opportunity`);
  }
  const moved = moveOpportunityPhase(deal, lead.stage, action, config.deals, now);
  if (!moved.ok) {
    return moved.code === 'invalid'
      ? { ok: false, code: 'invalid', message: moved.message, field: moved.field ?? 'phase' }
      : refuse(moved.message);
  }
  const { before, opportunity, stage, nurtureAt } = moved.value;
  const events = phaseEvents(lead, before, opportunity, action, config, now, nurtureAt);
  if (stage === lead.stage) return { ok: true, stage, deal: moved.value.deal, opportunity, events };

  const reason = opportunity.status; // 'won' | 'lost'
  const transition: StageTransition = { from: lead.stage, to: stage, at: now, reason };
  const base = { version: 1 as const, occurredAt: isoAt(now), leadId: lead.leadId };
  events.push(
    buildDomainEvent('Lead Stage Changed', {
      ...base,
      eventId: `${lead.leadId}:stage:opportunity:${action.actionId}`,
      from: lead.stage,
      to: stage,
      reason,
    }),
  );
  let nurture: { at: EpochMs; sequenceId: string } | undefined;
  if (nurtureAt !== undefined) {
    nurture = { at: nurtureAt, sequenceId: config.recycle.sequenceId };
    // The recycle path: nurture-enroll enrols the lead into the recycle sequence at nurtureAt.
    events.push(
      buildDomainEvent('Lead Recycled', {
        ...base,
        eventId: `${lead.leadId}:recycle:${action.actionId}`,
        reason: `lost: ${opportunity.lostReason ?? ''}`.trim(),
        nurtureAt: isoAt(nurtureAt),
        sequenceId: config.recycle.sequenceId,
        ...actor(action.by),
      }),
    );
  }
  // Won or lost: the hand-off closes; a deadline no SLA timer saw pass is its holder's breach (counted now).
  const open = lead.handoff && lead.handoff.closedAt === undefined ? lead.handoff : undefined;
  const closing = open ? breachesOnLeaving(lead.leadId, open, { ...open, closedAt: now }, now) : undefined;
  const handoff = closing?.handoff ?? lead.handoff;
  return {
    ok: true,
    stage,
    transition,
    ...(handoff ? { handoff } : {}),
    deal: moved.value.deal,
    opportunity,
    events: [...(closing?.events ?? []), ...events],
    ...(closing?.counters.length ? { slaCounters: closing.counters } : {}),
    ...(nurture ? { nurture } : {}),
  };
}
