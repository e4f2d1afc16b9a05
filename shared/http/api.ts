import middy from '@middy/core';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { errorFields, logger } from '#adapters/logger';
import { settings } from '#config/settings';
import { BadRequestError, HttpError, PayloadTooLargeError, UnsupportedMediaTypeError } from '#http/errors';
import { type HttpResult, json } from '#http/responses';

/** The largest request body any route takes (`config/app.ts` api.maxBodyBytes). */
export const MAX_BODY_BYTES = settings.app.api.maxBodyBytes;

export type HttpEvent = APIGatewayProxyEventV2;
export type { HttpResult };

/**
 * Maps errors to responses in one place: `HttpError`s keep their status and message; anything else is
 * logged with the request id and answered with a bare 500, so no stack trace or internal name leaks.
 */
const errorMapper = (): middy.MiddlewareObj<HttpEvent, HttpResult> => ({
  onError: async (request) => {
    const { error } = request;
    if (error instanceof HttpError) {
      request.response = json(error.statusCode, {
        error: { code: error.code, message: error.message, ...(error.details ?? {}) },
      });
      return;
    }
    logger.error('unhandled error', { requestId: request.context.awsRequestId, ...errorFields(error) });
    request.response = json(500, { error: { code: 'internal', message: 'Internal error.' } });
  },
});

export const httpHandler = (fn: (event: HttpEvent, context: Context) => Promise<HttpResult>) =>
  middy<HttpEvent, HttpResult>().use(errorMapper()).handler(fn);

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

/** True when the caller wants JSON back (fetch) rather than a browser redirect. */
export const wantsJson = (event: HttpEvent): boolean => {
  const accept = header(event, 'accept') ?? '';
  const contentType = header(event, 'content-type') ?? '';
  return accept.includes('application/json') || contentType.startsWith('application/json');
};

export const sourceIp = (event: HttpEvent): string | undefined => event.requestContext?.http?.sourceIp;
export const userAgent = (event: HttpEvent): string | undefined =>
  event.requestContext?.http?.userAgent ?? header(event, 'user-agent');
