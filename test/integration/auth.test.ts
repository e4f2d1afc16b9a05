import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_CLIENT_ID, MACHINE_CLIENT_ID } from '#local/auth';
import type { Runtime } from '#local/runtime';
import { initiateAuth as signIn, startTestRuntime, personToken as tokenOf } from '../support/runtime.ts';

/**
 * The local stand-in of Cognito + the HTTP API JWT authorizer: what a person and a machine client get, and
 * what the gateway refuses before any function runs (401) versus what a function refuses by role (403).
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
let runtime: Runtime;
beforeAll(async () => {
  runtime = await startTestRuntime();
});
afterAll(async () => runtime?.stop());

const initiateAuth = (username: string, password: string, clientId = CONSOLE_CLIENT_ID) =>
  signIn(runtime, username, password, clientId);

const personToken = (group: string): Promise<string> => tokenOf(runtime, group);

const clientToken = (secret: string, scope?: string) =>
  fetch(runtime.auth.tokenUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${MACHINE_CLIENT_ID}:${secret}`).toString('base64')}`,
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', ...(scope ? { scope } : {}) }),
  });

const get = (path: string, token: string) =>
  fetch(`${runtime.apiUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });

describe('local sign-in and the JWT authorizer', () => {
  it('given each demo user, when they sign in, then the ID token carries their group and e-mail and opens only their routes', async () => {
    const sales = await personToken('sales');
    const marketing = await personToken('marketing');
    const admin = await personToken('admin');
    expect((await get('/v1/ops/call-list', sales)).status).toBe(200);
    const refused = await get('/v1/ops/reports/funnel', sales);
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toContain(
      'roles: sales',
    );
    expect((await get('/v1/ops/reports/funnel', marketing)).status).toBe(200);
    expect((await get('/v1/ops/call-list', marketing)).status).toBe(403);
    for (const path of ['/v1/ops/reports/sla', '/v1/ops/call-list', '/v1/ops/settings'])
      expect((await get(path, admin)).status, path).toBe(200);
  });

  it("given a wrong password or an unknown client, when signing in, then Cognito's NotAuthorized / InvalidParameter errors", async () => {
    const wrong = await initiateAuth('sales', 'not-the-password');
    expect(wrong.status).toBe(400);
    expect(((await wrong.json()) as { __type: string }).__type).toBe('NotAuthorizedException');
    const sales = runtime.auth.users.find((u) => u.group === 'sales');
    const client = await initiateAuth('sales', sales?.password ?? '', 'someone-elses-client');
    expect(((await client.json()) as { __type: string }).__type).toBe('InvalidParameterException');
  });

  it("given the machine client, when it asks for a scope, then its token opens exactly that scope's routes; a bad secret gets no token", async () => {
    const response = await clientToken(runtime.auth.machineClient.clientSecret, 'leadloop/reports.read');
    expect(response.status).toBe(200);
    const { access_token: token } = (await response.json()) as { access_token: string };
    expect((await get('/v1/ops/reports/leads', token)).status).toBe(200);
    const refused = await get('/v1/ops/call-list', token);
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toContain(
      'leadloop/leads.read',
    );
    expect((await clientToken('wrong-secret')).status).toBe(400);
    expect((await clientToken(runtime.auth.machineClient.clientSecret, 'leadloop/everything')).status).toBe(
      400,
    );
  });

  it('given a token signed by another key, malformed, or expired, when used, then the gateway answers 401 before any function', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const forged = await new SignJWT({
      sub: 'x',
      aud: CONSOLE_CLIENT_ID,
      token_use: 'id',
      'cognito:groups': ['admin'],
    })
      .setProtectedHeader({ alg: 'RS256' })
      .setIssuer(runtime.auth.issuer)
      .setExpirationTime('1h')
      .sign(privateKey);
    expect((await get('/v1/ops/settings', forged)).status).toBe(401);
    expect((await get('/v1/ops/settings', 'not-a-jwt')).status).toBe(401);
    const admin = await personToken('admin');
    expect((await get('/v1/ops/settings', admin)).status).toBe(200);
    // An hour and a minute later (the local clock moves; tokens live an hour, as Cognito's here).
    await runtime.advanceClock(61 * 60 * 1000);
    expect((await get('/v1/ops/settings', admin)).status).toBe(401);
  });

  it('given the JWKS, when fetched, then it publishes the signing key (public part only)', async () => {
    const jwks = (await (await fetch(runtime.auth.jwksUrl)).json()) as { keys: Record<string, unknown>[] };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256' });
    expect(jwks.keys[0]).not.toHaveProperty('d');
  });

  it('given `leadloop login` on the runtime of DATA_DIR, when a demo user, an invited owner with the temporary password, or a pool that requires an authenticator signs in, then the token is saved, or it says what to do instead and exits 1', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'leadloop-login-'));
    const strictDir = mkdtempSync(join(tmpdir(), 'leadloop-login-'));
    const local = await startTestRuntime({ dataDir });
    const strict = await startTestRuntime({ dataDir: strictDir, mfa: 'required' });
    const login = (dir: string, username: string, password: string) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
        execFile(
          process.execPath,
          ['bin/leadloop.js', 'login', username, '--password', password],
          { cwd: ROOT, env: { ...process.env, DATA_DIR: dir }, timeout: 30_000 },
          (error, stdout, stderr) =>
            done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
        );
      });
    try {
      const sales = local.auth.users.find((u) => u.group === 'sales');
      const ok = await login(dataDir, 'sales', sales?.password ?? '');
      expect(ok.code).toBe(0);
      expect(ok.stdout).toContain('Signed in as sales');
      expect(existsSync(join(dataDir, 'cli-token'))).toBe(true);

      const owner = local.auth.invited.find((u) => u.email === 'n.kobayashi@example.co.jp');
      const temporary = await login(dataDir, owner?.email ?? '', owner?.password ?? '');
      expect(temporary.code).toBe(1);
      expect(temporary.stderr).toContain('temporary password');
      expect(temporary.stderr).toContain(`${local.apiUrl}/console/`);

      const strictSales = strict.auth.users.find((u) => u.group === 'sales');
      const twoStep = await login(strictDir, 'sales', strictSales?.password ?? '');
      expect(twoStep.code).toBe(1);
      expect(twoStep.stderr).toContain('further step (MFA_SETUP');
      expect(existsSync(join(strictDir, 'cli-token'))).toBe(false);
    } finally {
      await local.stop();
      await strict.stop();
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(strictDir, { recursive: true, force: true });
    }
  });
});
