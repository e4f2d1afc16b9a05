import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startDynamoDbLocal, startLocalSes } from '#local/engines';
import { ensureTable } from '#local/table';
import { freePort } from '../test/support/ports.ts';

/** Small helpers every benchmark shares: command-line numbers and medians (the machine is noisy). */

/** `--name 123` from the command line, or the fallback. */
export const numberArg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  const value = i > 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
  return value;
};

export const median = (xs: readonly number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

/**
 * A fresh DynamoDB Local (and, when asked, a local SES) on free ports, the product's environment pointing
 * at them, and the table created from the table design. Import product modules only after this resolves:
 * they read the environment at import time, as a Lambda cold start does.
 */
export const startBenchEngines = async (table: string, options: { ses?: boolean } = {}) => {
  const [dynamo, ses] = await Promise.all([
    freePort().then((p) => startDynamoDbLocal(p)),
    options.ses ? freePort().then((p) => startLocalSes(p)) : undefined,
  ]);
  Object.assign(process.env, {
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    ...(ses ? { AWS_ENDPOINT_URL_SESV2: ses.endpoint } : {}),
    TABLE_NAME: table,
    EVENT_BUS_NAME: 'bench',
    SES_CONFIGURATION_SET: 'bench',
    PUBLIC_BASE_URL: 'http://localhost:3000',
    SIGNING_SECRET: 'bench-signing-secret-that-is-long-enough-0123',
  });
  const admin = new DynamoDBClient({
    endpoint: dynamo.endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  await ensureTable(admin, table);
  return {
    raw: DynamoDBDocumentClient.from(admin),
    sesEndpoint: ses?.endpoint ?? '',
    stop: async () => {
      await Promise.all([dynamo.stop(), ses?.stop()]);
    },
  };
};
