import { env } from '#config/env';
import type { apiDocument } from '#http/openapi';

type ApiDocument = ReturnType<typeof apiDocument>;

/**
 * openapi-document.ts as a Lambda bundle has it (infra/bundling.ts aliases it here): the document the synth
 * generated, written into the bundle by esbuild `define` (LEADLOOP_OPENAPI), with this deployment's server
 * URL. test/infra/bundling.test.ts checks it equals the document generated from source.
 */
declare const LEADLOOP_OPENAPI: string;

export function servedDocument(serverUrl: string = env().PUBLIC_BASE_URL): ApiDocument {
  return { ...(JSON.parse(LEADLOOP_OPENAPI) as ApiDocument), servers: [{ url: serverUrl }] };
}
