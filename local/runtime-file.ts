import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { LOCAL_SDK_TIMEOUT_SCALE } from '#local/engines';

/**
 * `DATA_DIR/runtime.json`: where a running `npm start` can be reached, so scripts (`npm run rescore`, …)
 * find a runtime started on other ports or another data folder. Written once the runtime answers, removed
 * when it stops; a file left by a killed runtime is ignored (its process is gone). Holds no secret.
 */
export interface RuntimeInfo {
  pid: number;
  apiUrl: string;
  sesUrl: string;
  dynamodbEndpoint: string;
  tableName: string;
  dataDir: string;
  startedAt: string;
}

export const RUNTIME_FILE = 'runtime.json';

/** The data folder every tool agrees on: `DATA_DIR`, else `.data` under the current directory. */
export const localDataDir = (environment: NodeJS.ProcessEnv = process.env): string =>
  resolve(environment.DATA_DIR ?? '.data');

export const writeRuntimeInfo = (dataDir: string, info: RuntimeInfo): void =>
  writeFileSync(join(dataDir, RUNTIME_FILE), `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });

export const removeRuntimeInfo = (dataDir: string, pid = process.pid): void => {
  const found = readRuntimeInfo(dataDir, { requireAlive: false });
  if (found?.pid === pid) rmSync(join(dataDir, RUNTIME_FILE), { force: true });
};

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** The running runtime of this data folder, or undefined (none, unreadable, or its process is gone). */
export const readRuntimeInfo = (
  dataDir: string,
  options: { requireAlive?: boolean } = {},
): RuntimeInfo | undefined => {
  const file = join(dataDir, RUNTIME_FILE);
  if (!existsSync(file)) return undefined;
  try {
    const info = JSON.parse(readFileSync(file, 'utf8')) as RuntimeInfo;
    if (typeof info.pid !== 'number' || typeof info.dynamodbEndpoint !== 'string') return undefined;
    if ((options.requireAlive ?? true) && !alive(info.pid)) return undefined;
    return info;
  } catch {
    return undefined;
  }
};

/**
 * Where a local admin script finds DynamoDB Local: `AWS_ENDPOINT_URL_DYNAMODB`, else `DYNAMODB_PORT`,
 * else the runtime running on `DATA_DIR` (its runtime.json), else the default port 8000. The table is the
 * running runtime's, else `leadloop-local`.
 */
export const localDynamoTarget = (
  environment: NodeJS.ProcessEnv = process.env,
): { endpoint: string; tableName: string; dataDir: string; from: string } => {
  const dataDir = localDataDir(environment);
  const running = readRuntimeInfo(dataDir);
  const tableName = running?.tableName ?? 'leadloop-local';
  if (environment.AWS_ENDPOINT_URL_DYNAMODB)
    return {
      endpoint: environment.AWS_ENDPOINT_URL_DYNAMODB,
      tableName,
      dataDir,
      from: 'AWS_ENDPOINT_URL_DYNAMODB',
    };
  if (environment.DYNAMODB_PORT)
    return {
      endpoint: `http://localhost:${environment.DYNAMODB_PORT}`,
      tableName,
      dataDir,
      from: 'DYNAMODB_PORT',
    };
  if (running)
    return { endpoint: running.dynamodbEndpoint, tableName, dataDir, from: join(dataDir, RUNTIME_FILE) };
  return { endpoint: 'http://localhost:8000', tableName, dataDir, from: 'default' };
};

/**
 * Points an admin script at the local runtime's table, unless `TABLE_NAME` already names one (then the
 * environment, e.g. an AWS profile, is left as it is). Call it before any adapter or store module is
 * imported: they read the environment at import time, as in Lambda. Returns the local target (its data
 * directory holds checkpoints and the local signing key).
 */
export const useLocalTable = (
  environment: NodeJS.ProcessEnv = process.env,
): ReturnType<typeof localDynamoTarget> => {
  const local = localDynamoTarget(environment);
  environment.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  if (!environment.TABLE_NAME) {
    Object.assign(environment, {
      TABLE_NAME: local.tableName,
      AWS_ENDPOINT_URL_DYNAMODB: local.endpoint,
      SDK_TIMEOUT_SCALE: environment.SDK_TIMEOUT_SCALE ?? LOCAL_SDK_TIMEOUT_SCALE,
      AWS_REGION: environment.AWS_REGION ?? 'ap-northeast-1',
      AWS_ACCESS_KEY_ID: environment.AWS_ACCESS_KEY_ID ?? 'local',
      AWS_SECRET_ACCESS_KEY: environment.AWS_SECRET_ACCESS_KEY ?? 'local',
    });
  }
  return local;
};

/**
 * Puts this process on the running runtime's clock: `npm start`'s clock is moved by `POST /_local/clock` (a
 * week of nurture in seconds), and a script writing to its table must write at the same time as its handlers.
 * An import on the wall clock while the runtime is 90 days ahead opened hand-offs whose deadlines had passed:
 * the next sweep breached them all and reassigned the leads. Nothing changes on AWS (`TABLE_NAME` set), with
 * no runtime running, or when it does not answer (the wall clock then, as before). Returns the offset taken.
 */
export async function useLocalRuntimeClock(
  local: { dataDir: string },
  environment: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const running = readRuntimeInfo(local.dataDir);
  if (!running || environment.TABLE_NAME !== running.tableName || !environment.AWS_ENDPOINT_URL_DYNAMODB)
    return 0;
  let offsetMs: unknown;
  try {
    const answer = await fetch(`${running.apiUrl}/_local/clock`, { signal: AbortSignal.timeout(2_000) });
    offsetMs = ((await answer.json()) as { offsetMs?: unknown }).offsetMs;
  } catch {
    return 0;
  }
  if (typeof offsetMs !== 'number' || !Number.isFinite(offsetMs) || offsetMs <= 0) return 0;
  const { advanceClock, clockOffset } = await import('#adapters/clock');
  const missing = offsetMs - clockOffset();
  if (missing > 0) advanceClock(missing);
  return offsetMs;
}
