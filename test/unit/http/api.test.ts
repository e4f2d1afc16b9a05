import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { httpHandler, readBody } from '#http/api';
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
