import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { now as clockNow } from '#adapters/clock';
import { createSweeper } from '#app/sweep-due-timers';
import { dynamodb, tableName } from '#store/dynamodb';
import { dueAttributes, keys } from '#store/keys';
import { type ClaimedTimer, completeTimer } from '#store/timers';

/** The sweeper reports (and emits as `SweeperLagSeconds`) how late the oldest due timer it saw was. */
describe('sweeper lag', () => {
  it('given nothing due, when swept, then the lag is 0', async () => {
    // Act
    const report = await createSweeper({}, { sendRatePerSecond: 10_000 })({});
    // Assert
    expect(report.due).toBe(0);
    expect(report.lagSeconds).toBe(0);
  });

  it('given timers due 3 and 1 minutes ago, when swept, then the lag is the oldest one’s age', async () => {
    // Arrange
    const now = clockNow();
    for (const [lead, minutesAgo] of [
      ['lag-a', 3],
      ['lag-b', 1],
    ] as const) {
      const key = keys.timer(lead, 'lag');
      await dynamodb.send(
        new PutCommand({
          TableName: tableName,
          Item: { ...key, ...dueAttributes(key.pk, key.sk, now - minutesAgo * 60_000, 'lag') },
        }),
      );
    }
    const done = async (timer: ClaimedTimer) => completeTimer(timer, null);

    // Act
    const report = await createSweeper({ lag: done }, { sendRatePerSecond: 10_000 })({});

    // Assert: 180 s, give or take the seconds the test itself took.
    expect(report.done).toBe(2);
    expect(report.lagSeconds).toBeGreaterThanOrEqual(179);
    expect(report.lagSeconds).toBeLessThan(240);
  });
});
