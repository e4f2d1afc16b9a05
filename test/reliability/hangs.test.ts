import { randomBytes, randomUUID } from 'node:crypto';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue, Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { advanceClock } from '#adapters/clock';
import { createSweeper, TIMER_PROCESSORS } from '#app/sweep-due-timers';
import { FUNCTIONS } from '#infra/catalog';
import * as tableClient from '#store/dynamodb';
import { findLeadIdByEmail } from '#store/leads';
import { outboxItem } from '#store/outbox';
import { CAPTURE_MAIL_TIMER } from '#store/timers';
import { type BlackHole, startBlackHole } from '../support/black-hole.ts';
import {
  type Api,
  type ApiRequest,
  type ApiResponse,
  internalsIn,
  loadApi,
} from '../support/http-harness.ts';
import { inbox } from '../support/runtime.ts';

/**
 * A dependency that takes the connection and then never answers (test/support/black-hole.ts: a real TCP
 * server), met by the real handlers with the product's own SDK clients and their production timeouts
 * (`#adapters/sdk-timeouts`: the test tier's `SDK_TIMEOUT_SCALE` for the slow local engines is taken off
 * for the handlers under test). Each test loads the handlers it needs fresh, as a container starting while the
 * dependency hangs would, with that one dependency's `AWS_ENDPOINT_URL_*` at the black hole; everything else
 * (and every check afterwards) uses DynamoDB Local and the local SES.
 *
 * What shows that the clients' timeouts ended the wait: the black hole saw more than one request (each
 * attempt was given up by the client and retried; without timeouts the first one waits for ever), and the
 * answer came in under half the function's Lambda timeout. Only a generous bound is asserted (this is a
 * loaded 2-core machine). Without client timeouts an HTTP route is answered by middy's early timeout (a
 * `TimeoutError`, so also a 503) 5 ms before the Lambda deadline, after the full 15 s of a capture; the
 * publisher fails its whole batch after 30 s.
 */

/** A function's Lambda timeout (infra/catalog.ts), in milliseconds. */
const timeoutMs = (name: string): number => {
  const spec = FUNCTIONS.find((f) => f.name === name);
  if (!spec) throw new Error(`no function ${name} in the catalog`);
  return spec.timeoutSeconds * 1000;
};
/** Each test's own limit: far above the expected seconds, far below a hang. */
const TEST_TIMEOUT_MS = 40_000;

const sesUrl = () => inject('sesEndpoint');
const email = (label: string) => `${label}-${randomBytes(5).toString('hex')}@example.co.jp`;
/** A source address of the test's own, so no other test's posts spend the form's per-source mail limit. */
const ownSource = () => `10.${randomBytes(3).join('.')}`;

// A post without `_startedAt` (no JavaScript) counts as a person, so no clock decides whether it is stored.
const formPost = (address: string): ApiRequest => ({
  method: 'POST',
  url: '/v1/forms/whitepaper',
  headers: { 'content-type': 'application/json', accept: 'application/json' },
  body: JSON.stringify({
    email: address,
    lastName: '山田',
    firstName: '太郎',
    company: '株式会社サンプル商事',
    employees: '1-49',
    consent: true,
  }),
  sourceIp: ownSource(),
});

type Endpoint = 'AWS_ENDPOINT_URL_DYNAMODB' | 'AWS_ENDPOINT_URL_SESV2' | 'AWS_ENDPOINT_URL_EVENTBRIDGE';

/**
 * Runs `act` with one dependency's endpoint at the black hole and a fresh module graph (the handlers `act`
 * imports build new SDK clients at module scope, as at a cold start, with the timeouts they have in AWS). A
 * client reads its endpoint at its first call, so the variable stays set until `act` is done; then the
 * file's own modules, which first called their engines before (see `beforeAll`), carry on against the real
 * ones. When the black hole is not the table, the fresh graph keeps this file's DynamoDB client (DynamoDB
 * Local, with the local engines' longer timeouts): DynamoDB Local under the tier's load can be silent for
 * over a second, which is not what these tests are about.
 */
async function withDependencyAt<T>(variable: Endpoint, hole: BlackHole, act: () => Promise<T>): Promise<T> {
  const given = { endpoint: process.env[variable], scale: process.env.SDK_TIMEOUT_SCALE };
  process.env[variable] = hole.endpoint;
  delete process.env.SDK_TIMEOUT_SCALE; // the timeouts the functions have in AWS
  vi.resetModules();
  if (variable !== 'AWS_ENDPOINT_URL_DYNAMODB') vi.doMock('#store/dynamodb', () => tableClient);
  try {
    return await act();
  } finally {
    process.env[variable] = given.endpoint;
    if (given.scale !== undefined) process.env.SDK_TIMEOUT_SCALE = given.scale;
    vi.doUnmock('#store/dynamodb');
    vi.resetModules();
  }
}

const timed = async <T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> => {
  const started = performance.now();
  const value = await work();
  return { value, ms: performance.now() - started };
};

/** The figure each test prints (README → Guarantees quotes them): how long the hang cost, in how many attempts. */
const report = (what: string, ms: number, hole: BlackHole) =>
  console.log(
    `[reliability] ${what}: answered after ${(ms / 1000).toFixed(2)} s, ${hole.requests()} requests hung`,
  );

const expectUnavailable = (response: ApiResponse) => {
  expect(response.status, response.body).toBe(503);
  expect(response.headers['retry-after']).toBe('1');
  expect(internalsIn(response.body)).toBeUndefined();
};

let api: Api;
const holes: BlackHole[] = [];
const blackHole = async (mode: 'silent' | 'stall') => {
  const hole = await startBlackHole(mode);
  holes.push(hole);
  return hole;
};

beforeAll(async () => {
  api = await loadApi(['capture']);
  // This file's DynamoDB client resolves its endpoint (DynamoDB Local) now, before any test moves it.
  expect(await findLeadIdByEmail(email('warm-up'))).toBeUndefined();
});
afterEach(async () => {
  for (const hole of holes.splice(0)) await hole.close();
});

describe('a dependency that accepts connections and never answers', () => {
  for (const mode of ['silent', 'stall'] as const) {
    const what = mode === 'silent' ? 'accepts connections but never answers' : 'stalls mid-answer';
    it(
      `given DynamoDB ${what}, when a landing-page form is posted, then 503 with Retry-After in well under the capture function's timeout, nothing stored, no mail sent, and the client's retry captures once`,
      async () => {
        // Arrange
        const hole = await blackHole(mode);
        const address = email(`hang-table-${mode}`);

        // Act
        const { value: response, ms } = await withDependencyAt(
          'AWS_ENDPOINT_URL_DYNAMODB',
          hole,
          async () => {
            const cold = await loadApi(['capture']);
            return timed(() => cold.call(formPost(address)));
          },
        );
        const storedAfterHang = await findLeadIdByEmail(address);
        const mailsAfterHang = (await inbox(sesUrl(), address)).length;
        const retry = await api.call(formPost(address));
        report(`capture, DynamoDB ${mode}`, ms, hole);

        // Assert
        expect(hole.requests()).toBeGreaterThan(1); // attempts given up by the client, and retried
        expectUnavailable(response);
        expect(ms).toBeLessThan(timeoutMs('capture') / 2);
        expect(storedAfterHang).toBeUndefined();
        expect(mailsAfterHang).toBe(0);
        expect(retry.status, retry.body).toBe(201);
        expect(await findLeadIdByEmail(address)).toBeDefined();
        expect(await inbox(sesUrl(), address)).toHaveLength(1);
      },
      TEST_TIMEOUT_MS,
    );
  }

  it(
    "given DynamoDB accepts connections but never answers, when the deep health check is asked, then 503 table unreachable (Retry-After 10) within the health function's 3 s timeout",
    async () => {
      // Arrange
      const hole = await blackHole('silent');

      // Act
      const { value: response, ms } = await withDependencyAt('AWS_ENDPOINT_URL_DYNAMODB', hole, async () => {
        const cold = await loadApi(['health']);
        return timed(() => cold.call({ method: 'GET', url: '/v1/health?deep=1' }));
      });
      report('deep health, DynamoDB silent', ms, hole);

      // Assert
      expect(hole.requests()).toBeGreaterThan(1);
      // The health route's own answer (not middy's early timeout, which would be the generic 503, Retry-After 1).
      expect(response.status, response.body).toBe(503);
      expect(response.headers['retry-after']).toBe('10');
      expect(JSON.parse(response.body)).toEqual({ status: 'unavailable', table: 'unreachable' });
      expect(ms).toBeLessThan(timeoutMs('health'));
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "given SES accepts connections but never answers, when a landing-page form is posted, then the lead is stored and the post answers 201 in well under the capture function's timeout, and the auto-reply, whose result is unknown, is never sent again",
    async () => {
      // Arrange
      const hole = await blackHole('silent');
      const address = email('hang-ses');
      const sweeper = createSweeper(
        { [CAPTURE_MAIL_TIMER]: TIMER_PROCESSORS[CAPTURE_MAIL_TIMER] },
        { sendRatePerSecond: 10_000 },
      );

      // Act
      const { value: response, ms } = await withDependencyAt('AWS_ENDPOINT_URL_SESV2', hole, async () => {
        const cold = await loadApi(['capture']);
        return timed(() => cold.call(formPost(address)));
      });
      // SES is back: three minutes of sweeps, when a deferred mail would have been retried.
      for (let minute = 0; minute < 3; minute++) {
        advanceClock(61_000);
        await sweeper({});
      }
      report('capture, SES silent', ms, hole);

      // Assert: SES was called and never answered; the request was written, so SES may have taken the mail
      // (README: a mail whose result is unknown is never sent again, where a refused one is retried).
      expect(hole.requests()).toBeGreaterThan(1);
      expect(response.status, response.body).toBe(201);
      expect(JSON.parse(response.body)).toMatchObject({ status: 'received' });
      expect(ms).toBeLessThan(timeoutMs('capture') / 2);
      expect(await findLeadIdByEmail(address)).toBeDefined();
      expect(await inbox(sesUrl(), address)).toHaveLength(0);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "given EventBridge accepts connections but never answers, when the publisher gets two outbox records, then it reports the first as the batch item failure (the retry starts there) in well under the publisher's timeout",
    async () => {
      // Arrange: two new outbox items as the table stream delivers them.
      const hole = await blackHole('silent');
      const record = (sequenceNumber: string) => {
        const leadId = randomUUID();
        const item = outboxItem({
          leadId,
          source: 'leadloop.leads',
          detailType: 'Lead Stage Changed',
          detail: { eventId: `${leadId}:stage:hang`, leadId, from: 'lead', to: 'mql', reason: 'hang-test' },
          time: Date.now(),
        });
        return {
          eventName: 'INSERT' as const,
          dynamodb: {
            SequenceNumber: sequenceNumber,
            NewImage: marshall(item) as unknown as Record<string, AttributeValue>,
          },
        };
      };
      const event: DynamoDBStreamEvent = { Records: [record('100'), record('200')] };
      const context = {
        awsRequestId: randomUUID(),
        functionName: 'publisher',
        getRemainingTimeInMillis: () => timeoutMs('publisher'),
      } as unknown as Context;

      // Act
      const { value: result, ms } = await withDependencyAt('AWS_ENDPOINT_URL_EVENTBRIDGE', hole, async () => {
        const { handler } = (await import('../../functions/publisher/handler.ts')) as {
          handler: (e: DynamoDBStreamEvent, c: Context) => Promise<DynamoDBBatchResponse>;
        };
        return timed(() => handler(event, context));
      });
      report('publisher, EventBridge silent', ms, hole);

      // Assert
      expect(hole.requests()).toBeGreaterThan(1);
      expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: '100' }] });
      expect(ms).toBeLessThan(timeoutMs('publisher') / 2);
    },
    TEST_TIMEOUT_MS,
  );
});
