import { httpHandler } from '#http/api';
import { apiDocument } from '#http/openapi';
import { json } from '#http/responses';

/** `GET /v1/openapi.json` (public): the OpenAPI 3.1 document, generated from the handlers' zod schemas. */
const document = apiDocument();

export const handler = httpHandler(async () =>
  json(200, document, { 'cache-control': 'public, max-age=300' }),
);
