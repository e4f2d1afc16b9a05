import type { EventBridgeEvent } from 'aws-lambda';
import * as z from 'zod/mini';
import { type EnrollmentSignal, enrollLead, TEMPERATURES } from '#app/enroll-lead';
import { eventHandler } from '#http/lambda';

// zod/mini: tree-shakable (this is the function's cold path); messages are not surfaced here.
const base = {
  eventId: z.string().check(z.minLength(1), z.maxLength(512)),
  leadId: z.string().check(z.minLength(1), z.maxLength(128)),
};
const signalSchema = z.discriminatedUnion('detail-type', [
  z.object({
    'detail-type': z.literal('Lead Captured'),
    detail: z.object({ ...base, formId: z.optional(z.string().check(z.minLength(1), z.maxLength(64))) }),
  }),
  z.object({
    'detail-type': z.literal('Lead Temperature Changed'),
    // `occurredAt` only dates the change; an unreadable one is ignored, not a reason to drop the event.
    detail: z.object({ ...base, to: z.enum(TEMPERATURES), occurredAt: z.optional(z.string()) }),
  }),
  z.object({
    'detail-type': z.literal('Lead Recycled'),
    detail: z.object({
      ...base,
      sequenceId: z.string().check(z.minLength(1), z.maxLength(64)),
      nurtureAt: z.iso.datetime(),
    }),
  }),
]);

/**
 * Target of the `nurture-enroll` rule on the leads bus: a captured lead enters its form's sequences, a
 * temperature change the sequences entered at that temperature, a recycled lead the recycle sequence at
 * `nurtureAt`; a lead that turned hot leaves the sequences that exit on `became_hot` at once. Redelivery is
 * safe (the enrollment remembers its triggering event). An event that cannot be parsed is logged and dropped:
 * retrying it would never succeed.
 */
export const handler = eventHandler(async (event: EventBridgeEvent<string, unknown>) => {
  const parsed = signalSchema.safeParse(event);
  const results = await enrollLead(
    parsed.success
      ? { detailType: parsed.data['detail-type'], signal: toSignal(parsed.data) }
      : { detailType: event['detail-type'], ignoredEventId: event.id },
  );
  return { results };
});

function toSignal(event: z.output<typeof signalSchema>): EnrollmentSignal | undefined {
  switch (event['detail-type']) {
    case 'Lead Captured': {
      const { formId, ...rest } = event.detail;
      return formId ? { kind: 'captured', ...rest, formId } : undefined;
    }
    case 'Lead Temperature Changed': {
      const { occurredAt, ...rest } = event.detail;
      const at = occurredAt === undefined ? Number.NaN : Date.parse(occurredAt);
      return { kind: 'temperature', ...rest, ...(Number.isFinite(at) ? { occurredAt: at } : {}) };
    }
    case 'Lead Recycled':
      return { kind: 'recycled', ...event.detail, nurtureAt: Date.parse(event.detail.nurtureAt) };
  }
}
