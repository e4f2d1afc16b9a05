import { describe, expect, it } from 'vitest';
import { quietPeriodMs, type SweepObservation, sweeperLagging } from '#domain/operations/sweeper-lag';

const NOW = Date.parse('2026-01-13T00:12:00.000Z');
const config = { thresholdSeconds: 600, quietMinutes: 60 };
const sweep = (over: Partial<SweepObservation> = {}): SweepObservation => ({
  lagSeconds: 720,
  oldestDueAt: NOW - 720_000,
  oldestShard: 'DUE#3',
  shards: 8,
  due: 10,
  done: 9,
  failed: 1,
  stoppedEarly: false,
  ...over,
});

describe('sweeperLagging', () => {
  it('given a sweep whose oldest due timer waited over the threshold, then a detail naming the lag, the timer, the shard and the quiet period, with an id from the sweep instant', () => {
    expect(sweeperLagging(sweep(), config, NOW)).toEqual({
      eventId: 'sweeper-lagging:2026-01-13T00:12:00.000Z',
      version: 1,
      occurredAt: '2026-01-13T00:12:00.000Z',
      lagSeconds: 720,
      thresholdSeconds: 600,
      oldestDueAt: '2026-01-13T00:00:00.000Z',
      due: 10,
      done: 9,
      failed: 1,
      stoppedEarly: false,
      shards: { swept: 8, oldest: 'DUE#3' },
      quietMinutes: 60,
    });
  });

  it('given a lag at or under the threshold, or nothing due, then no event', () => {
    expect(sweeperLagging(sweep({ lagSeconds: 600 }), config, NOW)).toBeUndefined();
    expect(sweeperLagging(sweep({ lagSeconds: 12 }), config, NOW)).toBeUndefined();
    expect(sweeperLagging(sweep({ oldestDueAt: undefined, lagSeconds: 9_999 }), config, NOW)).toBeUndefined();
  });

  it('given the configured quiet minutes, then the quiet period in ms', () => {
    expect(quietPeriodMs(config)).toBe(3_600_000);
  });
});
