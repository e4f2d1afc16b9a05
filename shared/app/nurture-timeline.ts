import type { EpochMs } from '#domain/lead/types';
import type { StoredTimelineEntry } from '#store/leads';

/** A timeline line for a nurture or marketing-status change (no points: it is not scored). */
export function timelineEntry(
  eventId: string,
  type: string,
  at: EpochMs,
  properties: Record<string, string | number | boolean | undefined>,
): StoredTimelineEntry {
  return {
    eventId,
    type,
    occurredAt: at,
    points: 0,
    rule: null,
    properties: Object.fromEntries(
      Object.entries(properties).filter((p): p is [string, string | number | boolean] => p[1] !== undefined),
    ),
    baseVersion: 0,
    recordedAt: at,
  };
}

/** A run's `sequence_exited` line (one per run: its id is the run's). */
export function exitedEntry(
  sequenceId: string,
  run: number,
  reason: string,
  at: EpochMs,
): StoredTimelineEntry {
  return timelineEntry(`nurture:${sequenceId}:${run}:exited`, 'sequence_exited', at, { sequenceId, reason });
}
