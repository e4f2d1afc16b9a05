import { now } from '#adapters/clock';
import { countMetric } from '#adapters/metrics';
import { ingestBatch, parseTrackBatch } from '#app/tracking';
import { settings } from '#config/settings';
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
  const body = readBody(event, { maxBytes: settings.app.api.maxBodyBytes, accept: ['json', 'text-json'] });
  const at = now();
  const parsed = parseTrackBatch(body.value, 'browser', {
    now: at,
    lateEventWindowDays: settings.scoring.behaviour.lateEventWindowDays,
  });
  if (!parsed.ok) throw new BadRequestError(parsed.message);
  const outcome = await ingestBatch(parsed.items, at);
  const rejected = [...parsed.rejected, ...outcome.rejected].sort((a, b) => a.index - b.index);
  countMetric('TrackEventsAccepted', { route: 'track' }, outcome.accepted);
  if (rejected.length) countMetric('TrackEventsRejected', { route: 'track' }, rejected.length);
  return json(202, { accepted: outcome.accepted, rejected });
});
