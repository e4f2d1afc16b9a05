// This machine runs Node 20; the Lambdas run on Node 24. The SDK's Node 20 notice is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import { PortInUseError } from '#local/ports';
import { type Runtime, startRuntime } from '#local/runtime';
import { localDataDir } from '#local/runtime-file';

/**
 * `npm start`: the whole product on this machine. `npm start -- --fresh` wipes the local data first.
 * Ports: PORT (API, 3000), SES_PORT (inbox, 8005), DYNAMODB_PORT (8000), data folder DATA_DIR (.data), so two
 * runtimes can run side by side; OPS_TOKEN sets the ops token (default: generated once into DATA_DIR/ops-token).
 * The runtime writes DATA_DIR/runtime.json (its URLs) for scripts such as `npm run rescore`.
 */
const args = new Set(process.argv.slice(2));
const port = Number(process.env.PORT ?? 3000);
const sesPort = Number(process.env.SES_PORT ?? 8005);
const dynamodbPort = Number(process.env.DYNAMODB_PORT ?? 8000);
const dataDir = localDataDir();

const time = () => new Date().toISOString().slice(11, 19);
let runtime: Runtime;
try {
  runtime = await startRuntime({
    port,
    sesPort,
    dynamodbPort,
    dataDir,
    fresh: args.has('--fresh'),
    ...(process.env.OPS_TOKEN ? { opsToken: process.env.OPS_TOKEN } : {}),
    sweepEverySeconds: Number(process.env.SWEEP_EVERY_SECONDS ?? 5),
    invitePeople: true,
    log: (line) => console.log(`${time()} ${line}`),
  });
} catch (error) {
  // One line, no stack trace: a taken port or a bad setting is the user's to fix, not a crash.
  const message = error instanceof Error ? error.message : String(error);
  console.error(error instanceof PortInUseError ? message : `npm start failed: ${message}`);
  process.exit(1);
}

const banner = [
  '',
  '  Lead loop is running locally',
  '',
  `  API               ${runtime.apiUrl}            (GET /v1/health)`,
  `  Example page      ${runtime.apiUrl}/examples/landing-page.html`,
  `  SES inbox         ${runtime.sesUrl}            (GET /store for JSON)`,
  `  DynamoDB Local    ${runtime.dynamodbEndpoint}   table ${runtime.tableName}`,
  `  Events            ${runtime.apiUrl}/_local/events`,
  `  Sweep now         curl -X POST ${runtime.apiUrl}/_local/sweep`,
  `  Move the clock    curl -X POST ${runtime.apiUrl}/_local/clock -d '{"advanceMs":86400000}'`,
  `  Console           ${runtime.consoleUrl}   (sign in as a demo user)`,
  ...runtime.auth.users.map(
    (u) =>
      `      ${u.group.padEnd(10)} ${u.username.padEnd(10)} password ${u.password}   ${u.name} <${u.email}>`,
  ),
  `      other owners of config/handoff.ts: invited by e-mail (user name and temporary password in the SES inbox)`,
  `  Machine client    LEADLOOP_CLIENT_ID=${runtime.auth.machineClient.clientId} LEADLOOP_CLIENT_SECRET=${runtime.auth.machineClient.clientSecret}`,
  `                    LEADLOOP_TOKEN_URL=${runtime.auth.tokenUrl}   (client_credentials, every scope)`,
  `  Ops token         ${runtime.opsToken}   (local machine credential, every scope; tests and scripts)`,
  `                    curl -H "Authorization: Bearer ${runtime.opsToken}" "${runtime.apiUrl}/v1/ops/leads?email=…"`,
  `  Data              ${dataDir}   (npm start -- --fresh wipes it)`,
  '',
  '  Ctrl-C stops everything.',
  '',
];
console.log(banner.join('\n'));

let stopping = false;
const stop = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`\n${time()} ${signal}: stopping…`);
  const force = setTimeout(() => process.exit(1), 10_000);
  force.unref();
  await runtime.stop();
  process.exit(0);
};
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
