import { ACTIVITY_OUTCOMES, ACTIVITY_TYPES, type SalesActivityRequest } from '#domain/handoff/activities';
import * as g from '#domain/lead/request-gate';

/**
 * The check of `POST /v1/ops/leads/{leadId}/activities` (#domain/lead/request-gate): the twin of
 * `salesActivitySchema`, with no schema to build at the cold start (test/unit/lead/request-gate.test.ts holds
 * the two together). A module of its own, so the activity report, which bundles `#domain/handoff/activities`
 * for its counting, carries none of it.
 */
export const salesActivityGate = g.strictObject<SalesActivityRequest>({
  activityId: g.string(
    g.minLength(1),
    g.maxLength(128),
    g.regex(/^[A-Za-z0-9._:-]+$/, 'activityId may contain letters, digits and . _ : - only'),
  ),
  type: g.enumOf(ACTIVITY_TYPES),
  outcome: g.optional(g.enumOf(ACTIVITY_OUTCOMES)),
  occurredAt: g.optional(g.isoDateTimeWithOffset()),
  followUpAt: g.optional(g.isoDateTimeWithOffset()),
  durationSeconds: g.optional(g.number(g.int(), g.minimum(0), g.maximum(24 * 3600))),
  note: g.optional(g.string(g.maxLength(2000))),
  by: g.string(g.trim(), g.minLength(1), g.maxLength(200)),
});
