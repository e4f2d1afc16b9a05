/**
 * What a change to a lead adds to the report counters. Pure: a function of the events a write announces,
 * the lead as written and the report configuration.
 *
 * **Exactly once.** Every stage change, hand-off, acceptance and breach is announced by an outbox event
 * written in the same DynamoDB transaction as the change (`writeLead`). The store appends the counter
 * `ADD`s computed here to that very transaction, so:
 * - a replayed request or event decides "nothing to do" and writes nothing (no event, no increment);
 * - two concurrent writers are version-checked: the loser's whole transaction (increments included) is
 *   refused, and it decides again from the winner's state, where the stage is already entered;
 * - a crash leaves either the change with its increments, or neither.
 * The counted facts are also kept per lead, in the same transaction (`RPT#<eventId>` items; a capture's on
 * its form entry, a step mail's on the mail's entry), so `npm run reports:rebuild` can recompute every
 * counter under new grouping rules and get the live figures.
 *
 * **Once per lead and day.** A stage entered twice on the same calendar day (recycled, then MQL again) is
 * counted once for that day, judged from the lead's stage history (the state keeps the last 20
 * transitions). The cohort counts a stage the first time the lead ever reaches it, judged from the stages
 * the state says the lead has ever been in (`stagesReached`, which the history's bound does not trim).
 */
import {
  type Attribution,
  type ChannelGroup,
  type ChannelGroupingConfig,
  channelGroup,
  groupingInput,
} from '#domain/capture/attribution';
import type { AnyDomainEvent } from '#domain/lead/events';
import { stageRank, stagesOf } from '#domain/lead/lifecycle';
import {
  type Channel,
  type EpochMs,
  FUNNEL_STAGES,
  type Stage,
  type StageTransition,
} from '#domain/lead/types';
import { dayOf } from '#domain/reports/periods';

export const STAGE_METRICS = [
  'lead',
  'mql',
  'tql',
  'sal',
  'sql',
  'opportunity',
  'customer',
  'disqualified',
  'recycled',
] as const;
export type StageMetric = (typeof STAGE_METRICS)[number];
export const FUNNEL_METRICS = ['created', ...STAGE_METRICS] as const;
/** Deal metrics on the funnel counters (deals): opportunities won and lost, amount won per currency. */
export const DEAL_METRICS = { won: 'dealsWon', lost: 'dealsLost', wonAmountPrefix: 'amountWon:' } as const;
export const wonAmountMetric = (currency: string): string => `${DEAL_METRICS.wonAmountPrefix}${currency}`;
const isDealMetric = (metric: string): boolean =>
  metric === DEAL_METRICS.won ||
  metric === DEAL_METRICS.lost ||
  metric.startsWith(DEAL_METRICS.wonAmountPrefix);

export const FUNNEL_DIMS = ['none', 'channel', 'source', 'campaign', 'form', 'owner', 'team'] as const;
export type FunnelDim = (typeof FUNNEL_DIMS)[number];
export const COHORT_DIMS = ['none', 'channel', 'source', 'campaign', 'form'] as const;
export type CohortDim = (typeof COHORT_DIMS)[number];
export const SLA_DIMS = ['none', 'owner', 'team'] as const;
export type SlaDim = (typeof SLA_DIMS)[number];
export const EMAIL_DIMS = ['none', 'sequence', 'step', 'template'] as const;
export type EmailDim = (typeof EMAIL_DIMS)[number];

export const SLA_METRICS = [
  'handoffs',
  'accepted',
  'acceptedWithinSla',
  'breached',
  'reassigned',
  'reassignedIn',
  'firstContacted',
  'firstContactWithinSla',
  'firstContactBreached',
] as const;
export type SlaMetric = (typeof SLA_METRICS)[number];

/** Upper bounds (minutes, inclusive) of the time-to-accept histogram; the last bucket is open. */
export const TTA_BUCKETS = [
  5,
  15,
  30,
  60,
  120,
  240,
  480,
  1440,
  2880,
  4320,
  10080,
  20160,
  Number.POSITIVE_INFINITY,
] as const;
export const ttaField = (i: number): string => `tta${i}`;

/** Score histogram buckets of 10 points: 0 = 0–9 (and below), …, 10 = 100 and above. */
export const SCORE_BUCKETS = 11;
export function scoreBucket(total: number): number {
  return Math.max(0, Math.min(SCORE_BUCKETS - 1, Math.floor(total / 10)));
}

/** The value under which a group is counted: trimmed, at most 64 characters, `(none)` when absent. */
export const NONE_VALUE = '(none)';
export const ALL = '*';
export function valueKey(value: string | undefined | null): string {
  const v = (value ?? '').trim().replace(/\|/g, '/').slice(0, 64);
  return v === '' ? NONE_VALUE : v;
}

/**
 * A UTM value as a report group, unless it names a person: counter items are kept through erasures (they
 * are counts), so a `utm_campaign` that carries an e-mail address or a phone number (a link built from a
 * mailing list, a tracking template gone wrong) is counted as `(redacted)` instead.
 */
export const REDACTED_VALUE = '(redacted)';
const PERSONAL = [/[^\s@/]+@[^\s@/]+\.[a-z]{2,}/i, /(?:\+\d{1,3}|\b0\d{1,4})[-\s]\d{1,4}[-\s]\d{4}\b/];
export function utmValueKey(value: string | undefined | null): string {
  return PERSONAL.some((p) => p.test(value ?? '')) ? REDACTED_VALUE : valueKey(value);
}

/** Counter field name: `<group value>|<metric>`. */
export const fieldOf = (value: string, metric: string): string => `${value}|${metric}`;

/** A counted fact: one event's contribution, before it is spread over the dimensions. */
export interface ReportFact {
  /** The event id that announced it (the fact's key: a replayed event has the same id). */
  id: string;
  scope: 'funnel' | 'sla' | 'email';
  day: string;
  metrics: Record<string, number>;
  cohortDay?: string;
  cohort?: Record<string, number>;
  ownerId?: string;
  team?: string;
  /** E-mail facts: the mail's sequence, step and template (each optional). */
  mail?: EmailMail;
}

/** Which mail an e-mail fact is about (the e-mail report's dimensions). */
export interface EmailMail {
  sequenceId?: string | undefined;
  stepId?: string | undefined;
  templateId?: string | undefined;
}

/**
 * An e-mail KPI fact: one mail event (a step mail sent, an SES delivery, bounce, complaint, open, click, an
 * unsubscribe) counted once. `id` names the event (a replay has the same id): the fact item keyed by it is
 * the counting's own idempotency record, written with a condition in the transaction that adds to the
 * counters, so the e-mail counters are exactly once and `reports:rebuild` can recompute them.
 */
export function emailFact(kpi: string, id: string, day: string, mail: EmailMail): ReportFact {
  const kept: EmailMail = {};
  if (mail.sequenceId) kept.sequenceId = mail.sequenceId;
  if (mail.stepId) kept.stepId = mail.stepId;
  if (mail.templateId) kept.templateId = mail.templateId;
  return { id: `email:${kpi}:${id}`, scope: 'email', day, metrics: { [kpi]: 1 }, mail: kept };
}

/** A hand-off as the counting sees it. */
export interface CountedHandoff {
  /** The hand-off's number (`handoffNumber` in the events about it). */
  n: number;
  owner: { ownerId: string; team: string };
  startedAt: EpochMs;
  /** The current owner's accept deadline (each owner who gets the hand-off gets their own). */
  dueAt?: EpochMs | undefined;
  /** The accept deadline whose breach was published (`Lead SLA Breached`, counted then). */
  lastBreachedDueAt?: EpochMs | undefined;
  /** The current owner's first-contact deadline. */
  firstContactDueAt?: EpochMs | undefined;
  /** The first-contact deadline whose breach was published. */
  lastFirstContactBreachedDueAt?: EpochMs | undefined;
}

/** The accept deadline of the hand-off's current owner was already counted as breached (by its own event). */
const acceptBreachCounted = (h: CountedHandoff | undefined): boolean =>
  h?.lastBreachedDueAt !== undefined && h.lastBreachedDueAt === h.dueAt;
/** The same for the first-contact deadline. */
const firstContactBreachCounted = (h: CountedHandoff | undefined): boolean =>
  h?.lastFirstContactBreachedDueAt !== undefined && h.lastFirstContactBreachedDueAt === h.firstContactDueAt;

/** What a counted change needs to know about the lead (the state as written, the immutable profile bits). */
export interface CountingSnapshot {
  createdAt: EpochMs;
  stageHistory: readonly StageTransition[];
  /** The hand-off as the write leaves it. */
  handoff?: CountedHandoff | undefined;
  /**
   * The state as the write found it (absent for a new lead). A write can replace the hand-off an event is
   * about: an `appointment_set` call records the first contact of hand-off n and opens hand-off n + 1 to
   * field sales in one write, so what the SLA timer recorded on hand-off n is only here. `stagesReached`:
   * every stage the lead had been in (`stagesReachedOf`), which the bounded stage history may have dropped.
   */
  before?: { handoff?: CountedHandoff | undefined; stagesReached?: number | undefined } | undefined;
}

/** The hand-off an SLA event names (`handoffNumber`): as the write leaves it, or as the write found it. */
function handoffNamed(lead: CountingSnapshot, n: number): CountedHandoff | undefined {
  if (lead.handoff?.n === n) return lead.handoff;
  if (lead.before?.handoff?.n === n) return lead.before.handoff;
  return undefined;
}

/** The lead's report dimensions, from its first touch (which never changes) under the grouping rules. */
export interface LeadDims {
  channel: ChannelGroup;
  source: string;
  campaign: string;
  form: string;
}

export function leadDims(
  profile: { attribution?: Attribution | undefined; channel?: Channel | ChannelGroup | undefined },
  grouping: ChannelGroupingConfig | undefined,
): LeadDims {
  const first = profile.attribution?.firstTouch;
  return {
    channel: channelGroup(
      first ? groupingInput(first) : profile.channel ? { channel: profile.channel } : undefined,
      grouping,
    ),
    source: utmValueKey(first?.utm?.source),
    campaign: utmValueKey(first?.utm?.campaign),
    form: valueKey(first?.formId),
  };
}

/** Funnel stages a move from `from` to `to` passes through (entering `to` included; subscriber never counted). */
export function stagesPassed(from: Stage | null, to: Stage): StageMetric[] {
  if (to === 'recycled' || to === 'disqualified') return [to];
  // Back to tql from sal (inside sales had accepted, then booked the appointment): tql is entered now.
  if (to === 'tql' && from !== null && stageRank(from) > stageRank('tql')) return ['tql'];
  const low = from === null ? 0 : Math.max(0, stageRank(from));
  const high = stageRank(to);
  // tql counts only when entered or left explicitly: a move past it (mql → sal with TQL switched off) skips it.
  return FUNNEL_STAGES.filter(
    (s) => s !== 'subscriber' && (s !== 'tql' || to === 'tql') && stageRank(s) > low && stageRank(s) <= high,
  ) as StageMetric[];
}

/**
 * The facts of one write: `Lead Captured` (a new lead) counts `created`; `Lead Stage Changed` counts each
 * stage passed (once per lead and day) and, in the cohort of the lead's creation day, each stage reached for
 * the first time; `Opportunity Won` / `Lost` count the deal (and the amount won) on its day and in that
 * cohort; hand-off events count for the owner and team concerned.
 */
export function factsFor(
  events: readonly AnyDomainEvent[],
  lead: CountingSnapshot,
  timeZone: string,
): ReportFact[] {
  const facts: ReportFact[] = [];
  const cohortDay = dayOf(lead.createdAt, timeZone);
  const owner = lead.handoff ? { ownerId: lead.handoff.owner.ownerId, team: lead.handoff.owner.team } : {};
  for (const event of events) {
    const at = Date.parse(event.detail.occurredAt);
    const day = dayOf(at, timeZone);
    const base = { id: event.detail.eventId, day };
    switch (event.detailType) {
      case 'Lead Captured':
        if (event.detail.isNew)
          facts.push({
            ...base,
            scope: 'funnel',
            metrics: { created: 1 },
            cohortDay,
            cohort: { lead: 1 },
            ...owner,
          });
        break;
      case 'Lead Stage Changed': {
        const { from, to } = event.detail;
        const prior = priorHistory(lead.stageHistory, to);
        const sameDay = new Set(
          prior.filter((t) => dayOf(t.at, timeZone) === day).flatMap((t) => stagesPassed(t.from, t.to)),
        );
        // Reached before: what the lead had been in when the write began (a stage passes the stages before
        // it), and what this write's earlier transitions passed.
        const ever = new Set([
          ...stagesOf(lead.before?.stagesReached ?? 0).flatMap((s) => stagesPassed(null, s)),
          ...prior.flatMap((t) => stagesPassed(t.from, t.to)),
        ]);
        const passed = stagesPassed(from, to);
        const metrics = Object.fromEntries(passed.filter((s) => !sameDay.has(s)).map((s) => [s, 1]));
        // `lead` in the cohort means "created", counted with the capture; the other stages on first reach.
        const cohort = Object.fromEntries(
          passed.filter((s) => s !== 'lead' && !ever.has(s)).map((s) => [s, 1]),
        );
        if (Object.keys(metrics).length || Object.keys(cohort).length)
          facts.push({ ...base, scope: 'funnel', metrics, cohortDay, cohort, ...owner });
        break;
      }
      case 'Lead Handed Off':
        facts.push({
          ...base,
          scope: 'sla',
          metrics: { handoffs: 1 },
          ownerId: event.detail.owner.ownerId,
          team: event.detail.owner.team,
        });
        break;
      case 'Lead Accepted': {
        const handoff = handoffNamed(lead, event.detail.handoffNumber);
        const startedAt = handoff?.startedAt ?? at;
        const minutes = Math.max(0, (at - startedAt) / 60_000);
        const bucket = TTA_BUCKETS.findIndex((b) => minutes <= b);
        facts.push({
          ...base,
          scope: 'sla',
          metrics: {
            accepted: 1,
            ...(event.detail.withinSla ? { acceptedWithinSla: 1 } : {}),
            // Late, but before the sweeper saw the deadline pass: no `Lead SLA Breached` came (the accept
            // took the timer away), so the breach is counted here, once. (An earlier owner's breach is theirs.)
            ...(!event.detail.withinSla && !acceptBreachCounted(handoff) ? { breached: 1 } : {}),
            [ttaField(bucket)]: 1,
          },
          ownerId: event.detail.ownerId,
          team: handoff?.owner.ownerId === event.detail.ownerId ? handoff.owner.team : NONE_VALUE,
        });
        break;
      }
      // Deals: won and lost opportunities, and the amount won per currency, by the lead's dimensions; in the
      // period of the day closed and in the cohort of the lead's creation day (every deal, not a first reach).
      case 'Opportunity Won': {
        const metrics = {
          [DEAL_METRICS.won]: 1,
          [wonAmountMetric(event.detail.opportunity.currency)]: event.detail.opportunity.amount,
        };
        facts.push({ ...base, scope: 'funnel', metrics, cohortDay, cohort: { ...metrics }, ...owner });
        break;
      }
      case 'Opportunity Lost':
        facts.push({
          ...base,
          scope: 'funnel',
          metrics: { [DEAL_METRICS.lost]: 1 },
          cohortDay,
          cohort: { [DEAL_METRICS.lost]: 1 },
          ...owner,
        });
        break;
      case 'Lead SLA Breached': {
        // On the deadline's day, not the day the sweeper saw it: after a sweeper outage, or for a wall-clock
        // deadline at 23:59, the breach still belongs to the day it happened.
        const due = Date.parse(event.detail.dueAt);
        facts.push({
          ...base,
          ...(Number.isFinite(due) && due <= at ? { day: dayOf(due, timeZone) } : {}),
          scope: 'sla',
          // The first-contact clock counts apart: `breached` stays the accept clock's.
          metrics: event.detail.clock === 'first_contact' ? { firstContactBreached: 1 } : { breached: 1 },
          ownerId: event.detail.owner.ownerId,
          team: event.detail.owner.team,
        });
        break;
      }
      case 'Lead First Contacted': {
        // The hand-off contacted, not the one the write leaves: `appointment_set` opens the next in the same write.
        const handoff = handoffNamed(lead, event.detail.handoffNumber);
        facts.push({
          ...base,
          scope: 'sla',
          metrics: {
            firstContacted: 1,
            ...(event.detail.withinSla ? { firstContactWithinSla: 1 } : {}),
            // Late, before the sweeper saw it: the breach is counted here (as on accept).
            ...(!event.detail.withinSla && !firstContactBreachCounted(handoff)
              ? { firstContactBreached: 1 }
              : {}),
          },
          ownerId: event.detail.owner.ownerId,
          team: event.detail.owner.team,
        });
        break;
      }
      case 'Lead Assigned':
        if (event.detail.reason === 'sla_reassign') {
          const who = event.detail.previousOwner ?? event.detail.owner;
          facts.push({
            ...base,
            scope: 'sla',
            metrics: { reassigned: 1 },
            ownerId: who.ownerId,
            team: who.team,
          });
        }
        // The owner who received an open hand-off from a colleague (by the SLA timer or by hand): their
        // accept and first contact count for them, so the row says where those hand-offs came from (the
        // `handoffs` column counts hand-offs opened, each once, for the owner who first got it). A manual
        // assignment with no previous owner (an import or a manual entry given straight to a rep) is that
        // owner's first hand-off, not one received from a colleague.
        if (event.detail.reason !== 'handoff' && event.detail.previousOwner) {
          facts.push({
            ...base,
            scope: 'sla',
            metrics: { reassignedIn: 1 },
            ownerId: event.detail.owner.ownerId,
            team: event.detail.owner.team,
          });
        }
        break;
      default:
        break;
    }
  }
  return facts;
}

/**
 * A stored fact as `factsFor` writes it now. Deal facts (`Opportunity Won` / `Lost`) stored before they
 * carried the cohort have none: they count in the cohort of the lead's creation day, as live counting does.
 * The rebuild reads stored facts through this, so its cohort counters equal the live ones.
 */
export function currentFact(fact: ReportFact, createdAt: EpochMs, timeZone: string): ReportFact {
  if (fact.scope !== 'funnel' || fact.cohortDay !== undefined) return fact;
  const cohort = Object.fromEntries(Object.entries(fact.metrics).filter(([m]) => isDealMetric(m)));
  if (Object.keys(cohort).length === 0) return fact;
  return { ...fact, cohortDay: dayOf(createdAt, timeZone), cohort };
}

/** The transitions before the one that entered `to` (the last transition into `to`, which this write added). */
function priorHistory(history: readonly StageTransition[], to: Stage): readonly StageTransition[] {
  for (let i = history.length - 1; i >= 0; i--) if (history[i]?.to === to) return history.slice(0, i);
  return history;
}

/** One `ADD` on one counter item: `kind` names the item family, `period` the day. */
export interface CounterAdd {
  kind: string;
  period: string;
  fields: Record<string, number>;
}

export const funnelKind = (dim: FunnelDim): string => `f:${dim}`;
export const cohortKind = (dim: CohortDim): string => `c:${dim}`;
export const slaKind = (dim: SlaDim): string => `s:${dim}`;
export const emailKind = (dim: EmailDim): string => `e:${dim}`;

function dimValues(dims: LeadDims, fact: ReportFact): Record<FunnelDim, string> {
  return {
    none: ALL,
    channel: dims.channel,
    source: dims.source,
    campaign: dims.campaign,
    form: dims.form,
    owner: valueKey(fact.ownerId),
    team: valueKey(fact.team),
  };
}

/** Spread facts over the dimensions: one `ADD` per counter item (kind and day), fields summed. */
export function counterAddsFor(facts: readonly ReportFact[], dims: LeadDims): CounterAdd[] {
  const adds = new Map<string, CounterAdd>();
  const add = (kind: string, period: string, value: string, metrics: Record<string, number>) => {
    const key = `${kind}\u0000${period}`;
    const entry = adds.get(key) ?? { kind, period, fields: {} };
    for (const [metric, n] of Object.entries(metrics)) {
      const f = fieldOf(value, metric);
      entry.fields[f] = (entry.fields[f] ?? 0) + n;
    }
    adds.set(key, entry);
  };
  for (const fact of facts) {
    if (fact.scope === 'email') {
      const values = emailValues(fact.mail ?? {});
      for (const dim of EMAIL_DIMS) add(emailKind(dim), fact.day, values[dim], fact.metrics);
      continue;
    }
    const values = dimValues(dims, fact);
    if (fact.scope === 'funnel') {
      if (Object.keys(fact.metrics).length)
        for (const dim of FUNNEL_DIMS) add(funnelKind(dim), fact.day, values[dim], fact.metrics);
      if (fact.cohortDay && fact.cohort && Object.keys(fact.cohort).length)
        for (const dim of COHORT_DIMS) add(cohortKind(dim), fact.cohortDay, values[dim], fact.cohort);
    } else {
      for (const dim of SLA_DIMS) add(slaKind(dim), fact.day, values[dim], fact.metrics);
    }
  }
  return [...adds.values()].filter((a) => Object.keys(a.fields).length > 0);
}

/** The gauges (current leads per temperature, stage and score bucket) a lead stands in. */
export interface GaugeState {
  stage: Stage;
  temperature: string;
  score: { total: number };
}

export const GAUGE_PERIOD = 'current';
export const GAUGE_KIND = 'g';

function gaugeFields(s: GaugeState): string[] {
  return [`temperature|${s.temperature}`, `stage|${s.stage}`, `score|${scoreBucket(s.score.total)}`];
}

/**
 * How the gauges move from `before` to `after` (undefined = the lead did not exist / no longer counts):
 * −1 where it was, +1 where it is; nothing when it stays in the same temperature, stage and score bucket.
 */
export function gaugeDelta(
  before: GaugeState | undefined,
  after: GaugeState | undefined,
): Record<string, number> {
  const delta: Record<string, number> = {};
  for (const f of before ? gaugeFields(before) : []) delta[f] = (delta[f] ?? 0) - 1;
  for (const f of after ? gaugeFields(after) : []) delta[f] = (delta[f] ?? 0) + 1;
  for (const [f, n] of Object.entries(delta)) if (n === 0) delete delta[f];
  return delta;
}

/** True when a change moves a gauge, i.e. must go through a transaction to keep the gauges exact. */
export function movesGauges(before: GaugeState, after: GaugeState): boolean {
  return Object.keys(gaugeDelta(before, after)).length > 0;
}

function emailValues(mail: EmailMail): Record<EmailDim, string> {
  return {
    none: ALL,
    sequence: valueKey(mail.sequenceId),
    step: valueKey(mail.sequenceId && mail.stepId ? `${mail.sequenceId}/${mail.stepId}` : mail.stepId),
    template: valueKey(mail.templateId),
  };
}

/** The e-mail KPI counters one counted mail event adds to (per day; dims: none, sequence, step, template). */
export function emailAdds(fact: ReportFact): CounterAdd[] {
  return counterAddsFor([fact], { channel: 'direct', source: ALL, campaign: ALL, form: ALL });
}

/**
 * What one write adds to the reports: its facts (kept per lead for rebuilds) and the counter `ADD`s they
 * make under the lead's dimensions. The store appends both to the write's own transaction.
 */
export function counterUpdatesFor(
  events: readonly AnyDomainEvent[],
  lead: CountingSnapshot,
  timeZone: string,
  dims: LeadDims,
): { facts: ReportFact[]; adds: CounterAdd[] } {
  const facts = factsFor(events, lead, timeZone);
  return { facts, adds: counterAddsFor(facts, dims) };
}
