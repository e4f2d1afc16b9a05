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

const STEPS = 16;
const SWEEPERS = 8;

describe('step emails under racing sweepers', () => {
  it(`given ${STEPS} due steps, when ${SWEEPERS} sweepers race, then exactly ${STEPS} mails go out, one per lead, each recorded once`, async () => {
    // Arrange: this test's own leads (a random prefix): mails are counted only for these recipients.
    const at = await nextBusinessMoment();
    await moveClockTo(runtime, at);
    const prefix = `race-${randomBytes(4).toString('hex')}`;
    const leadIds = await seedDueSteps(STEPS, prefix, at);
    const { createSweeper, TIMER_PROCESSORS } = await import('#app/sweep-due-timers');
    // One worker each (8 in flight in all): every claim is raced by all 8 sweepers. Sized for a loaded 2-core
    // machine that shares this DynamoDB Local and SES with other files: each step costs about 6 calls, 7 lost
    // claims and a mail, and DynamoDB Local serializes writes (every lost claim is one). Alone at load average
    // 20, 60 steps took 43 s; with two copies of this file at once (load average 27), 40 steps did not finish
    // in 60 s and 24 took 53-60 s; 16 steps keep the race inside the budget there.
    const sweepers = Array.from({ length: SWEEPERS }, () =>
      createSweeper({ step: TIMER_PROCESSORS.step }, { sendRatePerSecond: 10_000, concurrency: 1 }),
    );

    // Act
    const reports = await Promise.all(sweepers.map((sweep) => sweep({})));

    // Assert: count in the local SES store, per recipient.
    const store = (await (await fetch(`${runtime.sesUrl}/store`)).json()) as { emails: CapturedMail[] };
    const perRecipient = new Map<string, number>();
    for (const mail of store.emails) {
      for (const to of mail.destination.to) {
        if (to.startsWith(`${prefix}-`)) perRecipient.set(to, (perRecipient.get(to) ?? 0) + 1);
      }
    }
    expect([...perRecipient.values()].reduce((a, b) => a + b, 0)).toBe(STEPS);
    expect(perRecipient.size).toBe(STEPS);
    expect(Math.max(...perRecipient.values())).toBe(1);
    expect(reports.reduce((n, r) => n + r.done, 0)).toBe(STEPS);
    expect(reports.reduce((n, r) => n + r.claimed, 0)).toBe(STEPS);
    expect(reports.reduce((n, r) => n + r.failed, 0)).toBe(0);
    const { getEnrollment } = await import('#store/enrollments');
    const enrollments = await Promise.all(leadIds.map((id) => getEnrollment(id, SEQUENCE)));
    for (const enrollment of enrollments) {
      expect(enrollment?.history.filter((h) => h.outcome === 'sent')).toHaveLength(1);
      expect(enrollment?.history).toHaveLength(1);
      expect(enrollment?.stepIndex).toBe(1);
    }
  }, 60_000);
});
