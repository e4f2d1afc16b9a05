import type { APIGatewayProxyEventV2 as HttpEvent } from 'aws-lambda';
import { HttpError } from '#http/errors';

/**
 * Who may call which ops route. In AWS an HTTP API JWT authorizer (Cognito) checks the token's signature,
 * issuer, audience/client and expiry before the function runs and passes its claims in
 * `requestContext.authorizer.jwt.claims`; locally `npm start` does the same with its own key. The roles
 * (Cognito groups, for people) and scopes (resource-server scopes, for machine clients: CRM, scripts, CLI) are
 * checked here, in the function, from those claims: one table for every route, enforced by `httpHandler`.
 */

export const ROLES = ['admin', 'marketing', 'sales'] as const;
export type Role = (typeof ROLES)[number];

/** The resource server of the API (Cognito: identifier `leadloop`, scopes `leadloop/<name>`). */
export const RESOURCE_SERVER = 'leadloop';
export const SCOPES = {
  'leads.read': 'Read leads, lead lists and the call list',
  'leads.write': 'Sales actions, activities, manual leads',
  'reports.read': 'Read the KPI reports and the configuration summary',
  'imports.write': 'Import leads from CSV',
  admin: 'Everything, incl. personal-data export and erasure and raw events',
} as const;
export type Scope = keyof typeof SCOPES;
export const fullScope = (scope: Scope): string => `${RESOURCE_SERVER}/${scope}`;

export interface RouteAccess {
  /** People: Cognito groups allowed (admin is always allowed). */
  groups: readonly Exclude<Role, 'admin'>[];
  /** Machines: the scope needed (`leadloop/admin` is always enough). */
  scope: Scope;
}

const SALES: RouteAccess['groups'] = ['sales'];
const MARKETING: RouteAccess['groups'] = ['marketing'];
const BOTH: RouteAccess['groups'] = ['sales', 'marketing'];
const ADMIN_ONLY: RouteAccess['groups'] = [];

/**
 * Every ops route by its API Gateway route key. A test checks this table and the catalog's `jwt` routes
 * name the same routes; a route missing here is refused to everyone but admin.
 */
export const ROUTE_ACCESS: Readonly<Record<string, RouteAccess>> = {
  'GET /v1/ops/leads': { groups: BOTH, scope: 'leads.read' },
  'GET /v1/ops/leads/{leadId}': { groups: BOTH, scope: 'leads.read' },
  'POST /v1/ops/leads': { groups: BOTH, scope: 'leads.write' },
  'POST /v1/ops/leads/{leadId}/{action}': { groups: SALES, scope: 'leads.write' },
  'POST /v1/ops/leads/{leadId}/activities': { groups: SALES, scope: 'leads.write' },
  'POST /v1/ops/leads/{leadId}/unsubscribe': { groups: BOTH, scope: 'leads.write' },
  'POST /v1/ops/leads/{leadId}/attributes': { groups: BOTH, scope: 'leads.write' },
  'GET /v1/ops/call-list': { groups: SALES, scope: 'leads.read' },
  'GET /v1/ops/reports/{report}': { groups: MARKETING, scope: 'reports.read' },
  'GET /v1/ops/settings': { groups: BOTH, scope: 'reports.read' },
  'GET /v1/ops/settings/templates/{templateId}/preview': { groups: BOTH, scope: 'reports.read' },
  'POST /v1/ops/imports': { groups: MARKETING, scope: 'imports.write' },
  'GET /v1/ops/imports/{importId}': { groups: MARKETING, scope: 'imports.write' },
  'GET /v1/ops/leads/{leadId}/export': { groups: ADMIN_ONLY, scope: 'admin' },
  'DELETE /v1/ops/leads/{leadId}': { groups: ADMIN_ONLY, scope: 'admin' },
  'POST /v1/ops/events': { groups: ADMIN_ONLY, scope: 'admin' },
};

/** Report routes are one route per report in the catalog: they share the entry above. */
export const accessFor = (routeKey: string): RouteAccess | undefined =>
  ROUTE_ACCESS[routeKey] ??
  (routeKey.startsWith('GET /v1/ops/reports/') ? ROUTE_ACCESS['GET /v1/ops/reports/{report}'] : undefined);

/** The signed-in person or machine client, from the verified token's claims. */
export interface Caller {
  kind: 'person' | 'machine';
  sub: string;
  /** People: the e-mail claim (ID token). */
  email?: string;
  groups: Role[];
  /** Machines: the granted scopes without the resource-server prefix. */
  scopes: string[];
  /** The sales owner (`config/handoff.ts` owners) whose e-mail matches the person's. */
  ownerId?: string;
  /** The app client the token was issued to. */
  clientId?: string;
}

export class UnauthorizedError extends HttpError {
  override name = 'UnauthorizedError';
  constructor(message = 'Sign in first: this route needs a bearer token.') {
    super(401, 'unauthorized', message);
  }
}
export class RoleForbiddenError extends HttpError {
  override name = 'RoleForbiddenError';
  constructor(message: string) {
    super(403, 'forbidden', message);
  }
}

type Claims = Record<string, unknown>;

const claimsOf = (event: HttpEvent): Claims | undefined => {
  const ctx = event.requestContext as unknown as { authorizer?: { jwt?: { claims?: Claims } } } | undefined;
  return ctx?.authorizer?.jwt?.claims;
};

/** API Gateway flattens array claims to `[a b]` strings; Cognito's own tokens carry arrays. */
const listClaim = (value: unknown): string[] => {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value !== 'string' || value.trim() === '') return [];
  return value
    .replace(/^\[|\]$/g, '')
    .split(/[\s,]+/)
    .filter(Boolean);
};

/** A person's sales owner id by their (lower-cased) e-mail; the settings have it (`ownerIdByEmail`). */
export type OwnerLookup = (email: string) => string | undefined;
const noOwner: OwnerLookup = () => undefined;

/**
 * The caller from the authorizer's claims, or undefined on a route without authorization. `ownerOf` names a
 * person's sales owner id; routes that never need it (the light ones) leave it out and the settings with it.
 */
export function callerFrom(event: HttpEvent, ownerOf: OwnerLookup = noOwner): Caller | undefined {
  const claims = claimsOf(event);
  if (!claims || typeof claims.sub !== 'string') return undefined;
  const groups = listClaim(claims['cognito:groups']).filter((g): g is Role =>
    (ROLES as readonly string[]).includes(g),
  );
  const scopes = listClaim(claims.scope)
    .filter((s) => s.startsWith(`${RESOURCE_SERVER}/`))
    .map((s) => s.slice(RESOURCE_SERVER.length + 1));
  const email = typeof claims.email === 'string' ? claims.email.toLowerCase() : undefined;
  const clientId =
    typeof claims.client_id === 'string'
      ? claims.client_id
      : typeof claims.aud === 'string'
        ? claims.aud
        : undefined;
  const ownerId = email ? ownerOf(email) : undefined;
  return {
    kind: claims.token_use === 'id' || email !== undefined ? 'person' : 'machine',
    sub: claims.sub,
    ...(email ? { email } : {}),
    groups,
    scopes,
    ...(ownerId ? { ownerId } : {}),
    ...(clientId ? { clientId } : {}),
  };
}

/** Whether the caller may use a route with this access (pure; the table above decides). */
export function mayCall(caller: Caller, access: RouteAccess | undefined): boolean {
  if (caller.groups.includes('admin') || caller.scopes.includes('admin')) return true;
  if (!access) return false;
  if (caller.kind === 'person') return access.groups.some((g) => caller.groups.includes(g));
  return caller.scopes.includes(access.scope);
}

/**
 * The check `httpHandler` runs before every ops route: 401 without claims, 403 with a message that says
 * which roles the route needs. Routes outside the table (public ones) pass untouched.
 */
export function authorize(event: HttpEvent, ownerOf: OwnerLookup = noOwner): Caller | undefined {
  const routeKey = event.routeKey ?? event.requestContext?.routeKey ?? '';
  if (!routeKey.includes(' /v1/ops/')) return callerFrom(event, ownerOf);
  const caller = callerFrom(event, ownerOf);
  if (!caller) throw new UnauthorizedError();
  const access = accessFor(routeKey);
  if (!mayCall(caller, access)) {
    const needs = access
      ? caller.kind === 'person'
        ? `one of the roles ${['admin', ...access.groups].join(', ')}`
        : `the scope ${fullScope(access.scope)}`
      : 'the admin role';
    const has =
      caller.kind === 'person'
        ? `roles: ${caller.groups.join(', ') || 'none'}`
        : `scopes: ${caller.scopes.join(', ') || 'none'}`;
    throw new RoleForbiddenError(`Not allowed: ${routeKey} needs ${needs} (you have ${has}).`);
  }
  return caller;
}

const CALLER = Symbol.for('leadloop.caller');

/** `httpHandler` stores the authorized caller on the event; handlers read it here. */
export function rememberCaller(event: HttpEvent, caller: Caller | undefined): void {
  (event as unknown as Record<symbol, unknown>)[CALLER] = caller;
}
/** (Unremembered, e.g. a handler called directly, the caller comes without its sales owner id.) */
export function callerOf(event: HttpEvent): Caller | undefined {
  return (event as unknown as Record<symbol, Caller | undefined>)[CALLER] ?? callerFrom(event);
}

/**
 * Who did it, for the records (`by` of sales actions): a person is always the token's owner id or e-mail,
 * whatever the body says; a machine client (CRM, script) may name the rep it acts for, else its client id.
 */
export function actorOf(caller: Caller | undefined, claimedBy: string | undefined): string | undefined {
  if (!caller) return claimedBy;
  if (caller.kind === 'person') return caller.ownerId ?? caller.email ?? caller.sub;
  return claimedBy ?? (caller.clientId ? `client:${caller.clientId}` : undefined);
}
