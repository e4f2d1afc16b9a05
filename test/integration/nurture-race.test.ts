import { randomBytes, randomUUID } from 'node:crypto';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '#local/runtime';
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
  const { dynamodb, tableName } = await import('#adapters/dynamodb');
  const { keys, dueAttributes } = await import('#adapters/keys');
  const { newEnrollment } = await import('#domain/sequences');
  const items: Record<string, unknown>[] = [];
  const leadIds: string[] = [];
  for (let i = 0; i < count; i++) {
    const leadId = randomUUID();
    const email = `${prefix}-${i}@example.co.jp`;
    leadIds.push(leadId);
    const enrollment = keys.enrollment(leadId, SEQUENCE);
    items.push(
      {
        ...keys.profile(leadId),
        leadId,
        email,
        emailKey: email,
        attributes: { email, lastName: '高橋', company: '株式会社レース' },
        fitBreakdown: {},
        consent: {
          purpose: 'marketing_email',
          textVersion: 'v1',
          formId: 'whitepaper',
          at,
          doubleOptIn: false,
        },
        channel: 'inbound_web',
        marketing: { transientBounces: 0 },
        anonymousIds: [],
        locale: 'ja',
        createdAt: at,
        updatedAt: at,
        version: 1,
      },
      {
        ...keys.state(leadId),
        leadId,
        email,
        stage: 'subscriber',
        stageHistory: [],
        temperature: 'cold',
        grade: 'D',
        fit: 0,
        behaviour: { value: 0, asOf: at, caps: {}, once: {} },
        score: { fit: 0, behaviour: 0, total: 0 },
        recentEvents: [],
        lastActivityAt: at,
        recentSends: [],
        version: 1,
      },
      {
        ...enrollment,
        ...dueAttributes(enrollment.pk, enrollment.sk, at - 1000, 'step'),
        ...newEnrollment(SEQUENCE, at - 1000),
        leadId,
        run: 1,
        triggerEventId: `seed-${leadId}`,
        trigger: 'form',
      },
    );
  }
  const batches: Record<string, unknown>[][] = [];
  for (let i = 0; i < items.length; i += 25) batches.push(items.slice(i, i + 25));
  const writeBatch = async (batch: Record<string, unknown>[]) => {
    let request: Record<string, { PutRequest: { Item: Record<string, unknown> } }[]> | undefined = {
      [tableName]: batch.map((Item) => ({ PutRequest: { Item } })),
    };
    while (request && Object.keys(request).length) {
      const result = await dynamodb.send(new BatchWriteCommand({ RequestItems: request }));
      request = result.UnprocessedItems as typeof request;
    }
  };
  for (let i = 0; i < batches.length; i += 8) await Promise.all(batches.slice(i, i + 8).map(writeBatch));
  return leadIds;
};

describe('step emails under racing sweepers', () => {
  it('given 1,000 due steps, when 4 sweepers race, then exactly 1,000 mails go out, one per lead, each recorded once', async () => {
    // Arrange
    const at = await nextBusinessMoment();
    await moveClockTo(runtime, at);
    const prefix = `race-${randomBytes(4).toString('hex')}`;
    const leadIds = await seedDueSteps(1000, prefix, at);
    const { createSweeper } = await import('../../functions/sweeper/sweep.ts');
    const { processStepTimer } = await import('../../functions/sweeper/processors/step.ts');
    // Two workers each (8 in flight in all): enough to race on every claim without starving the other test
    // files that share this DynamoDB Local.
    const sweepers = Array.from({ length: 4 }, () =>
      createSweeper({ step: processStepTimer }, { sendRatePerSecond: 10_000, concurrency: 2 }),
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
    const { getEnrollment } = await import('#services/nurture');
    const sample = await Promise.all(leadIds.slice(0, 50).map((id) => getEnrollment(id, SEQUENCE)));
    for (const enrollment of sample) {
      expect(enrollment?.history.filter((h) => h.outcome === 'sent')).toHaveLength(1);
      expect(enrollment?.history).toHaveLength(1);
      expect(enrollment?.stepIndex).toBe(1);
    }
  }, 240_000);
});
