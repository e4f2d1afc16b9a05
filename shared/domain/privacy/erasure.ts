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

/**
 * The erase's delayed second sweep of the lead's partition (a timer on the due index, carried by the erasure
 * record `ERASED#<id>`, outside the partition it sweeps). A few writes follow their commit as plain puts
 * (a tracking event's timeline entry after its state write, a nurture run's timeline line, a step mail's
 * record, a consent withdrawal after the unsubscribe, an e-mail KPI fact, a timer item): one that read the
 * lead before the erase may land in the partition after the erase's own sweep. Each runs inside the
 * invocation that read the lead, and no Lambda invocation outlives 15 minutes (its hard timeout), so a sweep
 * a minute after that removes the last of them. The tracking path pays nothing for it.
 */
export const ERASE_SWEEP_TIMER_KIND = 'erase-sweep';
export const ERASE_SWEEP_DELAY_MS = 16 * 60_000;
