import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { servedDocumentJson } from '#http/openapi-document';
import { type HttpResult, text } from '#http/responses';

/**
 * `GET /v1/openapi.json` (public): the OpenAPI 3.1 document, generated from the handlers' zod schemas (at
 * synth for a deployed function, see shared/http/openapi-document.ts). Public and static: no access check, no
 * middy stack, nothing that can fail, so the function is the document's text and a response around it.
 */
const body = servedDocumentJson();

export const handler = async (_event: APIGatewayProxyEventV2, _context: Context): Promise<HttpResult> =>
  text(200, body, 'application/json; charset=utf-8', { 'cache-control': 'public, max-age=300' });
