/**
 * Named errors that map to HTTP in one place (see `httpHandler`). Only these messages reach a client;
 * anything else becomes a bare 500 with no internals.
 */
export interface FieldError {
  field: string;
  code: string;
  message: string;
  /** What the message names (a line, two column headers), for a client that words `code` in its own language. */
  params?: Record<string, string | number>;
}

export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details?: { errors?: FieldError[] },
  ) {
    super(message);
  }
}

export class BadRequestError extends HttpError {
  override name = 'BadRequestError';
  constructor(message = 'The request is invalid.', errors?: FieldError[]) {
    super(400, 'bad_request', message, errors ? { errors } : undefined);
  }
}
export class ForbiddenError extends HttpError {
  override name = 'ForbiddenError';
  constructor(message = 'This origin or caller is not allowed.') {
    super(403, 'forbidden', message);
  }
}
export class NotFoundError extends HttpError {
  override name = 'NotFoundError';
  constructor(message = 'Not found.') {
    super(404, 'not_found', message);
  }
}
export class ConflictError extends HttpError {
  override name = 'ConflictError';
  constructor(message: string, code = 'conflict') {
    super(409, code, message);
  }
}
export class PayloadTooLargeError extends HttpError {
  override name = 'PayloadTooLargeError';
  constructor(limitBytes: number) {
    super(413, 'payload_too_large', `The request body is larger than ${limitBytes} bytes.`);
  }
}
export class UnsupportedMediaTypeError extends HttpError {
  override name = 'UnsupportedMediaTypeError';
  constructor(allowed: readonly string[]) {
    super(415, 'unsupported_media_type', `Content-Type must be one of: ${allowed.join(', ')}.`);
  }
}
