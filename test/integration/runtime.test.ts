import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '#local/runtime';
import { startTestRuntime } from '../support/runtime.ts';

let runtime: Runtime;
beforeAll(async () => {
  runtime = await startTestRuntime();
});
afterAll(async () => {
  await runtime.stop();
});

describe('local runtime', () => {
  it('given the runtime is up, when GET /v1/health, then the real handler answers 200 JSON', async () => {
    const response = await fetch(`${runtime.apiUrl}/v1/health`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('given a state change written with its outbox item, when the stream is drained, then the event reaches /_local/events once', async () => {
    // Arrange: the same transaction a handler writes (state + outbox), straight into DynamoDB Local.
    const { dynamodb, tableName } = await import('#store/dynamodb');
    const { outboxPut } = await import('#store/outbox');
    const eventId = `slice-${Date.now()}`;
    await dynamodb.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: tableName, Item: { pk: 'LEAD#slice', sk: 'LEAD', stage: 'lead' } } },
          outboxPut(tableName, {
            leadId: 'slice',
            source: 'leadloop.leads',
            detailType: 'Lead Captured',
            detail: { eventId, leadId: 'slice', version: 1 },
            time: Date.now(),
          }),
        ],
      }),
    );

    // Act: stream → real publisher → PutEvents → local router.
    await runtime.settle();
    await runtime.settle();
    const response = await fetch(`${runtime.apiUrl}/_local/events`);
    const events = (await response.json()) as {
      id: string;
      source: string;
      'detail-type': string;
      detail: { eventId: string };
    }[];

    // Assert
    const matching = events.filter((e) => e.detail.eventId === eventId);
    expect(matching).toHaveLength(1);
    expect(matching[0]).toMatchObject({ source: 'leadloop.leads', 'detail-type': 'Lead Captured' });
    expect(matching[0]?.id).toMatch(/[0-9a-f-]{36}/);
  });

  it('given an ops route, when called without the bearer token, then it is refused before any handler runs', async () => {
    const response = await fetch(`${runtime.apiUrl}/v1/ops/leads?email=a@b.jp`);
    expect([403, 404]).toContain(response.status);
  });

  it('given the local clock, when advanced, then handlers see the new time and it never goes back', async () => {
    const before = Date.now();
    const response = await fetch(`${runtime.apiUrl}/_local/clock`, {
      method: 'POST',
      body: JSON.stringify({ advanceMs: 86_400_000 }),
    });
    const { now } = (await response.json()) as { now: string };
    expect(Date.parse(now) - before).toBeGreaterThanOrEqual(86_400_000);
    const refused = await fetch(`${runtime.apiUrl}/_local/clock`, {
      method: 'POST',
      body: '{"advanceMs":-5}',
    });
    expect(refused.status).toBe(400);
  });

  it('given ticks, when the clock is advanced over HTTP, then the sweeper runs at every tick as the scheduler would', async () => {
    const response = await fetch(`${runtime.apiUrl}/_local/clock`, {
      method: 'POST',
      body: JSON.stringify({ advanceMs: 2 * 3_600_000, tickMs: 15 * 60_000 }),
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { sweeps: number }).sweeps).toBe(8);
    const jump = await fetch(`${runtime.apiUrl}/_local/clock`, {
      method: 'POST',
      body: '{"advanceMs":60000,"tickMs":0}',
    });
    expect(((await jump.json()) as { sweeps: number }).sweeps).toBe(0);
  });

  it('given an unknown route, when called, then 404 JSON', async () => {
    const response = await fetch(`${runtime.apiUrl}/v1/nope`);
    expect(response.status).toBe(404);
  });
});
