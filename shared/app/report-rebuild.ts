import { settings } from '#config/settings';
import { type AnyDomainEvent, buildDomainEvent, isoAt } from '#domain/lead/events';
import type { Lead } from '#domain/lead/lead';
import {
  COHORT_DIMS,
  cohortKind,
  counterAddsFor,
  EMAIL_DIMS,
  emailKind,
  FUNNEL_DIMS,
  factsFor,
  funnelKind,
  GAUGE_KIND,
  GAUGE_PERIOD,
  gaugeDelta,
  leadDims,
  type ReportFact,
  SLA_DIMS,
  slaKind,
} from '#domain/reports/counting';
import { getLead, scanLeadIds } from '#store/leads';
import { listReportItems, putLeadFacts, putReportItems, readLeadFacts } from '#store/report-counters';

/**
 * `npm run reports:rebuild`: recompute the funnel, cohort, SLA, e-mail and gauge counters from the stored leads,
 * for upgrades and after a change of the channel grouping. Each lead's counted facts (`RPT#` items, written
 * with the change they count) are spread again over the dimensions under the rules in force, and the
 * gauges are recounted from each lead's current state; the result equals what live counting would have
 * written under the same rules. A lead stored before facts existed gets them from its stage history
 * (creation and every stage transition kept; its hand-off history is not recoverable, so it adds no SLA
 * counts). E-mail counters come from the lead's e-mail facts (`RPT#email:…`, one per counted mail event,
 * written with the count: app/email-kpis.ts); mail events counted before facts existed have none, so a
 * rebuild drops them from the e-mail counters (and so do erased leads, from every counter).
 *
 * The accumulated counters live in memory (they are small: kinds × days × groups) and in the checkpoint, so
 * a run resumes where it stopped. Counters are written at the end, replacing the stored ones; live writes
 * during a rebuild can be overwritten, so run it when traffic is quiet (or run it again).
 */

export type Accumulator = Record<string, Record<string, number>>;

export interface RebuildState {
  startKey?: Record<string, unknown> | undefined;
  leads: number;
  counters: Accumulator;
  done: boolean;
}

export const emptyRebuild = (): RebuildState => ({ leads: 0, counters: {}, done: false });

const keyOf = (kind: string, period: string) => `${kind}\u0000${period}`;

function accumulate(acc: Accumulator, kind: string, period: string, fields: Record<string, number>): void {
  const entry = acc[keyOf(kind, period)] ?? {};
  for (const [f, n] of Object.entries(fields)) entry[f] = (entry[f] ?? 0) + n;
  acc[keyOf(kind, period)] = entry;
}

/** Facts for a lead stored before facts were kept: its creation and each transition of its stage history. */
export function legacyFacts(lead: Lead, timeZone: string): ReportFact[] {
  const { state, profile } = lead;
  const captured: AnyDomainEvent = buildDomainEvent('Lead Captured', {
    eventId: `${state.leadId}:captured`,
    version: 1,
    occurredAt: isoAt(profile.createdAt),
    leadId: state.leadId,
    email: profile.email,
    channel: profile.attribution?.firstTouch.origin ?? 'inbound_web',
    isNew: true,
  });
  const snapshot = (n: number) => ({
    createdAt: profile.createdAt,
    stageHistory: state.stageHistory.slice(0, n),
    handoff: state.handoff,
  });
  const facts = factsFor([captured], snapshot(1), timeZone);
  state.stageHistory.forEach((t, i) => {
    const event: AnyDomainEvent = buildDomainEvent('Lead Stage Changed', {
      eventId: `${state.leadId}:stage:${i + 1}:${t.to}`,
      version: 1,
      occurredAt: isoAt(t.at),
      leadId: state.leadId,
      from: t.from,
      to: t.to,
      reason: t.reason,
    });
    facts.push(...factsFor([event], snapshot(i + 1), timeZone));
  });
  return facts;
}

/** Count one lead into the accumulator (facts under the current grouping, and its gauges). */
export async function rebuildLead(
  acc: Accumulator,
  leadId: string,
  options: { writeFacts: boolean },
): Promise<boolean> {
  const lead = await getLead(leadId);
  if (!lead) return false;
  const facts = await readLeadFacts(leadId);
  // Funnel facts exist from the lead's capture on; a lead without any predates them (e-mail facts aside).
  if (!facts.some((f) => f.scope !== 'email')) {
    const legacy = legacyFacts(lead, settings.app.timeZone);
    if (options.writeFacts) await putLeadFacts(leadId, legacy);
    facts.push(...legacy);
  }
  for (const add of counterAddsFor(facts, leadDims(lead.profile, settings.reports.channelGrouping)))
    accumulate(acc, add.kind, add.period, add.fields);
  accumulate(acc, GAUGE_KIND, GAUGE_PERIOD, gaugeDelta(undefined, lead.state));
  return true;
}

/** The kinds a rebuild owns: every report counter (funnel, cohort, SLA, e-mail, gauges). */
export const REBUILT_KINDS = [
  ...FUNNEL_DIMS.map(funnelKind),
  ...COHORT_DIMS.map(cohortKind),
  ...SLA_DIMS.map(slaKind),
  ...EMAIL_DIMS.map(emailKind),
  GAUGE_KIND,
];

/** One page of the scan: counts its leads into `state` (which is the checkpoint). */
export async function rebuildPage(
  state: RebuildState,
  pageSize: number,
  writeFacts: boolean,
): Promise<RebuildState> {
  const page = await scanLeadIds({ segment: 0, totalSegments: 1, limit: pageSize, startKey: state.startKey });
  let leads = state.leads;
  for (const leadId of page.leadIds) if (await rebuildLead(state.counters, leadId, { writeFacts })) leads++;
  return { ...state, leads, startKey: page.next, done: page.next === undefined };
}

/**
 * Replace the stored counters with the accumulated ones: each (kind, day) written whole into the bulk
 * shard, every other stored item of the rebuilt kinds deleted.
 */
export async function writeRebuiltCounters(
  counters: Accumulator,
): Promise<{ items: number; removed: number }> {
  const items = Object.entries(counters).map(([key, fields]) => {
    const [kind = '', period = ''] = key.split('\u0000');
    return { kind, period, fields: Object.fromEntries(Object.entries(fields).filter(([, n]) => n !== 0)) };
  });
  // Every stored item of the rebuilt kinds goes (live shards included); the rebuilt ones are written whole.
  const remove: { kind: string; sk: string }[] = [];
  for (const kind of REBUILT_KINDS) for (const sk of await listReportItems(kind)) remove.push({ kind, sk });
  await putReportItems(items, remove);
  return { items: items.length, removed: remove.length };
}
