import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { ownerIdByEmail } from '#config/settings';
import { accessFor, actorOf, authorize, callerFrom, ROUTE_ACCESS } from '#http/access';
import { FUNCTIONS } from '#infra/catalog';

const event = (routeKey: string, claims?: Record<string, string>): APIGatewayProxyEventV2 =>
  ({
    routeKey,
    requestContext: { routeKey, ...(claims ? { authorizer: { jwt: { claims, scopes: null } } } : {}) },
  }) as unknown as APIGatewayProxyEventV2;

const person = (groups: string, email = 'someone@example.co.jp') => ({
  sub: 'u-1',
  token_use: 'id',
  email,
  aud: 'console',
  'cognito:groups': `[${groups}]`,
});
const machine = (scope: string) => ({ sub: 'crm', client_id: 'crm', token_use: 'access', scope });

/** What httpHandler passes: the configured owners by e-mail. */
const owners = (email: string) => ownerIdByEmail(email);

describe('roles and scopes per ops route', () => {
  it('given the catalog, when its jwt routes are listed, then each has an access entry (none falls to admin-only by accident)', () => {
    for (const route of FUNCTIONS.flatMap((f) => f.routes).filter((r) => r.auth === 'jwt')) {
      expect(accessFor(`${route.method} ${route.path}`), `${route.method} ${route.path}`).toBeDefined();
    }
  });

  it('given the sales group, when it asks for leads, a sales action or the call list, then it passes, and reports, export or erase are 403', () => {
    const sales = person('sales', 'k.sato@example.co.jp');
    for (const key of ['GET /v1/ops/leads', 'POST /v1/ops/leads/{leadId}/{action}', 'GET /v1/ops/call-list'])
      expect(authorize(event(key, sales), owners)?.ownerId).toBe('sato');
    for (const key of [
      'GET /v1/ops/reports/funnel',
      'GET /v1/ops/leads/{leadId}/export',
      'DELETE /v1/ops/leads/{leadId}',
    ])
      expect(() => authorize(event(key, sales))).toThrow(/needs one of the roles admin/);
  });

  it('given marketing, when it reads reports or imports, then it passes; a sales action is 403', () => {
    const mkt = person('marketing');
    expect(authorize(event('GET /v1/ops/reports/funnel', mkt))?.groups).toEqual(['marketing']);
    expect(authorize(event('POST /v1/ops/imports', mkt))?.kind).toBe('person');
    expect(() => authorize(event('POST /v1/ops/leads/{leadId}/{action}', mkt))).toThrow(
      expect.objectContaining({ statusCode: 403 }),
    );
  });

  it('given admin, when it calls any ops route incl. erase, then it passes', () => {
    for (const key of Object.keys(ROUTE_ACCESS)) expect(authorize(event(key, person('admin')))).toBeDefined();
  });

  it('given a machine client, when its scopes cover the route, then it passes; otherwise 403 naming the scope', () => {
    expect(authorize(event('GET /v1/ops/reports/sla', machine('leadloop/reports.read')))?.kind).toBe(
      'machine',
    );
    expect(() => authorize(event('GET /v1/ops/leads', machine('leadloop/reports.read')))).toThrow(
      /needs the scope leadloop\/leads.read/,
    );
    expect(authorize(event('DELETE /v1/ops/leads/{leadId}', machine('leadloop/admin')))).toBeDefined();
  });

  it('given no claims on an ops route, when authorized, then 401; a public route passes without a caller', () => {
    expect(() => authorize(event('GET /v1/ops/leads'))).toThrow(expect.objectContaining({ statusCode: 401 }));
    expect(authorize(event('POST /v1/forms/{formId}'))).toBeUndefined();
  });

  it('given a person, when `by` is claimed in a body, then the token decides; a machine may name the rep', () => {
    const sato = callerFrom(event('x', person('sales', 'K.Sato@example.co.jp')), owners);
    expect(actorOf(sato, 'someone-else')).toBe('sato');
    const unknown = callerFrom(event('x', person('sales', 'new.rep@example.co.jp')), owners);
    expect(actorOf(unknown, 'sato')).toBe('new.rep@example.co.jp');
    const crm = callerFrom(event('x', machine('leadloop/leads.write')));
    expect(actorOf(crm, 'k.sato@example.co.jp')).toBe('k.sato@example.co.jp');
    expect(actorOf(crm, undefined)).toBe('client:crm');
  });
});
