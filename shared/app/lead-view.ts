import { settings } from '#config/settings';
import { type Lead, marketingAllowed, scoringOf } from '#domain/lead/lead';
import type { EpochMs } from '#domain/lead/types';
import { summarize, temperatureFor } from '#domain/scoring/scoring';
import { getTimeline } from '#store/leads';

/**
 * A lead as the ops API shows it: who, where in the funnel, the score as of now (behaviour decayed), and an
 * explainable timeline: each event with the points it earned and the rule that gave them.
 */
export const leadView = async (lead: Lead, now: EpochMs) => {
  const score = summarize(scoringOf(lead), now, settings.scoring);
  const timeline = await getTimeline(lead.profile.leadId);
  const { profile, state } = lead;
  return {
    leadId: profile.leadId,
    email: profile.email,
    attributes: profile.attributes,
    stage: state.stage,
    temperature: temperatureFor(score.total, settings.scoring),
    grade: state.grade,
    score,
    fitBreakdown: profile.fitBreakdown,
    stageHistory: state.stageHistory.map((t) => ({ ...t, at: iso(t.at) })),
    owner: state.handoff && !state.handoff.closedAt ? state.handoff.owner : null,
    handoff: state.handoff
      ? { ...state.handoff, startedAt: iso(state.handoff.startedAt), dueAt: iso(state.handoff.dueAt) }
      : null,
    consent: profile.consent ?? null,
    marketing: { ...profile.marketing, allowed: marketingAllowed(profile).ok },
    attribution: profile.attribution ?? null,
    channel: profile.channel,
    createdAt: iso(profile.createdAt),
    lastActivityAt: iso(state.lastActivityAt),
    timeline: timeline.map((e) => ({
      eventId: e.eventId,
      type: e.type,
      occurredAt: iso(e.occurredAt),
      points: e.points,
      rule: e.rule,
      ...(e.url ? { url: e.url } : {}),
      ...(e.title ? { title: e.title } : {}),
      ...(e.properties ? { properties: e.properties } : {}),
    })),
  };
};

const iso = (t: EpochMs): string => new Date(t).toISOString();
