import { z } from 'zod';
import { buildDomainEvent, type DomainEvent, isoAt } from '#domain/lead/events';
import type { EpochMs } from '#domain/lead/types';

/** The body of `DELETE /v1/ops/leads/{leadId}`: why the lead is erased (kept on the erasure record). */
export const eraseRequestSchema = z
  .object({
    reason: z
      .string()
      .trim()
      .min(1, 'give the reason for the erasure')
      .max(500)
      .meta({ description: 'Why the lead is erased (ticket, request); kept with the erasure record.' }),
  })
  .strict()
  .meta({ example: { reason: 'Erasure request from the person (ticket 4711)' } });
export type EraseRequest = z.output<typeof eraseRequestSchema>;

/** `Lead Erased`: the id, when, and why; one per lead (the id is derived from the lead, replays collapse). */
export function leadErasedEvent(leadId: string, reason: string, now: EpochMs): DomainEvent<'Lead Erased'> {
  return buildDomainEvent('Lead Erased', {
    eventId: `${leadId}:erased`,
    version: 1,
    occurredAt: isoAt(now),
    leadId,
    erasedAt: isoAt(now),
    reason,
  });
}
