import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { httpHandler, issuesToFields, isUnavailable, readBody } from '#http/api';
import { BadRequestError } from '#http/errors';
import { json } from '#http/responses';

const event = (body: string, contentType: string, base64 = false): APIGatewayProxyEventV2 =>
  ({
    headers: { 'content-type': contentType },
    body: base64 ? Buffer.from(body).toString('base64') : body,
    isBase64Encoded: base64,
  }) as unknown as APIGatewayProxyEventV2;

const context = { awsRequestId: 'req-1' } as Context;

describe('request bodies', () => {
  it('given a body over the limit, when read, then 413 is thrown before parsing', () => {
    expect(() =>
      readBody(event('x'.repeat(11), 'application/json'), { maxBytes: 10, accept: ['json'] }),
    ).toThrow(expect.objectContaining({ statusCode: 413 }));
  });

  it('given a content type not accepted, when read, then 415 names the accepted types', () => {
    expect(() => readBody(event('{}', 'text/xml'), { maxBytes: 100, accept: ['json', 'form'] })).toThrow(
      expect.objectContaining({ statusCode: 415, message: expect.stringContaining('application/json') }),
    );
  });

  it('given malformed JSON, when read, then 400', () => {
    expect(() => readBody(event('{"a":', 'application/json'), { maxBytes: 100, accept: ['json'] })).toThrow(
      expect.objectContaining({ statusCode: 400 }),
    );
  });

  it('given a base64 UTF-8 body with Japanese text, when read, then it decodes intact', () => {
    const parsed = readBody(
      event('{"company":"株式会社サンプル"}', 'application/json; charset=utf-8', true),
      {
        maxBytes: 1000,
        accept: ['json'],
      },
    );
    expect(parsed.value).toEqual({ company: '株式会社サンプル' });
  });
});

describe('error mapping', () => {
  it('given a named HTTP error, when the handler throws it, then its status and field errors reach the client', async () => {
    const handler = httpHandler(async () => {
      throw new BadRequestError('invalid', [{ field: 'email', code: 'invalid', message: 'bad address' }]);
    });
    const response = await handler(event('', 'application/json'), context);
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(String(response.body))).toEqual({
      error: {
        code: 'bad_request',
        message: 'invalid',
        errors: [{ field: 'email', code: 'invalid', message: 'bad address' }],
      },
    });
  });

  it('given an unexpected error, when the handler throws it, then a bare 500 leaks no internals', async () => {
    const handler = httpHandler(async () => {
      throw new TypeError(
        'Cannot read properties of undefined (reading secretTableName) at /var/task/index.mjs:1',
      );
    });
    const response = await handler(event('', 'application/json'), context);
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toMatch(/secretTableName|var\/task|TypeError/);
  });

  it('given a normal result, when returned, then it passes through with safe headers', async () => {
    const handler = httpHandler(async () => json(200, { ok: true }));
    const response = await handler(event('', 'application/json'), context);
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['cache-control']).toBe('no-store');
  });
});

describe('retryable failures', () => {
  const named = (name: string, message = 'internal detail: table leads-prod, key LEAD#1') =>
    Object.assign(new Error(message), { name });
  const cases: [string, unknown][] = [
    ['store contention', named('ContentionError')],
    ['DynamoDB throughput', named('ProvisionedThroughputExceededException')],
    ['throttling', named('ThrottlingException')],
    ['request limit', named('RequestLimitExceeded')],
    ['DynamoDB internal error', named('InternalServerError')],
    ['service unavailable', named('ServiceUnavailable')],
    ['SDK timeout', named('TimeoutError')],
    // What @smithy/node-http-handler 4.14 raises once the SDK's retries are spent (#adapters/sdk-timeouts),
    // as test/reliability/hangs.test.ts meets it: a name, no code, no HTTP status.
    [
      'a socket idle timeout',
      Object.assign(
        named(
          'TimeoutError',
          '@smithy/node-http-handler - the request socket timed out after 1000 ms of inactivity (configured by client requestHandler).',
        ),
        { $metadata: { attempts: 4, totalRetryDelay: 92 } },
      ),
    ],
    [
      'a connection timeout',
      Object.assign(
        named(
          'TimeoutError',
          '@smithy/node-http-handler - the request socket did not establish a connection with the server within the configured timeout of 1000 ms.',
        ),
        { $metadata: { attempts: 3, totalRetryDelay: 61 } },
      ),
    ],
    [
      'connection refused',
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8000'), { code: 'ECONNREFUSED' }),
    ],
    ['connection reset', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
    ['a wrapped network error', new Error('send failed', { cause: { code: 'ECONNRESET' } })],
  ];

  it.each(cases)(
    'given %s, when the handler throws it, then 503 with Retry-After: 1 and no internals',
    async (_, error) => {
      const handler = httpHandler(async () => {
        throw error;
      });
      const response = await handler(event('', 'application/json'), context);
      expect(response.statusCode).toBe(503);
      expect(response.headers['retry-after']).toBe('1');
      expect(JSON.parse(String(response.body))).toEqual({
        error: { code: 'unavailable', message: 'The service is busy; please retry shortly.' },
      });
      expect(response.body).not.toMatch(/leads-prod|LEAD#|ECONN|127\.0\.0\.1|Exception|ContentionError/);
    },
  );

  it('given a validation error from the SDK, when the handler throws it, then it is still a bare 500', async () => {
    const handler = httpHandler(async () => {
      throw named('ValidationException');
    });
    const response = await handler(event('', 'application/json'), context);
    expect(response.statusCode).toBe(500);
    expect(response.headers['retry-after']).toBeUndefined();
  });

  it('recognises retryable errors by name and code only', () => {
    expect(isUnavailable(named('ThrottlingException'))).toBe(true);
    expect(isUnavailable(named('ConditionalCheckFailedException'))).toBe(false);
    expect(isUnavailable('ECONNRESET')).toBe(false);
    expect(isUnavailable(undefined)).toBe(false);
  });

  it('given a throttled transaction, a lost connection or a 429/5xx from any AWS service, then it is unavailable; a refusal or a bad request is not', () => {
    const cancelled = (...codes: string[]) =>
      Object.assign(named('TransactionCanceledException'), {
        CancellationReasons: codes.map((Code) => ({ Code })),
      });
    expect(isUnavailable(cancelled('None', 'ThrottlingError'))).toBe(true);
    expect(isUnavailable(cancelled('ConditionalCheckFailed', 'None'))).toBe(false);
    expect(isUnavailable(cancelled('ValidationError'))).toBe(false);
    for (const code of ['ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND', 'EHOSTUNREACH'])
      expect(isUnavailable(Object.assign(new Error(code), { code })), code).toBe(true);
    expect(isUnavailable(Object.assign(named('UnknownError'), { $metadata: { httpStatusCode: 502 } }))).toBe(
      true,
    );
    expect(isUnavailable(Object.assign(named('UnknownError'), { $metadata: { httpStatusCode: 429 } }))).toBe(
      true,
    );
    expect(isUnavailable(Object.assign(named('Anything'), { $retryable: { throttling: true } }))).toBe(true);
    expect(
      isUnavailable(Object.assign(named('ValidationException'), { $metadata: { httpStatusCode: 400 } })),
    ).toBe(false);
    expect(isUnavailable(named('TooManyRequestsException'))).toBe(true);
  });
});

describe('typed input (zod body and query)', () => {
  const body = z.object({ email: z.email(), note: z.string().max(5).optional() }).strict();
  const query = z.object({ limit: z.coerce.number().int().min(1).max(100).default(20) });
  const handler = httpHandler({ body, query, accept: ['json', 'form'] }, async (input) =>
    json(200, { email: input.body.email, limit: input.query.limit }),
  );
  const withQuery = (e: APIGatewayProxyEventV2, q: Record<string, string>) =>
    ({ ...e, queryStringParameters: q }) as APIGatewayProxyEventV2;

  it('given a valid JSON body and query, when handled, then the handler receives parsed, typed input', async () => {
    const response = await handler(
      withQuery(event('{"email":"a@example.co.jp"}', 'application/json'), { limit: '5' }),
      context,
    );
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(String(response.body))).toEqual({ email: 'a@example.co.jp', limit: 5 });
  });

  it('given a form body, when handled, then its fields are validated like JSON', async () => {
    const response = await handler(
      event('email=a%40example.co.jp', 'application/x-www-form-urlencoded'),
      context,
    );
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(String(response.body))).toEqual({ email: 'a@example.co.jp', limit: 20 });
  });

  it('given a body that fails the schema, when handled, then 400 lists each field with code and message', async () => {
    const response = await handler(
      event('{"email":"nope","note":"too long","extra":1}', 'application/json'),
      context,
    );
    expect(response.statusCode).toBe(400);
    const { error } = JSON.parse(String(response.body)) as {
      error: { code: string; errors: { field: string; code: string; message: string }[] };
    };
    expect(error.code).toBe('bad_request');
    expect(error.errors.map((e) => e.field).sort()).toEqual(['(body)', 'email', 'note']);
    expect(error.errors.find((e) => e.field === 'note')?.code).toBe('too_big');
    expect(error.errors.every((e) => e.message.length > 0)).toBe(true);
  });

  it('given a bad query, when handled, then 400 names the query field', async () => {
    const response = await handler(
      withQuery(event('{"email":"a@example.co.jp"}', 'application/json'), { limit: '0' }),
      context,
    );
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(String(response.body)).error.errors).toEqual([
      expect.objectContaining({ field: 'limit', code: 'too_small' }),
    ]);
  });

  it('given a body type not accepted, when handled, then 415 before any schema runs', async () => {
    const response = await handler(event('{}', 'text/xml'), context);
    expect(response.statusCode).toBe(415);
  });

  it('maps zod issues to field errors with the root named', () => {
    const parsed = z.object({ a: z.string() }).safeParse(42);
    expect(parsed.success).toBe(false);
    if (!parsed.success) {
      expect(issuesToFields(parsed.error.issues)).toEqual([
        expect.objectContaining({ field: '(body)', code: 'invalid_type' }),
      ]);
    }
  });
});
