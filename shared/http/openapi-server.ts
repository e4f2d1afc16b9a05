/**
 * The server URL the synth writes into the bundled OpenAPI document (infra/bundling.ts) for the function to
 * replace with the deployment's (openapi-document.bundled.ts). It appears nowhere else in the document.
 */
export const OPENAPI_SERVER_PLACEHOLDER = 'https://server-url.leadloop.invalid';

/** Where the synth puts the generated document beside the openapi function's bundle (its index.mjs). */
export const OPENAPI_DOCUMENT_DIR = 'openapi-document';
export const OPENAPI_DOCUMENT_FILE = 'openapi.json';
