import { randomUUID } from 'node:crypto';
import { now as clock } from '#adapters/clock';
import { countMetric } from '#adapters/metrics';
import { sendCaptureMail } from '#app/capture-mail';
import { liftErasedAddress } from '#app/erased-address';
import { identityToken } from '#app/links';
import { stitchAnonymous } from '#app/stitch-anonymous';
import { formById, settings } from '#config/settings';
import {
  type FieldError,
  FormBodyError,
  multiValuedFields,
  parseSubmission,
  parseUrlEncoded,
} from '#domain/capture/forms';
import {
  awaitsConfirmation,
  errorPageUrl,
  leadAfterSubmission,
  newLeadFromSubmission,
  type SubmissionChange,
  type SubmissionFacts,
  submissionFacts,
} from '#domain/capture/submission';
import type { Lead } from '#domain/lead/lead';
import type { EpochMs } from '#domain/lead/types';
import { createLead, findLeadIdByEmail, type LeadWrite, mutateLead } from '#store/leads';
import { CONFLICT, retryOnConflict } from '#store/retry';

export type { FieldError };

/** A form post as the HTTP layer read it. */
export interface CaptureRequest {
  formId: string;
  /** Is the caller's Origin allowed, given the form's own extra origins? */
  originAllowed: (formOrigins: readonly string[]) => boolean;
  /** Reads the body; called only once the form is known and the origin allowed. */
  readBody: () => { kind: string; value: unknown; raw: string };
  /** UTM parameters of the action URL (a page without JavaScript cannot copy them into the form). */
  query?: Record<string, string | undefined>;
  /** The tracking snippet's `ma_aid` cookie as sent (percent-encoded), used when the body names no `_anonymousId`. */
  anonymousCookie?: string;
  ip?: string;
  userAgent?: string;
}

export type CaptureOutcome =
  | { kind: 'unknown_form' }
  | { kind: 'origin_refused' }
  | { kind: 'bad_body'; message: string }
  /** Field errors; a browser is sent to `errorUrl` (the form's error page naming the fields). */
  | { kind: 'invalid'; errors: FieldError[]; errorUrl: string }
  /** Stored (or a bot, silently dropped: the answer is the same, so it tells nobody who is a lead). */
  | {
      kind: 'accepted';
      status: 'received' | 'pending_confirmation';
      identity: string;
      redirectUrl: string;
    };

const UTM_KEYS = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content'] as const;

/**
 * POST /v1/forms/{formId}: validate the post against the form, drop spam, create or update the lead, stitch
 * the visitor's anonymous history, send the auto-reply or double opt-in mail, and count what happened.
 *
 * A valid, non-spam submission makes one lead per normalized e-mail (also under concurrent posts: the
 * e-mail claim is part of the creating transaction), with attributes merged, consent recorded, the
 * submission scored as the form's behaviour event and put on the timeline, and `Lead Captured` (plus any
 * stage/temperature change) written to the outbox with it.
 */
export async function captureLead(request: CaptureRequest): Promise<CaptureOutcome> {
  const form = formById(request.formId);
  if (!form) return { kind: 'unknown_form' };
  if (!request.originAllowed(form.allowedOrigins)) return { kind: 'origin_refused' };
  const body = request.readBody();
  let raw: Record<string, unknown>;
  if (body.kind === 'form') {
    try {
      raw = parseUrlEncoded(body.raw, { multiValued: multiValuedFields(form) });
    } catch (error) {
      if (error instanceof FormBodyError) return { kind: 'bad_body', message: error.message };
      throw error;
    }
  } else {
    if (typeof body.value !== 'object' || body.value === null || Array.isArray(body.value)) {
      return { kind: 'bad_body', message: 'The body must be a JSON object.' };
    }
    raw = body.value as Record<string, unknown>;
  }
  for (const key of UTM_KEYS) {
    const fromQuery = request.query?.[key];
    if (raw[key] === undefined && fromQuery) raw[key] = fromQuery;
  }
  if (raw._anonymousId === undefined && request.anonymousCookie)
    raw._anonymousId = decodeURIComponent(request.anonymousCookie);

  const now = clock();
  const parsed = parseSubmission(form, raw, now);
  if (!parsed.ok) {
    countMetric('FormRejected', { formId: form.id });
    const fields = parsed.errors.map((e) => e.field);
    return { kind: 'invalid', errors: parsed.errors, errorUrl: errorPageUrl(form.errorUrl, fields) };
  }
  if (parsed.spam) {
    // A bot gets exactly what a person gets, but nothing is stored or sent.
    countMetric('FormSpamBlocked', { formId: form.id, reason: parsed.spam });
    return {
      kind: 'accepted',
      status: 'received',
      identity: identityToken(`spam-${now}`, now),
      redirectUrl: form.thankYouUrl,
    };
  }

  const facts = submissionFacts(form, parsed, {
    submissionId: randomUUID(),
    now,
    ip: request.ip,
    userAgent: request.userAgent,
  });
  const lead = await upsertLead(facts);
  if (parsed.tracking.anonymousId) {
    await stitchAnonymous(parsed.tracking.anonymousId, lead.profile.leadId, now);
  }
  const pending = awaitsConfirmation(form, lead.profile);
  await sendCaptureMail(form, lead.profile, pending, now);
  countMetric('LeadCaptured', { formId: form.id });
  return {
    kind: 'accepted',
    status: pending ? 'pending_confirmation' : 'received',
    identity: identityToken(lead.profile.leadId, now),
    redirectUrl: form.thankYouUrl,
  };
}

/** Update the address's lead, or create it; a concurrent post that created it first makes us update. */
async function upsertLead(facts: SubmissionFacts): Promise<Lead> {
  return retryOnConflict(`capture of ${facts.submission.emailKey}`, async () => {
    const existingId = await findLeadIdByEmail(facts.submission.emailKey);
    if (existingId) {
      const updated = await mutateLead(existingId, (lead) => {
        const change = leadAfterSubmission(lead, facts, settings.scoring);
        const write = { ...changeWrite(change, facts.now), ...change.lead };
        return { write, result: undefined };
      });
      return updated.found ? updated.lead : CONFLICT;
    }
    const created = newLeadFromSubmission(facts, randomUUID(), settings.scoring);
    // A form post is the person's own act: if their address was erased, it comes back as a new lead and
    // leaves the suppression list in the same transaction (see #app/erased-address).
    const write = changeWrite(created, facts.now);
    const lift = liftErasedAddress(facts.submission.emailKey);
    // 'exists': another post of the same address won the race; go round and update it instead.
    const result = await createLead(created.lead, { ...write, extra: [...(write.extra ?? []), lift] });
    return result === 'created' ? created.lead : CONFLICT;
  });
}

/** What commits with the lead's items: the form event's timeline entry, the announcements, the decay timer. */
function changeWrite(change: SubmissionChange, now: EpochMs): Omit<LeadWrite, 'profile' | 'state'> {
  return {
    timeline: [{ ...change.entry, baseVersion: change.baseVersion, recordedAt: now }],
    events: change.events,
    ...(change.decay !== undefined ? { decayTimerAt: change.decay } : {}),
    at: now,
  };
}
