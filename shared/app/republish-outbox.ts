import { publish } from '#adapters/eventbridge';
import type { EpochMs } from '#domain/lead/types';
import { OUTBOX_RETENTION_SECONDS } from '#store/outbox';
import { outboxScanPage } from '#store/outbox-scan';

export interface RepublishSummary {
  /** Table items read. */
  scanned: number;
  /** Outbox events in the range. */
  found: number;
  /** Of those, put on the bus (0 on a dry run). */
  published: number;
}

/**
 * Put the outbox events of a time range on the bus again: the recovery after the outbox stream skipped
 * records (a bus outage longer than the stream's retry age; the DLQ message names the time), or a target
 * that lost events. Every target de-duplicates on `detail.eventId` (hand-off, enrollment, CRM upsert), so
 * events that did get through change nothing; a target that cannot (a Slack post) may show them twice.
 * Each page's events go in time order. Outbox items live 7 days: older events are gone.
 */
export async function republishOutbox(options: {
  since: EpochMs;
  until: EpochMs;
  dryRun?: boolean;
  totalSegments?: number;
  onPage?: (summary: RepublishSummary) => void;
}): Promise<RepublishSummary> {
  const totalSegments = options.totalSegments ?? 4;
  const summary: RepublishSummary = { scanned: 0, found: 0, published: 0 };
  await Promise.all(
    Array.from({ length: totalSegments }, async (_, segment) => {
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await outboxScanPage({
          segment,
          totalSegments,
          since: options.since,
          until: options.until,
          ...(startKey ? { startKey } : {}),
        });
        const events = page.events.sort((a, b) => a.time - b.time);
        if (!options.dryRun && events.length > 0) {
          await publish(events.map((e) => ({ ...e })));
          summary.published += events.length;
        }
        summary.scanned += page.scanned;
        summary.found += events.length;
        options.onPage?.({ ...summary });
        startKey = page.next;
      } while (startKey);
    }),
  );
  return summary;
}

/** The oldest time an outbox event can still be found at `now`. */
export const oldestRepublishable = (now: EpochMs): EpochMs => now - OUTBOX_RETENTION_SECONDS * 1000;
