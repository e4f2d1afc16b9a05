import { buildDomainEvent, type DomainEvent, isoAt } from '#domain/lead/events';
import type { EpochMs } from '#domain/lead/types';

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
