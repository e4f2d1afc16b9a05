import { randomUUID } from 'node:crypto';
import { errorFields, logger } from '#adapters/logger';
import { decayTimerChange, stitchAnonymous } from '#app/activity';
import { confirmUrl } from '#app/links';
import { sendTemplate } from '#app/mail';
import type { FormConfig } from '#config/forms';
import { settings } from '#config/settings';
import { buildTouch, mergeAttributes, mergeAttribution } from '#domain/capture/attribution';
import { consentRecord, type ParsedSubmission } from '#domain/capture/forms';
import { buildDomainEvent } from '#domain/lead/events';
import {
  appendStageHistory,
  type Lead,
  type LeadProfile,
  type LeadState,
  newLead,
  rememberAnonymousId,
  stateAfterEvent,
  stateChangeEvents,
} from '#domain/lead/lead';
import type { Consent, EpochMs } from '#domain/lead/types';
import { applyAttributes, applyEvent, initialScoringState, type ScoredEvent } from '#domain/scoring/scoring';
import { createLead, findLeadIdByEmail, mutateLead, type StoredTimelineEntry } from '#store/leads';

type Submission = Extract<ParsedSubmission, { ok: true }>;

export interface CaptureContext {
  now: EpochMs;
  ip?: string;
  userAgent?: string;
}

export interface CaptureResult {
  leadId: string;
  isNew: boolean;
  status: 'received' | 'pending_confirmation';
}

/**
 * A valid, non-spam form submission: one lead per normalized e-mail (also under concurrent posts: the
 * e-mail claim is part of the creating transaction), attributes merged (latest non-empty value wins),
 * consent recorded, the submission scored as the form's behaviour event and put on the timeline, and
 * `Lead Captured` (plus any stage/temperature change) written to the outbox with it. Then the visitor's
 * anonymous history is stitched and the auto-reply or double opt-in mail goes out.
 */
export const captureSubmission = async (
  form: FormConfig,
  submission: Submission,
  ctx: CaptureContext,
): Promise<CaptureResult> => {
  const submissionId = randomUUID();
  const formEvent: ScoredEvent = {
    eventId: `form:${submissionId}`,
    type: form.behaviourEvent.type,
    occurredAt: ctx.now,
    ...(submission.tracking.landingUrl ? { url: submission.tracking.landingUrl } : {}),
    properties: { ...form.behaviourEvent.properties, formId: form.id },
  };
  const consent = consentRecord(form, submission.consent, ctx.now, { ip: ctx.ip, userAgent: ctx.userAgent });
  const touch = buildTouch(
    {
      formId: form.id,
      channel: form.channel,
      utm: submission.tracking.utm,
      landingUrl: submission.tracking.landingUrl,
      referrer: submission.tracking.referrer,
    },
    ctx.now,
  );

  const input: SubmissionInput = { form, submission, formEvent, consent, touch, now: ctx.now, submissionId };
  let lead: Lead | undefined;
  let isNew = false;
  for (let attempt = 0; attempt < 3 && !lead; attempt++) {
    const existingId = await findLeadIdByEmail(submission.emailKey);
    if (existingId) {
      lead = await updateFromSubmission(existingId, input);
    } else {
      const created = newLeadFromSubmission(input);
      if ((await createLead(created.lead, created.write)) === 'created') {
        lead = created.lead;
        isNew = true;
      }
      // 'exists': another post of the same address won the race; go round and update it instead.
    }
  }
  if (!lead) throw new Error('could not capture the submission after concurrent updates');

  if (submission.tracking.anonymousId) {
    await stitchAnonymous(submission.tracking.anonymousId, lead.profile.leadId, ctx.now);
  }
  const pending = form.doubleOptIn && !lead.profile.consent?.confirmedAt;
  await sendCaptureMail(form, lead.profile, pending, ctx.now);
  return { leadId: lead.profile.leadId, isNew, status: pending ? 'pending_confirmation' : 'received' };
};

const capturedEvent = (
  leadId: string,
  form: FormConfig,
  email: string,
  isNew: boolean,
  submissionId: string,
  at: EpochMs,
) =>
  buildDomainEvent('Lead Captured', {
    eventId: `${leadId}:captured:${submissionId}`,
    version: 1,
    occurredAt: new Date(at).toISOString(),
    leadId,
    email,
    channel: form.channel,
    formId: form.id,
    isNew,
  });

/** Everything one submission brings, computed once per request. */
interface SubmissionInput {
  form: FormConfig;
  submission: Submission;
  formEvent: ScoredEvent;
  consent: Consent | null;
  touch: ReturnType<typeof buildTouch>;
  now: EpochMs;
  submissionId: string;
}

const newLeadFromSubmission = ({
  form,
  submission,
  formEvent,
  consent,
  touch,
  now,
  submissionId,
}: SubmissionInput) => {
  const leadId = randomUUID();
  const { profile, state: initial } = newLead({
    leadId,
    email: submission.email,
    emailKey: submission.emailKey,
    attributes: submission.attributes,
    scoring: initialScoringState(submission.attributes, settings.scoring),
    channel: touch.channel,
    locale: form.locale,
    at: now,
    ...(consent ? { consent } : {}),
    attribution: mergeAttribution(null, touch),
    ...(submission.tracking.anonymousId ? { anonymousIds: [submission.tracking.anonymousId] } : {}),
  });
  const { state, entry, decay } = scoreSubmission(initial, profile, formEvent, now);
  state.version = 1; // created, not updated: the first version already includes the submission
  const events = [
    capturedEvent(leadId, form, submission.email, true, submissionId, now),
    ...stateChangeEvents(undefined, state, now),
  ];
  return {
    lead: { profile, state },
    write: { timeline: [entry], events, ...(decay !== undefined ? { decayTimerAt: decay } : {}), at: now },
  };
};

/** Score the form's behaviour event on top of the state (the fit is already in it). */
const scoreSubmission = (state: LeadState, profile: LeadProfile, formEvent: ScoredEvent, now: EpochMs) => {
  const outcome = applyEvent(
    {
      scoring: {
        fit: state.fit,
        grade: state.grade,
        fitBreakdown: profile.fitBreakdown,
        behaviour: state.behaviour,
      },
      stage: state.stage,
      temperature: state.temperature,
    },
    formEvent,
    settings.scoring,
    now,
  );
  const next = stateAfterEvent(state, outcome, formEvent, now);
  const decay = decayTimerChange(state, outcome.nextTemperatureDropAt, now);
  if (decay !== undefined) next.decayCheckAt = decay ?? undefined;
  const entry: StoredTimelineEntry = { ...outcome.entry, baseVersion: state.version, recordedAt: now };
  return { state: next, entry, decay };
};

const updateFromSubmission = async (
  leadId: string,
  { form, submission, formEvent, consent, touch, now, submissionId }: SubmissionInput,
): Promise<Lead | undefined> => {
  const result = await mutateLead(leadId, (lead) => {
    const attributes = mergeAttributes(lead.profile.attributes, submission.attributes);
    // Attributes changed → new fit (same behaviour); then the submission itself is scored.
    const refit = applyAttributes(
      {
        scoring: {
          fit: lead.state.fit,
          grade: lead.state.grade,
          fitBreakdown: lead.profile.fitBreakdown,
          behaviour: lead.state.behaviour,
        },
        stage: lead.state.stage,
        temperature: lead.state.temperature,
      },
      attributes,
      settings.scoring,
      now,
    );
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
    const { state, entry, decay } = scoreSubmission(refitted, profile, formEvent, now);
    state.version = lead.state.version + 1;
    const events = [
      capturedEvent(leadId, form, lead.profile.email, false, submissionId, now),
      ...stateChangeEvents(lead.state, state, now),
    ];
    return {
      write: {
        profile,
        state,
        timeline: [entry],
        events,
        ...(decay !== undefined ? { decayTimerAt: decay } : {}),
        at: now,
      },
      result: undefined,
    };
  });
  return result.found ? result.lead : undefined;
};

/**
 * A new consent replaces the old one (newer text version, another form). Confirmation carries over when the
 * lead already confirmed: asking a confirmed subscriber to confirm again only loses them.
 */
const mergeConsent = (existing: Consent | undefined, incoming: Consent | null): Consent | undefined => {
  if (!incoming) return existing;
  if (existing?.confirmedAt) return { ...incoming, confirmedAt: existing.confirmedAt };
  return incoming;
};

/** What a form's mails may use besides the lead's fields (dotted names become nested values). */
const mailVars = (form: FormConfig): Record<string, unknown> => {
  const vars: Record<string, unknown> = {
    formName: form.name,
    ...(form.downloadUrl ? { downloadUrl: form.downloadUrl } : {}),
  };
  for (const [name, value] of Object.entries(form.mailVars)) vars[name] = value;
  return vars;
};

const sendCaptureMail = async (form: FormConfig, profile: LeadProfile, pending: boolean, now: EpochMs) => {
  try {
    if (pending) {
      await sendTemplate({
        templateId: 'doi-confirm',
        lead: profile,
        vars: { ...mailVars(form), confirmUrl: confirmUrl(profile.leadId, now) },
        tags: { form: form.id },
      });
    } else if (form.autoReplyTemplateId) {
      await sendTemplate({
        templateId: form.autoReplyTemplateId,
        lead: profile,
        vars: mailVars(form),
        tags: { form: form.id },
      });
    }
  } catch (error) {
    // The lead is already safe; a failed auto-reply must not turn the visitor's submission into an error.
    logger.error('capture mail not sent', { leadId: profile.leadId, formId: form.id, ...errorFields(error) });
  }
};

/**
 * The double opt-in link was clicked. Idempotent: a second click changes nothing and shows the same page.
 * The form's auto-reply follows the first confirmation.
 */
export const confirmConsent = async (
  leadId: string,
  now: EpochMs,
): Promise<'confirmed' | 'already' | 'not_found' | 'no_consent'> => {
  const result = await mutateLead(leadId, (lead) => {
    const consent = lead.profile.consent;
    if (!consent) return { write: null, result: 'no_consent' as const };
    if (consent.confirmedAt) return { write: null, result: 'already' as const };
    return {
      write: {
        profile: {
          ...lead.profile,
          consent: { ...consent, confirmedAt: now },
          updatedAt: now,
          version: lead.profile.version + 1,
        },
        at: now,
      },
      result: 'confirmed' as const,
    };
  });
  if (!result.found) return 'not_found';
  if (result.result === 'confirmed') {
    const form = settings.forms.find((f) => f.id === result.lead.profile.consent?.formId);
    if (form?.autoReplyTemplateId) await sendCaptureMail(form, result.lead.profile, false, now);
  }
  return result.result;
};
