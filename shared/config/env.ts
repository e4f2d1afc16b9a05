import { configPath } from '#config/errors';
// zod/mini with zod's English messages: this is on every function's import path.
import * as z from '#domain/lead/validation';

/**
 * Environment every function receives (set once by the CDK function wrapper, or by the local runtime).
 * Parsed at import time so a missing variable fails the cold start, not a request.
 */
const envSchema = z.object({
  TABLE_NAME: z.string().check(z.minLength(1)),
  EVENT_BUS_NAME: z.string().check(z.minLength(1)),
  SES_CONFIGURATION_SET: z.string().check(z.minLength(1)),
  /** Public base URL of the HTTP API, for links in mails (unsubscribe, confirm). No trailing slash. */
  PUBLIC_BASE_URL: z.pipe(
    z.url(),
    z.transform((u: string) => u.replace(/\/+$/, '')),
  ),
  /** HMAC secret for identity, confirmation and unsubscribe tokens. In AWS it is the table's key item. */
  SIGNING_SECRET: z.optional(z.string().check(z.minLength(32))),
  /** Locally, the bearer token for /v1/ops/*. In AWS the ops routes use IAM auth instead. */
  OPS_TOKEN: z.optional(z.string().check(z.minLength(16))),
  LOG_LEVEL: z._default(z.enum(['debug', 'info', 'warn', 'error', 'silent']), 'info'),
});

export type Env = z.output<typeof envSchema>;

export const parseEnv = (source: Record<string, string | undefined>): Env => {
  const result = envSchema.safeParse(source);
  if (!result.success) {
    const fields = result.error.issues.map((i) => `${configPath(i.path)}: ${i.message}`).join('; ');
    throw new Error(`invalid environment: ${fields}`);
  }
  return result.data;
};

let cached: Env | undefined;
/** Lazily parsed so modules that only need part of it (e.g. CDK synth importing config) do not fail. */
export const env = (): Env => {
  cached ??= parseEnv(process.env);
  return cached;
};
