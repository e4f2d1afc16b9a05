import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { clockOffset } from '#adapters/clock';
import { assertPortsFree, PortInUseError } from '#local/ports';
import { mayPutEvents } from '#local/runtime';
import {
  localDynamoTarget,
  type RuntimeInfo,
  readRuntimeInfo,
  useLocalRuntimeClock,
  writeRuntimeInfo,
} from '#local/runtime-file';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'leadloop-discovery-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const info = (dataDir: string, pid: number): RuntimeInfo => ({
  pid,
  apiUrl: 'http://localhost:3100',
  sesUrl: 'http://localhost:8105',
  dynamodbEndpoint: 'http://127.0.0.1:8100',
  tableName: 'leadloop-local',
  dataDir,
  startedAt: new Date(0).toISOString(),
});

describe('finding a running local runtime (DATA_DIR/runtime.json)', () => {
  it('given a runtime on other ports and another data folder, when a script looks, then it finds its DynamoDB Local', () => {
    const dataDir = tempDir();
    writeRuntimeInfo(dataDir, info(dataDir, process.pid));
    expect(localDynamoTarget({ DATA_DIR: dataDir })).toMatchObject({
      endpoint: 'http://127.0.0.1:8100',
      tableName: 'leadloop-local',
      dataDir,
    });
  });

  it('given explicit settings, when a script looks, then AWS_ENDPOINT_URL_DYNAMODB, then DYNAMODB_PORT win over the file', () => {
    const dataDir = tempDir();
    writeRuntimeInfo(dataDir, info(dataDir, process.pid));
    expect(localDynamoTarget({ DATA_DIR: dataDir, DYNAMODB_PORT: '8200' }).endpoint).toBe(
      'http://localhost:8200',
    );
    expect(
      localDynamoTarget({ DATA_DIR: dataDir, DYNAMODB_PORT: '8200', AWS_ENDPOINT_URL_DYNAMODB: 'http://h:1' })
        .endpoint,
    ).toBe('http://h:1');
  });

  it('given a file left by a runtime that was killed, when a script looks, then it is ignored', () => {
    const dataDir = tempDir();
    writeFileSync(join(dataDir, 'runtime.json'), JSON.stringify(info(dataDir, 2 ** 22 + 12345)));
    expect(readRuntimeInfo(dataDir)).toBeUndefined();
    expect(localDynamoTarget({ DATA_DIR: dataDir }).endpoint).toBe('http://localhost:8000');
  });
});

describe('a script on the running runtime’s clock', () => {
  /** A stand-in for the runtime's `GET /_local/clock`, answering `offsetMs`. */
  const clockServer = async (offsetMs: number) => {
    const server = createHttpServer((_request, response) => {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ now: new Date(Date.now() + offsetMs).toISOString(), offsetMs }));
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
  };
  const local = (dataDir: string, apiUrl: string) => {
    writeRuntimeInfo(dataDir, { ...info(dataDir, process.pid), apiUrl });
    return { TABLE_NAME: 'leadloop-local', AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:8100' };
  };

  it('given npm start’s clock moved 90 days ahead, when a script writing to its table starts, then it runs 90 days ahead too (an import on the wall clock opened hand-offs already overdue); on AWS or with no runtime it keeps the wall clock', async () => {
    const ninetyDays = 90 * 86_400_000;
    const server = await clockServer(ninetyDays);
    try {
      const dataDir = tempDir();
      const environment = local(dataDir, server.url);
      // Act + Assert: AWS (another table) and no runtime leave the clock alone.
      expect(await useLocalRuntimeClock({ dataDir }, { ...environment, TABLE_NAME: 'LeadLoop-Table' })).toBe(
        0,
      );
      expect(await useLocalRuntimeClock({ dataDir: tempDir() }, environment)).toBe(0);
      expect(clockOffset()).toBe(0);
      expect(await useLocalRuntimeClock({ dataDir }, environment)).toBe(ninetyDays);
      expect(clockOffset()).toBe(ninetyDays);
      // Taken once: a second call does not move it further.
      await useLocalRuntimeClock({ dataDir }, environment);
      expect(clockOffset()).toBe(ninetyDays);
    } finally {
      server.close();
    }
  });

  it('given a runtime file whose runtime does not answer, then the wall clock, no error', async () => {
    const dataDir = tempDir();
    const environment = local(dataDir, 'http://127.0.0.1:9');
    expect(await useLocalRuntimeClock({ dataDir }, environment)).toBe(0);
  });
});

describe('ports', () => {
  let holder: Server | undefined;
  afterEach(async () => {
    await new Promise<void>((ok) => (holder ? holder.close(() => ok()) : ok()));
    holder = undefined;
  });

  it('given a port another process holds, when the runtime checks its ports, then one error names the port and its variable', async () => {
    holder = createServer();
    const port = await new Promise<number>((ok) =>
      holder?.listen(0, '127.0.0.1', () => {
        const address = holder?.address();
        ok(typeof address === 'object' && address ? address.port : 0);
      }),
    );
    const check = assertPortsFree([{ port, envVar: 'SES_PORT', what: 'the local SES' }]);
    await expect(check).rejects.toBeInstanceOf(PortInUseError);
    await expect(check).rejects.toThrow(
      new RegExp(`^port ${port} \\(the local SES\\) is already in use.*SES_PORT=`),
    );
  });
});

describe('local PutEvents authorization', () => {
  const key = 'LOCALABCDEF0123456789';
  const token = 'ops-token-0123456789abcdef';

  it('given the runtime’s own SigV4 credentials or the ops token, when putting events, then it is allowed', () => {
    const sigv4 = `AWS4-HMAC-SHA256 Credential=${key}/20250101/ap-northeast-1/events/aws4_request, SignedHeaders=host, Signature=abc`;
    expect(mayPutEvents(sigv4, key, token)).toBe(true);
    expect(mayPutEvents(`Bearer ${token}`, key, token)).toBe(true);
  });

  it('given no, other or well-known credentials, when putting events, then it is refused', () => {
    expect(mayPutEvents(undefined, key, token)).toBe(false);
    expect(
      mayPutEvents(
        'AWS4-HMAC-SHA256 Credential=local/20250101/ap-northeast-1/events/aws4_request',
        key,
        token,
      ),
    ).toBe(false);
    expect(mayPutEvents('Bearer wrong', key, token)).toBe(false);
  });
});
