import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { inject } from 'vitest';
import { LOCAL_CREDENTIALS, LOCAL_REGION, LOCAL_SDK_TIMEOUT_SCALE } from '#local/engines';
import { ensureTable } from '#local/table';

/**
 * Runs before each integration test file, before it imports any handler: points the SDK at the shared
 * local engines and creates this file's own table, exactly as the local runtime would.
 */
const dynamodbEndpoint = inject('dynamodbEndpoint');
const sesEndpoint = inject('sesEndpoint');
const tableName = `test-${randomBytes(6).toString('hex')}`;

Object.assign(process.env, {
  AWS_REGION: LOCAL_REGION,
  AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
  AWS_ENDPOINT_URL_DYNAMODB: dynamodbEndpoint,
  AWS_ENDPOINT_URL_SESV2: sesEndpoint,
  SDK_TIMEOUT_SCALE: process.env.SDK_TIMEOUT_SCALE ?? LOCAL_SDK_TIMEOUT_SCALE,
  // Tests that publish start a runtime (which sets this to its own router) or mock EventBridge.
  AWS_ENDPOINT_URL_EVENTBRIDGE: process.env.AWS_ENDPOINT_URL_EVENTBRIDGE ?? 'http://127.0.0.1:9',
  TABLE_NAME: tableName,
  EVENT_BUS_NAME: 'leadloop-local-leads',
  SES_CONFIGURATION_SET: 'leadloop-test',
  PUBLIC_BASE_URL: 'http://localhost:3000',
  SIGNING_SECRET: randomBytes(32).toString('base64url'),
  OPS_TOKEN: randomBytes(24).toString('base64url'),
  LOG_LEVEL: 'silent',
  DYNAMODB_STREAM_ARN: await ensureTable(
    new DynamoDBClient({ endpoint: dynamodbEndpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS }),
    tableName,
  ),
});

/**
 * The engine tiers start at one fixed instant, a Tuesday morning in Tokyo business hours, so a test's outcome
 * never depends on the hour or the day the suite runs: SLA clocks that tick in business hours, send windows,
 * holidays and month ends are the same on every run, on any machine (a CI run at 07:39 JST once failed a test
 * that passed at night). It is off the hour, so no file starts a few milliseconds either side of a window's
 * opening. `LEADLOOP_TEST_CLOCK` starts them at another instant for a calendar check (a Sunday night, a
 * holiday, a month end: `LEADLOOP_TEST_CLOCK=2030-12-31T23:50:00+09:00 npm run test:integration`), or `now`
 * on the wall clock. The clock only moves forward, so the instant is a future one.
 */
const DEFAULT_TEST_CLOCK = '2030-01-15T10:17:00+09:00';
const startAt = process.env.LEADLOOP_TEST_CLOCK || DEFAULT_TEST_CLOCK;
if (startAt !== 'now') {
  const { advanceClock, now } = await import('#adapters/clock');
  const at = Date.parse(startAt);
  if (!(at >= now()))
    throw new Error(`LEADLOOP_TEST_CLOCK must be a future instant or 'now', got ${startAt}`);
  advanceClock(at - now());
}
