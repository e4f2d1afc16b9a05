/**
 * Sales activities (calls, meetings, e-mails, notes) logged against a lead: the request schema, the
 * timeline event they become (scored by the ordinary behaviour rules: `type: 'sales_activity'` with
 * properties `activityType` and `outcome`, see `config/scoring.ts`), and what they count for reports
 * (calls, connects, appointments per owner and day). Pure.
 */
import { isoAt } from '#domain/lead/events';
import type { EpochMs } from '#domain/lead/types';
import * as z from '#domain/lead/validation';
import type { ScoredEvent } from '#domain/scoring/behaviour';

export const ACTIVITY_TYPES = ['call', 'meeting', 'email', 'note'] as const;
export type ActivityType = (typeof ACTIVITY_TYPES)[number];

export const ACTIVITY_OUTCOMES = [
  'connected',
  'no_answer',
  'voicemail',
  'appointment_set',
  'not_interested',
  'wrong_number',
  'callback_requested',
] as const;
export type ActivityOutcomeName = (typeof ACTIVITY_OUTCOMES)[number];

/** The timeline event type of a logged sales activity (what scoring rules match on). */
export const SALES_ACTIVITY_EVENT = 'sales_activity';

/**
 * Body of `POST /v1/ops/leads/{leadId}/activities`: the contract (the OpenAPI document). The route checks
 * requests with its twin `salesActivityGate` (#domain/handoff/activity-gate); built on first use
 * (`lazySchema`), so no bundle builds it.
 */
export const salesActivitySchema = /* @__PURE__ */ z.lazySchema(() =>
  z.strictObject({
    /** Client-chosen idempotency key: the same activity logged twice is recorded once. */
    activityId: z
      .string()
      .check(
        z.minLength(1),
        z.maxLength(128),
        z.regex(/^[A-Za-z0-9._:-]+$/, 'activityId may contain letters, digits and . _ : - only'),
      ),
    type: z.enum(ACTIVITY_TYPES),
    outcome: z.optional(z.enum(ACTIVITY_OUTCOMES)),
    /**
     * ISO-8601 with an offset, e.g. 2026-12-04T10:30:00+09:00. Absent: now, on the server's clock. A call
     * just made should leave it out: a laptop's or phone's clock a minute behind would place the call
     * before a hand-off opened seconds ago, and it would not count as the first contact.
     */
    occurredAt: z.optional(z.iso.datetime({ offset: true })),
    /**
     * The next contact the owner plans (次回連絡予定), ISO-8601 with an offset: after the activity, at most a
     * year ahead, on a lead with an open hand-off (#domain/handoff/follow-up). A contact attempt without it
     * marks the planned one done.
     */
    followUpAt: z.optional(z.iso.datetime({ offset: true })),
    durationSeconds: z.optional(z.number().check(z.int(), z.minimum(0), z.maximum(24 * 3600))),
    note: z.optional(z.string().check(z.maxLength(2000))),
    /** Who did it: the owner id (as in config/handoff.ts) for the first-contact clock to see it. */
    by: z.string().check(z.trim(), z.minLength(1), z.maxLength(200)),
  }),
);
export type SalesActivityRequest = z.output<ReturnType<typeof salesActivitySchema>>;
/** An activity with its time decided (the request's, or now). */
export type SalesActivity = Omit<SalesActivityRequest, 'occurredAt'> & { occurredAt: string };

/** The activity at its stated time, or at `now` when the request states none. */
export function activityAt(request: SalesActivityRequest, now: EpochMs): SalesActivity {
  return { ...request, occurredAt: request.occurredAt ?? isoAt(now) };
}

/** How far in the future an activity's time may be (clock skew), beyond which it is refused. */
export const MAX_FUTURE_MS = 5 * 60_000;

/** Why a well-formed activity is refused (the field named), or undefined. */
export function activityProblem(
  activity: SalesActivity,
  now: EpochMs,
): { field: string; message: string } | undefined {
  if (Date.parse(activity.occurredAt) > now + MAX_FUTURE_MS)
    return { field: 'occurredAt', message: 'occurredAt is in the future' };
  if (activity.outcome === 'appointment_set' && activity.type !== 'call' && activity.type !== 'meeting')
    return { field: 'outcome', message: 'appointment_set is an outcome of a call or a meeting' };
  return undefined;
}

/** The timeline event id of an activity (never collides with tracking ids, which have no `activity:`). */
export const activityEventId = (activityId: string): string => `activity:${activityId}`;

/** The scored timeline event of an activity. */
export function activityEvent(activity: SalesActivity): ScoredEvent {
  return {
    eventId: activityEventId(activity.activityId),
    type: SALES_ACTIVITY_EVENT,
    occurredAt: Date.parse(activity.occurredAt),
    title: activity.outcome ? `${activity.type}: ${activity.outcome}` : activity.type,
    properties: {
      activityType: activity.type,
      ...(activity.outcome === undefined ? {} : { outcome: activity.outcome }),
      by: activity.by,
      ...(activity.durationSeconds === undefined ? {} : { durationSeconds: activity.durationSeconds }),
      ...(activity.note === undefined ? {} : { note: activity.note }),
      // The next contact it planned, kept with the call on the timeline (who planned what, and when).
      ...(activity.followUpAt === undefined ? {} : { followUpAt: activity.followUpAt }),
    },
  };
}

export const ACTIVITY_METRICS = ['activities', 'calls', 'connects', 'meetings', 'appointments'] as const;
export type ActivityMetric = (typeof ACTIVITY_METRICS)[number];

/** What one activity counts: every activity; calls; connected calls; meetings; appointments set. */
export function activityMetrics(activity: Pick<SalesActivity, 'type' | 'outcome'>): ActivityMetric[] {
  const out: ActivityMetric[] = ['activities'];
  if (activity.type === 'call') out.push('calls');
  if (activity.type === 'meeting') out.push('meetings');
  const connected =
    activity.outcome === 'connected' ||
    activity.outcome === 'appointment_set' ||
    activity.outcome === 'not_interested' ||
    activity.outcome === 'callback_requested';
  if (activity.type === 'call' && connected) out.push('connects');
  if (activity.outcome === 'appointment_set') out.push('appointments');
  return out;
}

export const ACTIVITY_DIMS = ['none', 'owner', 'team'] as const;
export type ActivityDim = (typeof ACTIVITY_DIMS)[number];
/** Report counter kind of the activity counters by dimension. */
export const activityKind = (dim: ActivityDim): string => `a:${dim}`;

/**
 * The report counter adds of one activity, on the day it happened (in the report time zone): fields
 * `<group>|<metric>` under `a:none` (group `all`), `a:owner` (the `by`) and `a:team` (the owner's team,
 * `unknown` when `by` is not a configured owner).
 */
export function activityCounterAdds(
  activity: Pick<SalesActivity, 'type' | 'outcome' | 'by'>,
  team: string | undefined,
  day: string,
): { kind: string; period: string; fields: Record<string, number> }[] {
  const metrics = activityMetrics(activity);
  const fields = (group: string) => Object.fromEntries(metrics.map((m) => [`${group}|${m}`, 1]));
  return [
    { kind: activityKind('none'), period: day, fields: fields('all') },
    { kind: activityKind('owner'), period: day, fields: fields(activity.by) },
    { kind: activityKind('team'), period: day, fields: fields(team ?? 'unknown') },
  ];
}

export interface ActivityReportRow {
  group: string;
  counts: Record<ActivityMetric, number>;
  /** connects / calls; null without calls. */
  connectRate: number | null;
}

/** Rows of the activity report from per-day counters (`<group>|<metric>` fields), largest first. */
export function activityReport(days: ReadonlyMap<string, Record<string, number>>): ActivityReportRow[] {
  const byGroup = new Map<string, Record<ActivityMetric, number>>();
  for (const fields of days.values()) {
    for (const [field, n] of Object.entries(fields)) {
      const bar = field.lastIndexOf('|');
      const group = field.slice(0, bar);
      const metric = field.slice(bar + 1) as ActivityMetric;
      if (!(ACTIVITY_METRICS as readonly string[]).includes(metric)) continue;
      const counts =
        byGroup.get(group) ??
        (Object.fromEntries(ACTIVITY_METRICS.map((m) => [m, 0])) as Record<ActivityMetric, number>);
      counts[metric] += n;
      byGroup.set(group, counts);
    }
  }
  return [...byGroup]
    .map(([group, counts]) => ({
      group,
      counts,
      connectRate: counts.calls === 0 ? null : Math.round((counts.connects / counts.calls) * 10_000) / 10_000,
    }))
    .sort((a, b) => b.counts.activities - a.counts.activities || (a.group < b.group ? -1 : 1));
}
