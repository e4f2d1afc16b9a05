import { randomUUID } from 'node:crypto';
import { now as clock } from '#adapters/clock';
import { countMetric } from '#adapters/metrics';
import { sendCaptureMail } from '#app/capture-mail';
import { upsertLead } from '#app/capture-upsert';
import { identityToken, unboundIdentityToken } from '#app/links';
import { formById, settings } from '#config/settings';
import {
  type FieldError,
  FormBodyError,
  multiValuedFields,
  parseSubmission,
  parseUrlEncoded,
} from '#domain/capture/forms';
import { awaitsConfirmation, errorPageUrl, submissionFacts } from '#domain/capture/submission';

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
  /** A body that cannot be read as fields; a browser is sent to `errorUrl` (the form's error page, no field named). */
  | { kind: 'bad_body'; message: string; errorUrl: string }
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
 * POST /v1/forms/{formId}: validate the post against the form, drop spam, create or update the lead, arm the
 * stitching of the visitor's anonymous history, send the auto-reply or double opt-in mail (within the
 * form's mail limits), and count what happened. A post to a known address is unverified: it fills empty
 * attributes and proposes the rest (`leadAfterSubmission`), and its identity token names no lead.
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
  const badBody = (message: string): CaptureOutcome => {
    countMetric('FormRejected', { formId: form.id });
    return { kind: 'bad_body', message, errorUrl: errorPageUrl(form.errorUrl, []) };
  };
  let raw: Record<string, unknown>;
  if (body.kind === 'form') {
    try {
      raw = parseUrlEncoded(body.raw, { multiValued: multiValuedFields(form) });
    } catch (error) {
      if (error instanceof FormBodyError) return badBody(error.message);
      throw error;
    }
  } else {
    if (typeof body.value !== 'object' || body.value === null || Array.isArray(body.value)) {
      return badBody('The body must be a JSON object.');
    }
    raw = body.value as Record<string, unknown>;
  }
  for (const key of UTM_KEYS) {
    const fromQuery = request.query?.[key];
    if (raw[key] === undefined && fromQuery) raw[key] = fromQuery;
  }
  if (raw._anonymousId === undefined && request.anonymousCookie) {
    // A cookie is the browser's to mangle: one that does not decode is ignored, never fatal.
    const cookie = safeDecode(request.anonymousCookie);
    if (cookie !== undefined) raw._anonymousId = cookie;
  }

  const now = clock();
  const parsed = parseSubmission(form, raw, now);
  if (!parsed.ok) {
    countMetric('FormRejected', { formId: form.id });
    const fields = parsed.errors.map((e) => e.field);
    return { kind: 'invalid', errors: parsed.errors, errorUrl: errorPageUrl(form.errorUrl, fields) };
  }
  const anonymousId = parsed.tracking.anonymousId;
  if (parsed.spam) {
    // A bot gets exactly what a person gets (an identity token of the same shape, naming nothing), but
    // nothing is stored or sent.
    countMetric('FormSpamBlocked', { formId: form.id, reason: parsed.spam });
    return {
      kind: 'accepted',
      status: 'received',
      identity: await unboundIdentityToken(now, tokenableId(anonymousId)),
      redirectUrl: form.thankYouUrl,
    };
  }

  const facts = submissionFacts(form, parsed, {
    submissionId: randomUUID(),
    now,
    ip: request.ip,
    userAgent: request.userAgent,
    grouping: settings.reports.channelGrouping,
  });
  const upserted = await upsertLead(facts);
  // Only ops entries are ever refused as erased; a form post lifts the suppression instead.
  if ('erased' in upserted) throw new Error('capture: a form post was refused as an erased address');
  const { lead, created } = upserted;
  const pending = awaitsConfirmation(form, lead.profile);
  await sendCaptureMail(form, lead.profile, pending, now, {
    created,
    ...(request.ip ? { source: request.ip } : {}),
  });
  countMetric('LeadCaptured', { formId: form.id });
  return {
    kind: 'accepted',
    status: pending ? 'pending_confirmation' : 'received',
    // Only the post that created the lead gets a token naming it; a post to a known address proves nothing
    // about who sent it, so its token names no lead (tracking keeps the visitor anonymous).
    identity: created
      ? await identityToken(lead.profile.leadId, now)
      : await unboundIdentityToken(now, tokenableId(anonymousId)),
    redirectUrl: form.thankYouUrl,
  };
}

function safeDecode(value: string): string | undefined {
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}

/** An id short enough for a sealed token (tokens keep one length); a fresh one otherwise. */
const tokenableId = (id: string | undefined): string | undefined =>
  id !== undefined && id.length <= 48 ? id : undefined;
