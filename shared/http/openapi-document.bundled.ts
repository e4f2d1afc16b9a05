import { readFileSync } from 'node:fs';
import { env } from '#config/env';
import {
  OPENAPI_DOCUMENT_DIR,
  OPENAPI_DOCUMENT_FILE,
  OPENAPI_SERVER_PLACEHOLDER,
} from '#http/openapi-server';

/**
 * openapi-document.ts as a Lambda bundle has it (infra/bundling.ts aliases it here): the document the synth
 * generated, read from the file the synth put beside the bundle (`OPENAPI_DOCUMENT_DIR`), with a placeholder
 * server URL that this replaces with the deployment's. Read when asked for (the handler asks once per
 * container and keeps the answer), never at import: as a 60 KB string literal in the bundle it cost about
 * 2 ms of a 14 ms cold import (bench/coldstart.ts); the file costs a fraction of a millisecond. Served as that
 * text: nothing is parsed or serialized.
 * test/infra/bundling.test.ts checks it equals the document generated from source.
 */
export function servedDocumentJson(serverUrl: string = env().PUBLIC_BASE_URL): string {
  const document = readFileSync(
    new URL(`./${OPENAPI_DOCUMENT_DIR}/${OPENAPI_DOCUMENT_FILE}`, import.meta.url),
    'utf8',
  );
  return document.replace(JSON.stringify(OPENAPI_SERVER_PLACEHOLDER), JSON.stringify(serverUrl));
}
