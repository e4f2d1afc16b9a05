import { now } from '#adapters/clock';
import { countMetric } from '#adapters/metrics';
import { ingestBatch, parseTrackBatch } from '#app/tracking';
import { settings } from '#config/settings';
import { httpHandler, readBody } from '#http/api';
import { BadRequestError } from '#http/errors';
import { json } from '#http/responses';

/**
 * POST /v1/ops/events (IAM in AWS): behaviour events from trusted systems - the webinar platform's webhook,
 * the CRM, the back office - naming the lead by `leadId` or `email`. Same batch format and bounds as
 * /v1/track; an unknown lead is a rejected entry `unknown_lead`, never a new lead.
 */
export const handler = httpHandler(async (event) => {
  const body = readBody(event, { maxBytes: settings.app.api.maxBodyBytes, accept: ['json'] });
  const at = now();
  const parsed = parseTrackBatch(body.value, 'trusted', {
    now: at,
    lateEventWindowDays: settings.scoring.behaviour.lateEventWindowDays,
  });
  if (!parsed.ok) throw new BadRequestError(parsed.message);
  const outcome = await ingestBatch(parsed.items, at);
  const rejected = [...parsed.rejected, ...outcome.rejected].sort((a, b) => a.index - b.index);
  countMetric('TrackEventsAccepted', { route: 'ops-events' }, outcome.accepted);
  if (rejected.length) countMetric('TrackEventsRejected', { route: 'ops-events' }, rejected.length);
  return json(202, { accepted: outcome.accepted, rejected });
});
