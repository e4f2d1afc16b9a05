/**
 * The server URL the synth writes into the bundled OpenAPI document (infra/bundling.ts) for the function to
 * replace with the deployment's (openapi-document.bundled.ts). It appears nowhere else in the document.
 */
export const OPENAPI_SERVER_PLACEHOLDER = 'https://server-url.leadloop.invalid';
