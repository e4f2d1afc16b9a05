import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { servedDocument } from '#http/openapi-document';
import { type HttpResult, json } from '#http/responses';

/**
 * `GET /v1/openapi.json` (public): the OpenAPI 3.1 document, generated from the handlers' zod schemas (at
 * synth for a deployed function, see shared/http/openapi-document.ts). Public and static: no access check, no
 * middy stack, nothing that can fail, so the function is the document and a response around it.
 */
const document = servedDocument();

export const handler = async (_event: APIGatewayProxyEventV2, _context: Context): Promise<HttpResult> =>
  json(200, document, { 'cache-control': 'public, max-age=300' });
