import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';
import { type Runtime, type RuntimeOptions, startRuntime } from '#local/runtime';
import { initiateLocalAuth } from '#local/sign-in';

/**
 * The real local runtime on this file's table, sharing the run's DynamoDB Local and SES. The scheduler and
 * stream poller are off: tests drive them (`runtime.sweep()`, `runtime.settle()`) so timing is theirs.
 */
export const startTestRuntime = (overrides: Partial<RuntimeOptions> = {}): Promise<Runtime> =>
  startRuntime({
    dynamodbEndpoint: inject('dynamodbEndpoint'),
    sesEndpoint: inject('sesEndpoint'),
    port: 0,
    tableName: process.env.TABLE_NAME,
    opsToken: process.env.OPS_TOKEN,
    sweepEverySeconds: 0,
    pollStream: false,
    log: () => {},
    ...overrides,
  });

export interface CapturedMail {
  messageId: string;
  from: string;
  destination: { to: string[] };
  subject: string;
  body: { html?: string; text?: string };
  headers?: { name: string; value: string }[];
  at: number;
}

/** Mail the local SES captured for one recipient, oldest first. */
export const inbox = async (sesUrl: string, to: string): Promise<CapturedMail[]> => {
  const response = await fetch(`${sesUrl}/store`);
  const store = (await response.json()) as { emails: CapturedMail[] };
  return store.emails.filter((m) => m.destination.to.some((t) => t.toLowerCase().includes(to.toLowerCase())));
};

export const uniqueEmail = (label: string): string =>
  `${label}-${Math.random().toString(36).slice(2, 10)}@example.co.jp`;

/** The runtime's API as tests call it: a JSON form post, and ops calls with the runtime's token. */
export const api = (runtime: Runtime) => {
  const ops = { authorization: `Bearer ${runtime.opsToken}` };
  return {
    postForm: (formId: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${runtime.apiUrl}/v1/forms/${formId}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
        body: JSON.stringify(body),
      }),
    opsPost: (path: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${runtime.apiUrl}${path}`, {
        method: 'POST',
        headers: { ...ops, 'content-type': 'application/json', ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      }),
    opsGet: (path: string, headers: Record<string, string> = {}) =>
      fetch(`${runtime.apiUrl}${path}`, { headers: { ...ops, ...headers } }),
  };
};

/** A sign-in as the console makes it, at `runtime` (`#local/sign-in`): the raw answer. */
export const initiateAuth = (runtime: Runtime, username: string, password: string, clientId?: string) =>
  initiateLocalAuth(runtime.apiUrl, username, password, clientId);

/** The ID token of the demo user in `group` (`sales` is owner 佐藤 `sato`; `marketing` is 中島, no owner). */
export const personToken = async (runtime: Runtime, group: string): Promise<string> => {
  const user = runtime.auth.users.find((u) => u.group === group);
  const response = await initiateAuth(runtime, user?.username ?? '', user?.password ?? '');
  if (response.status !== 200) throw new Error(`sign-in as ${group} failed: ${response.status}`);
  return ((await response.json()) as { AuthenticationResult: { IdToken: string } }).AuthenticationResult
    .IdToken;
};

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The `leadloop` command as a user runs it (the bin shim, a child process) against `runtime`, with its API and
 * token on the command line (none from the environment): exit code and output.
 */
export const runLeadloop = (
  runtime: Runtime,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> =>
  new Promise((resolve) => {
    execFile(
      process.execPath,
      ['bin/leadloop.js', '--api', runtime.apiUrl, '--token', runtime.opsToken, ...args],
      { cwd: ROOT, env: { ...process.env, LEADLOOP_API_URL: '', LEADLOOP_TOKEN: '' }, timeout: 30_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
