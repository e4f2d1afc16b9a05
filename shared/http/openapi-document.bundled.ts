import { env } from '#config/env';
import { OPENAPI_SERVER_PLACEHOLDER } from '#http/openapi-server';

/**
 * openapi-document.ts as a Lambda bundle has it (infra/bundling.ts aliases it here): the document the synth
 * generated, written into the bundle by esbuild `define` (LEADLOOP_OPENAPI) as its JSON text, with a
 * placeholder server URL that this replaces with the deployment's. Served as that text: the function neither
 * parses the document at import nor serializes it per request. test/infra/bundling.test.ts checks it equals
 * the document generated from source.
 */
declare const LEADLOOP_OPENAPI: string;

export function servedDocumentJson(serverUrl: string = env().PUBLIC_BASE_URL): string {
  return LEADLOOP_OPENAPI.replace(JSON.stringify(OPENAPI_SERVER_PLACEHOLDER), JSON.stringify(serverUrl));
}
