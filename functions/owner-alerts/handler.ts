import type { EventBridgeEvent } from 'aws-lambda';
import * as z from 'zod/mini';
import { alertOwner, HANDOFF_TRIGGERS, type OwnerAlertEvent, type OwnerAlertRequest } from '#app/alert-owner';
import { eventHandler } from '#http/lambda';

// zod/mini: tree-shakable (this is the function's cold path). Only what the mail reads is parsed.
const text = (max: number) => z.string().check(z.minLength(1), z.maxLength(max));
const owner = z.object({ ownerId: text(64), name: text(100), email: text(320), team: text(64) });
const base = {
  eventId: text(512),
  leadId: text(128),
  handoffNumber: z.number().check(z.int(), z.minimum(1)),
  owner,
};
const alertSchema = z.discriminatedUnion('detail-type', [
  z.object({
    'detail-type': z.literal('Lead Handed Off'),
    detail: z.object({
      ...base,
      trigger: z.optional(z.enum(HANDOFF_TRIGGERS)),
      reason: z.optional(z.string().check(z.maxLength(500))),
      by: z.optional(text(320)),
    }),
  }),
  z.object({
    'detail-type': z.literal('Lead Assigned'),
    detail: z.object({
      ...base,
      reason: z.enum(['handoff', 'sla_reassign', 'manual']),
      previousOwner: z.optional(z.nullable(owner)),
    }),
  }),
  z.object({
    'detail-type': z.literal('Lead SLA Breached'),
    detail: z.object({
      ...base,
      clock: z.optional(z.enum(['accept', 'first_contact'])),
      dueAt: z.iso.datetime(),
      escalation: z.optional(z.object({ reassignTo: z.optional(owner) })),
    }),
  }),
  z.object({
    'detail-type': z.literal('Lead Follow-up Due'),
    detail: z.object({ ...base, dueAt: z.iso.datetime(), plannedBy: text(320) }),
  }),
]);

/**
 * Target of the `owner-alerts` rule on the leads bus: mails the owner about a lead they must act on, once per
 * event (`#app/alert-owner`). An event that cannot be parsed is logged and dropped: retrying it would never
 * succeed.
 */
export const handler = eventHandler(async (event: EventBridgeEvent<string, unknown>) => {
  const parsed = alertSchema.safeParse(event);
  const request: OwnerAlertRequest = parsed.success
    ? { event: toAlertEvent(parsed.data) }
    : { unreadable: { detailType: event['detail-type'], eventId: event.id } };
  return alertOwner(request);
});

function toAlertEvent(event: z.output<typeof alertSchema>): OwnerAlertEvent {
  switch (event['detail-type']) {
    case 'Lead Handed Off':
      return { type: event['detail-type'], ...event.detail };
    case 'Lead Assigned': {
      const { previousOwner, ...rest } = event.detail;
      return { type: event['detail-type'], ...rest, ...(previousOwner ? { previousOwner } : {}) };
    }
    case 'Lead SLA Breached': {
      const { escalation, clock, dueAt, ...rest } = event.detail;
      return {
        type: event['detail-type'],
        ...rest,
        // Absent in events from before the first-contact clock: the accept clock.
        clock: clock ?? 'accept',
        dueAt: Date.parse(dueAt),
        ...(escalation?.reassignTo ? { reassignTo: escalation.reassignTo } : {}),
      };
    }
    case 'Lead Follow-up Due':
      return { type: event['detail-type'], ...event.detail, dueAt: Date.parse(event.detail.dueAt) };
  }
}
