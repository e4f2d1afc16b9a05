import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { createSweeper } from '#app/sweep-due-timers';
import { dynamodb, tableName } from '#store/dynamodb';
import { dueAttributes, keys } from '#store/keys';
import { type ClaimedTimer, completeTimer } from '#store/timers';

const writeDueTimers = async (count: number, kind: string, at: number) => {
  const items = Array.from({ length: count }, (_, i) => {
    const key = keys.timer(`race-${i}`, kind);
    return { ...key, ...dueAttributes(key.pk, key.sk, at, kind) };
  });
  for (let i = 0; i < items.length; i += 25) {
    await dynamodb.send(
      new BatchWriteCommand({
        RequestItems: { [tableName]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) },
      }),
    );
  }
};

describe('sweeper on the due index', () => {
  it('given 1,000 due timers, when 4 sweepers race, then each timer is processed exactly once', async () => {
    // Arrange
    await writeDueTimers(1000, 'race', Date.now() - 1000);
    const processed = new Map<string, number>();
    const processor = async (timer: ClaimedTimer) => {
      processed.set(timer.pk, (processed.get(timer.pk) ?? 0) + 1);
      await completeTimer(timer, null);
    };
    const sweepers = Array.from({ length: 4 }, () =>
      createSweeper({ race: processor }, { sendRatePerSecond: 10_000 }),
    );

    // Act
    const reports = await Promise.all(sweepers.map((sweep) => sweep({})));

    // Assert
    expect(processed.size).toBe(1000);
    expect([...processed.values()].every((n) => n === 1)).toBe(true);
    expect(reports.reduce((n, r) => n + r.done, 0)).toBe(1000);
    const again = await createSweeper({ race: processor })({});
    expect(again.due).toBe(0);
  });

  it('given a timer not yet due, when swept, then it is left alone', async () => {
    await writeDueTimers(1, 'later', Date.now() + 3_600_000);
    let ran = 0;
    const report = await createSweeper({ later: async () => void ran++ })({});
    expect(ran).toBe(0);
    expect(report.claimed).toBe(0);
  });

  it('given a processor that fails, when swept, then the timer stays claimed under a lease and comes back interrupted', async () => {
    await writeDueTimers(1, 'flaky', Date.now() - 1);
    const seen: boolean[] = [];
    const failing = createSweeper({
      flaky: async (t) => {
        seen.push(t.interrupted);
        throw new Error('SES timeout');
      },
    });
    const first = await failing({});
    expect(first.failed).toBe(1);
    // Not due again until the lease runs out.
    const second = await failing({});
    expect(second.due).toBe(0);
    expect(seen).toEqual([false]);
  });
});
