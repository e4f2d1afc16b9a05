import { apiDocument } from '#http/openapi';

/**
 * The OpenAPI document `GET /v1/openapi.json` serves, as JSON text, for a server URL (default: the API's public
 * base URL). Run from source (tests, `npm start`) it is generated here from the zod schemas; in a Lambda bundle
 * this module is swapped for openapi-document.bundled.ts, which holds the same document generated at synth
 * (infra/bundling.ts), so the function carries neither classic zod nor zod-to-openapi and builds nothing at
 * import. The document is static apart from its server URL.
 */
export function servedDocumentJson(serverUrl?: string): string {
  return JSON.stringify(apiDocument(serverUrl));
}
