/**
 * Environment every function receives (set once by the CDK function wrapper, or by the local runtime).
 * Parsed on first use (the store reads it at import) so a missing variable fails the cold start, not a
 * request. Checked by hand rather than with zod: nine variables do not need a validator, and this module is
 * on every function's import path (bench/coldstart.ts).
 */
const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;

export interface Env {
  TABLE_NAME: string;
  EVENT_BUS_NAME: string;
  SES_CONFIGURATION_SET: string;
  /** Public base URL of the HTTP API, for links in mails (unsubscribe, confirm). No trailing slash. */
  PUBLIC_BASE_URL: string;
  /** The web console's address, for links in mails to sales (set for the functions that mail owners). */
  CONSOLE_URL?: string;
  /** HMAC secret for identity, confirmation and unsubscribe tokens. In AWS it is the table's key item. */
  SIGNING_SECRET?: string;
  /** Locally, the bearer token for /v1/ops/*. In AWS the ops routes use IAM auth instead. */
  OPS_TOKEN?: string;
  LOG_LEVEL: (typeof LOG_LEVELS)[number];
  /**
   * Multiplies the SDK clients' timeouts (`#adapters/sdk-timeouts`); unset (1) in AWS. The local engines, Java
   * and Node emulators sharing a developer's or CI's cores with the tests, set it (`LOCAL_SDK_TIMEOUT_SCALE`).
   */
  SDK_TIMEOUT_SCALE?: number;
}

type Source = Record<string, string | undefined>;

/** Throws `invalid environment: NAME: problem; …` naming every bad variable. */
export const parseEnv = (source: Source): Env => {
  const problems: string[] = [];
  const text = (name: string, minLength = 1): string => {
    const value = source[name];
    if (value === undefined) problems.push(`${name}: required`);
    else if (value.length < minLength) problems.push(`${name}: at least ${minLength} characters`);
    return value ?? '';
  };
  const optional = (name: string, minLength: number): string | undefined =>
    source[name] === undefined ? undefined : text(name, minLength);
  const tableName = text('TABLE_NAME');
  const eventBusName = text('EVENT_BUS_NAME');
  const configurationSet = text('SES_CONFIGURATION_SET');
  const url = text('PUBLIC_BASE_URL');
  if (url && !URL.canParse(url)) problems.push('PUBLIC_BASE_URL: not a URL');
  const level = source.LOG_LEVEL ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(level))
    problems.push(`LOG_LEVEL: one of ${LOG_LEVELS.join(', ')}`);
  const env: Env = {
    TABLE_NAME: tableName,
    EVENT_BUS_NAME: eventBusName,
    SES_CONFIGURATION_SET: configurationSet,
    PUBLIC_BASE_URL: url.replace(/\/+$/, ''),
    LOG_LEVEL: level as Env['LOG_LEVEL'],
  };
  const consoleUrl = optional('CONSOLE_URL', 1);
  if (consoleUrl && !URL.canParse(consoleUrl)) problems.push('CONSOLE_URL: not a URL');
  const secret = optional('SIGNING_SECRET', 32);
  const opsToken = optional('OPS_TOKEN', 16);
  const scale = source.SDK_TIMEOUT_SCALE === undefined ? undefined : Number(source.SDK_TIMEOUT_SCALE);
  if (scale !== undefined && !(scale >= 1 && scale <= 100))
    problems.push('SDK_TIMEOUT_SCALE: a number from 1 to 100');
  if (problems.length) throw new Error(`invalid environment: ${problems.join('; ')}`);
  return {
    ...env,
    ...(consoleUrl !== undefined ? { CONSOLE_URL: consoleUrl } : {}),
    ...(secret !== undefined ? { SIGNING_SECRET: secret } : {}),
    ...(opsToken !== undefined ? { OPS_TOKEN: opsToken } : {}),
    ...(scale !== undefined ? { SDK_TIMEOUT_SCALE: scale } : {}),
  };
};

let cached: Env | undefined;
/** Lazily parsed so modules that only need part of it (e.g. CDK synth importing config) do not fail. */
export const env = (): Env => {
  cached ??= parseEnv(process.env);
  return cached;
};
