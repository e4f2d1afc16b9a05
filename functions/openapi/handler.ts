import { httpHandler } from '#http/api';
import { servedDocument } from '#http/openapi-document';
import { json } from '#http/responses';

/**
 * `GET /v1/openapi.json` (public): the OpenAPI 3.1 document, generated from the handlers' zod schemas (at
 * synth for a deployed function, see shared/http/openapi-document.ts).
 */
const document = servedDocument();

export const handler = httpHandler(async () =>
  json(200, document, { 'cache-control': 'public, max-age=300' }),
);
