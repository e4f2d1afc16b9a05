import { now } from '#adapters/clock';
import { emailKpiDay } from '#app/email-kpis';
import { settings } from '#config/settings';
import { ACTIVITY_DIMS, activityKind } from '#domain/handoff/activities';
import { type AnyDomainEvent, buildDomainEvent, channelEventVersion, isoAt } from '#domain/lead/events';
import type { Lead } from '#domain/lead/lead';
import type { EpochMs } from '#domain/lead/types';
import { DAY_MS } from '#domain/privacy/retention';
import {
  COHORT_DIMS,
  cohortKind,
  counterAddsFor,
  currentFact,
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
import { type ErasedRemains, remainsToCount } from '#domain/reports/erased-remains';
import { getLead, scanLeadIds } from '#store/leads';
import {
  BULK_SHARD,
  fieldOfKinds,
  foldFields,
  listLegacyReportItems,
  listReportItems,
  putLeadFacts,
  putReportItems,
  readLeadFacts,
} from '#store/report-counters';

/**
 * `npm run reports:rebuild`: recompute the funnel, cohort, SLA, e-mail and gauge counters from the stored leads,
 * for upgrades and after a change of the channel grouping. Each lead's counted facts (`RPT#` items, written
 * with the change they count) are spread again over the dimensions under the rules in force, and the
 * gauges are recounted from each lead's current state; the result equals what live counting would have
 * written under the same rules. A lead stored before facts existed gets them from its stage history
 * (creation and every stage transition kept; its hand-off history is not recoverable, so it adds no SLA
 * counts). Deal facts stored before they carried the cohort count in the cohort of the lead's creation day
 * (`currentFact`), as live counting does now. E-mail counters come from the lead's e-mail facts
 * (`RPT#email:…`, one per counted mail event, written with the count: app/email-kpis.ts); mail events counted
 * before facts existed have none, so a rebuild drops them from the e-mail counters. An erased lead is counted
 * from what its erase left on the erasure record (its facts without personal data: ErasedRemains); a lead
 * erased before the erase kept them is dropped from every counter. A step mail's `sent` fact is on its
 * timeline entry, which expires with the timeline's retention: the `sent` counts of days older than that
 * (`sentKeptBefore`) are kept as stored, not recomputed.
 *
 * The accumulated counters live in memory (they are small: kinds × days × groups) and in the checkpoint, so
 * a run resumes where it stopped. Counters are written at the end, replacing the stored ones; live writes
 * during a rebuild can be overwritten, so run it when traffic is quiet (or run it again).
 */

export type Accumulator = Record<string, Record<string, number>>;

export interface RebuildState {
  startKey?: Record<string, unknown> | undefined;
  leads: number;
  /** Erased leads counted from what they left on their erasure records (absent in older checkpoints). */
  erased?: number;
  counters: Accumulator;
  done: boolean;
}

export const emptyRebuild = (): RebuildState => ({ leads: 0, erased: 0, counters: {}, done: false });

const keyOf = (kind: string, period: string) => `${kind}\u0000${period}`;

function accumulate(acc: Accumulator, kind: string, period: string, fields: Record<string, number>): void {
  const entry = acc[keyOf(kind, period)] ?? {};
  for (const [f, n] of Object.entries(fields)) entry[f] = (entry[f] ?? 0) + n;
  acc[keyOf(kind, period)] = entry;
}

/** Facts for a lead stored before facts were kept: its creation and each transition of its stage history. */
export function legacyFacts(lead: Lead, timeZone: string): ReportFact[] {
  const { state, profile } = lead;
  const channel = profile.attribution?.firstTouch.origin ?? 'inbound_web';
  const captured: AnyDomainEvent = buildDomainEvent('Lead Captured', {
    eventId: `${state.leadId}:captured`,
    version: channelEventVersion(channel),
    occurredAt: isoAt(profile.createdAt),
    leadId: state.leadId,
    email: profile.email,
    channel,
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
  // Stored facts as live counting writes them now (deal facts stored before they had the cohort get it).
  const facts = (await readLeadFacts(leadId)).map((f) =>
    currentFact(f, lead.profile.createdAt, settings.app.timeZone),
  );
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

/**
 * Count what an erased lead left (its facts, its first touch cut to the grouping's input) into the
 * accumulator, under the grouping in force: no gauges (it is not a current lead).
 */
export function countErasedLead(acc: Accumulator, remains: ErasedRemains): void {
  const { facts, profile } = remainsToCount(remains);
  for (const add of counterAddsFor(facts, leadDims(profile, settings.reports.channelGrouping)))
    accumulate(acc, add.kind, add.period, add.fields);
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
  const page = await scanLeadIds({
    segment: 0,
    totalSegments: 1,
    limit: pageSize,
    startKey: state.startKey,
    erasedRemains: true,
  });
  let leads = state.leads;
  for (const leadId of page.leadIds) if (await rebuildLead(state.counters, leadId, { writeFacts })) leads++;
  for (const remains of page.remains) countErasedLead(state.counters, remains);
  const erased = (state.erased ?? 0) + page.remains.length;
  return { ...state, leads, erased, startKey: page.next, done: page.next === undefined };
}

const EMAIL_KINDS = new Set(EMAIL_DIMS.map(emailKind));

/**
 * The first day whose e-mail `sent` counts a rebuild recomputes: step mails' `sent` facts live on timeline
 * entries, which expire `timelineDays` after they were written (TTL deletion may lag; two days of margin).
 * Earlier days keep their stored `sent` counts (the e-mail kinds do not depend on the channel grouping).
 */
export function sentKeptBefore(at: EpochMs): string {
  return emailKpiDay(at - (settings.app.retention.timelineDays - 2) * DAY_MS);
}

/** A folded e-mail `sent` field of a day whose stored count the rebuild keeps. */
const keptSent = (folded: string, period: string, keepBefore: string) =>
  period < keepBefore && fieldOfKinds(folded, EMAIL_KINDS) && folded.endsWith('|sent');

/**
 * Replace the stored counters with the accumulated ones: each day's rebuilt fields written whole into the
 * bulk shard's item of that day, the rebuilt kinds' fields removed from every other stored item (kinds a
 * rebuild does not own, the sales-activity counters, are kept where they are). Also the one-off migration
 * from the earlier layout (`REPORT#<kind>` items): their rebuilt kinds are recomputed anyway, their activity
 * counters are folded into the bulk shard, and the old items are deleted. E-mail `sent` counts of days before
 * `sentKeptBefore(at)` are kept as stored (in either layout): their facts may have expired.
 */
export async function writeRebuiltCounters(
  counters: Accumulator,
  at: EpochMs = now(),
): Promise<{ items: number; removed: number }> {
  const owned = new Set(REBUILT_KINDS);
  const keepBefore = sentKeptBefore(at);
  const byPeriod = new Map<string, Record<string, number>>();
  const addTo = (period: string, fields: Record<string, number>) => {
    const into = byPeriod.get(period) ?? {};
    for (const [f, n] of Object.entries(fields)) if (n !== 0) into[f] = (into[f] ?? 0) + n;
    byPeriod.set(period, into);
  };
  for (const [key, fields] of Object.entries(counters)) {
    const [kind = '', period = ''] = key.split('\u0000');
    const folded = foldFields(kind, fields);
    addTo(
      period,
      Object.fromEntries(Object.entries(folded).filter(([f]) => !keptSent(f, period, keepBefore))),
    );
  }
  const legacy = await listLegacyReportItems([...REBUILT_KINDS, ...ACTIVITY_DIMS.map(activityKind)]);
  for (const item of legacy) {
    const folded = Object.entries(foldFields(item.kind, item.fields));
    const keep = owned.has(item.kind) ? folded.filter(([f]) => keptSent(f, item.period, keepBefore)) : folded;
    addTo(item.period, Object.fromEntries(keep));
  }
  const put: { shard: string; period: string; fields: Record<string, number> }[] = [];
  const remove: { shard: string; period: string }[] = [];
  for (const item of await listReportItems()) {
    const kept = Object.fromEntries(
      Object.entries(item.fields).filter(
        ([f]) => !fieldOfKinds(f, owned) || keptSent(f, item.period, keepBefore),
      ),
    );
    if (item.shard === BULK_SHARD) {
      addTo(item.period, kept);
      continue;
    }
    if (Object.keys(kept).length === Object.keys(item.fields).length) continue;
    if (Object.keys(kept).length) put.push({ shard: item.shard, period: item.period, fields: kept });
    else remove.push({ shard: item.shard, period: item.period });
  }
  for (const [period, fields] of byPeriod)
    if (Object.keys(fields).length) put.push({ shard: BULK_SHARD, period, fields });
    else remove.push({ shard: BULK_SHARD, period });
  await putReportItems(put, remove, legacy);
  return { items: put.length, removed: remove.length + legacy.length };
}
