import { captureLead } from '#app/capture-lead';
import { header, httpHandler, readBody, sourceIp, userAgent, wantsJson } from '#http/api';
import { BadRequestError, ForbiddenError, NotFoundError } from '#http/errors';
import { originAllowed } from '#http/origins';
import { json, seeOther } from '#http/responses';

/**
 * POST /v1/forms/{formId}: a landing-page form post, as JSON (fetch) or url-encoded (a plain HTML form).
 * The same answer whether the address is new or known, and for a bot as for a person, so the response
 * tells nobody who is a lead. Redirects go only to the form's configured URLs.
 */
export const handler = httpHandler(async (event) => {
  const browser = !wantsJson(event);
  const cookie = event.cookies?.find((c) => c.startsWith('ma_aid='))?.slice('ma_aid='.length);
  const result = await captureLead({
    formId: event.pathParameters?.formId ?? '',
    originAllowed: (formOrigins) => originAllowed(header(event, 'origin'), formOrigins),
    readBody: () => readBody(event, { accept: ['json', 'form'] }),
    query: event.queryStringParameters,
    ...(cookie ? { anonymousCookie: cookie } : {}),
    ip: sourceIp(event),
    userAgent: userAgent(event),
  });
  switch (result.kind) {
    case 'unknown_form':
      throw new NotFoundError('Unknown form.');
    case 'origin_refused':
      throw new ForbiddenError('This origin may not post this form.');
    case 'bad_body':
      // A plain HTML form whose bytes cannot be read (an unusual page encoding): the person sees the form's
      // error page, as for a missing field, not a JSON error.
      if (browser) return seeOther(result.errorUrl);
      throw new BadRequestError(result.message);
    case 'invalid':
      if (browser) return seeOther(result.errorUrl);
      throw new BadRequestError('Some fields need attention.', result.errors);
    case 'accepted':
      if (browser) return seeOther(result.redirectUrl);
      return json(201, { status: result.status, identity: result.identity, redirectUrl: result.redirectUrl });
  }
});
