/**
 * What a valid, non-spam form submission does to a lead, decided without I/O: the form's behaviour event,
 * the consent and attribution touch it brings, a new lead from it, or an existing lead after it (attributes
 * merged, fit recomputed, consent merged, the event scored), and the events that announce the change.
 * `shared/app/capture-lead.ts` loads, writes and mails.
 */
import {
  buildTouch,
  type ChannelGroupingConfig,
  mergeAttributes,
  mergeAttribution,
} from '#domain/capture/attribution';
import { ledgerHead } from '#domain/capture/consent-ledger';
import { consentRecord } from '#domain/capture/form-config';
import type { ParsedSubmission } from '#domain/capture/forms';
import { type AnyDomainEvent, buildDomainEvent, channelEventVersion, isoAt } from '#domain/lead/events';
import {
  decayTimerChange,
  type Lead,
  type LeadProfile,
  type LeadState,
  leadScoringOf,
  newLead,
  rememberEvents,
  scoreEventOnState,
  stateChangeEvents,
  withStageTransitions,
} from '#domain/lead/lead';
import { leadTimeZone } from '#domain/lead/time-zone';
import {
  type Consent,
  type EpochMs,
  FORM_EVENT_PREFIX,
  LEAD_ATTRIBUTES,
  type LeadAttributes,
  type TimelineEntry,
  type Touch,
} from '#domain/lead/types';
import {
  applyAttributes,
  initialScoringState,
  NOT_SCORED_PROPERTY,
  type ScoredEvent,
} from '#domain/scoring/scoring';

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
  /**
   * Entered by ops (manual entry, CSV import), not by the person: never lifts an erased address's
   * suppression (the door refuses erased addresses before it gets here).
   */
  byOps?: boolean;
  /**
   * The event id is deterministic (an import row, `import:<importId>:<line>`): the same submission may be
   * offered again (a resumed import whose row marker was lost, the same file again), long after its hash left
   * the state's recent events. Capture then looks for the event's timeline entry before applying it.
   */
  mayRepeat?: boolean;
}

/**
 * The time zone a submission gives the lead: a `timeZone` field (form or import) when it is a valid IANA
 * zone, else the zone of the `country` attribute, else undefined (the configured default applies).
 */
export function submissionTimeZone(submission: Pick<Submission, 'extra' | 'attributes'>): string | undefined {
  const given = submission.extra.timeZone;
  return leadTimeZone({
    given: typeof given === 'string' ? given : undefined,
    country: submission.attributes.country,
  });
}

/** The facts of a submission: its behaviour event, consent record and attribution touch. */
export function submissionFacts(
  form: FormConfig,
  submission: Submission,
  context: {
    submissionId: string;
    now: EpochMs;
    ip?: string;
    userAgent?: string;
    /** The channel grouping the touch is stored under (the default grouping when absent). */
    grouping?: ChannelGroupingConfig;
  },
): SubmissionFacts {
  const { submissionId, now } = context;
  const formEvent: ScoredEvent = {
    eventId: `${FORM_EVENT_PREFIX}${submissionId}`,
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
    context.grouping,
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
  timeZone: string,
): SubmissionChange {
  const { form, submission, formEvent, consent, touch, now, submissionId } = facts;
  const { profile, state: initial } = newLead({
    leadId,
    email: submission.email,
    emailKey: submission.emailKey,
    attributes: submission.attributes,
    // The address is an attribute of the fit (company, free or academic mail): a form's fields carry it, an
    // entered or imported lead's attributes do not, so it is added here for every source alike.
    scoring: initialScoringState({ ...submission.attributes, email: submission.email }, config),
    channel: touch.channel,
    locale: form.locale,
    at: now,
    ...(consent ? { consent: ledgerHead(consent) } : {}),
    attribution: mergeAttribution(null, touch),
    ...(submission.tracking.anonymousId ? { anonymousIds: [submission.tracking.anonymousId] } : {}),
  });
  const ownZone = submissionTimeZone(submission);
  if (ownZone) profile.timeZone = ownZone;
  const period = scorePeriod(form.scoreOncePer, now, timeZone);
  if (period !== null) profile.formScoredIn = { [form.id]: period };
  const { after: state, entry, decay } = scoreEventOnState(initial, profile, formEvent, config, now);
  state.version = 1; // created, not updated: the first version already includes the submission
  const events = [
    capturedEvent(leadId, form, submission.email, true, submissionId, now),
    ...stateChangeEvents(undefined, state, now),
  ];
  return { lead: { profile, state }, entry, baseVersion: initial.version, events, decay };
}

/**
 * The policy for a post to an address that already has a lead. A form post proves nothing about who typed
 * it (anyone can type anyone's address), so it must not let a stranger rewrite what sales sees:
 * - attributes the lead does not have yet are FILLED from the post;
 * - a different value for a non-empty attribute is only PROPOSED: kept on the timeline entry
 *   (`proposed.<attribute>`) and on the profile (`proposedAttributes`), applied when the address is
 *   confirmed (the double opt-in link, `leadAfterConfirmation`) or by sales;
 * - if even the filled values would lower the fit (a negative-scoring industry, say), they are proposed too:
 *   an unverified post never lowers the fit;
 * - the post's anonymous id is not linked to the lead (that would route the poster's browsing to it).
 */
export function reconcileAttributes(
  current: LeadAttributes,
  submitted: LeadAttributes,
): { filled: LeadAttributes; proposed: LeadAttributes } {
  const filled: LeadAttributes = {};
  const proposed: LeadAttributes = {};
  for (const key of LEAD_ATTRIBUTES) {
    if (key === 'email') continue;
    const value = submitted[key]?.trim();
    if (!value) continue;
    const known = current[key];
    if (known === undefined || known.trim() === '') filled[key] = value;
    else if (known !== value) proposed[key] = value;
  }
  return { filled, proposed };
}

/**
 * The scoring period a submission falls in for `scoreOncePer` (`day` in the given IANA time zone), or null
 * when every submission scores.
 */
export function scorePeriod(per: FormConfig['scoreOncePer'], now: EpochMs, timeZone: string): string | null {
  if (per === 'submission') return null;
  const day = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(now);
  return `day:${day}`;
}

/**
 * A known address posted again (see `reconcileAttributes` for what may change): consent and attribution
 * merged, then the submission scored, unless this form already scored for the lead in this period
 * (`scoreOncePer`): then the entry is on the timeline with 0 points and `notScored`. Both items move one
 * version on.
 */
export function leadAfterSubmission(
  lead: Lead,
  facts: SubmissionFacts,
  config: ScoringConfig,
  timeZone: string,
): SubmissionChange {
  const { form, submission, formEvent, consent, touch, now, submissionId } = facts;
  const split = reconcileAttributes(lead.profile.attributes, submission.attributes);
  let filled = split.filled;
  let proposed = split.proposed;
  let refit = applyAttributes(leadScoringOf(lead), { ...lead.profile.attributes, ...filled }, config, now);
  if (refit.scoring.fit < lead.state.fit) {
    proposed = { ...proposed, ...filled };
    filled = {};
    refit = applyAttributes(leadScoringOf(lead), lead.profile.attributes, config, now);
  }
  const refitted: LeadState = {
    ...lead.state,
    fit: refit.scoring.fit,
    grade: refit.scoring.grade,
    score: refit.score,
    temperature: refit.temperature,
    stage: refit.stage,
    ...withStageTransitions(lead.state, refit.stageChange ? [refit.stageChange] : []),
  };
  const period = scorePeriod(form.scoreOncePer, now, timeZone);
  const alreadyScored = period !== null && lead.profile.formScoredIn?.[form.id] === period;
  const hasProposals = Object.keys(proposed).length > 0;
  // A lead without a zone gets the one this submission gives; a known zone is kept (like any attribute).
  const ownZone = lead.profile.timeZone
    ? undefined
    : submissionTimeZone({
        ...submission,
        attributes: { ...lead.profile.attributes, ...filled, ...submission.attributes },
      });
  const profile: LeadProfile = {
    ...lead.profile,
    ...(ownZone ? { timeZone: ownZone } : {}),
    attributes: { ...lead.profile.attributes, ...filled, email: lead.profile.email },
    fitBreakdown: refit.scoring.fitBreakdown,
    consent: mergeConsent(lead.profile.consent, consent),
    attribution: mergeAttribution(lead.profile.attribution, touch),
    ...(period !== null ? { formScoredIn: { ...lead.profile.formScoredIn, [form.id]: period } } : {}),
    ...(hasProposals
      ? {
          proposedAttributes: {
            values: { ...lead.profile.proposedAttributes?.values, ...proposed },
            formId: form.id,
            at: now,
          },
        }
      : {}),
    updatedAt: now,
    version: lead.profile.version + 1,
  };
  const recorded = {
    ...formEvent,
    properties: {
      ...formEvent.properties,
      ...prefixed('filled', filled),
      ...prefixed('proposed', proposed),
      ...(alreadyScored ? { [NOT_SCORED_PROPERTY]: `once_per_${form.scoreOncePer}` } : {}),
    },
  };
  let state: LeadState;
  let entry: TimelineEntry;
  let decay: EpochMs | null | undefined;
  if (alreadyScored) {
    // On the timeline, remembered against replays, counted as activity; no points, so behaviour is unchanged.
    state = {
      ...refitted,
      ...rememberEvents(refitted, [recorded.eventId], now),
      lastActivityAt: Math.max(refitted.lastActivityAt, now),
    };
    entry = {
      eventId: recorded.eventId,
      type: recorded.type,
      occurredAt: recorded.occurredAt,
      points: 0,
      rule: null,
      ...(recorded.url ? { url: recorded.url } : {}),
      properties: recorded.properties,
    };
    decay = undefined;
  } else {
    ({ after: state, entry, decay } = scoreEventOnState(refitted, profile, recorded, config, now));
  }
  state.version = lead.state.version + 1;
  const events = [
    capturedEvent(lead.profile.leadId, form, lead.profile.email, false, submissionId, now),
    ...stateChangeEvents(lead.state, state, now),
  ];
  return { lead: { profile, state }, entry, baseVersion: refitted.version, events, decay };
}

/**
 * The address was confirmed (double opt-in link): the post that asked for it is now proven to come from the
 * mailbox's owner, so the attribute changes proposed by unverified posts are applied (fit recomputed, which
 * may lower it now) and cleared. Returns null when nothing was proposed.
 */
export function attributesAfterConfirmation(
  lead: Lead,
  config: ScoringConfig,
  now: EpochMs,
): {
  profile: LeadProfile;
  state: LeadState;
  applied: LeadAttributes;
  /** The stage and temperature moves the new fit made, announced like any other. */
  events: AnyDomainEvent[];
  /** Arm (or clear) the decay timer; undefined leaves it. */
  decay: EpochMs | null | undefined;
} | null {
  const proposal = lead.profile.proposedAttributes;
  if (!proposal || Object.keys(proposal.values).length === 0) return null;
  const attributes = mergeAttributes(lead.profile.attributes, proposal.values);
  const refit = applyAttributes(leadScoringOf(lead), attributes, config, now);
  const { proposedAttributes: _applied, ...rest } = lead.profile;
  const profile: LeadProfile = {
    ...rest,
    attributes: { ...attributes, email: lead.profile.email },
    fitBreakdown: refit.scoring.fitBreakdown,
    updatedAt: now,
    version: lead.profile.version + 1,
  };
  const state: LeadState = {
    ...lead.state,
    fit: refit.scoring.fit,
    grade: refit.scoring.grade,
    score: refit.score,
    temperature: refit.temperature,
    stage: refit.stage,
    ...withStageTransitions(lead.state, refit.stageChange ? [refit.stageChange] : []),
    version: lead.state.version + 1,
  };
  const decay = decayTimerChange(lead.state, refit.nextTemperatureDropAt, now);
  if (decay !== undefined) state.decayCheckAt = decay ?? undefined;
  return {
    profile,
    state,
    applied: proposal.values,
    events: stateChangeEvents(lead.state, state, now),
    decay,
  };
}

function prefixed(prefix: string, values: LeadAttributes): Record<string, string> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [`${prefix}.${k}`, v ?? '']));
}

/**
 * A new consent replaces the old one (newer text version, another form). Confirmation carries over when the
 * lead already confirmed: asking a confirmed subscriber to confirm again only loses them.
 */
export function mergeConsent(existing: Consent | undefined, incoming: Consent | null): Consent | undefined {
  if (!incoming) return existing;
  const head = ledgerHead(incoming);
  if (existing?.confirmedAt) return { ...head, confirmedAt: existing.confirmedAt };
  return head;
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
    version: channelEventVersion(form.channel),
    occurredAt: isoAt(at),
    leadId,
    email,
    channel: form.channel,
    formId: form.id,
    isNew,
  });
}
