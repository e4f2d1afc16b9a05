import { now } from '#adapters/clock';
import { countMetric } from '#adapters/metrics';
import { captureSubmission } from '#app/capture';
import { identityToken } from '#app/links';
import { formById, settings } from '#config/settings';
import { FormBodyError, multiValuedFields, parseSubmission, parseUrlEncoded } from '#domain/capture/forms';
import { header, httpHandler, readBody, sourceIp, userAgent, wantsJson } from '#http/api';
import { BadRequestError, ForbiddenError, NotFoundError } from '#http/errors';
import { originAllowed } from '#http/origins';
import { json, seeOther } from '#http/responses';

const UTM_KEYS = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content'] as const;

/**
 * POST /v1/forms/{formId}: a landing-page form post, as JSON (fetch) or url-encoded (a plain HTML form).
 * The same answer whether the address is new or known, and for a bot as for a person, so the response
 * tells nobody who is a lead. Redirects go only to the form's configured URLs.
 */
export const handler = httpHandler(async (event) => {
  const form = formById(event.pathParameters?.formId ?? '');
  if (!form) throw new NotFoundError('Unknown form.');
  if (!originAllowed(header(event, 'origin'), form.allowedOrigins)) {
    throw new ForbiddenError('This origin may not post this form.');
  }
  const browser = !wantsJson(event);
  const body = readBody(event, { maxBytes: settings.app.api.maxBodyBytes, accept: ['json', 'form'] });
  let raw: Record<string, unknown>;
  if (body.kind === 'form') {
    try {
      raw = parseUrlEncoded(body.raw, { multiValued: multiValuedFields(form) });
    } catch (error) {
      if (error instanceof FormBodyError) throw new BadRequestError(error.message);
      throw error;
    }
  } else {
    if (typeof body.value !== 'object' || body.value === null || Array.isArray(body.value)) {
      throw new BadRequestError('The body must be a JSON object.');
    }
    raw = body.value as Record<string, unknown>;
  }
  // Without JavaScript the page cannot copy UTM parameters into the form: take them from the action URL.
  for (const key of UTM_KEYS) {
    const fromQuery = event.queryStringParameters?.[key];
    if (raw[key] === undefined && fromQuery) raw[key] = fromQuery;
  }
  const anonymousCookie = event.cookies?.find((c) => c.startsWith('ma_aid='))?.slice('ma_aid='.length);
  if (raw._anonymousId === undefined && anonymousCookie)
    raw._anonymousId = decodeURIComponent(anonymousCookie);

  const at = now();
  const parsed = parseSubmission(form, raw, at);
  if (!parsed.ok) {
    countMetric('FormRejected', { formId: form.id });
    if (browser)
      return seeOther(
        withErrors(
          form.errorUrl,
          parsed.errors.map((e) => e.field),
        ),
      );
    throw new BadRequestError('Some fields need attention.', parsed.errors);
  }
  if (parsed.spam) {
    // A bot gets exactly what a person gets, but nothing is stored or sent.
    countMetric('FormSpamBlocked', { formId: form.id, reason: parsed.spam });
    if (browser) return seeOther(form.thankYouUrl);
    return json(201, {
      status: 'received',
      identity: identityToken(`spam-${at}`, at),
      redirectUrl: form.thankYouUrl,
    });
  }

  const result = await captureSubmission(form, parsed, {
    now: at,
    ip: sourceIp(event),
    userAgent: userAgent(event),
  });
  countMetric('LeadCaptured', { formId: form.id });
  if (browser) return seeOther(form.thankYouUrl);
  return json(201, {
    status: result.status,
    identity: identityToken(result.leadId, at),
    redirectUrl: form.thankYouUrl,
  });
});

/** The error URL with the failing field names, before any fragment (configured URL, never user input). */
const withErrors = (errorUrl: string, fields: string[]): string => {
  const [path = '', fragment] = errorUrl.split('#', 2);
  const separator = path.includes('?') ? '&' : '?';
  const names = [...new Set(fields)].map((f) => encodeURIComponent(f)).join(',');
  return `${path}${separator}errors=${names}${fragment === undefined ? '' : `#${fragment}`}`;
};
