import { randomBytes } from 'node:crypto';
import { BatchGetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { now as clockNow } from '#adapters/clock';
import { createSweeper } from '#app/sweep-due-timers';
import { dynamodb, tableName } from '#store/dynamodb';
import { dueAttributes, keys } from '#store/keys';
import { type ClaimedTimer, completeTimer } from '#store/timers';
import { batchWriteAll } from '../support/fixtures.ts';

/**
 * Every test owns its data: its own timer kind and lead ids (a random suffix), and it asserts only on those.
 * A sweeper skips kinds it has no processor for, so timers another test left behind (even a timed-out one
 * whose sweepers still run) can neither be claimed here nor change what these assertions see.
 */
const ownKind = (label: string) => `${label}-${randomBytes(4).toString('hex')}`;

const writeDueTimers = async (
  count: number,
  kind: string,
  at: number,
): Promise<{ pk: string; sk: string }[]> => {
  const items = Array.from({ length: count }, (_, i) => {
    const key = keys.timer(`${kind}-${i}`, kind);
    return { ...key, ...dueAttributes(key.pk, key.sk, at, kind) };
  });
  await batchWriteAll(dynamodb, tableName, items);
  return items.map(({ pk, sk }) => ({ pk, sk }));
};

/** How many of these timers are still on the due index (carry `dueAt`). */
const stillDue = async (timers: readonly { pk: string; sk: string }[]): Promise<number> => {
  let due = 0;
  for (let i = 0; i < timers.length; i += 100) {
    let request: Record<string, { Keys: Record<string, unknown>[]; ConsistentRead: boolean }> | undefined = {
      [tableName]: { Keys: timers.slice(i, i + 100), ConsistentRead: true },
    };
    while (request && Object.keys(request).length) {
      const result = await dynamodb.send(new BatchGetCommand({ RequestItems: request }));
      due += (result.Responses?.[tableName] ?? []).filter((item) => item.dueAt !== undefined).length;
      request = result.UnprocessedKeys as typeof request;
    }
  }
  return due;
};

describe('sweeper on the due index', () => {
  it('given 60 due timers, when 4 sweepers race, then each timer is processed exactly once', async () => {
    // Arrange: 60 timers and 4 sweepers of 1 worker each: every claim is raced (240 claim attempts). Sized for
    // a loaded 2-core machine: with two copies of this file at once beside other engineers' suites (load
    // average 15-27), 200 timers with 2 workers each did not finish in 60 s and 100 took 36 s. DynamoDB Local
    // serializes writes, and every lost claim is a write.
    const kind = ownKind('race');
    const timers = await writeDueTimers(60, kind, clockNow() - 1000);
    const processed = new Map<string, number>();
    const processor = async (timer: ClaimedTimer) => {
      processed.set(timer.pk, (processed.get(timer.pk) ?? 0) + 1);
      await completeTimer(timer, null);
    };
    const sweepers = Array.from({ length: 4 }, () =>
      createSweeper({ [kind]: processor }, { sendRatePerSecond: 10_000, concurrency: 1 }),
    );

    // Act
    const reports = await Promise.all(sweepers.map((sweep) => sweep({})));

    // Assert
    expect(processed.size).toBe(60);
    expect([...processed.values()].every((n) => n === 1)).toBe(true);
    expect(reports.reduce((n, r) => n + r.done, 0)).toBe(60);
    expect(reports.reduce((n, r) => n + r.claimed, 0)).toBe(60);
    expect(await stillDue(timers)).toBe(0);
    const again = await createSweeper({ [kind]: processor })({});
    expect(again.claimed).toBe(0);
    expect(processed.size).toBe(60);
  }, 60_000);

  it('given a timer not yet due, when swept, then it is left alone', async () => {
    const kind = ownKind('later');
    const timers = await writeDueTimers(1, kind, clockNow() + 3_600_000);
    let ran = 0;
    const report = await createSweeper({ [kind]: async () => void ran++ })({});
    expect(ran).toBe(0);
    expect(report.claimed).toBe(0);
    expect(await stillDue(timers)).toBe(1);
  });

  it('given a processor that fails, when swept, then the timer stays claimed under a lease and comes back interrupted', async () => {
    const kind = ownKind('flaky');
    await writeDueTimers(1, kind, clockNow() - 1);
    const seen: boolean[] = [];
    const failing = createSweeper({
      [kind]: async (t) => {
        seen.push(t.interrupted);
        throw new Error('SES timeout');
      },
    });
    const first = await failing({});
    expect(first.failed).toBe(1);
    // Not due again until the lease runs out: a second sweep claims nothing of this kind.
    const second = await failing({});
    expect(second.claimed).toBe(0);
    expect(seen).toEqual([false]);
  });
});
