/**
 * What a valid, non-spam form submission does to a lead, decided without I/O: the form's behaviour event,
 * the consent and attribution touch it brings, a new lead from it, or an existing lead after it (attributes
 * merged, fit recomputed, consent merged, the event scored), and the events that announce the change.
 * `shared/app/capture-lead.ts` loads, writes and mails.
 */
import { buildTouch, mergeAttributes, mergeAttribution } from '#domain/capture/attribution';
import { consentRecord, type ParsedSubmission } from '#domain/capture/forms';
import { type AnyDomainEvent, buildDomainEvent, isoAt } from '#domain/lead/events';
import {
  appendStageHistory,
  type Lead,
  type LeadProfile,
  type LeadState,
  leadScoringOf,
  newLead,
  rememberAnonymousId,
  scoreEventOnState,
  stateChangeEvents,
} from '#domain/lead/lead';
import type { Consent, EpochMs, TimelineEntry, Touch } from '#domain/lead/types';
import { applyAttributes, initialScoringState, type ScoredEvent } from '#domain/scoring/scoring';

/** The form's configuration and the scoring configuration, as the functions they feed declare them. */
type FormConfig = Parameters<typeof consentRecord>[0];
type ScoringConfig = Parameters<typeof initialScoringState>[1];

export type Submission = Extract<ParsedSubmission, { ok: true }>;

/** Everything one submission brings, computed once per request. */
export interface SubmissionFacts {
  form: FormConfig;
  submission: Submission;
  formEvent: ScoredEvent;
  consent: Consent | null;
  touch: Touch;
  now: EpochMs;
  submissionId: string;
}

/** The facts of a submission: its behaviour event, consent record and attribution touch. */
export function submissionFacts(
  form: FormConfig,
  submission: Submission,
  context: { submissionId: string; now: EpochMs; ip?: string; userAgent?: string },
): SubmissionFacts {
  const { submissionId, now } = context;
  const formEvent: ScoredEvent = {
    eventId: `form:${submissionId}`,
    type: form.behaviourEvent.type,
    occurredAt: now,
    ...(submission.tracking.landingUrl ? { url: submission.tracking.landingUrl } : {}),
    properties: { ...form.behaviourEvent.properties, formId: form.id },
  };
  const consent = consentRecord(form, submission.consent, now, {
    ip: context.ip,
    userAgent: context.userAgent,
  });
  const touch = buildTouch(
    {
      formId: form.id,
      channel: form.channel,
      utm: submission.tracking.utm,
      landingUrl: submission.tracking.landingUrl,
      referrer: submission.tracking.referrer,
    },
    now,
  );
  return { form, submission, formEvent, consent, touch, now, submissionId };
}

/** A lead changed by a submission: what to write besides the lead's items. */
export interface SubmissionChange {
  lead: Lead;
  /** The form event's timeline entry, and the state version it was scored against. */
  entry: TimelineEntry;
  baseVersion: number;
  events: AnyDomainEvent[];
  /** The decay timer to write (time, or null to clear), undefined to leave it. */
  decay: EpochMs | null | undefined;
}

/** The first submission of an address: a new lead (version 1) with its fit, and the submission scored. */
export function newLeadFromSubmission(
  facts: SubmissionFacts,
  leadId: string,
  config: ScoringConfig,
): SubmissionChange {
  const { form, submission, formEvent, consent, touch, now, submissionId } = facts;
  const { profile, state: initial } = newLead({
    leadId,
    email: submission.email,
    emailKey: submission.emailKey,
    attributes: submission.attributes,
    scoring: initialScoringState(submission.attributes, config),
    channel: touch.channel,
    locale: form.locale,
    at: now,
    ...(consent ? { consent } : {}),
    attribution: mergeAttribution(null, touch),
    ...(submission.tracking.anonymousId ? { anonymousIds: [submission.tracking.anonymousId] } : {}),
  });
  const { after: state, entry, decay } = scoreEventOnState(initial, profile, formEvent, config, now);
  state.version = 1; // created, not updated: the first version already includes the submission
  const events = [
    capturedEvent(leadId, form, submission.email, true, submissionId, now),
    ...stateChangeEvents(undefined, state, now),
  ];
  return { lead: { profile, state }, entry, baseVersion: initial.version, events, decay };
}

/**
 * A known address posted again: attributes merged (latest non-empty value wins), the fit recomputed (same
 * behaviour), consent and attribution merged, then the submission scored. Both items move one version on.
 */
export function leadAfterSubmission(
  lead: Lead,
  facts: SubmissionFacts,
  config: ScoringConfig,
): SubmissionChange {
  const { form, submission, formEvent, consent, touch, now, submissionId } = facts;
  const attributes = mergeAttributes(lead.profile.attributes, submission.attributes);
  const refit = applyAttributes(leadScoringOf(lead), attributes, config, now);
  const refitted: LeadState = {
    ...lead.state,
    fit: refit.scoring.fit,
    grade: refit.scoring.grade,
    score: refit.score,
    temperature: refit.temperature,
    stage: refit.stage,
    stageHistory: refit.stageChange
      ? appendStageHistory(lead.state.stageHistory, refit.stageChange)
      : lead.state.stageHistory,
  };
  const profile: LeadProfile = {
    ...lead.profile,
    attributes: { ...attributes, email: lead.profile.email },
    fitBreakdown: refit.scoring.fitBreakdown,
    consent: mergeConsent(lead.profile.consent, consent),
    attribution: mergeAttribution(lead.profile.attribution, touch),
    anonymousIds: submission.tracking.anonymousId
      ? rememberAnonymousId(lead.profile.anonymousIds, submission.tracking.anonymousId)
      : lead.profile.anonymousIds,
    updatedAt: now,
    version: lead.profile.version + 1,
  };
  const { after: state, entry, decay } = scoreEventOnState(refitted, profile, formEvent, config, now);
  state.version = lead.state.version + 1;
  const events = [
    capturedEvent(lead.profile.leadId, form, lead.profile.email, false, submissionId, now),
    ...stateChangeEvents(lead.state, state, now),
  ];
  return { lead: { profile, state }, entry, baseVersion: refitted.version, events, decay };
}

/**
 * A new consent replaces the old one (newer text version, another form). Confirmation carries over when the
 * lead already confirmed: asking a confirmed subscriber to confirm again only loses them.
 */
export function mergeConsent(existing: Consent | undefined, incoming: Consent | null): Consent | undefined {
  if (!incoming) return existing;
  if (existing?.confirmedAt) return { ...incoming, confirmedAt: existing.confirmedAt };
  return incoming;
}

/** Does this submission leave the lead waiting for its double opt-in confirmation? */
export function awaitsConfirmation(form: Pick<FormConfig, 'doubleOptIn'>, profile: LeadProfile): boolean {
  return form.doubleOptIn && !profile.consent?.confirmedAt;
}

/**
 * The error page URL with the failing field names as `?errors=a,b`, before any fragment (the URL is the
 * form's configured one, never user input).
 */
export function errorPageUrl(errorUrl: string, fields: readonly string[]): string {
  const [path = '', fragment] = errorUrl.split('#', 2);
  const separator = path.includes('?') ? '&' : '?';
  const names = [...new Set(fields)].map((f) => encodeURIComponent(f)).join(',');
  return `${path}${separator}errors=${names}${fragment === undefined ? '' : `#${fragment}`}`;
}

function capturedEvent(
  leadId: string,
  form: FormConfig,
  email: string,
  isNew: boolean,
  submissionId: string,
  at: EpochMs,
): AnyDomainEvent {
  return buildDomainEvent('Lead Captured', {
    eventId: `${leadId}:captured:${submissionId}`,
    version: 1,
    occurredAt: isoAt(at),
    leadId,
    email,
    channel: form.channel,
    formId: form.id,
    isNew,
  });
}
