import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { extname, join, normalize, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import type { Context } from 'aws-lambda';
import { now as clockNow } from '#adapters/clock';
import { INVITATION_FROM_NAME, invitationFromAddress } from '#http/sign-in';
import type { FunctionSpec } from '#infra/catalog';
import { compileRoute, MalformedPathError, matchRoute, toHttpApiEvent, withClaims } from '#local/api-gateway';
import { createLocalAuth, type LocalAuth } from '#local/auth';
import { buildConsole, type ConsoleBundle } from '#local/console';
import {
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  LOCAL_SDK_TIMEOUT_SCALE,
  startDynamoDbLocal,
  startLocalSes,
} from '#local/engines';
import { assertPortsFree, PortInUseError } from '#local/ports';
import { type DeliveredEvent, LocalEventRouter, type LocalRule } from '#local/router';
import { removeRuntimeInfo, writeRuntimeInfo } from '#local/runtime-file';
import { StreamPoller } from '#local/stream-poller';
import { ensureTable } from '#local/table';

const ROOT = resolve(import.meta.dirname, '..');
const DEFAULT_TICK_MS = 15 * 60_000;
/** The sweeper's schedule in AWS (every minute): the clock never sweeps more often than this. */
const SCHEDULE_MS = 60_000;
const MAX_TICKS = 5000;
const MAX_ADVANCE_MS = 366 * 86_400_000;
/** API Gateway's own payload limit: a bigger body never reaches a function. */
export const API_GATEWAY_MAX_BODY_BYTES = 10 * 1024 * 1024;

export interface RuntimeOptions {
  port?: number;
  sesPort?: number;
  dynamodbPort?: number;
  /** Use an already running DynamoDB Local / SES instead of starting them (tests share one of each). */
  dynamodbEndpoint?: string;
  sesEndpoint?: string;
  /** Keep data under this folder (DynamoDB files, signing secret, stream checkpoint); omitted = in memory. */
  dataDir?: string;
  fresh?: boolean;
  tableName?: string;
  /** Bearer token for /v1/ops/* and PutEvents (at least 16 characters); default: generated once per data folder. */
  opsToken?: string;
  /** How often the local scheduler runs the real sweeper; 0 turns it off (tests sweep on demand). */
  sweepEverySeconds?: number;
  /**
   * Send the weekly digest when the clock reaches its weekday and time (config/reports.ts → digest), as its
   * schedule does in AWS. Default: on when the scheduler is (`sweepEverySeconds` > 0).
   */
  digestSchedule?: boolean;
  /**
   * Send the morning list when the clock reaches its time on a business morning (config/handoff.ts →
   * ownerAlerts.morningList), as its schedule does in AWS. Default: on when the scheduler is.
   */
  morningListSchedule?: boolean;
  /**
   * Fold the gauges each night at the schedule's time (infra/catalog.ts → `GAUGE_FOLD_CRON`), as in AWS.
   * Default: on when the scheduler is.
   */
  gaugeFoldSchedule?: boolean;
  /**
   * Invite the owners of config/handoff.ts and `signIn.people` who are not demo users, as the stack does in
   * AWS: Cognito's invitation with a temporary password goes to the local SES inbox, once per data folder
   * (`npm start`).
   */
  invitePeople?: boolean;
  /** Two-step sign-in of the console (default: `config/app.ts` → `signIn.mfa`; tests try both). */
  mfa?: 'optional' | 'required';
  /** Poll the table stream continuously (default true); tests may drain it on demand instead. */
  pollStream?: boolean;
  log?: (line: string) => void;
}

type AnyHandler = (event: unknown, context: Context) => Promise<unknown>;

export interface Runtime {
  apiUrl: string;
  sesUrl: string;
  dynamodbEndpoint: string;
  tableName: string;
  opsToken: string;
  /** The sign-in stand-in (demo users, machine client, token verification). */
  auth: LocalAuth;
  /** The web console's URL (`/console/`). */
  consoleUrl: string;
  router: LocalEventRouter;
  events: () => readonly DeliveredEvent[];
  /** Run the real sweeper once, then deliver what it caused. */
  sweep: () => Promise<unknown>;
  advanceClock: (ms: number) => Promise<number>;
  /** Wait until every outbox item is published and every event delivered. */
  settle: () => Promise<void>;
  invoke: (functionName: string, event: unknown) => Promise<unknown>;
  stop: () => Promise<void>;
}

/**
 * The whole product on this machine: DynamoDB Local, the local SES, an HTTP server that plays API Gateway,
 * the local EventBridge router, the stream poller that plays the outbox's event source mapping, and the
 * scheduler that runs the sweeper. Only endpoints and credentials differ from AWS; the handlers are the
 * real ones, loaded after the environment is set, exactly as Lambda would load them.
 */
export const startRuntime = async (options: RuntimeOptions = {}): Promise<Runtime> => {
  const log = options.log ?? ((line: string) => console.log(line));
  const port = options.port ?? 3000;
  const tableName = options.tableName ?? 'leadloop-local';
  const stoppers: (() => Promise<void>)[] = [];

  if (options.opsToken !== undefined && options.opsToken.length < 16) {
    throw new Error('OPS_TOKEN must be at least 16 characters');
  }
  // Every port this runtime will bind, checked before any engine starts (one clear line instead of a
  // half-started runtime and a stack trace).
  await assertPortsFree([
    { port, envVar: 'PORT', what: 'the API' },
    ...(options.dynamodbEndpoint
      ? []
      : [{ port: options.dynamodbPort ?? 8000, envVar: 'DYNAMODB_PORT', what: 'DynamoDB Local' }]),
    ...(options.sesEndpoint
      ? []
      : [{ port: options.sesPort ?? 8005, envVar: 'SES_PORT', what: 'the local SES' }]),
  ]);
  if (options.dataDir && options.fresh) rmSync(options.dataDir, { recursive: true, force: true });
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });

  try {
    return await start(options, { log, port, tableName, stoppers });
  } catch (error) {
    // Requests already waiting on a server that will not become ready are answered by the stoppers'
    // server.close + closeAllConnections.
    for (const stop of stoppers) await stop().catch(() => {});
    throw error;
  }
};

const start = async (
  options: RuntimeOptions,
  ctx: { log: (line: string) => void; port: number; tableName: string; stoppers: (() => Promise<void>)[] },
): Promise<Runtime> => {
  const { log, port, tableName, stoppers } = ctx;
  const dynamo = options.dynamodbEndpoint
    ? { endpoint: options.dynamodbEndpoint, stop: async () => {} }
    : await startDynamoDbLocal(
        options.dynamodbPort ?? 8000,
        options.dataDir ? join(options.dataDir, 'dynamodb') : undefined,
      );
  stoppers.push(dynamo.stop);
  const ses = options.sesEndpoint
    ? { endpoint: options.sesEndpoint, stop: async () => {} }
    : await startLocalSes(options.sesPort ?? 8005);
  stoppers.push(ses.stop);

  // The API listens only once every handler is loaded. Only with port 0 (tests: "any free port") must it bind
  // first, to learn the port the handlers need (their EventBridge endpoint and public base URL); then every
  // request waits for `ready`. Either way none is accepted and left unanswered.
  let markReady: () => void = () => {};
  let markFailed: (error: unknown) => void = () => {};
  const ready = new Promise<void>((ok, fail) => {
    markReady = ok;
    markFailed = fail;
  });
  ready.catch(() => {});
  let handleRequest: (req: IncomingMessage, res: ServerResponse) => Promise<void> = async () => {};
  const server = createServer((req, res) => {
    ready.then(
      () =>
        handleRequest(req, res).catch((error: unknown) => {
          log(`local gateway error: ${error instanceof Error ? error.stack : String(error)}`);
          if (!res.headersSent) send(res, 502, JSON_TYPE, '{"message":"Internal Server Error"}');
        }),
      () => {
        if (!res.headersSent) send(res, 503, JSON_TYPE, '{"message":"Service Unavailable"}');
      },
    );
  });
  const listen = () =>
    new Promise<void>((ok, fail) => {
      server.once('error', (error: NodeJS.ErrnoException) =>
        fail(
          error.code === 'EADDRINUSE' ? new PortInUseError({ port, envVar: 'PORT', what: 'the API' }) : error,
        ),
      );
      server.listen(port, '127.0.0.1', () => ok());
    });
  if (port === 0) await listen();
  stoppers.unshift(
    () =>
      new Promise<void>((ok) => {
        // Start-up failed (or the runtime stops): requests still waiting get a 503, not silence.
        markFailed(new Error('the local runtime is not running'));
        if (!server.listening) return ok();
        server.close(() => ok());
        server.closeAllConnections();
      }),
  );
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  const apiUrl = `http://localhost:${actualPort}`;

  const opsToken = options.opsToken ?? persistentSecret(options.dataDir, 'ops-token', 24);
  // Credentials of this runtime only (random, never written anywhere): the in-process handlers sign with
  // them, so the PutEvents endpoint can tell its own functions from anyone else on the machine.
  const credentials = {
    accessKeyId: `LOCAL${randomBytes(8).toString('hex').toUpperCase()}`,
    secretAccessKey: randomBytes(24).toString('base64url'),
  };
  // Same variables the CDK function wrapper sets in AWS; only the endpoints point here.
  Object.assign(process.env, {
    AWS_REGION: process.env.AWS_REGION ?? LOCAL_REGION,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_ENDPOINT_URL_SESV2: ses.endpoint,
    AWS_ENDPOINT_URL_EVENTBRIDGE: apiUrl,
    SDK_TIMEOUT_SCALE: process.env.SDK_TIMEOUT_SCALE ?? LOCAL_SDK_TIMEOUT_SCALE,
    TABLE_NAME: tableName,
    EVENT_BUS_NAME: 'leadloop-local-leads',
    SES_CONFIGURATION_SET: 'leadloop-local',
    PUBLIC_BASE_URL: apiUrl,
    CONSOLE_URL: `${apiUrl}/console/`,
    // No X-Ray daemon here: Powertools Tracer stays off. EMF metric lines are CloudWatch's input and only
    // noise in a terminal (the sweeper alone reports its lag every few seconds): off unless asked for.
    POWERTOOLS_TRACE_ENABLED: 'false',
    POWERTOOLS_METRICS_DISABLED: process.env.POWERTOOLS_METRICS_DISABLED ?? 'true',
    POWERTOOLS_SERVICE_NAME: 'lead-loop-local',
    SIGNING_SECRET: persistentSecret(options.dataDir, 'signing-secret', 32),
    OPS_TOKEN: opsToken,
  });

  const admin = new DynamoDBClient({
    endpoint: dynamo.endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  const streamArn = await ensureTable(admin, tableName);
  admin.destroy();

  // Handlers are imported only now, after the environment is complete, as a Lambda cold start would.
  const { CORS, FUNCTIONS, GAUGE_FOLD_CRON, eventRules } = await import('#infra/catalog');
  const clock = await import('#adapters/clock');
  const { nextDueAt } = await import('#store/timers');
  const handlers = new Map<string, { spec: FunctionSpec; handler: AnyHandler }>();
  for (const spec of FUNCTIONS) {
    const module = (await import(join(ROOT, spec.entry))) as { handler: AnyHandler };
    handlers.set(spec.name, { spec, handler: module.handler });
  }
  const invoke = async (functionName: string, event: unknown): Promise<unknown> => {
    const entry = handlers.get(functionName);
    if (!entry) throw new Error(`no local function ${functionName}`);
    return entry.handler(event, lambdaContext(entry.spec));
  };

  const rules: LocalRule[] = eventRules().map((r) => ({
    name: r.name,
    bus: r.bus,
    pattern: r.pattern,
    target: r.functionName
      ? { kind: 'function', functionName: r.functionName }
      : { kind: 'log', description: r.description },
  }));
  const router = new LocalEventRouter({ leadsBusName: process.env.EVENT_BUS_NAME ?? '', rules, invoke, log });

  const poller = new StreamPoller({
    endpoint: dynamo.endpoint,
    streamArn,
    checkpointFile: options.dataDir ? join(options.dataDir, 'stream-checkpoint.json') : undefined,
    deliver: async (event) =>
      (await invoke('publisher', event)) as { batchItemFailures: { itemIdentifier: string }[] },
    log,
  });
  if (options.pollStream ?? true) poller.start();
  stoppers.unshift(() => poller.stop());

  const settle = async (): Promise<void> => {
    // Publishing can cause deliveries that write new outbox items: go round until both are quiet.
    for (let round = 0; round < 20; round++) {
      await poller.drain();
      await router.idle();
      const before = router.events().length;
      await poller.drain();
      if (router.events().length === before) return;
    }
  };

  /** A scheduled function's run, now, with the event EventBridge Scheduler would send; its result logged. */
  const runScheduled = (label: string, functionName: string) => async (): Promise<unknown> => {
    const result = await invoke(functionName, {
      source: 'local.scheduler',
      time: new Date(clock.now()).toISOString(),
    });
    log(`${label} ${JSON.stringify(result)}`);
    return result;
  };
  /** `leadloop digest send` (`POST /_local/digest`) and the local clock: the real digest handler, now. */
  const sendDigest = runScheduled('digest', 'report-digest');
  const { corsOrigins, settings } = await import('#config/settings');
  const { nextDigestAt } = await import('#domain/reports/digest');
  const { nextMorningListAt } = await import('#domain/handoff/owner-digest');
  /**
   * A cron of EventBridge Scheduler in AWS, played by the local clock: with the local scheduler on (or `on`
   * set), `run` fires at each slot `nextAt` names once the clock reaches it, and the next slot is taken from
   * just past this one. (A jump of the clock without ticks over a slot runs it late, once, at the next tick;
   * each function's claims keep a run from mailing twice.)
   */
  const localCron = (
    name: string,
    on: boolean | undefined,
    nextAt: ((after: number) => number) | undefined,
    run: () => Promise<unknown>,
  ) => {
    let next = nextAt && (on ?? (options.sweepEverySeconds ?? 5) > 0) ? nextAt(clock.now()) : undefined;
    return {
      /** The next slot still ahead of `now`, if any. */
      nextAfter: (now: number) => (next !== undefined && next > now ? next : undefined),
      ifDue: async (): Promise<void> => {
        if (!nextAt || next === undefined || clock.now() < next) return;
        next = nextAt(clock.now() + SCHEDULE_MS);
        await run().catch((e: unknown) =>
          log(`${name} failed: ${e instanceof Error ? e.message : String(e)}`),
        );
      },
    };
  };
  // The weekly digest, at the configured weekday and time in app.timeZone (tests, scheduler off, send on
  // demand).
  const digestConfig = handlers.has('report-digest') ? settings.reports.digest : undefined;
  // The morning list, at its time on the hand-off clocks' business mornings (the function itself also skips a
  // morning that is not one).
  const morningConfig = handlers.has('owner-morning-list')
    ? settings.handoff.ownerAlerts.morningList
    : undefined;
  const crons = [
    localCron(
      'digest',
      options.digestSchedule,
      digestConfig && ((after) => nextDigestAt(after, digestConfig, settings.app.timeZone)),
      sendDigest,
    ),
    localCron(
      'morning list',
      options.morningListSchedule,
      morningConfig && ((after) => nextMorningListAt(after, morningConfig.time, settings.handoff.sla.window)),
      runScheduled('morning list', 'owner-morning-list'),
    ),
    localCron(
      'gauge fold',
      options.gaugeFoldSchedule,
      nextUtcTimeAt(GAUGE_FOLD_CRON),
      runScheduled('gauge fold', 'report-fold'),
    ),
  ];
  /** The scheduled runs whose time has come (the digest, the morning list, the gauges' fold). */
  const schedulesIfDue = async (): Promise<void> => {
    for (const cron of crons) await cron.ifDue();
  };

  let sweeping: Promise<unknown> | undefined;
  const sweep = async (): Promise<unknown> => {
    sweeping ??= invoke('sweeper', {
      source: 'local.scheduler',
      time: new Date(clock.now()).toISOString(),
    }).finally(() => {
      sweeping = undefined;
    });
    const result = await sweeping;
    // Nothing claimed means nothing written: skip draining the stream (it dominates an idle sweep's cost).
    if ((result as { claimed?: number } | undefined)?.claimed !== 0) await settle();
    return result;
  };
  /**
   * Time passing with the scheduler running: the clock moves in ticks (15 simulated minutes by default) and
   * the sweeper runs at each, and also the moment the next timer falls due (at least a minute on, as AWS's
   * every-minute schedule), so a step due at 09:07 Tokyo goes out at 09:07, not at the tick's 09:15, and no
   * sweep finds a timer a whole tick late (which would publish a false `Sweeper Lagging` past the 10-minute
   * threshold). `tickMs: 0` jumps without sweeping.
   */
  const advanceWithScheduler = async (ms: number, tickMs: number): Promise<number> => {
    if (tickMs === 0 || ms === 0) {
      clock.advanceClock(ms);
      return 0;
    }
    const step = Math.max(tickMs, Math.ceil(ms / MAX_TICKS));
    const end = clock.now() + ms;
    let ticks = 0;
    while (clock.now() < end) {
      const now = clock.now();
      // Bounded: past MAX_TICKS stops, plain ticks (a due timer every minute for months would be 500,000).
      const due = ticks < MAX_TICKS ? await nextDueAt() : undefined;
      // A timer still due after the last sweep (failing, or of an unknown kind) does not shorten the tick: it
      // would make every remaining minute a sweep.
      const at = Math.min(
        end,
        now + step,
        due === undefined || due <= now ? end : Math.max(due, now + SCHEDULE_MS),
        ...crons.map((cron) => cron.nextAfter(now) ?? end),
      );
      clock.advanceClock(at - now);
      await sweep();
      await schedulesIfDue();
      ticks++;
    }
    return ticks;
  };

  const sweepEvery = options.sweepEverySeconds ?? 5;
  if (sweepEvery > 0) {
    const timer = setInterval(() => {
      sweep()
        .then(schedulesIfDue)
        .catch((e: unknown) => log(`sweep failed: ${e instanceof Error ? e.message : String(e)}`));
    }, sweepEvery * 1000);
    stoppers.unshift(async () => clearInterval(timer));
  }

  // Static segments before parameters, as API Gateway chooses (`…/{leadId}/activities` over `…/{action}`).
  const routes = FUNCTIONS.flatMap((spec) => spec.routes.map((route) => compileRoute(spec.name, route))).sort(
    (a, b) => a.params.length - b.params.length,
  );
  const auth = await createLocalAuth({
    apiUrl,
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    opsToken,
    now: () => clock.now(),
    people: [
      ...settings.handoff.owners.map((o) => ({ email: o.email, name: o.name, role: 'sales' as const })),
      ...settings.app.signIn.people,
    ],
    mfa: options.mfa ?? settings.app.signIn.mfa,
    mail: cognitoMailSender(ses.endpoint, settings.app.sender.sesIdentity),
  });
  const invitations = options.invitePeople ? await auth.sendInvitations() : 0;
  if (invitations) log(`invited ${invitations} people (Cognito's invitation, in the SES inbox)`);
  let consoleBundle: Promise<ConsoleBundle> | undefined;
  const allowedOrigins = new Set(corsOrigins());

  const runtime: Runtime = {
    apiUrl,
    sesUrl: ses.endpoint.replace('127.0.0.1', 'localhost'),
    dynamodbEndpoint: dynamo.endpoint,
    tableName,
    opsToken,
    auth,
    consoleUrl: `${apiUrl}/console/`,
    router,
    events: () => router.events(),
    sweep,
    advanceClock: async (ms) => clock.advanceClock(ms),
    settle,
    invoke,
    stop: async () => {
      if (options.dataDir) removeRuntimeInfo(options.dataDir);
      for (const stop of stoppers) await stop();
    },
  };

  handleRequest = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readRequestBody(req, res, API_GATEWAY_MAX_BODY_BYTES);
    if (!body) return; // 413 answered
    let url: URL;
    try {
      url = new URL(req.url ?? '/', apiUrl);
    } catch {
      // e.g. `//`: a target that is not a path. API Gateway refuses it before any function runs.
      return send(res, 400, JSON_TYPE, '{"message":"Bad Request: malformed request target"}');
    }
    const method = req.method ?? 'GET';
    const target = req.headers['x-amz-target'];

    if (typeof target === 'string' && target.startsWith('AWSEvents.')) {
      // Only this runtime's own functions (signed with its credentials) or a holder of the ops token may
      // put events: a CRM sales action on the bus changes a lead.
      if (!mayPutEvents(req.headers.authorization, credentials.accessKeyId, opsToken)) {
        return send(
          res,
          403,
          { 'content-type': 'application/x-amz-json-1.1' },
          '{"__type":"AccessDeniedException","message":"PutEvents needs the ops token (Authorization: Bearer …)"}',
        );
      }
      if (target !== 'AWSEvents.PutEvents')
        return send(res, 400, {}, `{"message":"${target} is not emulated"}`);
      let request: { Entries?: [] };
      try {
        request = JSON.parse(body.toString('utf8')) as { Entries?: [] };
      } catch {
        return send(
          res,
          400,
          { 'content-type': 'application/x-amz-json-1.1' },
          '{"__type":"SerializationException"}',
        );
      }
      const result = router.putEvents(request.Entries ?? []);
      return send(res, 200, { 'content-type': 'application/x-amz-json-1.1' }, JSON.stringify(result));
    }

    let path: string;
    try {
      path = decodeURIComponent(url.pathname);
    } catch {
      // API Gateway refuses a path it cannot decode before any function runs.
      return send(res, 400, JSON_TYPE, '{"message":"Bad Request: malformed percent-encoding in the path"}');
    }
    if (path.startsWith('/_local/cognito/')) {
      const answer = await auth.handle(method, url.pathname, req.headers, body);
      if (answer) return send(res, answer.status, answer.headers, answer.body);
      return send(res, 404, JSON_TYPE, '{"message":"Not Found"}');
    }
    if ((path === '/console' || path.startsWith('/console/')) && method === 'GET') {
      consoleBundle ??= buildConsole({
        apiUrl,
        cognitoEndpoint: auth.cognitoEndpoint,
        mfa: options.mfa ?? settings.app.signIn.mfa,
      });
      const file = (await consoleBundle).serve(path);
      if (!file) return send(res, 404, JSON_TYPE, '{"message":"Not Found"}');
      return send(res, 200, file.headers, file.body);
    }
    if (path.startsWith('/_local/')) return localRoute(method, url.pathname, body, res);
    if (url.pathname.startsWith('/examples/') && method === 'GET') return serveExample(path, res);

    const origin = req.headers.origin;
    const cors: Record<string, string> =
      origin && allowedOrigins.has(origin) ? { 'access-control-allow-origin': origin, vary: 'Origin' } : {};
    if (method === 'OPTIONS') {
      // API Gateway answers preflights itself from the API's CORS settings.
      return send(
        res,
        204,
        {
          ...cors,
          ...(cors['access-control-allow-origin']
            ? {
                'access-control-allow-methods': CORS.methods.join(','),
                'access-control-allow-headers': CORS.headers.join(','),
                'access-control-max-age': String(CORS.maxAgeSeconds),
              }
            : {}),
        },
        '',
      );
    }

    let matched: ReturnType<typeof matchRoute>;
    try {
      matched = matchRoute(routes, method, url.pathname);
    } catch (error) {
      if (error instanceof MalformedPathError) return send(res, 400, JSON_TYPE, `{"message":"Bad Request"}`);
      throw error;
    }
    if (!matched) return send(res, 404, { 'content-type': 'application/json' }, '{"message":"Not Found"}');
    if ('methodNotAllowed' in matched)
      return send(res, 404, { 'content-type': 'application/json' }, '{"message":"Not Found"}');
    let claims: Record<string, string> | undefined;
    if (matched.compiled.route.auth === 'jwt') {
      // As the HTTP API JWT authorizer: no valid token, no function (401 like API Gateway's).
      const verified = await auth.verify(req.headers.authorization);
      if ('error' in verified) {
        return send(
          res,
          401,
          { ...cors, 'content-type': 'application/json', 'www-authenticate': 'Bearer' },
          '{"message":"Unauthorized"}',
        );
      }
      claims = verified.claims;
    }
    const event = withClaims(
      toHttpApiEvent(req, body, matched.compiled, matched.pathParameters, clock.now()),
      claims,
    );
    const result = (await invoke(matched.compiled.functionName, event)) as {
      statusCode?: number;
      headers?: Record<string, string>;
      body?: string;
      isBase64Encoded?: boolean;
      cookies?: string[];
    };
    const headers: Record<string, string | string[]> = { ...cors, ...(result.headers ?? {}) };
    if (result.cookies?.length) headers['set-cookie'] = result.cookies;
    const payload = result.body
      ? Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8')
      : Buffer.alloc(0);
    send(res, result.statusCode ?? 200, headers, payload);
  };

  const localRoute = async (
    method: string,
    path: string,
    body: Buffer,
    res: ServerResponse,
  ): Promise<void> => {
    const ok = (value: unknown) =>
      send(res, 200, { 'content-type': 'application/json' }, JSON.stringify(value));
    if (method === 'GET' && path === '/_local/events') return ok(router.events());
    if (method === 'POST' && path === '/_local/sweep')
      return ok({ result: await sweep(), now: new Date(clock.now()).toISOString() });
    if (method === 'POST' && path === '/_local/clock') {
      let input: { advanceMs?: unknown; tickMs?: unknown } = {};
      try {
        input = JSON.parse(body.toString('utf8') || '{}') as typeof input;
      } catch {
        input = {};
      }
      const { advanceMs, tickMs = DEFAULT_TICK_MS } = input;
      const valid = (v: unknown, max: number): v is number =>
        typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= max;
      if (!valid(advanceMs, MAX_ADVANCE_MS) || !valid(tickMs, MAX_ADVANCE_MS)) {
        return send(
          res,
          400,
          { 'content-type': 'application/json' },
          '{"message":"advanceMs (0 to 366 days) and tickMs (≥ 0) must be numbers of milliseconds"}',
        );
      }
      const ticks = await advanceWithScheduler(advanceMs, tickMs);
      const now = clock.now();
      log(
        `clock  advanced ${advanceMs} ms → ${new Date(now).toISOString()}${ticks ? ` (sweeper ran ${ticks}×)` : ''}`,
      );
      return ok({ now: new Date(now).toISOString(), offsetMs: clock.clockOffset(), sweeps: ticks });
    }
    if (method === 'POST' && path === '/_local/digest') {
      if (!handlers.has('report-digest'))
        return send(
          res,
          404,
          { 'content-type': 'application/json' },
          '{"message":"No digest configured (config/reports.ts → digest)"}',
        );
      return ok({ result: await sendDigest(), now: new Date(clock.now()).toISOString() });
    }
    if (method === 'GET' && path === '/_local/clock') {
      return ok({ now: new Date(clock.now()).toISOString(), offsetMs: clock.clockOffset() });
    }
    send(res, 404, { 'content-type': 'application/json' }, '{"message":"Not Found"}');
  };

  markReady();
  if (!server.listening) await listen();
  if (options.dataDir) {
    writeRuntimeInfo(options.dataDir, {
      pid: process.pid,
      apiUrl,
      sesUrl: runtime.sesUrl,
      dynamodbEndpoint: dynamo.endpoint,
      tableName,
      dataDir: options.dataDir,
      startedAt: new Date().toISOString(),
    });
  }
  return runtime;
};

const JSON_TYPE = { 'content-type': 'application/json' };

/**
 * Who may call the local PutEvents: a request SigV4-signed with this runtime's own access key (its
 * in-process functions: `Credential=<key>/…`), or one with `Authorization: Bearer <ops token>`.
 */
/** The next moment after `after` at a daily cron's hour and minute in UTC (the gauges' fold). */
const nextUtcTimeAt =
  (cron: { hour: string; minute: string }) =>
  (after: number): number => {
    const d = new Date(after);
    const at = Date.UTC(
      d.getUTCFullYear(),
      d.getUTCMonth(),
      d.getUTCDate(),
      Number(cron.hour),
      Number(cron.minute),
    );
    return at > after ? at : at + 86_400_000;
  };

export const mayPutEvents = (
  authorization: string | undefined,
  runtimeAccessKeyId: string,
  opsToken: string,
): boolean => {
  if (!authorization) return false;
  if (authorization === `Bearer ${opsToken}`) return true;
  const credential = /^AWS4-HMAC-SHA256\s+Credential=([^/,\s]+)\//.exec(authorization);
  return credential?.[1] === runtimeAccessKeyId;
};

const EXAMPLE_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

const serveExample = (pathname: string, res: ServerResponse): void => {
  const examples = join(ROOT, 'examples');
  const file = normalize(join(ROOT, pathname));
  const type = EXAMPLE_TYPES[extname(file)];
  if (!file.startsWith(`${examples}/`) || !type || !existsSync(file)) {
    send(res, 404, { 'content-type': 'text/plain' }, 'Not Found');
    return;
  }
  send(res, 200, { 'content-type': type, 'cache-control': 'no-store' }, readFileSync(file));
};

const send = (
  res: ServerResponse,
  status: number,
  headers: Record<string, string | string[]>,
  body: string | Buffer,
) => {
  // `Date` from the runtime's clock, which `POST /_local/clock` moves: the console reads "today" from it.
  res.writeHead(status, { date: new Date(clockNow()).toUTCString(), ...headers });
  res.end(body);
};

/**
 * The request body, or undefined once a body over `limit` has been answered with 413 (as API Gateway
 * does): nothing more is buffered, the rest is drained and discarded so the client reads the answer
 * instead of a reset connection, and the connection closes after it.
 */
export const readRequestBody = (
  req: IncomingMessage,
  res: ServerResponse,
  limit: number,
): Promise<Buffer | undefined> =>
  new Promise((ok, fail) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) return tooLarge();
      chunks.push(chunk);
    };
    const tooLarge = () => {
      req.removeListener('data', onData);
      send(
        res,
        413,
        { ...JSON_TYPE, connection: 'close' },
        `{"message":"Request Entity Too Large: the body exceeds ${limit} bytes"}`,
      );
      // Drain what is in flight (bounded in time), then close.
      req.resume();
      const timer = setTimeout(() => req.socket.destroy(), 5_000);
      timer.unref();
      req.once('end', () => clearTimeout(timer));
      ok(undefined);
    };
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) return tooLarge();
    req.on('data', onData);
    req.on('end', () => {
      if (size <= limit) ok(Buffer.concat(chunks));
    });
    req.on('error', fail);
  });

const lambdaContext = (spec: FunctionSpec): Context => {
  const deadline = Date.now() + spec.timeoutSeconds * 1000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: spec.name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${LOCAL_REGION}:000000000000:function:${spec.name}`,
    memoryLimitInMB: String(spec.memoryMb),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${spec.name}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
};

/** A secret generated once per data folder (or per process when in memory). */
const persistentSecret = (dataDir: string | undefined, name: string, bytes: number): string => {
  if (!dataDir) return randomBytes(bytes).toString('base64url');
  const file = join(dataDir, name);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const value = randomBytes(bytes).toString('base64url');
  writeFileSync(file, value, { mode: 0o600 });
  return value;
};

export type { Server };

/** Sends Cognito's mail (an invitation, a reset code) to the local SES, from the stack's SES identity. */
function cognitoMailSender(endpoint: string, sesIdentity: string) {
  const client = new SESv2Client({
    endpoint,
    region: 'ap-northeast-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const from = `${INVITATION_FROM_NAME} <${invitationFromAddress(sesIdentity)}>`;
  return async (to: string, mail: { subject: string; html: string }): Promise<void> => {
    await client.send(
      new SendEmailCommand({
        FromEmailAddress: from,
        Destination: { ToAddresses: [to] },
        Content: {
          Simple: {
            Subject: { Data: mail.subject, Charset: 'UTF-8' },
            Body: { Html: { Data: mail.html, Charset: 'UTF-8' } },
          },
        },
      }),
    );
  };
}
