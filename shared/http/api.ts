import middy from '@middy/core';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import type { ZodType } from 'zod';
import type { ZodMiniType } from 'zod/mini';
import type * as z from 'zod/v4/core';
import { errorFields, logger } from '#adapters/logger';
import { ownerIdByEmail, settings } from '#config/settings';
import type { Gate, Issue } from '#domain/lead/request-gate';
import { authorize, rememberCaller } from '#http/access';
import {
  BadRequestError,
  type FieldError,
  HttpError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
} from '#http/errors';
import { withObservability } from '#http/lambda';
import { type HttpResult, httpErrorResponse, internalErrorResponse, json } from '#http/responses';

/** The largest request body any route takes (`config/app.ts` api.maxBodyBytes). */
export const MAX_BODY_BYTES = settings.app.api.maxBodyBytes;

export type HttpEvent = APIGatewayProxyEventV2;
export type { HttpResult };

/** Store contention and AWS throttling/unavailability: the request may simply be tried again. */
const UNAVAILABLE_NAMES = new Set([
  'ContentionError', // shared/store/retry.ts: the retry budget ran out under concurrent writes
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TooManyRequestsException', // SES v2's throttling
  'InternalServerError',
  'InternalFailure',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'TimeoutError',
]);
/** Node's network error codes: the service was not reached, or its answer was lost. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);
/** A transaction cancelled for one of these reasons was throttled, not refused: try again. */
const THROTTLED_REASONS = new Set([
  'ThrottlingError',
  'ProvisionedThroughputExceeded',
  'RequestLimitExceeded',
]);

/**
 * True for errors that say "try again shortly" rather than "this request is wrong": matched by name, by
 * Node's network error codes, by a transaction's throttled cancellation reasons, and by the SDK's own marks
 * (`$retryable`; an HTTP status of 429 or 5xx), so the HTTP layer does not import the store or the SDK.
 * Exported for tests.
 */
export function isUnavailable(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 2) return false;
  const { name, code, cause, $retryable, $metadata, CancellationReasons } = error as {
    name?: unknown;
    code?: unknown;
    cause?: unknown;
    $retryable?: unknown;
    $metadata?: { httpStatusCode?: unknown };
    CancellationReasons?: unknown;
  };
  if (typeof name === 'string' && UNAVAILABLE_NAMES.has(name)) return true;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
  if ($retryable) return true;
  const status = $metadata?.httpStatusCode;
  if (typeof status === 'number' && (status === 429 || status >= 500)) return true;
  if (
    name === 'TransactionCanceledException' &&
    Array.isArray(CancellationReasons) &&
    CancellationReasons.some((r: { Code?: unknown } | null) => THROTTLED_REASONS.has(String(r?.Code)))
  )
    return true;
  return isUnavailable(cause, depth + 1);
}

/**
 * Maps errors to responses in one place: `HttpError`s keep their status and message; store contention and
 * AWS throttling or unavailability become 503 with `Retry-After: 1`; anything else is logged with the
 * request id and answered with a bare 500. No stack trace, internal name or SDK message reaches a client.
 */
const errorMapper = (): middy.MiddlewareObj<HttpEvent, HttpResult> => ({
  onError: async (request) => {
    const { error } = request;
    if (error instanceof HttpError) {
      request.response = httpErrorResponse(error);
      return;
    }
    if (isUnavailable(error)) {
      logger.warn('unavailable; asked the client to retry', {
        requestId: request.context.awsRequestId,
        ...errorFields(error),
      });
      request.response = json(
        503,
        { error: { code: 'unavailable', message: 'The service is busy; please retry shortly.' } },
        { 'retry-after': '1' },
      );
      return;
    }
    logger.error('unhandled error', { requestId: request.context.awsRequestId, ...errorFields(error) });
    request.response = internalErrorResponse();
  },
});

/** zod's (or a gate's) issues as the field errors of a 400 (`field` is the dotted path, `(body)` / `(query)` for the root). */
export function issuesToFields(issues: readonly (z.$ZodIssue | Issue)[], root = '(body)'): FieldError[] {
  return issues.map((i) => ({
    field: i.path.map(String).join('.') || root,
    code: i.code,
    message: i.message,
  }));
}

/** What `httpHandler` validates before the handler runs. */
/**
 * A zod schema, classic or zod/mini (request schemas on a cold path are zod/mini: `#domain/lead/validation`),
 * or a gate of `#domain/lead/request-gate` (zod's twin without a schema to build: the routes whose cold start
 * it decides). Parsed through its own `safeParse`, so this module imports no zod at run time and a handler
 * without schemas bundles none.
 */
export type Schema = ZodType | ZodMiniType | Gate<unknown>;

export interface InputSchemas<B extends Schema | undefined, Q extends Schema | undefined> {
  /** The body, read with `readBody` (a form body becomes an object of its fields) and parsed with zod. */
  body?: B;
  /** The query string parameters (`event.queryStringParameters`, `{}` when absent). */
  query?: Q;
  /** Media types the body may have; JSON only by default. */
  accept?: readonly BodyKind[];
  /** Message of the 400 when a schema fails; the field errors list each problem. */
  message?: string;
}

type Parsed<S> = S extends Gate<infer T> ? T : S extends ZodType | ZodMiniType ? z.output<S> : undefined;
export interface TypedInput<B, Q> {
  body: Parsed<B>;
  query: Parsed<Q>;
}

const parseInput = <B extends Schema | undefined, Q extends Schema | undefined>(
  schemas: InputSchemas<B, Q>,
  event: HttpEvent,
): TypedInput<B, Q> => {
  const message = schemas.message ?? 'Some fields need attention.';
  let body: unknown;
  if (schemas.body) {
    const read = readBody(event, { accept: schemas.accept ?? ['json'] });
    const value = read.kind === 'form' ? Object.fromEntries(new URLSearchParams(read.raw)) : read.value;
    const parsed = schemas.body.safeParse(value);
    if (!parsed.success) throw new BadRequestError(message, issuesToFields(parsed.error.issues, '(body)'));
    body = parsed.data;
  }
  let query: unknown;
  if (schemas.query) {
    const parsed = schemas.query.safeParse(event.queryStringParameters ?? {});
    if (!parsed.success) throw new BadRequestError(message, issuesToFields(parsed.error.issues, '(query)'));
    query = parsed.data;
  }
  return { body, query } as TypedInput<B, Q>;
};

/**
 * The shared middy stack for HTTP routes: observability (Powertools, see `shared/http/lambda.ts`) and the one
 * error mapper. Either `httpHandler(async (event, context) => …)`, or with zod schemas so the handler gets
 * typed input and a bad request is a 400 with field errors before the handler runs:
 * `httpHandler({ body: schema, query: schema }, async ({ body, query }, event, context) => …)`.
 */
export function httpHandler(
  fn: (event: HttpEvent, context: Context) => Promise<HttpResult>,
): middy.MiddyfiedHandler<HttpEvent, HttpResult>;
export function httpHandler<
  B extends Schema | undefined = undefined,
  Q extends Schema | undefined = undefined,
>(
  schemas: InputSchemas<B, Q>,
  fn: (input: TypedInput<B, Q>, event: HttpEvent, context: Context) => Promise<HttpResult>,
): middy.MiddyfiedHandler<HttpEvent, HttpResult>;
export function httpHandler(
  first:
    | InputSchemas<Schema | undefined, Schema | undefined>
    | ((event: HttpEvent, context: Context) => Promise<HttpResult>),
  typed?: (
    input: TypedInput<Schema | undefined, Schema | undefined>,
    event: HttpEvent,
    context: Context,
  ) => Promise<HttpResult>,
): middy.MiddyfiedHandler<HttpEvent, HttpResult> {
  const fn: (event: HttpEvent, context: Context) => Promise<HttpResult> =
    typeof first === 'function'
      ? first
      : async (event, context) => {
          if (!typed) throw new TypeError('httpHandler(schemas, fn) needs a handler');
          return typed(parseInput(first, event), event, context);
        };
  // Ops routes: the caller's role or scope is checked before the handler runs (see `#http/access`).
  const guarded = async (event: HttpEvent, context: Context): Promise<HttpResult> => {
    rememberCaller(
      event,
      authorize(event, (email) => ownerIdByEmail(email)),
    );
    return fn(event, context);
  };
  return withObservability(middy<HttpEvent, HttpResult>()).use(errorMapper()).handler(guarded);
}

export const header = (event: HttpEvent, name: string): string | undefined => {
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(event.headers ?? {})) if (k.toLowerCase() === lower) return v;
  return undefined;
};

export type BodyKind = 'json' | 'form' | 'text-json';
const MEDIA_TYPES: Record<BodyKind, string> = {
  json: 'application/json',
  form: 'application/x-www-form-urlencoded',
  // sendBeacon posts text/plain to avoid a CORS preflight; the body is still JSON.
  'text-json': 'text/plain',
};

export interface ParsedBody {
  kind: BodyKind;
  /** JSON value for json/text-json; the raw UTF-8 string for form. */
  value: unknown;
  raw: string;
}

/** Decode, bound and parse a request body. Throws 413, 415 or 400, never touches state. */
export const readBody = (
  event: HttpEvent,
  opts: { maxBytes?: number; accept: readonly BodyKind[] },
): ParsedBody => {
  const bytes = event.body
    ? Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8')
    : Buffer.alloc(0);
  const maxBytes = opts.maxBytes ?? MAX_BODY_BYTES;
  if (bytes.length > maxBytes) throw new PayloadTooLargeError(maxBytes);
  const mediaType = (header(event, 'content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const kind = opts.accept.find((k) => MEDIA_TYPES[k] === mediaType);
  if (!kind) throw new UnsupportedMediaTypeError(opts.accept.map((k) => MEDIA_TYPES[k]));
  const raw = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  if (kind === 'form') return { kind, value: raw, raw };
  try {
    return { kind, value: JSON.parse(raw) as unknown, raw };
  } catch {
    throw new BadRequestError('The body is not valid JSON.');
  }
};

/**
 * True when the caller wants JSON back (fetch) rather than a browser redirect. Media types are
 * case-insensitive (RFC 9110 §8.3.1), and `readBody` reads the body as JSON whatever the case, so both
 * headers are compared lower-cased: `Application/JSON` gets JSON, as `application/json` does.
 */
export const wantsJson = (event: HttpEvent): boolean => {
  const accept = (header(event, 'accept') ?? '').toLowerCase();
  const contentType = (header(event, 'content-type') ?? '').trim().toLowerCase();
  return accept.includes('application/json') || contentType.startsWith('application/json');
};

export const sourceIp = (event: HttpEvent): string | undefined => event.requestContext?.http?.sourceIp;
export const userAgent = (event: HttpEvent): string | undefined =>
  event.requestContext?.http?.userAgent ?? header(event, 'user-agent');
