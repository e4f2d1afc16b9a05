import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { join, resolve } from 'node:path';
import type { Context } from 'aws-lambda';
import type { FunctionSpec } from '#infra/catalog';
import { type CompiledRoute, compileRoute, matchRoute, toHttpApiEvent, withClaims } from '#local/api-gateway';
import { OPS_TOKEN_CLAIMS } from '#local/auth';

/**
 * The HTTP API in-process: requests are matched against `infra/catalog.ts` and turned into payload-2.0 events
 * by the local API Gateway stand-in (`local/api-gateway.ts`), exactly as `npm start` does, and the real
 * handler is invoked directly (no socket), so thousands of requests fit in a test's budget. The gateway's
 * own answers (no route 404, ops route without the bearer token 403, as IAM would refuse) are played here
 * too. Import it only after the environment is set (the integration setup file does that).
 */
const ROOT = resolve(import.meta.dirname, '..', '..');

export interface ApiRequest {
  method: string;
  /** Path and query as sent, e.g. `/v1/forms/whitepaper?utm_source=x` (may hold malformed escapes). */
  url: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** The client's address as API Gateway reports it (default 203.0.113.7, shared by every test). */
  sourceIp?: string;
}

export interface ApiResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** The function that answered, or `gateway` when the request never reached one. */
  answeredBy: string;
}

type AnyHandler = (event: unknown, context: Context) => Promise<unknown>;

export interface Api {
  call: (request: ApiRequest) => Promise<ApiResponse>;
  opsToken: string;
  routes: readonly CompiledRoute[];
}

const lambdaContext = (spec: FunctionSpec): Context => {
  const deadline = Date.now() + spec.timeoutSeconds * 1000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: spec.name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:ap-northeast-1:000000000000:function:${spec.name}`,
    memoryLimitInMB: String(spec.memoryMb),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${spec.name}`,
    logStreamName: 'test',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
};

const gatewayAnswer = (status: number, message: string): ApiResponse => ({
  status,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ message }),
  answeredBy: 'gateway',
});

/** `only`: load just these functions (by catalog name); their routes answer, the others' are not found. */
export async function loadApi(only?: readonly string[]): Promise<Api> {
  const { FUNCTIONS } = await import('#infra/catalog');
  const { now } = await import('#adapters/clock');
  const opsToken = process.env.OPS_TOKEN ?? '';
  const handlers = new Map<string, { spec: FunctionSpec; handler: AnyHandler }>();
  for (const spec of FUNCTIONS) {
    if (!spec.routes.length || (only && !only.includes(spec.name))) continue;
    const module = (await import(join(ROOT, spec.entry))) as { handler: AnyHandler };
    handlers.set(spec.name, { spec, handler: module.handler });
  }
  const routes = FUNCTIONS.flatMap((spec) => spec.routes.map((route) => compileRoute(spec.name, route)));

  const call = async (request: ApiRequest): Promise<ApiResponse> => {
    const headers = Object.fromEntries(
      Object.entries(request.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
    );
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.from(request.body ?? '', 'utf8');
    let matched: ReturnType<typeof matchRoute>;
    try {
      // As the local gateway does: WHATWG URL parsing (the path keeps its escapes), then the catalog's routes.
      const pathname = new URL(request.url, 'http://localhost').pathname;
      matched = matchRoute(routes, request.method, pathname);
    } catch {
      // What `npm start` answers, as API Gateway does, for a target it cannot parse or a path whose
      // percent-encoding does not decode: 400 before any function runs.
      return gatewayAnswer(400, 'Bad Request');
    }
    if (!matched || 'methodNotAllowed' in matched) return gatewayAnswer(404, 'Not Found');
    // The ops token is the local machine credential with every scope (see local/auth.ts); tests that sign
    // in as people go through `npm start`'s runtime (test/e2e).
    if (matched.compiled.route.auth === 'jwt' && headers.authorization !== `Bearer ${opsToken}`) {
      return gatewayAnswer(401, 'Unauthorized');
    }
    const incoming = {
      url: request.url,
      headers,
      httpVersion: '1.1',
      socket: { remoteAddress: request.sourceIp ?? '203.0.113.7' },
    } as unknown as IncomingMessage;
    const event = withClaims(
      toHttpApiEvent(incoming, body, matched.compiled, matched.pathParameters, now()),
      matched.compiled.route.auth === 'jwt' ? OPS_TOKEN_CLAIMS : undefined,
    );
    const entry = handlers.get(matched.compiled.functionName);
    if (!entry) throw new Error(`no handler for ${matched.compiled.functionName}`);
    const result = (await entry.handler(event, lambdaContext(entry.spec))) as {
      statusCode?: number;
      headers?: Record<string, string>;
      body?: string;
      isBase64Encoded?: boolean;
    };
    return {
      status: result.statusCode ?? 200,
      headers: result.headers ?? {},
      body: result.body
        ? Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8').toString('utf8')
        : '',
      answeredBy: entry.spec.name,
    };
  };
  return { call, opsToken, routes };
}

/**
 * What must never reach a client: stack frames, exception/error class names, AWS error codes, file paths.
 * Returns the first leak found, or undefined.
 */
const LEAKS: [string, RegExp][] = [
  ['stack frame', /\n\s+at\s|\bat\s+\S+\s+\([^)]*:\d+:\d+\)/],
  ['exception name', /Exception\b/],
  [
    'error class name',
    /\b(TypeError|RangeError|SyntaxError|ReferenceError|URIError|ZodError|[A-Z][A-Za-z]*Error)\b/,
  ],
  [
    'AWS error code',
    /\b(ConditionalCheckFailed|TransactionCanceled|TransactionConflict|ProvisionedThroughputExceeded|ThrottlingException|ResourceNotFound|ValidationException|AccessDenied|UnrecognizedClient|MessageRejected|InternalFailure|ItemCollectionSizeLimitExceeded|RequestLimitExceeded)\b/,
  ],
  ['file path', /(\/work\/|\/home\/|\/tmp\/|node_modules|file:\/\/|\b[\w-]+\.(ts|mjs|cjs|js):\d+)/],
  ['internal identifiers', /\b(dynamodb|DynamoDB|SESv2|sesv2|EventBridge|TABLE_NAME|SIGNING_SECRET)\b/],
];

export function internalsIn(body: string): string | undefined {
  for (const [what, pattern] of LEAKS) {
    const match = pattern.exec(body);
    if (match) return `${what}: ${JSON.stringify(match[0])}`;
  }
  return undefined;
}
