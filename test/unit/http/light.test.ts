import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { callerOf } from '#http/access';
import { BadRequestError } from '#http/errors';
import { lightHttpHandler } from '#http/light';
import { json } from '#http/responses';

/** The settings routes' handler without the middy stack: the same access check and error answers as httpHandler. */
const ROUTE = 'GET /v1/ops/settings';
const request = (groups?: string): APIGatewayProxyEventV2 =>
  ({
    version: '2.0',
    routeKey: ROUTE,
    rawPath: '/v1/ops/settings',
    headers: {},
    isBase64Encoded: false,
    requestContext: {
      routeKey: ROUTE,
      http: { method: 'GET', path: '/v1/ops/settings' },
      ...(groups === undefined
        ? {}
        : {
            authorizer: {
              jwt: { claims: { sub: 'u-1', token_use: 'id', 'cognito:groups': `[${groups}]` }, scopes: null },
            },
          }),
    },
  }) as unknown as APIGatewayProxyEventV2;
const context = { awsRequestId: 'req-1', functionName: 'ops-settings' } as Context;
const bodyOf = (result: { body?: string }) => JSON.parse(String(result.body)) as Record<string, unknown>;

afterEach(() => vi.restoreAllMocks());

describe('light HTTP handler', () => {
  it('given a signed-in marketing user, when the route answers, then the answer passes through and the caller is known', async () => {
    const handler = lightHttpHandler((event) => json(200, { by: callerOf(event)?.kind }));
    const result = await handler(request('marketing'), context);
    expect(result.statusCode).toBe(200);
    expect(bodyOf(result)).toEqual({ by: 'person' });
  });

  it('given no token claims on an ops route, when called, then 401 and the route never runs', async () => {
    const route = vi.fn(() => json(200, {}));
    const result = await lightHttpHandler(route)(request(), context);
    expect(result.statusCode).toBe(401);
    expect(route).not.toHaveBeenCalled();
  });

  it('given a role the route does not allow, when called, then 403 names the roles it needs', async () => {
    const result = await lightHttpHandler(() => json(200, {}))(request('nobody'), context);
    expect(result.statusCode).toBe(403);
    expect(JSON.stringify(bodyOf(result))).toContain('marketing');
  });

  it('given a named error, when the route throws it, then its status, code and field errors answer', async () => {
    const handler = lightHttpHandler(() => {
      throw new BadRequestError('The locale must be ja or en.', [
        { field: 'locale', code: 'invalid', message: 'ja or en' },
      ]);
    });
    const result = await handler(request('sales'), context);
    expect(result.statusCode).toBe(400);
    expect(bodyOf(result)).toEqual({
      error: {
        code: 'bad_request',
        message: 'The locale must be ja or en.',
        errors: [{ field: 'locale', code: 'invalid', message: 'ja or en' }],
      },
    });
  });

  it('given an unexpected error, when the route throws it, then a bare 500 answers and one JSON line with the request id is logged', async () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const handler = lightHttpHandler(() => {
      throw new TypeError('secret internals at /var/task/index.mjs');
    });
    const result = await handler(request('admin'), context);
    expect(result.statusCode).toBe(500);
    expect(bodyOf(result)).toEqual({ error: { code: 'internal', message: 'Internal error.' } });
    expect(log).toHaveBeenCalledTimes(1);
    expect(JSON.parse(String(log.mock.calls[0]?.[0]))).toMatchObject({
      level: 'ERROR',
      requestId: 'req-1',
      errorName: 'TypeError',
    });
  });
});
