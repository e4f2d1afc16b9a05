import { MAX_TOKEN_LENGTH } from '#domain/capture/tokens';
import * as z from '#domain/lead/validation';
import {
  BROWSER_ID,
  EVENT_TYPE,
  ISO_TIME,
  LEAD_ID,
  MAX_BATCH_EVENTS,
  MAX_EMAIL_LENGTH,
  MAX_PROPERTIES,
  MAX_PROPERTY_VALUE_LENGTH,
  MAX_URL_LENGTH,
  PROPERTY_KEY,
  TRUSTED_EVENT_ID,
  type TrackSource,
} from '#domain/tracking/batch';

/**
 * The tracking contract as zod schemas: the OpenAPI document's description of `POST /v1/track` and
 * `POST /v1/ops/events`, and the reference the hand-written parser (`#domain/tracking/batch`) is tested
 * against. Not imported by the tracking routes.
 */

/** Absent, null or empty: the parser treats these alike. */
const blank = z.optional(z.union([z.null(), z.literal('')]));
const primitive = z.union([
  z.string().check(z.maxLength(MAX_PROPERTY_VALUE_LENGTH)),
  z.number(),
  z.boolean(),
]);

/**
 * The zod schema of one tracked event as a caller sends it (`source` = who may send it): what the OpenAPI
 * document describes, and what `shapeProblem` (the parser's first gate, hand-written so the tracking routes
 * carry no schema library) is held to by a property test (test/unit/tracking/shape-gate.test.ts). The rules
 * a schema cannot say alone (time window, URL scheme, reserved property names, exactly one of leadId/email)
 * follow in `parseTrackEvent`.
 */
export function trackEventSchema(source: TrackSource) {
  const browser = source === 'browser';
  return z.withMeta(
    z.object({
      eventId: browser
        ? z.withMeta(z.union([z.string().check(z.regex(BROWSER_ID)), blank]), {
            description: 'Required: unique per event (the snippet sends a UUID); a replay is ignored',
          })
        : z.withMeta(z.union([z.string().check(z.regex(TRUSTED_EVENT_ID)), blank]), {
            description: 'Your id of the event (a replay is ignored); derived from the content when absent',
          }),
      type: z.withMeta(z.string().check(z.regex(EVENT_TYPE)), {
        description: 'Event type, e.g. page_view, download, webinar_attended',
      }),
      ...(browser
        ? {
            anonymousId: z.withMeta(z.union([z.string().check(z.regex(BROWSER_ID)), blank]), {
              description: "The snippet's first-party visitor id",
            }),
            identity: z.withMeta(z.union([z.string().check(z.maxLength(MAX_TOKEN_LENGTH)), blank]), {
              description: 'The signed identity token a form response gave',
            }),
          }
        : {
            leadId: z.withMeta(z.optional(z.union([z.string().check(z.regex(LEAD_ID)), z.null()])), {
              description: 'The lead (or give email)',
            }),
            email: z.withMeta(
              z.optional(z.union([z.string().check(z.maxLength(MAX_EMAIL_LENGTH)), z.null()])),
              {
                description: "The lead's address (or give leadId)",
              },
            ),
          }),
      url: z.withMeta(z.union([z.string().check(z.maxLength(MAX_URL_LENGTH)), blank]), {
        description: 'http(s) URL or a path',
      }),
      title: z.optional(z.union([z.string(), z.null()])),
      properties: z.withMeta(
        z.optional(z.union([z.record(z.string().check(z.regex(PROPERTY_KEY)), primitive), z.null()])),
        { description: `At most ${MAX_PROPERTIES} primitive values` },
      ),
      referrer: z.withMeta(z.optional(z.unknown()), {
        description: 'Referring URL (dropped when not http(s))',
      }),
      occurredAt: z.withMeta(z.optional(z.union([z.string().check(z.regex(ISO_TIME)), z.int(), z.null()])), {
        description: 'ISO-8601 time or epoch ms; now when absent',
      }),
    }),
    { description: browser ? 'A browser event (names itself only)' : 'A trusted event naming the lead' },
  );
}

/** The request body of `POST /v1/track` and `POST /v1/ops/events`: `{events: [...]}`, 1 to 20 events. */
export function trackBatchSchema(source: TrackSource) {
  return z.object({
    events: z.array(trackEventSchema(source)).check(z.minLength(1), z.maxLength(MAX_BATCH_EVENTS)),
    ...(source === 'browser'
      ? {
          sentAt: z.withMeta(z.optional(z.string()), {
            description:
              "The browser's clock when it sent the batch (ISO-8601): each event's time is moved by its difference from the server's clock (an unreadable one is ignored)",
          }),
        }
      : {}),
  });
}
