import * as z from '#domain/lead/validation';

/**
 * The body of `DELETE /v1/ops/leads/{leadId}`: why the lead is erased (kept on the erasure record). Apart
 * from erasure.ts (the erased event), which the sweeper also needs when it erases on retention.
 */
export const eraseRequestSchema = z.withMeta(
  z.strictObject({
    reason: z.withMeta(
      z.string().check(z.trim(), z.minLength(1, 'give the reason for the erasure'), z.maxLength(500)),
      { description: 'Why the lead is erased (ticket, request); kept with the erasure record.' },
    ),
  }),
  { example: { reason: 'Erasure request from the person (ticket 4711)' } },
);
export type EraseRequest = z.output<typeof eraseRequestSchema>;
