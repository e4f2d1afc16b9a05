import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '#local/runtime';
import { startTestRuntime } from '../support/runtime.ts';

/**
 * The sweeper's lag is an event, not an alarm metric: the real sweeper (demo config: lagging over 600 s,
 * quiet for 60 minutes) on DynamoDB Local, publishing through the local EventBridge stand-in. The timers are
 * of a kind no processor runs, so they stay due and the lag only grows as the clock moves.
 */
let runtime: Runtime;
let putDueTimer: (label: string, dueAt: number) => Promise<void>;
let clockNow: () => number;

interface SweepReport {
  due: number;
  lagSeconds: number;
  lagAlert: string;
}
const sweep = async (): Promise<SweepReport> => (await runtime.sweep()) as SweepReport;
const lagEvents = () => runtime.events().filter((e) => e['detail-type'] === 'Sweeper Lagging');

beforeAll(async () => {
  runtime = await startTestRuntime();
  ({ now: clockNow } = await import('#adapters/clock'));
  const { PutCommand } = await import('@aws-sdk/lib-dynamodb');
  const { dynamodb, tableName } = await import('#store/dynamodb');
  const { dueAttributes, keys } = await import('#store/keys');
  putDueTimer = async (label, dueAt) => {
    const key = keys.timer(`lag-alert-${label}`, 'lag-probe');
    await dynamodb.send(
      new PutCommand({
        TableName: tableName,
        Item: { ...key, ...dueAttributes(key.pk, key.sk, dueAt, 'lag-probe') },
      }),
    );
  };
});
afterAll(async () => {
  await runtime.stop();
});

describe('Sweeper Lagging', () => {
  it('given the oldest due timer waited 2 minutes, when swept, then the sweep is on time and nothing is published', async () => {
    // Arrange
    await putDueTimer('recent', clockNow() - 2 * 60_000);

    // Act
    const report = await sweep();

    // Assert
    expect(report.due).toBeGreaterThanOrEqual(1);
    expect(report.lagSeconds).toBeLessThan(600);
    expect(report.lagAlert).toBe('on_time');
    expect(lagEvents()).toEqual([]);
  });

  it('given a timer due 15 minutes ago, when swept twice within the quiet period, then exactly one event, naming the lag, its timer and shard', async () => {
    // Arrange
    const dueAt = clockNow() - 15 * 60_000;
    await putDueTimer('late', dueAt);

    // Act
    const first = await sweep();
    const second = await sweep();

    // Assert
    expect(first.lagAlert).toBe('published');
    expect(second.lagAlert).toBe('quiet');
    const events = lagEvents();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ source: 'leadloop.sweeper' });
    const detail = events[0]?.detail as Record<string, unknown>;
    expect(detail).toMatchObject({
      version: 1,
      thresholdSeconds: 600,
      oldestDueAt: new Date(dueAt).toISOString(),
      due: 2,
      done: 0,
      failed: 0,
      stoppedEarly: false,
      shards: { swept: 8, oldest: expect.stringMatching(/^DUE#[0-7]$/) },
      quietMinutes: 60,
    });
    expect(detail.lagSeconds).toBeGreaterThanOrEqual(900);
    expect(detail.lagSeconds).toBeLessThan(960);
    expect(detail.eventId).toBe(`sweeper-lagging:${detail.occurredAt}`);
  });

  it('given the lag persists past the quiet period, when swept, then one more event (with its own id)', async () => {
    // Arrange
    await runtime.advanceClock(61 * 60_000);

    // Act
    const report = await sweep();

    // Assert
    expect(report.lagAlert).toBe('published');
    const events = lagEvents();
    expect(events).toHaveLength(2);
    const [a, b] = events.map((e) => e.detail as { eventId: string; lagSeconds: number });
    expect(b?.eventId).not.toBe(a?.eventId);
    expect(b?.lagSeconds).toBeGreaterThan((a?.lagSeconds ?? 0) + 60 * 60);
  });

  it('given two sweepers racing on the same lag after the quiet period, when both finish, then one publishes and the other stays quiet', async () => {
    // Arrange
    await runtime.advanceClock(61 * 60_000);
    const event = { source: 'aws.scheduler', time: new Date(clockNow()).toISOString() };

    // Act: the deployed sweeper twice at once (reserved concurrency allows 2).
    const reports = (await Promise.all([
      runtime.invoke('sweeper', event),
      runtime.invoke('sweeper', event),
    ])) as SweepReport[];

    // Assert
    expect(reports.map((r) => r.lagAlert).sort()).toEqual(['published', 'quiet']);
    expect(lagEvents()).toHaveLength(3);
  });
});
