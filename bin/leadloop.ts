/**
 * `leadloop`: the ops API from a terminal. Talks to the local runtime by default (`$DATA_DIR/runtime.json`
 * and `$DATA_DIR/ops-token`), or to a deployed stack (`--api URL` / `LEADLOOP_API_URL`, token `--token` /
 * `LEADLOOP_TOKEN`, or the machine client's credentials `LEADLOOP_CLIENT_ID` / `LEADLOOP_CLIENT_SECRET` /
 * `LEADLOOP_TOKEN_URL`, exchanged for an access token with the OAuth2 client_credentials grant). Tables for people, `--json` for scripts. Exit codes: 0 ok, 1 failure, 2 usage,
 * 3 not found. A lead is named by id or by e-mail everywhere (an e-mail is resolved through
 * `GET /v1/ops/leads?email=`).
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { localDataDir, readRuntimeInfo } from '#local/runtime-file';
import { initiateLocalAuth } from '#local/sign-in';

export const EXIT = { ok: 0, failure: 1, usage: 2, notFound: 3 } as const;

class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

interface ClientCredentials {
  clientId: string;
  clientSecret: string;
  tokenUrl: string;
  scope?: string;
}
interface Target {
  api: string;
  token: string | undefined;
  credentials?: ClientCredentials;
}

function clientCredentials(): ClientCredentials | undefined {
  const {
    LEADLOOP_CLIENT_ID: clientId,
    LEADLOOP_CLIENT_SECRET: clientSecret,
    LEADLOOP_TOKEN_URL: tokenUrl,
  } = process.env;
  if (!clientId && !clientSecret) return undefined;
  if (!clientId || !clientSecret || !tokenUrl) {
    throw new CliError(
      'Client credentials need LEADLOOP_CLIENT_ID, LEADLOOP_CLIENT_SECRET and LEADLOOP_TOKEN_URL together.',
      EXIT.usage,
    );
  }
  return {
    clientId,
    clientSecret,
    tokenUrl,
    ...(process.env.LEADLOOP_SCOPE ? { scope: process.env.LEADLOOP_SCOPE } : {}),
  };
}

/** The OAuth2 client_credentials grant (Cognito's /oauth2/token, or `npm start`'s stand-in). */
async function fetchClientToken(c: ClientCredentials): Promise<string> {
  let response: Response;
  try {
    response = await fetch(c.tokenUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${c.clientId}:${c.clientSecret}`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', ...(c.scope ? { scope: c.scope } : {}) }),
    });
  } catch (error) {
    throw new CliError(`Cannot reach ${c.tokenUrl}: ${(error as Error).message}`, EXIT.failure);
  }
  const body = (await response.json().catch(() => ({}))) as { access_token?: string; error?: string };
  if (!response.ok || !body.access_token) {
    throw new CliError(
      `The token endpoint refused the client: ${body.error ?? response.status}`,
      EXIT.failure,
    );
  }
  return body.access_token;
}

async function bearer(t: Target): Promise<string | undefined> {
  if (t.token === undefined && t.credentials) t.token = await fetchClientToken(t.credentials);
  return t.token;
}

interface GlobalOptions {
  api?: string;
  token?: string;
  json?: boolean;
}

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function target(options: GlobalOptions): Target {
  const api = options.api ?? process.env.LEADLOOP_API_URL;
  const token = options.token ?? process.env.LEADLOOP_TOKEN;
  const credentials = token === undefined ? clientCredentials() : undefined;
  if (api) return { api: api.replace(/\/+$/, ''), token, ...(credentials ? { credentials } : {}) };
  const dataDir = localDataDir();
  const running = readRuntimeInfo(dataDir);
  if (!running) {
    throw new CliError(
      `No local runtime found in ${dataDir} (start one with \`npm start\`), and no --api / LEADLOOP_API_URL given.`,
      EXIT.failure,
    );
  }
  // A person's token saved by `leadloop login`, else the ops token (the local machine credential).
  const saved = [join(dataDir, 'cli-token'), join(dataDir, 'ops-token')].find((f) => existsSync(f));
  const localToken = token ?? (credentials || !saved ? undefined : readFileSync(saved, 'utf8').trim());
  return { api: running.apiUrl, token: localToken, ...(credentials ? { credentials } : {}) };
}

interface ApiResult {
  status: number;
  body: unknown;
  text: string;
}

async function call(t: Target, method: string, path: string, body?: unknown): Promise<ApiResult> {
  let response: Response;
  const token = await bearer(t);
  try {
    response = await fetch(`${t.api}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        accept: 'application/json',
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  } catch (error) {
    throw new CliError(`Cannot reach ${t.api}: ${(error as Error).message}`, EXIT.failure);
  }
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // Not JSON (CSV, HTML): keep the text.
  }
  return { status: response.status, body: parsed, text };
}

/** The API's error, as it said it; 404 → exit 3, other 4xx/5xx → exit 1. */
function failIfError(result: ApiResult, what: string): void {
  if (result.status < 400) return;
  const error = (result.body as { error?: { code?: string; message?: string; errors?: unknown[] } } | null)
    ?.error;
  const detail = error
    ? `${error.message ?? ''}${error.code ? ` (${error.code})` : ''}${
        error.errors ? `\n${JSON.stringify(error.errors, null, 2)}` : ''
      }`
    : result.text.slice(0, 500);
  throw new CliError(
    `${what}: HTTP ${result.status} ${detail}`.trim(),
    result.status === 404 ? EXIT.notFound : EXIT.failure,
  );
}

/** A lead named by id or by e-mail → its id. */
async function resolveLead(t: Target, ref: string): Promise<string> {
  if (!ref.includes('@')) return ref;
  const result = await call(t, 'GET', `/v1/ops/leads?email=${encodeURIComponent(ref)}`);
  failIfError(result, `lead ${ref}`);
  const leadId = (result.body as { leadId?: unknown }).leadId;
  if (typeof leadId !== 'string') throw new CliError(`lead ${ref}: no leadId in the answer`, EXIT.failure);
  return leadId;
}

function print(options: GlobalOptions, value: unknown, table?: () => string): void {
  if (options.json || !table) process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  else process.stdout.write(`${table()}\n`);
}

/** A plain text table (East Asian wide characters count double, so Japanese names line up). */
export function formatTable(rows: Record<string, unknown>[], columns: string[]): string {
  const width = (s: string) => [...s].reduce((w, c) => w + (/[\u1100-\uffdc]/.test(c) ? 2 : 1), 0);
  const cell = (v: unknown) =>
    v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  const widths = columns.map((c) => Math.max(width(c), ...rows.map((r) => width(cell(r[c])))));
  const line = (values: string[]) =>
    values
      .map((v, i) => v + ' '.repeat((widths[i] ?? 0) - width(v)))
      .join('  ')
      .trimEnd();
  return [
    line(columns),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map((r) => line(columns.map((c) => cell(r[c])))),
  ].join('\n');
}

const keyValues = (value: Record<string, unknown>, keys: string[]): string =>
  formatTable(
    keys.map((k) => ({ field: k, value: value[k] })),
    ['field', 'value'],
  );

function runScript(script: string, args: string[]): never {
  const tsx = join(ROOT, 'node_modules', '.bin', 'tsx');
  const result = spawnSync(tsx, [join(ROOT, 'scripts', script), ...args], { stdio: 'inherit' });
  process.exit(result.status ?? EXIT.failure);
}

/** A lead's attributes as options (`--last-name` → `lastName`, …): what `leads create` and `leads edit` take. */
const ATTRIBUTE_OPTIONS: readonly (readonly [string, string])[] = [
  ['--last-name <name>', 'family name (姓)'],
  ['--first-name <name>', 'given name (名)'],
  ['--company <company>', 'company (会社名)'],
  ['--department <department>', 'department (部署)'],
  ['--title <title>', 'title (役職)'],
  ['--phone <phone>', 'phone (電話番号)'],
  ['--prefecture <prefecture>', 'prefecture (都道府県)'],
  ['--employees <n>', 'employees (従業員数)'],
  ['--industry <industry>', 'industry (業種)'],
  ['--country <country>', 'country (JP, US, …)'],
];
const withAttributeOptions = (command: Command): Command => {
  for (const [flags, description] of ATTRIBUTE_OPTIONS) command.option(flags, description);
  return command;
};

export function buildProgram(): Command {
  const program = new Command('leadloop')
    .description('Lead loop ops from the terminal: leads, imports, reports, export and erase.')
    .option(
      '--api <url>',
      'API base URL of a deployed stack (default: LEADLOOP_API_URL, else the local runtime)',
    )
    .option(
      '--token <token>',
      "bearer token (default: LEADLOOP_TOKEN, else client credentials LEADLOOP_CLIENT_ID/SECRET + LEADLOOP_TOKEN_URL, else locally `leadloop login`'s or the ops token)",
    )
    .option('--json', 'print JSON (for scripts) instead of tables')
    .exitOverride()
    .showHelpAfterError()
    .addHelpText(
      'after',
      '\nExit codes: 0 ok, 1 failure, 2 usage, 3 not found.\nA lead is named by its id or its e-mail address.',
    );
  const g = (): GlobalOptions => program.opts<GlobalOptions>();

  program
    .command('login')
    .description('Sign in as a person on the local runtime (a demo user from the banner); saves the token')
    .argument('<username>', 'admin, marketing, sales or the e-mail address')
    .option('--password <password>', 'default: LEADLOOP_PASSWORD')
    .action(async (username: string, opts: { password?: string }) => {
      const password = opts.password ?? process.env.LEADLOOP_PASSWORD;
      if (!password) throw new CliError('Give --password or LEADLOOP_PASSWORD.', EXIT.usage);
      const dataDir = localDataDir();
      const running = readRuntimeInfo(dataDir);
      if (!running)
        throw new CliError('No local runtime found: `leadloop login` signs in to `npm start`.', EXIT.failure);
      const response = await initiateLocalAuth(running.apiUrl, username, password);
      const body = (await response.json().catch(() => ({}))) as {
        AuthenticationResult?: { IdToken: string; ExpiresIn: number };
        ChallengeName?: string;
        message?: string;
      };
      if (body.ChallengeName === 'NEW_PASSWORD_REQUIRED')
        throw new CliError(
          `That is a temporary password: sign in once on the console (${running.apiUrl}/console/) to choose your own, then log in with it.`,
          EXIT.failure,
        );
      if (body.ChallengeName)
        throw new CliError(
          `This sign-in asks for a further step (${body.ChallengeName}, e.g. an authenticator code) that the CLI does not take: use the console, or the machine client's credentials.`,
          EXIT.failure,
        );
      if (!body.AuthenticationResult) throw new CliError(body.message ?? 'Sign-in failed.', EXIT.failure);
      writeFileSync(join(dataDir, 'cli-token'), body.AuthenticationResult.IdToken, { mode: 0o600 });
      print(
        g(),
        { signedIn: username, expiresIn: body.AuthenticationResult.ExpiresIn },
        () =>
          `Signed in as ${username} for ${body.AuthenticationResult?.ExpiresIn ?? 0} s (token in ${join(dataDir, 'cli-token')}; \`leadloop logout\` forgets it).`,
      );
    });
  program
    .command('logout')
    .description('Forget the token saved by `leadloop login` (back to the ops token)')
    .action(() => {
      rmSync(join(localDataDir(), 'cli-token'), { force: true });
      print(g(), { signedOut: true }, () => 'Signed out.');
    });

  const leads = program.command('leads').description('Leads: list, show, create, edit, unsubscribe');
  leads
    .command('list')
    .description('List leads (GET /v1/ops/leads?…)')
    .option('--stage <stage>', 'only this lifecycle stage')
    .option('--temperature <temperature>', 'only cold, warm or hot')
    .option('--company <name>', 'a company-name search (株式会社, width and case aside), in name order')
    .option('--phone <number>', 'a phone-number search: the leads whose number ends with it (4+ digits)')
    .option('--limit <n>', 'at most this many', '50')
    .option('--cursor <cursor>', 'continue from a previous page')
    .action(async (o: Record<string, string | undefined>) => {
      const t = target(g());
      const query = new URLSearchParams(
        Object.entries(o).filter((e): e is [string, string] => typeof e[1] === 'string'),
      );
      const result = await call(t, 'GET', `/v1/ops/leads?${query}`);
      failIfError(result, 'leads list');
      const items = ((result.body as { items?: Record<string, unknown>[] }).items ?? []) as Record<
        string,
        unknown
      >[];
      print(g(), result.body, () =>
        formatTable(items, ['leadId', 'email', 'company', 'phone', 'stage', 'temperature', 'score']),
      );
    });
  leads
    .command('show')
    .argument('<lead>', 'lead id or e-mail')
    .description('One lead with its score and timeline (GET /v1/ops/leads/{leadId})')
    .action(async (ref: string) => {
      const t = target(g());
      const leadId = await resolveLead(t, ref);
      const result = await call(t, 'GET', `/v1/ops/leads/${encodeURIComponent(leadId)}`);
      failIfError(result, `lead ${ref}`);
      const lead = result.body as Record<string, unknown> & {
        score?: { total?: number };
        owner?: { ownerId?: string; name?: string; team?: string } | null;
        handoff?: { n?: number; trigger?: string; dueAt?: string; firstContactDueAt?: string } | null;
        deal?: { opportunities?: { phase?: string; amount?: number; currency?: string }[] } | null;
      };
      const { owner, handoff } = lead;
      const opportunity = lead.deal?.opportunities?.at(-1);
      print(g(), lead, () =>
        keyValues(
          {
            ...lead,
            score: lead.score?.total,
            owner: owner ? `${owner.name ?? owner.ownerId} (${owner.ownerId}, ${owner.team})` : undefined,
            handoff: handoff ? `#${handoff.n} ${handoff.trigger ?? ''}`.trim() : undefined,
            acceptBy: handoff?.dueAt,
            firstContactBy: handoff?.firstContactDueAt,
            opportunity: opportunity
              ? `${opportunity.phase} ${opportunity.amount ?? ''} ${opportunity.currency ?? ''}`.trim()
              : undefined,
          },
          [
            'leadId',
            'email',
            'stage',
            'temperature',
            'score',
            'channel',
            'owner',
            'handoff',
            'acceptBy',
            'firstContactBy',
            'opportunity',
          ],
        ),
      );
    });
  withAttributeOptions(leads.command('create'))
    .description(
      'Create a lead by hand (POST /v1/ops/leads); an existing address is updated (exit 0 either way)',
    )
    .requiredOption('--email <email>', 'e-mail address')
    .requiredOption(
      '--channel <channel>',
      'event | webinar | outbound | referral | partner | inbound_web | inbound_phone | import',
    )
    .requiredOption('--source <text>', 'where the lead comes from, e.g. "展示会 2026 東京"')
    .requiredOption(
      '--consent <basis>',
      'form | business_card | existing_relationship | none (none: no marketing mail)',
    )
    .option('--owner <id>', 'owner to hand the lead off to')
    .option(
      '--inquiry',
      'the person asked to be contacted (a phone inquiry): hand off as an inquiry, at once',
    )
    .option('--name <name>', 'full name (氏名), split when --last-name/--first-name are not given')
    .option('--time-zone <zone>', 'IANA time zone (default: from the country)')
    .action(async (o: Record<string, string | boolean | undefined>) => {
      const t = target(g());
      const { email, channel, source, consent, owner, inquiry, ...rest } = o;
      const attributes = Object.fromEntries(
        Object.entries(rest).filter((e): e is [string, string] => typeof e[1] === 'string'),
      );
      const result = await call(t, 'POST', '/v1/ops/leads', {
        email,
        attributes,
        channel,
        source,
        consentBasis: consent,
        ...(owner ? { ownerId: owner } : {}),
        ...(inquiry === true ? { inquiry: true } : {}),
      });
      failIfError(result, 'leads create');
      print(g(), result.body, () => {
        const body = result.body as Record<string, unknown> & {
          assignment?: {
            ownerId?: string;
            skipped?: string;
            dueAt?: string;
            firstContactDueAt?: string;
          } | null;
        };
        const a = body.assignment;
        if (!a) return keyValues(body, ['leadId', 'created']);
        // The new hand-off's deadlines, when it has them: by when the owner must accept and call.
        const due = { acceptBy: a.dueAt, firstContactBy: a.firstContactDueAt };
        return keyValues({ ...body, ...due, owner: a.ownerId ?? `(${a.skipped ?? 'none'})` }, [
          'leadId',
          'created',
          'owner',
          ...Object.entries(due).flatMap(([k, v]) => (v ? [k] : [])),
        ]);
      });
    });

  withAttributeOptions(leads.command('edit'))
    .argument('<lead>', 'lead id or e-mail')
    .description(
      'Correct a lead\'s details (POST /v1/ops/leads/{leadId}/attributes): set values ("" clears one), apply or dismiss proposals; the fit is recomputed',
    )
    .option('--time-zone <zone>', 'IANA time zone, e.g. Asia/Tokyo')
    .option('--email <email>', 'the corrected address (a card read wrong, a typo)')
    .option('--apply <fields>', 'proposals to apply, comma-separated (e.g. title,company)')
    .option('--dismiss <fields>', 'proposals to dismiss, comma-separated')
    .option('--note <text>', 'how it was confirmed, e.g. "電話で本人に確認" (kept on the timeline)')
    .option('--by <owner>', 'who edited (a machine token; a signed-in person is recorded as themselves)')
    .option('--action-id <id>', 'idempotency key (default: a new one); the same id again changes nothing')
    .action(async (ref: string, o: Record<string, string | undefined>) => {
      const t = target(g());
      const { apply, dismiss, note, by, actionId, ...rest } = o;
      const attributes = Object.fromEntries(
        Object.entries(rest).filter((e): e is [string, string] => typeof e[1] === 'string'),
      );
      const fields = (list: string | undefined) =>
        (list ?? '')
          .split(',')
          .map((f) => f.trim())
          .filter(Boolean);
      const proposals = Object.fromEntries([
        ...fields(apply).map((f) => [f, 'apply']),
        ...fields(dismiss).map((f) => [f, 'dismiss']),
      ]);
      const leadId = await resolveLead(t, ref);
      const result = await call(t, 'POST', `/v1/ops/leads/${encodeURIComponent(leadId)}/attributes`, {
        actionId: actionId ?? `cli-${randomUUID()}`,
        attributes,
        proposals,
        ...(note ? { note } : {}),
        ...(by ? { by } : {}),
      });
      failIfError(result, `edit ${ref}`);
      print(g(), result.body, () => {
        const body = result.body as Record<string, unknown> & {
          changed: string[];
          proposals: Record<string, string>;
          score: { total: number; fit: number };
        };
        return keyValues(
          {
            ...body,
            changed: body.changed.join(', ') || '(nothing)',
            proposals: Object.entries(body.proposals)
              .map(([k, v]) => `${k} ${v}`)
              .join(', '),
            score: `${body.score.total} (fit ${body.score.fit})`,
          },
          ['leadId', 'changed', 'proposals', 'stage', 'temperature', 'grade', 'score'],
        );
      });
    });

  leads
    .command('unsubscribe')
    .argument('<lead>', 'lead id or e-mail')
    .description(
      'Record an opt-out the person asked for by phone or reply (POST /v1/ops/leads/{leadId}/unsubscribe): marketing mail stops at once, sequences end',
    )
    .requiredOption(
      '--note <text>',
      'how and when they asked, e.g. "12/4 電話で本人より依頼" (kept in the consent ledger)',
    )
    .option(
      '--by <owner>',
      'who took the request (a machine token; a signed-in person is recorded as themselves)',
    )
    .action(async (ref: string, o: { note: string; by?: string }) => {
      const t = target(g());
      const leadId = await resolveLead(t, ref);
      const result = await call(t, 'POST', `/v1/ops/leads/${encodeURIComponent(leadId)}/unsubscribe`, {
        note: o.note,
        ...(o.by ? { by: o.by } : {}),
      });
      failIfError(result, `unsubscribe ${ref}`);
      print(g(), result.body, () =>
        keyValues(result.body as Record<string, unknown>, ['leadId', 'unsubscribed', 'alreadyUnsubscribed']),
      );
    });

  program
    .command('import')
    .description(
      'Import leads from a CSV file into the table, with a progress bar; resumable (same as `npm run import`; try `leadloop import --help`)',
    )
    .allowUnknownOption()
    .helpOption(false)
    .argument(
      '[args...]',
      'FILE.csv --channel C --source TEXT --consent BASIS [--owner ID] [--encoding sjis] [--map SPEC] [--dry-run] [--json]',
    )
    .action((args: string[]) =>
      runScript('import-leads.ts', [...args, ...(g().json && !args.includes('--json') ? ['--json'] : [])]),
    );

  const report = program.command('report').description('Reports (GET /v1/ops/reports/{name})');
  const GROUPS = {
    funnel: 'none|channel|source|campaign|form|owner',
    leads: 'none|channel|source|form',
    email: 'none|sequence|step|template',
    sla: 'none|owner|team',
  } as const;
  for (const name of ['funnel', 'leads', 'email', 'sla'] as const) {
    const command = report
      .command(name)
      .description(`The ${name} report`)
      .option('--from <date>', 'first day (YYYY-MM-DD; default: the first of this month)')
      .option('--to <date>', 'last day (YYYY-MM-DD; default: the end of this month)')
      .option('--group-by <group>', GROUPS[name]);
    if (name === 'funnel') command.option('--view <view>', 'period|cohort');
    if (name === 'leads') command.option('--interval <interval>', 'day|week|month');
    command.action(async (o: Record<string, string | undefined>) => {
      const t = target(g());
      const params: Record<string, string | undefined> = {
        from: o.from,
        to: o.to,
        groupBy: o.groupBy,
        view: o.view,
        interval: o.interval,
      };
      const query = new URLSearchParams(
        Object.entries(params).filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== ''),
      );
      const result = await call(t, 'GET', `/v1/ops/reports/${name}${query.size ? `?${query}` : ''}`);
      failIfError(result, `report ${name}`);
      const body = result.body as {
        from?: string;
        to?: string;
        groupBy?: string;
        rows?: Record<string, unknown>[];
        series?: Record<string, unknown>[];
        total?: Record<string, unknown>;
      };
      // The rows, then the total as the last row (an empty range still shows its zero total, as a table);
      // ungrouped, the one row is the total already.
      const ungrouped = body.groupBy === 'none' && (body.rows?.length ?? 0) > 0;
      const rows = [
        ...(body.rows ?? body.series ?? []),
        ...(body.total && (body.rows ?? body.series) && !ungrouped
          ? [{ group: 'total', ...body.total }]
          : []),
      ].map(flattenRow);
      const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
      print(
        g(),
        result.body,
        rows.length
          ? () => `${body.from ?? ''} – ${body.to ?? ''}\n${formatTable(rows, columns)}`
          : undefined,
      );
    });
  }
  program
    .command('reports')
    .description('Report maintenance')
    .command('rebuild')
    .description('Recompute every report counter from the stored leads (same as `npm run reports:rebuild`)')
    .allowUnknownOption()
    .helpOption(false)
    .argument('[args...]', 'passed to scripts/reports-rebuild.ts')
    .action((args: string[]) => runScript('reports-rebuild.ts', args));
  program
    .command('digest')
    .description('The weekly review digest (config/reports.ts → digest)')
    .command('send')
    .description(
      "Send last week's digest now from the local runtime (once per week: a week already sent is skipped)",
    )
    .action(async () => {
      const result = await call(target(g()), 'POST', '/_local/digest');
      // A deployed API has no `/_local/*` routes: its digest runs on its schedule, or when invoked.
      if (result.status === 404 && !(result.body as { message?: string } | null)?.message?.includes('digest'))
        throw new CliError(
          'digest send: this API is not the local runtime. In AWS the schedule sends it; to run it now: aws lambda invoke --function-name <the stack ReportDigest function> out.json',
          EXIT.notFound,
        );
      failIfError(result, 'digest send');
      const outcome = (result.body as { result?: { outcome?: string; week?: string; messageId?: string } })
        .result;
      print(g(), result.body, () =>
        outcome?.outcome === 'sent'
          ? `digest of the week of ${outcome.week} sent (${outcome.messageId})`
          : outcome?.outcome === 'already_sent'
            ? `the digest of the week of ${outcome.week} was already sent`
            : `no digest: ${outcome?.outcome ?? 'unknown'}`,
      );
    });
  program
    .command('outbox')
    .description('Outbox maintenance')
    .command('republish')
    .description(
      'Put the outbox events of a time range on the bus again (same as `npm run outbox:republish`; `--since` required)',
    )
    .allowUnknownOption()
    .helpOption(false)
    .argument('[args...]', 'passed to scripts/republish-outbox.ts (try `leadloop outbox republish --help`)')
    .action((args: string[]) => runScript('republish-outbox.ts', args));

  program
    .command('export')
    .argument('<lead>', 'lead id or e-mail')
    .description('Everything stored about a lead, as JSON (GET /v1/ops/leads/{leadId}/export)')
    .action(async (ref: string) => {
      const t = target(g());
      const leadId = await resolveLead(t, ref);
      const result = await call(t, 'GET', `/v1/ops/leads/${encodeURIComponent(leadId)}/export`);
      failIfError(result, `export ${ref}`);
      // The export is a document: always JSON.
      print({ ...g(), json: true }, result.body);
    });
  program
    .command('erase')
    .argument('<lead>', 'lead id or e-mail')
    .requiredOption('--reason <text>', 'why (kept with the erasure record), 1–500 characters')
    .description('Erase a lead and everything stored about it (DELETE /v1/ops/leads/{leadId})')
    .action(async (ref: string, o: { reason: string }) => {
      const t = target(g());
      const leadId = await resolveLead(t, ref);
      const result = await call(t, 'DELETE', `/v1/ops/leads/${encodeURIComponent(leadId)}`, {
        reason: o.reason,
      });
      failIfError(result, `erase ${ref}`);
      const body = result.body as Record<string, unknown>;
      print(g(), body, () =>
        body.alreadyErased
          ? `${leadId} was already erased at ${String(body.erasedAt)}`
          : `${leadId} erased (${String(body.deletedItems)} items)`,
      );
    });

  program
    .command('rescore')
    .description('Recompute every lead score after a scoring change (same as `npm run rescore`)')
    .allowUnknownOption()
    .helpOption(false)
    .argument('[args...]', 'passed to scripts/rescore.ts (try `leadloop rescore --help`)')
    .action((args: string[]) => runScript('rescore.ts', args));
  program
    .command('preview')
    .description('Render a mail template with sample data (same as `npm run preview`)')
    .allowUnknownOption()
    .helpOption(false)
    .argument('[args...]', 'passed to scripts/preview-template.ts')
    .action((args: string[]) => runScript('preview-template.ts', args));
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  for (const sub of program.commands) {
    sub.exitOverride();
    for (const s of sub.commands) s.exitOverride();
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return EXIT.ok;
      if (error.code === 'commander.help') return EXIT.ok;
      return EXIT.usage;
    }
    if (error instanceof CliError) {
      process.stderr.write(`leadloop: ${error.message}\n`);
      return error.exitCode;
    }
    process.stderr.write(`leadloop: ${(error as Error).message}\n`);
    return EXIT.failure;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}

/** A report row for a table: nested figures (`counts.mql`, `rates.mql`) become their own columns. */
function flattenRow(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [inner, v] of Object.entries(value)) out[`${key}.${inner}`] = amounts(v);
    } else out[key] = value;
  }
  return out;
}

/** `{JPY: 4800000}` (amounts per currency) as `JPY 4800000`; other values unchanged. */
function amounts(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const entries = Object.entries(value);
  if (!entries.every(([k, v]) => /^[A-Z]{3}$/.test(k) && typeof v === 'number')) return value;
  return entries.map(([k, v]) => `${k} ${v}`).join(', ');
}
