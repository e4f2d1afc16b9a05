import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { now as clockNow } from '#adapters/clock';
import { API_GATEWAY_MAX_BODY_BYTES, type Runtime, startRuntime } from '#local/runtime';
import { freePort } from '../support/ports.ts';

const ROOT = resolve(import.meta.dirname, '../..');
let runtime: Runtime;
/** What a request sent as soon as the port accepted connections got (before the handlers were loaded). */
let earliest: { status?: number; error?: string } = {};

/** GET /v1/health as soon as the port accepts a connection, while the runtime is still starting. */
const firstAnswer = async (port: number) => {
  for (;;) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/v1/health`, {
        signal: AbortSignal.timeout(20_000),
      });
      return { status: response.status };
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      // Refused: not listening yet; reset: the start-up port check's short-lived probe socket.
      if (cause !== 'ECONNREFUSED' && cause !== 'ECONNRESET') return { error: `${String(error)} (${cause})` };
      await new Promise((r) => setTimeout(r, 5));
    }
  }
};

beforeAll(async () => {
  const port = await freePort();
  const starting = startRuntime({
    dynamodbEndpoint: inject('dynamodbEndpoint'),
    sesEndpoint: inject('sesEndpoint'),
    port,
    tableName: process.env.TABLE_NAME,
    opsToken: process.env.OPS_TOKEN,
    sweepEverySeconds: 0,
    pollStream: false,
    log: () => {},
  });
  const early = firstAnswer(port);
  runtime = await starting;
  earliest = await early;
});
afterAll(async () => {
  await runtime.stop();
});

describe('local runtime', () => {
  it('given the runtime is up, when GET /v1/health?deep, then the table is checked too', async () => {
    const response = await fetch(`${runtime.apiUrl}/v1/health?deep=1`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok', table: 'ok' });
  });

  it('given the runtime is up, when GET /v1/health, then the real handler answers 200 JSON', async () => {
    const response = await fetch(`${runtime.apiUrl}/v1/health`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('given a state change written with its outbox item, when the stream is drained, then the event reaches /_local/events once', async () => {
    // Arrange: the same transaction a handler writes (state + outbox), straight into DynamoDB Local.
    const { dynamodb, tableName } = await import('#store/dynamodb');
    const { outboxPut } = await import('#store/outbox');
    const eventId = `slice-${Date.now()}`;
    await dynamodb.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: tableName, Item: { pk: 'LEAD#slice', sk: 'LEAD', stage: 'lead' } } },
          outboxPut(tableName, {
            leadId: 'slice',
            source: 'leadloop.leads',
            detailType: 'Lead Captured',
            detail: { eventId, leadId: 'slice', version: 1 },
            time: clockNow(),
          }),
        ],
      }),
    );

    // Act: stream → real publisher → PutEvents → local router.
    await runtime.settle();
    await runtime.settle();
    const response = await fetch(`${runtime.apiUrl}/_local/events`);
    const events = (await response.json()) as {
      id: string;
      source: string;
      'detail-type': string;
      detail: { eventId: string };
    }[];

    // Assert
    const matching = events.filter((e) => e.detail.eventId === eventId);
    expect(matching).toHaveLength(1);
    expect(matching[0]).toMatchObject({ source: 'leadloop.leads', 'detail-type': 'Lead Captured' });
    expect(matching[0]?.id).toMatch(/[0-9a-f-]{36}/);
  });

  it('given an ops route, when called without the bearer token, then it is refused before any handler runs', async () => {
    const response = await fetch(`${runtime.apiUrl}/v1/ops/leads?email=a@b.jp`);
    // 401 as API Gateway's JWT authorizer answers (no function ran: its answer would be JSON with `error`).
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ message: 'Unauthorized' });
  });

  it('given the local clock, when advanced, then handlers see the new time and it never goes back', async () => {
    const before = clockNow();
    const response = await fetch(`${runtime.apiUrl}/_local/clock`, {
      method: 'POST',
      body: JSON.stringify({ advanceMs: 86_400_000 }),
    });
    const { now } = (await response.json()) as { now: string };
    expect(Date.parse(now) - before).toBeGreaterThanOrEqual(86_400_000);
    const refused = await fetch(`${runtime.apiUrl}/_local/clock`, {
      method: 'POST',
      body: '{"advanceMs":-5}',
    });
    expect(refused.status).toBe(400);
  });

  it('given ticks, when the clock is advanced over HTTP, then the sweeper runs at every tick as the scheduler would', async () => {
    const response = await fetch(`${runtime.apiUrl}/_local/clock`, {
      method: 'POST',
      body: JSON.stringify({ advanceMs: 2 * 3_600_000, tickMs: 15 * 60_000 }),
    });
    expect(response.status).toBe(200);
    // Every tick, plus the moment any timer of this file's leads fell due.
    expect(((await response.json()) as { sweeps: number }).sweeps).toBeGreaterThanOrEqual(8);
    const jump = await fetch(`${runtime.apiUrl}/_local/clock`, {
      method: 'POST',
      body: '{"advanceMs":60000,"tickMs":0}',
    });
    expect(((await jump.json()) as { sweeps: number }).sweeps).toBe(0);
  });

  it('given a timer due two minutes into a 15-minute tick, when the clock is advanced over HTTP, then the sweeper runs when it falls due and publishes no false Sweeper Lagging', async () => {
    // Arrange: a decay timer (of a lead that does not exist: the sweep just clears it) due in 2 minutes.
    const { GetCommand, PutCommand } = await import('@aws-sdk/lib-dynamodb');
    const { dynamodb, tableName } = await import('#store/dynamodb');
    const { dueAttributes, keys } = await import('#store/keys');
    const key = keys.timer(`clock-${randomUUID()}`, 'decay');
    const dueAt = clockNow() + 2 * 60_000;
    await dynamodb.send(
      new PutCommand({
        TableName: tableName,
        Item: { ...key, ...dueAttributes(key.pk, key.sk, dueAt, 'decay') },
      }),
    );
    const lagging = () => runtime.events().filter((e) => e['detail-type'] === 'Sweeper Lagging').length;
    const before = lagging();

    // Act
    const response = await fetch(`${runtime.apiUrl}/_local/clock`, {
      method: 'POST',
      body: JSON.stringify({ advanceMs: 15 * 60_000, tickMs: 15 * 60_000 }),
    });

    // Assert: swept at the timer's minute (two sweeps: then, and at the tick's end), never a tick late
    expect(response.status).toBe(200);
    expect(((await response.json()) as { sweeps: number }).sweeps).toBeGreaterThanOrEqual(2);
    // Swept: off the due index (gone, or kept without its due time).
    expect(
      (await dynamodb.send(new GetCommand({ TableName: tableName, Key: key }))).Item?.dueAt,
    ).toBeUndefined();
    expect(lagging()).toBe(before);
  });

  it('given an unknown route, when called, then 404 JSON', async () => {
    const response = await fetch(`${runtime.apiUrl}/v1/nope`);
    expect(response.status).toBe(404);
  });

  it('given a request as soon as the port accepts connections, when the runtime is still loading handlers, then it is answered once ready', () => {
    expect(earliest).toMatchObject({ status: 200 });
  });

  it('given a malformed percent-encoded path, when called, then 400 JSON, not a gateway error', async () => {
    const response = await fetch(`${runtime.apiUrl}/v1/forms/%E0%A4%A`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/json');
    expect(await response.json()).toMatchObject({ message: expect.stringContaining('Bad Request') });
  });

  it('given a request target that is not a path (`//`), when called, then 400 JSON, not a gateway error', async () => {
    const { request } = await import('node:http');
    const { port } = new URL(runtime.apiUrl);
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '//', method: 'GET' }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(400);
  });

  it('given a body over the configured limit, when posted to a form, then 413 from the handler', async () => {
    const response = await fetch(`${runtime.apiUrl}/v1/forms/contact`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ email: 'big@example.co.jp', message: 'x'.repeat(64 * 1024) }),
    });
    expect(response.status).toBe(413);
  });

  it('given a body over API Gateway’s 10 MB, when streamed, then 413 JSON and the connection closes (no reset)', async () => {
    // A streamed body with no content-length: the gateway must count, stop, answer and close.
    const { status, body } = await new Promise<{ status: number; body: string }>((ok, fail) => {
      const url = new URL(`${runtime.apiUrl}/v1/forms/contact`);
      const req = request(
        {
          host: '127.0.0.1',
          port: url.port,
          path: url.pathname,
          method: 'POST',
          headers: { 'content-type': 'application/json' },
        },
        (res) => {
          let text = '';
          res.on('data', (d: Buffer) => {
            text += d.toString();
          });
          res.on('end', () => ok({ status: res.statusCode ?? 0, body: text }));
        },
      );
      req.on('error', fail);
      const chunk = Buffer.alloc(1024 * 1024, 'a');
      let sent = 0;
      const pump = () => {
        while (sent <= API_GATEWAY_MAX_BODY_BYTES + chunk.length) {
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
        req.end();
      };
      pump();
    });
    expect(status).toBe(413);
    expect(JSON.parse(body)).toMatchObject({ message: expect.stringContaining('Too Large') });
    // A declared length over the limit is refused before any byte is read.
    const declared = await fetch(`${runtime.apiUrl}/v1/forms/contact`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: Buffer.alloc(API_GATEWAY_MAX_BODY_BYTES + 1, 'a'),
    });
    expect(declared.status).toBe(413);
  });

  it('given PutEvents from someone else on the machine, when no ops token is sent, then it is refused and nothing is put', async () => {
    const before = runtime.events().length;
    const body = JSON.stringify({
      Entries: [
        {
          EventBusName: 'leadloop-local-leads',
          Source: 'leadloop.crm',
          DetailType: 'CRM Sales Action',
          Detail: JSON.stringify({
            email: 'x@example.co.jp',
            action: 'disqualify',
            actionId: 'a1',
            reason: 'spam',
          }),
        },
      ],
    });
    const headers = { 'x-amz-target': 'AWSEvents.PutEvents', 'content-type': 'application/x-amz-json-1.1' };
    const anonymous = await fetch(runtime.apiUrl, { method: 'POST', headers, body });
    const wellKnownKey = await fetch(runtime.apiUrl, {
      method: 'POST',
      headers: {
        ...headers,
        authorization:
          'AWS4-HMAC-SHA256 Credential=local/20250101/ap-northeast-1/events/aws4_request, SignedHeaders=host, Signature=0',
      },
      body,
    });
    expect(anonymous.status).toBe(403);
    expect(wellKnownKey.status).toBe(403);
    expect(runtime.events()).toHaveLength(before);

    const withToken = await fetch(runtime.apiUrl, {
      method: 'POST',
      headers: { ...headers, authorization: `Bearer ${runtime.opsToken}` },
      body,
    });
    expect(withToken.status).toBe(200);
    expect(runtime.events()).toHaveLength(before + 1);
    await runtime.settle();
  });

  it('given a port already taken, when the runtime starts, then it fails naming the port before starting anything', async () => {
    const holder = createServer();
    const port = await new Promise<number>((ok) =>
      holder.listen(0, '127.0.0.1', () => {
        const address = holder.address();
        ok(typeof address === 'object' && address ? address.port : 0);
      }),
    );
    try {
      await expect(
        startRuntime({ port, dynamodbPort: port, sweepEverySeconds: 0, pollStream: false, log: () => {} }),
      ).rejects.toThrow(`port ${port} (the API) is already in use`);
    } finally {
      await new Promise<void>((ok) => holder.close(() => ok()));
    }
  });
});

describe('npm start (the CLI)', () => {
  const startCli = (env: Record<string, string>) =>
    spawn(process.execPath, ['--import', 'tsx', 'local/start.ts'], {
      cwd: ROOT,
      env: {
        ...process.env,
        ...env,
        TABLE_NAME: '',
        AWS_ENDPOINT_URL_DYNAMODB: '',
        SWEEP_EVERY_SECONDS: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  const exitOf = (child: ReturnType<typeof spawn>) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((ok) => {
      let stdout = '';
      let stderr = '';
      child.stdout?.on('data', (d: Buffer) => {
        stdout += d.toString();
      });
      child.stderr?.on('data', (d: Buffer) => {
        stderr += d.toString();
      });
      child.on('exit', (code) => ok({ code, stdout, stderr }));
    });

  it('given a taken SES port, when npm start runs, then one line names the port and SES_PORT, and it exits non-zero', async () => {
    const holder = createServer();
    const sesPort = await new Promise<number>((ok) =>
      holder.listen(0, '127.0.0.1', () => {
        const address = holder.address();
        ok(typeof address === 'object' && address ? address.port : 0);
      }),
    );
    const dataDir = mkdtempSync(join(tmpdir(), 'leadloop-cli-'));
    try {
      const [port, dynamodbPort] = [await freePort(), await freePort()];
      const result = await exitOf(
        startCli({
          PORT: String(port),
          DYNAMODB_PORT: String(dynamodbPort),
          SES_PORT: String(sesPort),
          DATA_DIR: dataDir,
        }),
      );
      expect(result.code).not.toBe(0);
      const lines = result.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`port ${sesPort}.*SES_PORT=`));
      expect(result.stdout).not.toContain('DynamoDB Local');
    } finally {
      await new Promise<void>((ok) => holder.close(() => ok()));
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('given OPS_TOKEN, other ports and another data folder, when npm start runs, then the token works and rescore finds it', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'leadloop-cli-'));
    const [port, sesPort, dynamodbPort] = [await freePort(), await freePort(), await freePort()];
    const token = 'cli-test-token-0123456789';
    const child = startCli({
      PORT: String(port),
      SES_PORT: String(sesPort),
      DYNAMODB_PORT: String(dynamodbPort),
      DATA_DIR: dataDir,
      OPS_TOKEN: token,
    });
    const exited = exitOf(child);
    try {
      const runtimeFile = join(dataDir, 'runtime.json');
      for (let i = 0; i < 600 && !existsSync(runtimeFile); i++) await new Promise((r) => setTimeout(r, 100));
      const info = JSON.parse(readFileSync(runtimeFile, 'utf8')) as {
        apiUrl: string;
        dynamodbEndpoint: string;
      };
      expect(info.dynamodbEndpoint).toBe(`http://127.0.0.1:${dynamodbPort}`);

      const refused = await fetch(`${info.apiUrl}/v1/ops/call-list`);
      const allowed = await fetch(`${info.apiUrl}/v1/ops/call-list`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(refused.status).toBe(401);
      expect(allowed.status).toBe(200);

      // The script is told nothing but DATA_DIR (the ports are not the defaults).
      const rescore = spawn(process.execPath, ['--import', 'tsx', 'scripts/rescore.ts', '--dry-run'], {
        cwd: ROOT,
        env: {
          ...process.env,
          DATA_DIR: dataDir,
          TABLE_NAME: '',
          AWS_ENDPOINT_URL_DYNAMODB: '',
          DYNAMODB_PORT: '',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const result = await exitOf(rescore);
      expect(result.stdout).toContain(`at http://127.0.0.1:${dynamodbPort}`);
      expect(result.code).toBe(0);
    } finally {
      child.kill('SIGTERM');
      await exited;
      expect(existsSync(join(dataDir, 'runtime.json'))).toBe(false);
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
