import { randomUUID } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it, vi } from 'vitest';
import { dynamodb, tableName } from '#store/dynamodb';
import { keys } from '#store/keys';
import { readOrCreateSigningKey } from '#store/signing-key';
import { injectFault, throttled } from '../support/sdk-faults.ts';

/**
 * In AWS the token signing key is an item of the table, created by the first cold start that needs it
 * (`#store/signing-key`, loaded by `#adapters/secrets` when no SIGNING_SECRET is given).
 */
describe('signing key item', () => {
  it('given no key yet, when eight cold starts race, then all of them get the one key that was stored', async () => {
    // Act
    const results = await Promise.all(Array.from({ length: 8 }, () => readOrCreateSigningKey()));

    // Assert
    const stored = await dynamodb.send(
      new GetCommand({ TableName: tableName, Key: keys.signingKey(), ConsistentRead: true }),
    );
    expect(typeof stored.Item?.value).toBe('string');
    expect(String(stored.Item?.value).length).toBeGreaterThanOrEqual(64);
    expect(new Set(results)).toEqual(new Set([stored.Item?.value]));
  });

  it('given a stored key, when read again, then it is returned unchanged', async () => {
    // Arrange
    const first = await readOrCreateSigningKey();

    // Act
    const again = await readOrCreateSigningKey();

    // Assert
    expect(again).toBe(first);
  });

  it('given no SIGNING_SECRET in the environment, when the secrets adapter loads, then it uses the table key', async () => {
    // Arrange
    const stored = await readOrCreateSigningKey();
    const given = process.env.SIGNING_SECRET;
    delete process.env.SIGNING_SECRET;
    vi.resetModules(); // a fresh `#config/env` (it caches the parsed environment) and adapter

    try {
      // Act
      const { signingSecret } = await import('#adapters/secrets');

      // Assert
      expect(await signingSecret()).toBe(stored);
    } finally {
      process.env.SIGNING_SECRET = given;
    }
  });

  /**
   * In AWS there is no SIGNING_SECRET: the key item is read from the table. It used to be read with a
   * top-level await while the handler module was imported (Lambda's init), so a throttled table at that
   * moment made the import itself reject: no handler to answer 503, Lambda reported an init error and the
   * HTTP API answered a bare 500 without Retry-After. Now the read is started at import but awaited by the
   * request that needs it.
   */
  it('given the key read is throttled while the unsubscribe function starts, when a one-click arrives, then it is answered 503 with Retry-After, and the next one once the table answers is served', async () => {
    // Arrange: a cold container in AWS (no SIGNING_SECRET in the environment), the table throttling GetItem.
    const given = process.env.SIGNING_SECRET;
    delete process.env.SIGNING_SECRET;
    vi.resetModules();
    const { readOrCreateSigningKey: readKey } = await import('#store/signing-key');
    await readKey(); // the key item exists (a deployed stack)
    vi.resetModules();
    const { dynamodb: client } = await import('#store/dynamodb');
    const fault = injectFault(client, { operations: ['GetItem'], nth: 1, times: 5, error: throttled });
    type Result = { statusCode: number; headers: Record<string, string> };
    const oneClick = (handler: (e: unknown, c: unknown) => Promise<Result>) =>
      handler(
        {
          version: '2.0',
          routeKey: 'POST /v1/unsubscribe',
          rawPath: '/v1/unsubscribe',
          rawQueryString: 't=x',
          queryStringParameters: { t: 'x' },
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'List-Unsubscribe=One-Click',
          isBase64Encoded: false,
          requestContext: { http: { method: 'POST', path: '/v1/unsubscribe', sourceIp: '203.0.113.7' } },
        },
        { awsRequestId: randomUUID(), functionName: 'unsubscribe', getRemainingTimeInMillis: () => 10_000 },
      );
    try {
      // Act: what Lambda does: import the handler (init), then invoke it.
      let status: number | string;
      let retryAfter: string | undefined;
      let handler: ((e: unknown, c: unknown) => Promise<Result>) | undefined;
      try {
        ({ handler } = (await import('../../functions/unsubscribe/handler.ts')) as {
          handler: (e: unknown, c: unknown) => Promise<Result>;
        });
        const result = await oneClick(handler);
        status = result.statusCode;
        retryAfter = result.headers['retry-after'];
      } catch (initError) {
        // Lambda: Runtime init error → API Gateway 500 "Internal Server Error".
        status = `init failed (${(initError as Error).name}): API Gateway answers 500`;
      }
      const firedWhileThrottled = fault.fired();
      fault.remove();
      const recovered = handler ? (await oneClick(handler)).statusCode : 'no handler';

      // Assert
      expect(firedWhileThrottled).toBeGreaterThan(0);
      expect(status).toBe(503);
      expect(retryAfter).toBe('1');
      expect(recovered).toBe(400); // the key was read again: the (made-up) token is judged, not the table
    } finally {
      fault.remove();
      process.env.SIGNING_SECRET = given;
      vi.resetModules();
    }
  });
});
