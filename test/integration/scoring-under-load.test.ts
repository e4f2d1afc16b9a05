import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { now as clockNow } from '#adapters/clock';
import { OPS_TOKEN_CLAIMS } from '#local/auth';
import type { Runtime } from '#local/runtime';
import { startTestRuntime, uniqueEmail } from '../support/runtime.ts';

/**
 * The proof that scoring is exact under load (issue 10): 1,000 trusted events for ONE lead, 30% of them
 * duplicates (some inside one request, most across requests and phases), posted at concurrency 64 to the
 * real `ops-events` handler (invoked in-process as the local runtime does, without the HTTP hop) on
 * DynamoDB Local, in batches of 1 to 8 events as a webhook or the snippet sends them; the client retries any
 * non-2xx with the same `eventId`s. The real sweeper runs alongside, as the schedule would, and scores
 * whatever was parked. The score must equal the de-duplicated sum exactly, the timeline must hold
 * each event once, and no request may see a 5xx.
 *
 * The lead's hourly bound (300 events) is real, so the load runs in four phases an hour apart on the
 * product's clock (each phase at most 250 events); every event says it happened at the lead's last activity,
 * so decay and cap periods play no part and the expected behaviour is a plain sum.
 */
let runtime: Runtime;
beforeAll(async () => {
  runtime = await startTestRuntime();
});
afterAll(async () => {
  await runtime.stop();
});

const HOUR = 3_600_000;
const EVENTS = 1_000;
const DISTINCT = 700;
const CONCURRENCY = 64;
const PHASES = 4;
const POINTS: Record<string, number> = { download: 10, webinar_registered: 10, webinar_attended: 20 };
const TYPES = Object.keys(POINTS);

/** A small seeded generator, so a failure can be replayed. */
const prng = (seed: number) => () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
  return seed / 2 ** 31;
};

interface Outcome {
  statuses: number[];
  attempts: number;
}

describe('scoring under load', () => {
  it('given 1,000 events for one lead (30% duplicates) at concurrency 64 with client retries, when all are posted, then the score is the de-duplicated sum exactly, the timeline holds each event once and no request sees a 5xx', async () => {
    // Arrange: an inquiry lead (fit 23 + contact form 50).
    const email = uniqueEmail('load');
    const posted = await fetch(`${runtime.apiUrl}/v1/forms/contact`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({
        email,
        lastName: '佐藤',
        firstName: '花子',
        company: '株式会社サンプル製作所',
        title: '情報システム部 部長',
        employees: '1000-4999',
        consent: true,
      }),
    });
    expect(posted.status).toBe(201);
    const { findLeadIdByEmail, getLeadState, getTimeline } = await import('#store/leads');
    const { pendingEvents } = await import('#store/pending-events');
    const { CLAIM_LEASE_MS } = await import('#store/timers');
    const { now } = await import('#adapters/clock');
    const { emailKey } = await import('#domain/capture/email-address');
    const { dynamodb, tableName } = await import('#store/dynamodb');
    const leadId = (await findLeadIdByEmail(emailKey(email) ?? '')) ?? '';
    const before = await getLeadState(leadId);
    if (!before) throw new Error('lead not created');
    const occurredAt = new Date(before.behaviour.asOf).toISOString();

    const random = prng(20_261_204);
    const distinct = Array.from({ length: DISTINCT }, (_, i) => ({
      eventId: `load:${i}`,
      type: TYPES[i % TYPES.length] ?? 'download',
      leadId,
      occurredAt,
      properties: { n: i },
    }));
    const all = [...distinct];
    while (all.length < EVENTS) {
      const duplicate = distinct[Math.floor(random() * DISTINCT)];
      if (duplicate) all.push(duplicate);
    }
    for (let i = all.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      const [a, b] = [all[i], all[j]];
      if (a && b) [all[i], all[j]] = [b, a];
    }
    const expectedPoints = distinct.reduce((sum, e) => sum + (POINTS[e.type] ?? 0), 0);

    const request = (events: unknown[], n: number) => ({
      version: '2.0',
      routeKey: 'POST /v1/ops/events',
      rawPath: '/v1/ops/events',
      rawQueryString: '',
      headers: { 'content-type': 'application/json' },
      requestContext: {
        accountId: '000000000000',
        apiId: 'local',
        domainName: 'localhost',
        domainPrefix: 'localhost',
        http: {
          method: 'POST',
          path: '/v1/ops/events',
          protocol: 'HTTP/1.1',
          sourceIp: '127.0.0.1',
          userAgent: 'load',
        },
        requestId: `load-${n}`,
        routeKey: 'POST /v1/ops/events',
        // What the JWT authorizer passes on for the local machine credential (every scope).
        authorizer: { jwt: { claims: OPS_TOKEN_CLAIMS, scopes: [] } },
        stage: '$default',
        time: new Date(clockNow()).toISOString(),
        timeEpoch: clockNow(),
      },
      isBase64Encoded: false,
      body: JSON.stringify({ events }),
    });
    let requests = 0;
    const post = async (events: (typeof all)[number][]): Promise<Outcome> => {
      const outcome: Outcome = { statuses: [], attempts: 0 };
      for (;;) {
        outcome.attempts++;
        const response = (await runtime.invoke('ops-events', request(events, requests++))) as {
          statusCode: number;
          body: string;
        };
        outcome.statuses.push(response.statusCode);
        if (response.statusCode >= 200 && response.statusCode < 300) {
          expect(JSON.parse(response.body)).toEqual({ accepted: events.length, rejected: [] });
          return outcome;
        }
        if (outcome.attempts >= 20) throw new Error(`batch failed: ${outcome.statuses.join(',')}`);
      }
    };
    const batches = (events: (typeof all)[number][]) => {
      const out: (typeof all)[number][][] = [];
      for (let i = 0; i < events.length; ) {
        const size = 1 + Math.floor(random() * 8);
        out.push(events.slice(i, i + size));
        i += size;
      }
      return out;
    };
    const sweep = () => runtime.invoke('sweeper', { source: 'load', time: new Date(now()).toISOString() });

    // Start each phase just after an hour turns on the product's clock.
    await runtime.advanceClock(HOUR - (now() % HOUR) + 1_000);
    const started = Date.now();
    const outcomes: Outcome[] = [];
    let sweeps = 0;

    // Act
    for (let phase = 0; phase < PHASES; phase++) {
      if (phase > 0) await runtime.advanceClock(HOUR);
      const queue = batches(all.slice((phase * EVENTS) / PHASES, ((phase + 1) * EVENTS) / PHASES));
      let done = false;
      const sweeper = (async () => {
        // As the schedule would (every minute in AWS), here every half second while something is parked.
        while (!done) {
          if ((await pendingEvents(leadId)).length > 0) {
            await sweep();
            sweeps++;
          }
          await new Promise((r) => setTimeout(r, 500));
        }
      })();
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          for (let batch = queue.shift(); batch; batch = queue.shift()) outcomes.push(await post(batch));
        }),
      );
      done = true;
      await sweeper;
      // Whatever was parked in this phase is scored before the clock moves on.
      // A claim interrupted under load (the machine busy with the rest of the suite) comes back after its lease.
      for (let i = 0; i < 40 && (await pendingEvents(leadId)).length > 0; i++) {
        await sweep();
        sweeps++;
        if (i % 4 === 3) await runtime.advanceClock(CLAIM_LEASE_MS + 1_000);
      }
    }
    const seconds = (Date.now() - started) / 1000;

    // Assert
    const statuses = outcomes.flatMap((o) => o.statuses);
    const after = await getLeadState(leadId);
    const timeline = (await getTimeline(leadId, Number.MAX_SAFE_INTEGER)).filter((e) =>
      e.eventId.startsWith('load:'),
    );
    console.info(
      `scoring under load: ${EVENTS} events in ${outcomes.length} batches, ${seconds.toFixed(1)} s, ${statuses.length} requests, ` +
        `${statuses.filter((s) => s !== 202).length} non-202, ${sweeps} sweeps`,
    );
    expect(outcomes.length).toBeGreaterThan(EVENTS / 8);
    expect(await pendingEvents(leadId)).toEqual([]);
    expect(after?.behaviour.value).toBe(before.behaviour.value + expectedPoints);
    expect(timeline).toHaveLength(DISTINCT);
    expect(new Set(timeline.map((e) => e.eventId)).size).toBe(DISTINCT);
    expect(timeline.reduce((sum, e) => sum + e.points, 0)).toBe(expectedPoints);
    expect(after?.version).toBe(before.version + DISTINCT);
    // Announced once, in the same transaction as the crossing (the outbox item of the hot transition).
    const outbox = await dynamodb.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :outbox)',
        ExpressionAttributeValues: { ':pk': `LEAD#${leadId}`, ':outbox': 'OUTBOX#' },
      }),
    );
    // One item per write: a single event flat, several as `events`.
    const announced = (outbox.Items ?? []).flatMap((i) =>
      Array.isArray(i.events) ? (i.events as Record<string, unknown>[]) : [i],
    );
    const hot = announced.filter(
      (i) => i.detailType === 'Lead Temperature Changed' && (i.detail as { to: string }).to === 'hot',
    );
    expect(hot).toHaveLength(1);
    // Contention is never the client's error: every answer is 202, or 503 (retry-safe), never a 4xx or a 500.
    expect(statuses.filter((s) => s !== 202 && s !== 503)).toEqual([]);
    // Contention alone answers no 503 (contended events are parked for the sweeper). A machine so loaded that
    // this run takes over 45 s (usually 20–35 s) can still see DynamoDB Local itself too slow for a request
    // (a 503 the client retries: every batch above landed exactly once); only then are 503s tolerated.
    if (seconds < 45) expect(statuses.filter((s) => s >= 500)).toEqual([]);
    // A generous budget: on 2 cores the rest of the suite runs beside it and slows DynamoDB Local.
  }, 180_000);
});
