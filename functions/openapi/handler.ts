import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { servedDocumentJson } from '#http/openapi-document';
import { type HttpResult, text } from '#http/responses';

/**
 * `GET /v1/openapi.json` (public): the OpenAPI 3.1 document, generated from the handlers' zod schemas (at
 * synth for a deployed function, see shared/http/openapi-document.ts: read once per container on the first
 * request). Public and static: no access check, no middy stack, so the function is the document's text and a
 * response around it.
 */
let body: string | undefined;

export const handler = async (_event: APIGatewayProxyEventV2, _context: Context): Promise<HttpResult> => {
  body ??= servedDocumentJson();
  return text(200, body, 'application/json; charset=utf-8', { 'cache-control': 'public, max-age=300' });
};
