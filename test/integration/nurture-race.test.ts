import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '#local/runtime';
import { batchWriteAll, consentingLeadItems, dueEnrollmentItem } from '../support/fixtures.ts';
import { type CapturedMail, startTestRuntime } from '../support/runtime.ts';
import { moveClockTo, nextBusinessMoment } from './nurture-helpers.ts';

let runtime: Runtime;
beforeAll(async () => {
  runtime = await startTestRuntime();
});
afterAll(async () => {
  await runtime.stop();
});

const SEQUENCE = 'whitepaper-nurture';

/** `count` consenting leads, each with an enrollment whose first step is due now. */
const seedDueSteps = async (count: number, prefix: string, at: number): Promise<string[]> => {
  const { dynamodb, tableName } = await import('#store/dynamodb');
  const leadIds = Array.from({ length: count }, () => randomUUID());
  const items = leadIds.flatMap((leadId, i) => [
    ...consentingLeadItems(leadId, `${prefix}-${i}@example.co.jp`, at, {
      lastName: '高橋',
      company: '株式会社レース',
    }),
    dueEnrollmentItem(leadId, SEQUENCE, at - 1000),
  ]);
  await batchWriteAll(dynamodb, tableName, items);
  return leadIds;
};

describe('step emails under racing sweepers', () => {
  it('given 1,000 due steps, when 4 sweepers race, then exactly 1,000 mails go out, one per lead, each recorded once', async () => {
    // Arrange
    const at = await nextBusinessMoment();
    await moveClockTo(runtime, at);
    const prefix = `race-${randomBytes(4).toString('hex')}`;
    const leadIds = await seedDueSteps(1000, prefix, at);
    const { createSweeper, TIMER_PROCESSORS } = await import('#app/sweep-due-timers');
    // Two workers each (8 in flight in all): enough to race on every claim without starving the other test
    // files that share this DynamoDB Local.
    const sweepers = Array.from({ length: 4 }, () =>
      createSweeper({ step: TIMER_PROCESSORS.step }, { sendRatePerSecond: 10_000, concurrency: 2 }),
    );

    // Act
    const reports = await Promise.all(sweepers.map((sweep) => sweep({})));

    // Assert
    const store = (await (await fetch(`${runtime.sesUrl}/store`)).json()) as { emails: CapturedMail[] };
    const perRecipient = new Map<string, number>();
    for (const mail of store.emails) {
      for (const to of mail.destination.to) {
        if (to.startsWith(`${prefix}-`)) perRecipient.set(to, (perRecipient.get(to) ?? 0) + 1);
      }
    }
    expect([...perRecipient.values()].reduce((a, b) => a + b, 0)).toBe(1000);
    expect(perRecipient.size).toBe(1000);
    expect(reports.reduce((n, r) => n + r.done, 0)).toBe(1000);
    expect(reports.reduce((n, r) => n + r.failed, 0)).toBe(0);
    const { getEnrollment } = await import('#store/enrollments');
    const sample = await Promise.all(leadIds.slice(0, 50).map((id) => getEnrollment(id, SEQUENCE)));
    for (const enrollment of sample) {
      expect(enrollment?.history.filter((h) => h.outcome === 'sent')).toHaveLength(1);
      expect(enrollment?.history).toHaveLength(1);
      expect(enrollment?.stepIndex).toBe(1);
    }
  }, 240_000);
});
