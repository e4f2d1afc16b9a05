import { ingestEvents } from '#app/ingest-events';
import { header, httpHandler, readBody } from '#http/api';
import { BadRequestError, ForbiddenError } from '#http/errors';
import { originAllowed } from '#http/origins';
import { json } from '#http/responses';

/**
 * POST /v1/track: the tracking snippet's batches (`{"events": [...]}`, at most 20), as `application/json`
 * or as `text/plain` JSON (sendBeacon avoids a CORS preflight that way). Browser identities only: the
 * anonymous id and the signed identity token; `leadId`/`email` are refused. Answers 202 with
 * `{accepted, rejected: [{index, reason}]}`; a body that is not such a batch gets 400 and changes nothing.
 */
export const handler = httpHandler(async (event) => {
  if (!originAllowed(header(event, 'origin'))) throw new ForbiddenError('This origin may not send events.');
  const body = readBody(event, { accept: ['json', 'text-json'] });
  const result = await ingestEvents(body.value, 'browser');
  if (!result.ok) throw new BadRequestError(result.message);
  return json(202, { accepted: result.accepted, rejected: result.rejected });
});
