import type { EpochMs } from '#domain/lead/types';

/**
 * The one clock every handler reads. In AWS the offset is always 0; the local runtime and tests move it
 * forward (`POST /_local/clock`) so a 7-day sequence can be watched in seconds. Handlers never branch on
 * where they run: they just ask for `now()`.
 */
let offsetMs = 0;

export const now = (): EpochMs => Date.now() + offsetMs;

export const advanceClock = (ms: number): EpochMs => {
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError('the clock only moves forward');
  offsetMs += ms;
  return now();
};

export const clockOffset = (): number => offsetMs;
