import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { HttpError } from '#http/errors';

export type HttpResult = APIGatewayProxyStructuredResultV2 & {
  statusCode: number;
  headers: Record<string, string>;
};

const BASE_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'strict-origin-when-cross-origin',
} as const;

export const json = (statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResult =>
  jsonText(statusCode, JSON.stringify(body), headers);

/** `json` for a body that is JSON text already (computed at synth, or kept from an earlier request). */
export const jsonText = (
  statusCode: number,
  body: string,
  headers: Record<string, string> = {},
): HttpResult => ({
  statusCode,
  headers: {
    ...BASE_HEADERS,
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    ...headers,
  },
  body,
});

/** The answer to an unexpected error: a bare 500, never the error's message or name. */
export const internalErrorResponse = (): HttpResult =>
  json(500, { error: { code: 'internal', message: 'Internal error.' } });

/** The answer to a named error (`HttpError`): its status, code, message and field errors, nothing else. */
export const httpErrorResponse = (error: HttpError): HttpResult =>
  json(error.statusCode, { error: { code: error.code, message: error.message, ...(error.details ?? {}) } });

export const text = (
  statusCode: number,
  body: string,
  contentType: string,
  headers: Record<string, string> = {},
) => ({
  statusCode,
  headers: { ...BASE_HEADERS, 'content-type': contentType, ...headers },
  body,
});

/** A small HTML page. The caller escapes every value it interpolates (see `escapeHtml`). */
export const html = (statusCode: number, body: string, headers: Record<string, string> = {}): HttpResult => ({
  statusCode,
  headers: {
    ...BASE_HEADERS,
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
    ...headers,
  },
  body,
});

/** 303 See Other: the browser follows with GET. The location must come from configuration, never from input. */
export const seeOther = (location: string, headers: Record<string, string> = {}): HttpResult => ({
  statusCode: 303,
  headers: { ...BASE_HEADERS, location, 'cache-control': 'no-store', ...headers },
  body: '',
});

export const escapeHtml = (value: string): string =>
  value.replace(/[&<>"'`=]/g, (c) => `&#${c.charCodeAt(0)};`);
