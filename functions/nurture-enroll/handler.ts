import type { EventBridgeEvent } from 'aws-lambda';
import { z } from 'zod';
import { type EnrollmentSignal, enrollLead, TEMPERATURES } from '#app/enroll-lead';
import { eventHandler } from '#http/lambda';

const base = { eventId: z.string().min(1).max(512), leadId: z.string().min(1).max(128) };
const signalSchema = z.discriminatedUnion('detail-type', [
  z.object({
    'detail-type': z.literal('Lead Captured'),
    detail: z.object({ ...base, formId: z.string().min(1).max(64).optional() }),
  }),
  z.object({
    'detail-type': z.literal('Lead Temperature Changed'),
    detail: z.object({ ...base, to: z.enum(TEMPERATURES) }),
  }),
  z.object({
    'detail-type': z.literal('Lead Recycled'),
    detail: z.object({ ...base, sequenceId: z.string().min(1).max(64), nurtureAt: z.iso.datetime() }),
  }),
]);

/**
 * Target of the `nurture-enroll` rule on the leads bus: a captured lead enters its form's sequences, a
 * temperature change the sequences entered at that temperature, a recycled lead the recycle sequence at
 * `nurtureAt`. Redelivery is safe (the enrollment remembers its triggering event). An event that cannot
 * be parsed is logged and dropped: retrying it would never succeed.
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
    case 'Lead Temperature Changed':
      return { kind: 'temperature', ...event.detail };
    case 'Lead Recycled':
      return { kind: 'recycled', ...event.detail, nurtureAt: Date.parse(event.detail.nurtureAt) };
  }
}
