import { env } from '#config/env';
import { corsOrigins } from '#config/settings';

/** Pages the API serves itself (the local example page) post same-origin. */
const ownOrigin = new URL(env().PUBLIC_BASE_URL).origin;
const configured = new Set(corsOrigins());

/**
 * May a browser on `origin` call a public route? No Origin header (server-to-server, curl) is allowed;
 * browsers must come from a configured origin (app-wide, or `extra` such as a form's own list) or from the
 * API itself. Refusing here (403) keeps a foreign page from writing even where CORS would only hide the
 * response.
 */
export const originAllowed = (origin: string | undefined, extra: readonly string[] = []): boolean =>
  !origin || origin === ownOrigin || configured.has(origin) || extra.includes(origin);
