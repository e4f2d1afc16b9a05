import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { RouteSpec } from '#infra/catalog';

/** A compiled route: the catalog's path template as a regular expression with named parameters. */
export interface CompiledRoute {
  functionName: string;
  route: RouteSpec;
  regex: RegExp;
  params: string[];
}

export const compileRoute = (functionName: string, route: RouteSpec): CompiledRoute => {
  const params: string[] = [];
  const source = route.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)\}/g, (_, name: string) => {
    params.push(name);
    return '([^/]+)';
  });
  return { functionName, route, regex: new RegExp(`^${source}$`), params };
};

/** A path whose percent-encoding does not decode (API Gateway answers 400 before any function runs). */
export class MalformedPathError extends Error {
  override name = 'MalformedPathError';
}

const decodeSegment = (raw: string): string => {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new MalformedPathError(`malformed percent-encoding: ${raw.slice(0, 40)}`);
  }
};

export const matchRoute = (
  routes: readonly CompiledRoute[],
  method: string,
  path: string,
):
  | { compiled: CompiledRoute; pathParameters: Record<string, string> }
  | { methodNotAllowed: true }
  | undefined => {
  let pathMatched = false;
  for (const compiled of routes) {
    const m = compiled.regex.exec(path);
    if (!m) continue;
    pathMatched = true;
    if (compiled.route.method !== method) continue;
    const pathParameters: Record<string, string> = {};
    compiled.params.forEach((name, i) => {
      pathParameters[name] = decodeSegment(m[i + 1] ?? '');
    });
    return { compiled, pathParameters };
  }
  return pathMatched ? { methodNotAllowed: true } : undefined;
};

const TEXT_TYPES = /^(text\/|application\/(json|x-www-form-urlencoded|xml))/i;

/** Build the API Gateway HTTP API (payload format 2.0) event the real handler receives in AWS. */
export const toHttpApiEvent = (
  req: IncomingMessage,
  body: Buffer,
  compiled: CompiledRoute,
  pathParameters: Record<string, string>,
  now: number,
): APIGatewayProxyEventV2 => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined || k === 'cookie') continue;
    headers[k.toLowerCase()] = Array.isArray(v) ? v.join(',') : v;
  }
  const cookies = req.headers.cookie
    ?.split(';')
    .map((c) => c.trim())
    .filter(Boolean);
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) query[k] = query[k] === undefined ? v : `${query[k]},${v}`;
  const isText = TEXT_TYPES.test(headers['content-type'] ?? '') || body.length === 0;
  const routeKey = `${compiled.route.method} ${compiled.route.path}`;
  return {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    ...(cookies?.length ? { cookies } : {}),
    headers,
    ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
    ...(Object.keys(pathParameters).length ? { pathParameters } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'localhost',
      http: {
        method: compiled.route.method,
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: new Date(now).toUTCString(),
      timeEpoch: now,
    },
    ...(body.length ? { body: isText ? body.toString('utf8') : body.toString('base64') } : {}),
    isBase64Encoded: !isText,
  };
};

/** What the JWT authorizer adds to the event: the token's claims for the function. */
export function withClaims<E extends { requestContext: object }>(
  event: E,
  claims: Record<string, string> | undefined,
): E {
  if (!claims) return event;
  return {
    ...event,
    requestContext: { ...event.requestContext, authorizer: { jwt: { claims, scopes: null } } },
  };
}
