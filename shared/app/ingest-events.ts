import { now as clock } from '#adapters/clock';
import { countMetric } from '#adapters/metrics';
import { leadIdFromToken } from '#app/links';
import { type ActivityResult, recordActivities } from '#app/record-activity';
import { stitchAnonymous } from '#app/stitch-anonymous';
import { settings } from '#config/settings';
import { rememberAnonymousId } from '#domain/lead/lead';
import type { EpochMs } from '#domain/lead/types';
import type { ScoredEvent } from '#domain/scoring/scoring';
import { anonymousAllowance } from '#domain/tracking/anonymous';
import {
  type EventIdentity,
  parseTrackBatch,
  type Rejection,
  type RejectReason,
  type TrackItem,
  type TrackSource,
} from '#domain/tracking/batch';
import { keepAnonymousEvents, leadForAnonymous } from '#store/anonymous';
import { findLeadIdByEmail, mutateLead } from '#store/leads';
import { parkEvents } from '#store/pending-events';
import { ContentionError } from '#store/retry';

/**
 * Tracking batches, shared by the public `POST /v1/track` (the browser snippet, `source: 'browser'`) and the
 * trusted `POST /v1/ops/events` (`source: 'trusted'`). The batch is checked by the domain
 * (`#domain/tracking/batch`: shape, bounds, property names, who may name whom, event ids) without touching
 * anything, so a refusal is a rejected entry and never a failure after part of the batch was written. Then
 * each event's owner is resolved and each lead's events are scored together, exactly once, through
 * `recordActivities` (one conditional write per lead and batch).
 *
 * Contention is never the client's error: when a lead stays too busy for the store's retry budget, its
 * events are parked (`parkEvents`: pending items and a `pending-events` timer on the due index), the answer
 * is 202 all the same, and the sweeper scores them through the same exact path (`run-pending-events`).
 */

export type IngestResult =
  | { ok: false; message: string }
  | { ok: true; accepted: number; rejected: Rejection[] };

/** Parse, score and count one request's batch. A body that is not a batch changes nothing (`ok: false`). */
export async function ingestEvents(body: unknown, source: TrackSource): Promise<IngestResult> {
  const at = clock();
  const parsed = parseTrackBatch(body, source, {
    now: at,
    lateEventWindowDays: settings.scoring.behaviour.lateEventWindowDays,
  });
  if (!parsed.ok) return parsed;
  const outcome = await ingestBatch(parsed.items, at);
  const rejected = [...parsed.rejected, ...outcome.rejected].sort((a, b) => a.index - b.index);
  const route = source === 'browser' ? 'track' : 'ops-events';
  countMetric('TrackEventsAccepted', { route }, outcome.accepted);
  if (rejected.length) countMetric('TrackEventsRejected', { route }, rejected.length);
  return { ok: true, accepted: outcome.accepted, rejected };
}

/**
 * How long a request keeps retrying a contended lead before parking its events: up to 12 attempts, and no
 * new attempt after 2 s of wall time (the routes time out at 10 and 15 s; parking needs one more write).
 * Ordinary contention (a dozen concurrent requests for one lead) is still scored within the request; under
 * a burst beyond that the events go to the sweeper's 20-event writes instead of every request spinning on
 * one item for the store's whole budget (about 12 s) and timing out.
 */
const LIVE_ATTEMPTS = 12;
const LIVE_BUDGET_MS = 2_000;

/**
 * Score a lead's events; when the lead stays too busy for the retry budget (nothing of them was written
 * then), park them for the sweeper and report them accepted: they will be scored exactly once.
 */
async function scoreOrPark(
  leadId: string,
  events: readonly ScoredEvent[],
  now: EpochMs,
): Promise<Map<string, ActivityResult | 'parked'>> {
  try {
    return await recordActivities(leadId, events, now, {
      attempts: LIVE_ATTEMPTS,
      giveUpAt: Date.now() + LIVE_BUDGET_MS,
    });
  } catch (error) {
    if (!(error instanceof ContentionError)) throw error;
    await parkEvents(leadId, events, now);
    countMetric('TrackEventsParked', {}, events.length);
    return new Map(events.map((e) => [e.eventId, 'parked' as const]));
  }
}

type Target =
  | { kind: 'lead'; leadId: string }
  | { kind: 'anonymous'; anonymousId: string }
  | { kind: 'rejected'; reason: RejectReason };

interface BatchOutcome {
  /** Events taken (scored now, kept for an anonymous visitor, or already known: a replay). */
  accepted: number;
  rejected: Rejection[];
}

/** Lead groups are scored side by side, each group's events in one write (no self-conflicts). */
const GROUP_CONCURRENCY = 4;

/**
 * Who an identity points at. A valid identity token names the lead; an anonymous id already linked to a lead
 * (the visitor once posted a form) routes to that lead; with a valid token and a not-yet-linked anonymous id,
 * the anonymous history is stitched to the lead first. An expired or forged token with a usable anonymous id
 * falls back to the anonymous id.
 */
async function resolveTarget(identity: EventIdentity, now: EpochMs): Promise<Target> {
  if (identity.kind === 'lead') return { kind: 'lead', leadId: identity.leadId };
  if (identity.kind === 'email') {
    const leadId = await findLeadIdByEmail(identity.emailKey);
    return leadId ? { kind: 'lead', leadId } : { kind: 'rejected', reason: 'unknown_lead' };
  }
  const fromToken = await leadIdFromToken(identity.token, 'identity', now);
  const { anonymousId } = identity;
  if (fromToken) {
    if (anonymousId && !(await leadForAnonymous(anonymousId)))
      await stitchByToken(anonymousId, fromToken, now);
    return { kind: 'lead', leadId: fromToken };
  }
  if (!anonymousId) return { kind: 'rejected', reason: 'invalid_identity' };
  const linked = await leadForAnonymous(anonymousId);
  return linked ? { kind: 'lead', leadId: linked } : { kind: 'anonymous', anonymousId };
}

/**
 * The visitor identified itself with a token: remember the anonymous id on the profile (so erasing the lead
 * finds its anonymous history) and stitch that history to the lead, as a form post does.
 */
async function stitchByToken(anonymousId: string, leadId: string, now: EpochMs): Promise<void> {
  const remembered = await mutateLead(leadId, (lead) => ({
    result: undefined,
    write: lead.profile.anonymousIds.includes(anonymousId)
      ? null
      : {
          profile: {
            ...lead.profile,
            anonymousIds: rememberAnonymousId(lead.profile.anonymousIds, anonymousId),
            updatedAt: now,
            version: lead.profile.version + 1,
          },
          at: now,
        },
  }));
  if (remembered.found) await stitchAnonymous(anonymousId, leadId, now);
}

const identityKey = (identity: EventIdentity): string =>
  identity.kind === 'browser'
    ? `b|${identity.token ?? ''}|${identity.anonymousId ?? ''}`
    : identity.kind === 'lead'
      ? `l|${identity.leadId}`
      : `e|${identity.emailKey}`;

/**
 * Score a parsed batch. Each event counts once whatever happens (replays, concurrent posts of the same
 * batch). Identities are resolved once per batch; each lead's events are decided and written together,
 * leads side by side. An unlinked visitor's events are kept (`keepAnonymousEvents`, within the visitor's
 * bound) until a form post stitches them; if that stitch ran while we were writing, the link is checked
 * again afterwards so no event is left behind.
 */
async function ingestBatch(items: readonly TrackItem[], now: EpochMs): Promise<BatchOutcome> {
  const targets = new Map<string, Promise<Target>>();
  const groups = new Map<string, { target: Target; items: TrackItem[] }>();
  for (const item of items) {
    const key = identityKey(item.identity);
    let target = targets.get(key);
    if (!target) {
      target = resolveTarget(item.identity, now);
      targets.set(key, target);
    }
    const resolved = await target;
    const groupKey =
      resolved.kind === 'lead'
        ? `lead|${resolved.leadId}`
        : resolved.kind === 'anonymous'
          ? `anon|${resolved.anonymousId}`
          : `rejected|${resolved.reason}`;
    const group = groups.get(groupKey) ?? { target: resolved, items: [] };
    group.items.push(item);
    groups.set(groupKey, group);
  }

  const outcome: BatchOutcome = { accepted: 0, rejected: [] };
  const reject = (item: TrackItem, reason: RejectReason) =>
    outcome.rejected.push({ index: item.index, reason });

  const countLead = (groupItems: readonly TrackItem[], results: Map<string, ActivityResult | 'parked'>) => {
    for (const item of groupItems) {
      const result = results.get(item.event.eventId) ?? 'duplicate';
      if (result === 'applied' || result === 'duplicate' || result === 'parked') outcome.accepted++;
      else reject(item, result === 'not_found' ? 'unknown_lead' : 'rate_limited');
    }
  };

  const runGroup = async ({ target, items: groupItems }: { target: Target; items: TrackItem[] }) => {
    if (target.kind === 'rejected') {
      for (const item of groupItems) reject(item, target.reason);
      return;
    }
    const events = groupItems.map((item) => item.event);
    if (target.kind === 'lead') {
      countLead(groupItems, await scoreOrPark(target.leadId, events, now));
      return;
    }
    const kept = await keepAnonymousEvents(target.anonymousId, events, now, (quota, offered) =>
      anonymousAllowance(quota, offered, now, settings.app.tracking),
    );
    let refused = 0;
    for (const item of groupItems) {
      if (kept.get(item.event.eventId) === 'rate_limited') {
        reject(item, 'rate_limited');
        refused++;
      } else outcome.accepted++;
    }
    if (refused) countMetric('AnonymousEventsRefused', {}, refused);
    // A form post may have stitched this visitor between our link check and these writes.
    const linked = await leadForAnonymous(target.anonymousId);
    if (linked)
      await scoreOrPark(
        linked,
        events.filter((e) => kept.get(e.eventId) !== 'rate_limited'),
        now,
      );
  };

  const queue = [...groups.values()];
  const errors: unknown[] = [];
  const worker = async () => {
    for (let group = queue.shift(); group; group = queue.shift()) {
      try {
        await runGroup(group);
      } catch (error) {
        errors.push(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(GROUP_CONCURRENCY, queue.length) }, worker));
  // Whatever was written stays written; a retry of the whole batch is safe (each event counts once).
  if (errors.length) throw errors[0];
  outcome.rejected.sort((a, b) => a.index - b.index);
  return outcome;
}
