import { Logger } from '@aws-lambda-powertools/logger';

/**
 * Structured one-line JSON logs through Powertools Logger (CloudWatch Logs Insights friendly; the request id,
 * cold start and function name are added by `injectLambdaContext` in the shared middy stack, see
 * `shared/http/lambda.ts`). No secrets, no full bodies, and no e-mail addresses: below DEBUG every string
 * that looks like an address is masked in the message and in every field (`maskEmails`).
 *
 * LOG_LEVEL is `debug | info | warn | error | silent` (tests run with `silent`).
 */
const LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT'] as const;
type PowertoolsLevel = (typeof LEVELS)[number];

const levelFromEnv = (value: string | undefined): PowertoolsLevel => {
  const upper = (value ?? 'info').toUpperCase();
  return (LEVELS as readonly string[]).includes(upper) ? (upper as PowertoolsLevel) : 'INFO';
};

/** The Powertools instance itself, for the middy middleware (`injectLambdaContext`). */
export const powertoolsLogger = new Logger({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'lead-loop',
  logLevel: levelFromEnv(process.env.LOG_LEVEL),
});

const EMAIL =
  /[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+/g;

/** Replaces the local part of an address, keeping the domain (useful when reading logs): `***@example.co.jp`. */
const maskString = (s: string): string => s.replace(EMAIL, (address) => `***@${address.split('@')[1] ?? ''}`);

/** Masks every e-mail address in a log message or field value, however deep. Pure; exported for tests. */
export function maskEmails<T>(value: T, seen: WeakSet<object> = new WeakSet()): T {
  if (typeof value === 'string') return maskString(value) as T;
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return value;
  seen.add(value);
  if (Array.isArray(value)) return value.map((v) => maskEmails(v, seen)) as T;
  if (value instanceof Date) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = maskEmails(v, seen);
  return out as T;
}

/** Addresses stay readable only when someone asked for DEBUG logs on purpose. */
const shouldMask = (): boolean => powertoolsLogger.getLevelName() !== 'DEBUG';

type Fields = Record<string, unknown>;
const write =
  (level: 'debug' | 'info' | 'warn' | 'error') =>
  (message: string, fields?: Fields): void => {
    if (shouldMask()) powertoolsLogger[level](maskString(message), maskEmails(fields ?? {}));
    else powertoolsLogger[level](message, fields ?? {});
  };

export const logger = {
  debug: write('debug'),
  info: write('info'),
  warn: write('warn'),
  error: write('error'),
};

export function errorFields(error: unknown): Record<string, unknown> {
  return error instanceof Error
    ? { errorName: error.name, errorMessage: error.message, stack: error.stack }
    : { error: String(error) };
}
