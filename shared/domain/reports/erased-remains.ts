/**
 * What an erased lead leaves for `npm run reports:rebuild`. The live counters keep an erased lead's
 * funnel, cohort, SLA and e-mail counts (the erase takes it off the current-lead gauges only), but its
 * counted facts lived in its own partition, which the erase deletes, so a rebuild used to drop every erased
 * lead from history: after a change of the channel grouping, past months shrank by every lead erased on
 * request or by retention. The erase now stores this summary on the erasure record, in its commit.
 *
 * No personal data: the facts without their event ids (merged where only their counts differ: a count per
 * day, owner and mail), and the first touch cut to what the channel grouping and the report dimensions read
 * (declared channel, utm source, medium and campaign, the referrer's host, the form id). No address, name,
 * company, URL path or query, IP or lead attribute.
 */
import { type Attribution, hostOf } from '#domain/capture/attribution';
import type { Channel, ChannelGroup, Touch } from '#domain/lead/types';
import type { ReportFact } from '#domain/reports/counting';

/** A counted fact without its id (the id made it once; the erased lead's facts are never written again). */
export type RemainingFact = Omit<ReportFact, 'id'>;

export interface ErasedRemains {
  /** The lead's channel as stored (a lead without any touch is grouped by it). */
  channel?: Channel | ChannelGroup;
  /** The first touch, reduced (see the module's comment). */
  firstTouch?: Touch;
  facts: RemainingFact[];
}

/** At most this many merged facts are kept: the erasure record stays far below DynamoDB's 400 KB item limit. */
export const MAX_REMAINING_FACTS = 1_000;

/**
 * The summary of an erased lead: `facts` as live counting stored them (cohorts filled in: `currentFact`),
 * `profile` as read before the erase. Funnel and SLA facts come first when the cap cuts (e-mail facts are
 * the many ones).
 */
export function erasedRemains(
  profile: { channel?: Channel | ChannelGroup | undefined; attribution?: Attribution | undefined },
  facts: readonly ReportFact[],
): ErasedRemains {
  const merged = new Map<string, RemainingFact>();
  for (const { id: _id, ...fact } of facts) {
    const { metrics, cohort } = fact;
    const key = [
      fact.scope,
      fact.day,
      fact.cohortDay,
      fact.ownerId,
      fact.team,
      fact.mail?.sequenceId,
      fact.mail?.stepId,
      fact.mail?.templateId,
    ].join('\u0000');
    const into = merged.get(key);
    if (!into) {
      merged.set(key, { ...fact, metrics: { ...metrics }, ...(cohort ? { cohort: { ...cohort } } : {}) });
      continue;
    }
    add(into.metrics, metrics);
    if (cohort) into.cohort = add(into.cohort ?? {}, cohort);
  }
  const kept = [...merged.values()]
    .sort((a, b) => Number(a.scope === 'email') - Number(b.scope === 'email'))
    .slice(0, MAX_REMAINING_FACTS);
  const first = profile.attribution?.firstTouch;
  return {
    ...(profile.channel !== undefined ? { channel: profile.channel } : {}),
    ...(first ? { firstTouch: reducedTouch(first) } : {}),
    facts: kept,
  };
}

/** The remains as facts and a profile for `leadDims` (ids made up: a fact's id is not counted). */
export function remainsToCount(remains: ErasedRemains): {
  facts: ReportFact[];
  profile: { channel?: Channel | ChannelGroup; attribution?: Attribution };
} {
  return {
    facts: remains.facts.map((f, i) => ({ ...f, id: `erased:${i}` })),
    profile: {
      ...(remains.channel !== undefined ? { channel: remains.channel } : {}),
      ...(remains.firstTouch
        ? { attribution: { firstTouch: remains.firstTouch, lastTouch: remains.firstTouch } }
        : {}),
    },
  };
}

function reducedTouch(touch: Touch): Touch {
  const utm = Object.fromEntries(
    (['source', 'medium', 'campaign'] as const).flatMap((k) => (touch.utm?.[k] ? [[k, touch.utm[k]]] : [])),
  );
  const host = hostOf(touch.referrer);
  return {
    at: touch.at,
    channel: touch.channel,
    ...(touch.origin !== undefined ? { origin: touch.origin } : {}),
    ...(touch.formId !== undefined ? { formId: touch.formId } : {}),
    ...(Object.keys(utm).length > 0 ? { utm } : {}),
    ...(host ? { referrer: `https://${host}/` } : {}),
  };
}

function add(into: Record<string, number>, more: Record<string, number>): Record<string, number> {
  for (const [k, n] of Object.entries(more)) into[k] = (into[k] ?? 0) + n;
  return into;
}
