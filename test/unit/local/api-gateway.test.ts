import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { compileRoute, MalformedPathError, matchRoute, toHttpApiEvent } from '#local/api-gateway';

const request = (method: string, url: string, headers: Record<string, string>) => {
  const req = new IncomingMessage(new Socket());
  req.method = method;
  req.url = url;
  req.headers = headers;
  req.httpVersion = '1.1';
  return req;
};

describe('local API Gateway', () => {
  const routes = [
    compileRoute('capture', { method: 'POST', path: '/v1/forms/{formId}', auth: 'none' }),
    compileRoute('ops', { method: 'GET', path: '/v1/ops/leads/{leadId}', auth: 'jwt' }),
  ];

  it('given a path template, when a request path matches, then path parameters are decoded', () => {
    const matched = matchRoute(routes, 'POST', '/v1/forms/%E8%B3%87%E6%96%99');
    expect(matched && 'compiled' in matched && matched.pathParameters).toEqual({ formId: '資料' });
  });

  it('given a known path with another method, when matching, then it is not routed', () => {
    expect(matchRoute(routes, 'GET', '/v1/forms/contact')).toEqual({ methodNotAllowed: true });
    expect(matchRoute(routes, 'GET', '/v1/nothing')).toBeUndefined();
  });

  it('given a form post, when converted, then the event has the payload 2.0 shape the handler sees in AWS', () => {
    const req = request('POST', '/v1/forms/contact?utm_source=news&utm_source=x', {
      'content-type': 'application/x-www-form-urlencoded',
      cookie: 'ma_aid=abc; other=1',
      'User-Agent': 'test-agent',
    });
    const matched = matchRoute(routes, 'POST', '/v1/forms/contact');
    if (!matched || !('compiled' in matched)) throw new Error('route not matched');

    const event = toHttpApiEvent(
      req,
      Buffer.from('email=a%40b.jp'),
      matched.compiled,
      matched.pathParameters,
      0,
    );

    expect(event.version).toBe('2.0');
    expect(event.routeKey).toBe('POST /v1/forms/{formId}');
    expect(event.body).toBe('email=a%40b.jp');
    expect(event.isBase64Encoded).toBe(false);
    expect(event.cookies).toEqual(['ma_aid=abc', 'other=1']);
    expect(event.headers['user-agent']).toBe('test-agent');
    expect(event.queryStringParameters).toEqual({ utm_source: 'news,x' });
    expect(event.pathParameters).toEqual({ formId: 'contact' });
  });
});

describe('local API Gateway: malformed paths', () => {
  const routes = [compileRoute('capture', { method: 'POST', path: '/v1/forms/{formId}', auth: 'none' })];

  it('given a path parameter with broken percent-encoding, when matching, then a MalformedPathError (a 400), not a crash', () => {
    expect(() => matchRoute(routes, 'POST', '/v1/forms/%E0%A4%A')).toThrow(MalformedPathError);
  });
});
