import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '#local/runtime';
import { startTestRuntime, uniqueEmail } from '../support/runtime.ts';
import { injectFault, throttling, timedOut } from '../support/sdk-faults.ts';
import { eventsOf, makeHotLead } from './handoff-support.ts';

let runtime: Runtime;
beforeAll(async () => {
  runtime = await startTestRuntime();
});
afterAll(async () => {
  await runtime.stop();
});

/** A state change announced through the outbox, as every service writes it (state + events, one transaction). */
const announceStageChange = async (leadId: string, marker: string) => {
  const { mutateLead } = await import('#store/leads');
  const { buildDomainEvent } = await import('#domain/lead/events');
  const { now } = await import('#adapters/clock');
  const at = now();
  const event = buildDomainEvent('Lead Stage Changed', {
    eventId: `${leadId}:stage:outbox-test:${marker}`,
    version: 1,
    occurredAt: new Date(at).toISOString(),
    leadId,
    from: 'mql',
    to: 'mql',
    reason: `outbox-test-${marker}`,
  });
  const result = await mutateLead(leadId, (lead) => ({
    write: { state: { ...lead.state, version: lead.state.version + 1 }, events: [event], at },
    result: event.detail.eventId,
  }));
  if (!result.found) throw new Error('lead vanished');
  return result.result;
};

const published = (eventId: string) =>
  runtime.events().filter((e) => (e.detail as { eventId?: string }).eventId === eventId);

describe('outbox reliability', () => {
  it('given the bus refuses PutEvents 3 times, when the outbox is drained again and again, then the event is delivered exactly once', async () => {
    // Arrange
    const leadId = await makeHotLead(runtime, uniqueEmail('outbox'));
    runtime.router.failNextPuts(3);

    // Act
    const eventId = await announceStageChange(leadId, 'retry');
    const seenAfter: number[] = [];
    for (let round = 0; round < 6; round++) {
      await runtime.settle();
      seenAfter.push(published(eventId).length);
    }

    // Assert: nothing while failing (each settle makes two passes), then exactly one, never a second copy.
    expect(seenAfter[0]).toBe(0);
    expect(seenAfter.every((n) => n <= 1)).toBe(true);
    expect(seenAfter.at(-1)).toBe(1);
  });

  it('given a crash after the state change and before publishing, when the stream is read later, then the announced event is not lost and is published once', async () => {
    // Arrange: the poller (the stream's event source mapping) is down: nothing is published.
    const leadId = await makeHotLead(runtime, uniqueEmail('crash'));
    const { dynamodb, tableName } = await import('#store/dynamodb');
    const { keys } = await import('#store/keys');

    // Act
    const eventId = await announceStageChange(leadId, 'crash');
    const outboxItem = await dynamodb.send(
      new GetCommand({ TableName: tableName, Key: keys.outbox(leadId, eventId), ConsistentRead: true }),
    );
    const beforeRecovery = published(eventId).length;
    await runtime.settle(); // the mapping comes back and reads the stream from its checkpoint
    await runtime.settle();

    // Assert
    expect(outboxItem.Item).toMatchObject({ detailType: 'Lead Stage Changed', detail: { eventId } });
    expect(beforeRecovery).toBe(0);
    expect(published(eventId)).toHaveLength(1);
  });

  it('given a hand-off, when published through the outbox with failures, then each hand-off event reaches the bus once', async () => {
    // Arrange
    const email = uniqueEmail('handoff-outbox');

    // Act: the hot lead's events hit two failing puts on the way.
    runtime.router.failNextPuts(2);
    const leadId = await makeHotLead(runtime, email, {}, false);
    for (let round = 0; round < 5; round++) await runtime.settle();

    // Assert
    expect(eventsOf(runtime, leadId, 'Lead Handed Off')).toHaveLength(1);
    expect(eventsOf(runtime, leadId, 'Lead Assigned')).toHaveLength(1);
    const ids = runtime.events().map((e) => (e.detail as { eventId?: string }).eventId);
    expect(new Set(ids).size).toBe(ids.length);
  });
  it('given PutEvents throws ThrottlingException 3 times at the SDK client, when the outbox is drained again and again, then the event is delivered exactly once', async () => {
    // Arrange: the fault sits on the publisher's own EventBridge client (outside the SDK's retries).
    const leadId = await makeHotLead(runtime, uniqueEmail('outbox-throttle'));
    const { eventBridgeClient } = await import('#adapters/eventbridge');
    const fault = injectFault(eventBridgeClient, {
      operations: ['PutEvents'],
      nth: 1,
      times: 3,
      error: throttling,
    });

    // Act
    const eventId = await announceStageChange(leadId, 'throttle');
    const seenAfter: number[] = [];
    try {
      for (let round = 0; round < 6; round++) {
        await runtime.settle();
        seenAfter.push(published(eventId).length);
      }
    } finally {
      fault.remove();
    }

    // Assert
    expect(fault.fired()).toBe(3);
    expect(seenAfter[0]).toBe(0);
    expect(seenAfter.every((n) => n <= 1)).toBe(true);
    expect(seenAfter.at(-1)).toBe(1);
  });

  it('given PutEvents reaches the bus but its answer is lost (timeout), when the outbox is retried, then the event arrives again with the same eventId for targets to de-duplicate, and nothing is lost', async () => {
    // Arrange
    const leadId = await makeHotLead(runtime, uniqueEmail('outbox-lost-answer'));
    const { eventBridgeClient } = await import('#adapters/eventbridge');
    const fault = injectFault(eventBridgeClient, {
      operations: ['PutEvents'],
      nth: 1,
      error: timedOut,
      when: 'after',
    });

    // Act
    const eventId = await announceStageChange(leadId, 'lost-answer');
    try {
      for (let round = 0; round < 4; round++) await runtime.settle();
    } finally {
      fault.remove();
    }

    // Assert: at least once, never lost; a duplicate carries the same deterministic eventId.
    expect(fault.fired()).toBe(1);
    const copies = published(eventId);
    expect(copies.length).toBe(2);
    expect(new Set(copies.map((e) => JSON.stringify(e.detail))).size).toBe(1);
  });

  it('given outbox events the stream never delivered (records skipped after the retry age), when the range is republished, then each event in it reaches the bus with its stored body, and nothing outside it', async () => {
    // Arrange: the poller (the stream's event source mapping) is down while these are written.
    const leadId = await makeHotLead(runtime, uniqueEmail('republish'));
    await runtime.settle();
    const before = await announceStageChange(leadId, 'before-range');
    await runtime.advanceClock(60_000);
    const { now } = await import('#adapters/clock');
    const since = now();
    const lost = [await announceStageChange(leadId, 'lost-1'), await announceStageChange(leadId, 'lost-2')];
    const { republishOutbox } = await import('#app/republish-outbox');

    // Act
    const dryRun = await republishOutbox({ since, until: now(), dryRun: true });
    const afterDryRun = lost.map((id) => published(id).length);
    const summary = await republishOutbox({ since, until: now(), totalSegments: 2 });

    // Assert: the dry run counts and publishes nothing; the run publishes the two, not the one before.
    expect(dryRun).toMatchObject({ found: 2, published: 0 });
    expect(afterDryRun).toEqual([0, 0]);
    expect(summary).toMatchObject({ found: 2, published: 2 });
    for (const id of lost)
      expect(published(id).map((e) => [e['detail-type'], (e.detail as { reason?: string }).reason])).toEqual([
        ['Lead Stage Changed', `outbox-test-${id.split(':').at(-1)}`],
      ]);
    expect(published(before)).toHaveLength(0);
  });
});

describe('npm run outbox:republish (command line)', () => {
  const run = promisify(execFile);
  const root = resolve(import.meta.dirname, '../..');
  const tsx = join(root, 'node_modules/.bin/tsx');

  it('given TABLE_NAME and EVENT_BUS_NAME (a stack), when a range is republished, then its events reach that bus and a JSON summary is printed', async () => {
    // Arrange: an event the stream has not delivered yet (the poller is idle between settles).
    const leadId = await makeHotLead(runtime, uniqueEmail('republish-cli'));
    await runtime.settle();
    const { now } = await import('#adapters/clock');
    const since = new Date(now()).toISOString();
    const eventId = await announceStageChange(leadId, 'cli');
    const until = new Date(now()).toISOString();

    // Act: the test process's environment is the runtime's (table, bus, endpoints, credentials).
    const { stdout } = await run(tsx, ['scripts/republish-outbox.ts', '--since', since, '--until', until], {
      cwd: root,
      env: { ...process.env, LOG_LEVEL: 'silent' },
    });

    // Assert
    expect(JSON.parse(stdout)).toMatchObject({ found: 1, published: 1 });
    expect(published(eventId)).toHaveLength(1);
  });

  it('given a --since that is not a time, when run, then it exits 2 with the expected form and publishes nothing', async () => {
    // Act
    const failure = await run(tsx, ['scripts/republish-outbox.ts', '--since', 'yesterday'], {
      cwd: root,
      env: { ...process.env, LOG_LEVEL: 'silent' },
    }).catch((error: { code?: number; stderr?: string }) => error);

    // Assert
    expect(failure).toMatchObject({ code: 2 });
    expect((failure as { stderr?: string }).stderr).toContain('--since must be an ISO 8601 time');
  });
});
