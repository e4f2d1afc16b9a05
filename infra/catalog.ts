/**
 * Every Lambda of the product, its HTTP routes and its triggers, as plain data. The CDK app builds
 * functions, routes, rules and schedules from it, and the local runtime routes requests and events with
 * the very same entries, so the two can never disagree.
 */
import type { HandoffTarget } from '#config/handoff';
import { type Settings, settings } from '#config/settings';
import { CRM_SYNC_TRIGGERS } from '#domain/deals/crm-sync';
import { CRM_ERASE_EVENT, type CrmOperation, crmOperation } from '#domain/handoff/crm-mapping';
import type { HandoffTrigger } from '#domain/handoff/handoff';
import {
  CRM_EVENT_SOURCE,
  CRM_SALES_ACTION_DETAIL_TYPE,
  type DetailType,
  EVENT_SOURCE,
} from '#domain/lead/events';
import { SWEEPER_EVENT_SOURCE, SWEEPER_LAGGING } from '#domain/operations/sweeper-lag';
import { digestCron } from '#domain/reports/digest';

export type HttpMethod = 'GET' | 'POST' | 'DELETE';
export interface RouteSpec {
  method: HttpMethod;
  /** API Gateway path syntax, e.g. /v1/forms/{formId}. */
  path: string;
  /**
   * `jwt`: a bearer token from the Cognito user pool (a person's ID token or a machine client's access
   * token), verified by the HTTP API JWT authorizer in AWS and by the local runtime the same way; the roles
   * and scopes each route allows are in `shared/http/access.ts` (ROUTE_ACCESS), checked by `httpHandler`.
   */
  auth: 'none' | 'jwt';
  /** Route-level API Gateway throttling (requests per second and burst), tighter than the API default. */
  throttle?: { rate: number; burst: number };
}

/** An EventBridge pattern (the subset the local router implements: values, prefix, anything-but, exists). */
export type EventPattern = { [key: string]: EventPattern | PatternValue[] };
export type PatternValue =
  | string
  | number
  | boolean
  | null
  | { prefix: string }
  | { 'anything-but': (string | number)[] | string | number }
  | { exists: boolean };

export type Trigger =
  | { kind: 'rule'; name: string; bus: 'default' | 'leads'; pattern: EventPattern; description: string }
  | { kind: 'schedule'; everyMinutes: number }
  /** A cron schedule evaluated in `timeZone` (EventBridge Scheduler fields: minute, hour, day of week). */
  | { kind: 'schedule'; cron: CronSchedule }
  | { kind: 'outbox-stream' };

export interface CronSchedule {
  minute: string;
  hour: string;
  /** `MON` … `SUN`. */
  weekDay: string;
  /** IANA zone the fields are read in (`app.timeZone`). */
  timeZone: string;
  description: string;
}

export interface FunctionSpec {
  name: string;
  /** Path of the handler file from the repository root. */
  entry: string;
  description: string;
  timeoutSeconds: number;
  memoryMb: number;
  routes: RouteSpec[];
  triggers: Trigger[];
  /** Reserved concurrency cap (protects the table and SES rate); undefined = account pool. */
  maxConcurrency?: number;
  /**
   * X-Ray: `active` (default) samples invocations itself (Lambda traces the first request each second and 5%
   * of the rest); `passThrough` traces only requests that arrive with a sampled trace header.
   */
  tracing?: 'active' | 'passThrough';
  /** What the function may touch in AWS: its IAM policy is derived from this and nothing else. */
  grants: Grants;
  /**
   * The function serves `#http/settings-documents`: the synth puts the computed answers beside its bundle
   * (infra/lead-function.ts), which then carries no settings.
   */
  settingsDocuments?: boolean;
  /** The function serves `#http/openapi-document`: the synth puts the generated document beside its bundle. */
  openapiDocument?: boolean;
}

/**
 * Least privilege, declared per function (read from its handler and what it imports; a test compares the
 * synthesized policy with it). Table levels:
 * - `none`: no table access (the outbox stream of a `outbox-stream` trigger is granted by the mapping);
 * - `probe`: GetItem on the table only (the deep health check);
 * - `read`: GetItem, BatchGetItem, Query, ConditionCheckItem on the table and its indexes;
 * - `readWrite`: read plus PutItem, UpdateItem, DeleteItem (TransactWriteItems needs exactly these).
 * Scan and BatchWriteItem are never granted: only admin scripts (`npm run rescore`) use them, with the
 * operator's own credentials.
 */
export interface Grants {
  table: TableAccess;
  /** events:PutEvents on the leads bus (only the outbox publisher: everyone else writes outbox items). */
  putEvents?: boolean;
  /** ses:SendEmail with our identity and configuration set. */
  sendEmail?: boolean;
  /**
   * Reads (and, first, creates) the token-signing key item of the table: the read starts at cold start and
   * the first use awaits it (`#adapters/secrets`); needs `table: 'readWrite'`. Functions without it are
   * denied that partition.
   */
  signingSecret?: boolean;
}
export type TableAccess = 'none' | 'probe' | 'read' | 'readWrite';

/** The DynamoDB actions each table level allows (resources: the table, and its indexes from `read` up). */
export const TABLE_ACTIONS: Record<TableAccess, readonly string[]> = {
  none: [],
  probe: ['dynamodb:GetItem'],
  read: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:ConditionCheckItem'],
  readWrite: [
    'dynamodb:GetItem',
    'dynamodb:BatchGetItem',
    'dynamodb:Query',
    'dynamodb:ConditionCheckItem',
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'dynamodb:DeleteItem',
  ],
};

const fn = (spec: Omit<FunctionSpec, 'routes' | 'triggers'> & Partial<FunctionSpec>): FunctionSpec => ({
  routes: [],
  triggers: [],
  ...spec,
});

/**
 * The API's CORS preflight answer, what a browser on an allowed origin may send: API Gateway's `corsPreflight`
 * (infra/stateless.ts) and the local runtime's answer to OPTIONS are both built from it. `idempotency-key`:
 * `POST /v1/ops/leads` takes one.
 */
export const CORS = {
  methods: ['GET', 'POST', 'DELETE', 'OPTIONS'],
  headers: ['content-type', 'accept', 'authorization', 'idempotency-key'],
  maxAgeSeconds: 600,
} as const;

/**
 * The gauges' fold (functions/report-fold), at 03:30 every night in UTC: the fold takes days two behind
 * today in `app.timeZone` whatever the hour, so the zone of the schedule does not matter.
 */
export const GAUGE_FOLD_CRON: CronSchedule = {
  minute: '30',
  hour: '3',
  weekDay: '*',
  timeZone: 'UTC',
  description: "Gauges' nightly fold, 03:30 UTC",
};

const CORE_FUNCTIONS: readonly FunctionSpec[] = [
  fn({
    name: 'health',
    entry: 'functions/health/handler.ts',
    grants: { table: 'probe' },
    description: 'Liveness of the API',
    timeoutSeconds: 3,
    memoryMb: 256,
    routes: [{ method: 'GET', path: '/v1/health', auth: 'none' }],
  }),
  fn({
    name: 'capture',
    entry: 'functions/capture/handler.ts',
    grants: { table: 'readWrite', sendEmail: true, signingSecret: true },
    description: 'Landing-page form posts: validate, de-duplicate, consent, score, auto-reply',
    timeoutSeconds: 15,
    memoryMb: 512,
    // Humans fill forms slowly: a tight limit stops floods without touching real traffic.
    routes: [{ method: 'POST', path: '/v1/forms/{formId}', auth: 'none', throttle: { rate: 20, burst: 40 } }],
  }),
  fn({
    name: 'openapi',
    entry: 'functions/openapi/handler.ts',
    grants: { table: 'none' },
    description: 'The OpenAPI 3.1 document of this API, generated from the request schemas',
    timeoutSeconds: 3,
    memoryMb: 256,
    openapiDocument: true,
    routes: [{ method: 'GET', path: '/v1/openapi.json', auth: 'none' }],
  }),
  fn({
    name: 'confirm',
    entry: 'functions/confirm/handler.ts',
    grants: { table: 'readWrite', sendEmail: true, signingSecret: true },
    description: 'Double opt-in confirmation page',
    timeoutSeconds: 10,
    memoryMb: 256,
    routes: [
      { method: 'GET', path: '/v1/confirm', auth: 'none' },
      { method: 'POST', path: '/v1/confirm', auth: 'none' },
    ],
  }),
  fn({
    name: 'ops-leads',
    entry: 'functions/ops-leads/handler.ts',
    grants: { table: 'read' },
    description: 'Ops API: a lead with its score breakdown and timeline',
    timeoutSeconds: 10,
    memoryMb: 512,
    routes: [
      { method: 'GET', path: '/v1/ops/leads', auth: 'jwt' },
      { method: 'GET', path: '/v1/ops/leads/{leadId}', auth: 'jwt' },
    ],
  }),
  fn({
    name: 'ops-lead-create',
    entry: 'functions/ops-lead-create/handler.ts',
    // The signing secret keys the erased-address hash the door checks.
    grants: { table: 'readWrite', signingSecret: true },
    description: 'Ops API: a lead entered by sales (de-duplicated like capture, consent basis recorded)',
    timeoutSeconds: 15,
    memoryMb: 512,
    routes: [{ method: 'POST', path: '/v1/ops/leads', auth: 'jwt' }],
  }),
  fn({
    name: 'ops-imports',
    entry: 'functions/ops-imports/handler.ts',
    // sendEmail: an import given to an owner mails them once, listing the leads (#app/alert-owner).
    grants: { table: 'readWrite', signingSecret: true, sendEmail: true },
    description: 'Ops API: CSV import of up to 1,000 leads (UTF-8 or Shift_JIS, Japanese or English headers)',
    timeoutSeconds: 120,
    memoryMb: 1024,
    routes: [{ method: 'POST', path: '/v1/ops/imports', auth: 'jwt' }],
  }),
  fn({
    name: 'ops-settings',
    entry: 'functions/ops-settings/handler.ts',
    grants: { table: 'none' },
    settingsDocuments: true,
    description: 'Ops API: the configuration summary (forms, scoring, sequences, hand-off) for the console',
    timeoutSeconds: 3,
    memoryMb: 256,
    routes: [
      { method: 'GET', path: '/v1/ops/settings', auth: 'jwt' },
      { method: 'GET', path: '/v1/ops/settings/templates/{templateId}/preview', auth: 'jwt' },
    ],
  }),
  fn({
    name: 'ops-lead-export',
    entry: 'functions/ops-lead-export/handler.ts',
    grants: { table: 'read' },
    description: 'Ops API: everything stored about one lead as one JSON document (access requests)',
    timeoutSeconds: 30,
    memoryMb: 512,
    routes: [{ method: 'GET', path: '/v1/ops/leads/{leadId}/export', auth: 'jwt' }],
  }),
  fn({
    name: 'ops-lead-erase',
    entry: 'functions/ops-lead-erase/handler.ts',
    // DeleteItem is in readWrite; the signing secret keys the erased address's one-way hash.
    grants: { table: 'readWrite', signingSecret: true },
    description: 'Ops API: erases a lead (every item, a hashed suppression entry, Lead Erased published)',
    timeoutSeconds: 60,
    memoryMb: 512,
    routes: [{ method: 'DELETE', path: '/v1/ops/leads/{leadId}', auth: 'jwt' }],
  }),
  fn({
    name: 'track',
    entry: 'functions/track/handler.ts',
    grants: { table: 'readWrite', signingSecret: true },
    description: 'Tracking snippet batches: validate, stitch anonymous visitors, score each event once',
    timeoutSeconds: 10,
    memoryMb: 512,
    // Every page view of every visitor lands here: generous, but bounded against a runaway page.
    routes: [{ method: 'POST', path: '/v1/track', auth: 'none', throttle: { rate: 200, burst: 400 } }],
  }),
  fn({
    name: 'ops-events',
    entry: 'functions/ops-events/handler.ts',
    grants: { table: 'readWrite', signingSecret: true },
    description: 'Ops API: behaviour events from trusted systems (webinar platform, CRM) by leadId or email',
    timeoutSeconds: 15,
    memoryMb: 512,
    routes: [{ method: 'POST', path: '/v1/ops/events', auth: 'jwt' }],
  }),
  fn({
    name: 'handoff',
    entry: 'functions/handoff/handler.ts',
    grants: { table: 'readWrite' },
    description: 'Hands a lead to sales on the configured trigger: owner, CRM record, SLA timer, events',
    timeoutSeconds: 30,
    memoryMb: 512,
    triggers: [
      {
        kind: 'rule',
        name: 'handoff-trigger',
        bus: 'leads',
        pattern: handoffTriggerPattern(settings.handoff.trigger),
        description: 'The hand-off trigger (config/handoff.ts → trigger)',
      },
      ...inquiryHandoffRules(settings.forms),
    ],
  }),
  fn({
    name: 'ops-lead-unsubscribe',
    entry: 'functions/ops-lead-unsubscribe/handler.ts',
    grants: { table: 'readWrite' },
    description: 'Ops API: an opt-out the person asked for by phone or reply, recorded by sales or marketing',
    timeoutSeconds: 10,
    memoryMb: 512,
    routes: [{ method: 'POST', path: '/v1/ops/leads/{leadId}/unsubscribe', auth: 'jwt' }],
  }),
  fn({
    name: 'ops-lead-edit',
    entry: 'functions/ops-lead-edit/handler.ts',
    // The signing secret keys the erased-address hash a corrected address is checked against.
    grants: { table: 'readWrite', signingSecret: true },
    description: "Ops API: sales or marketing correct a lead's details and decide proposed changes",
    timeoutSeconds: 10,
    memoryMb: 512,
    routes: [{ method: 'POST', path: '/v1/ops/leads/{leadId}/attributes', auth: 'jwt' }],
  }),
  // `…/activities`, `…/unsubscribe` and `…/attributes` are static segments where 'sales-actions' has
  // `{action}`: API Gateway and the local gateway (local/runtime.ts) prefer the static one.
  fn({
    name: 'sales-activities',
    entry: 'functions/sales-activities/handler.ts',
    grants: { table: 'readWrite' },
    description: 'Ops API: log a call, meeting, e-mail or note on a lead (first contact, TQL hand-off)',
    timeoutSeconds: 15,
    memoryMb: 512,
    routes: [{ method: 'POST', path: '/v1/ops/leads/{leadId}/activities', auth: 'jwt' }],
  }),
  fn({
    name: 'activity-report',
    entry: 'functions/activity-report/handler.ts',
    grants: { table: 'read' },
    description: 'Ops API: calls, connects, meetings and appointments per owner, team or in total',
    timeoutSeconds: 15,
    memoryMb: 512,
    routes: [{ method: 'GET', path: '/v1/ops/reports/activities', auth: 'jwt' }],
  }),
  fn({
    name: 'sales-actions',
    entry: 'functions/sales-actions/handler.ts',
    grants: { table: 'readWrite' },
    description:
      'Ops API: sales actions (accept, qualify, bantch, convert, disqualify, recycle, handoff, reassign, opportunity)',
    timeoutSeconds: 15,
    memoryMb: 512,
    routes: [{ method: 'POST', path: '/v1/ops/leads/{leadId}/{action}', auth: 'jwt' }],
  }),
  fn({
    // Not 'crm-sales-actions': that is the rule's name, and construct ids must differ in the stack.
    name: 'sales-actions-crm',
    entry: 'functions/sales-actions-crm/handler.ts',
    grants: { table: 'readWrite' },
    description: 'Sales actions sent by the CRM on the leads bus (same use case as the ops API)',
    timeoutSeconds: 15,
    memoryMb: 512,
    triggers: [
      {
        kind: 'rule',
        name: 'crm-sales-actions',
        bus: 'leads',
        pattern: { source: [CRM_EVENT_SOURCE], 'detail-type': [CRM_SALES_ACTION_DETAIL_TYPE] },
        description: 'Sales actions sent by the CRM (same bodies as the ops API, plus leadId or email)',
      },
    ],
  }),
  fn({
    name: 'call-list',
    entry: 'functions/call-list/handler.ts',
    grants: { table: 'read' },
    description: 'Ops API: warm and hot leads not yet with sales, best first (JSON pages or CSV)',
    timeoutSeconds: 15,
    memoryMb: 512,
    routes: [{ method: 'GET', path: '/v1/ops/call-list', auth: 'jwt' }],
  }),
  fn({
    name: 'reports',
    entry: 'functions/reports/handler.ts',
    grants: { table: 'read' },
    description: 'Ops API: funnel, leads, e-mail, SLA and score reports from counters (JSON or CSV)',
    timeoutSeconds: 15,
    memoryMb: 512,
    routes: ['funnel', 'leads', 'email', 'sla', 'scores'].map((report) => ({
      method: 'GET' as const,
      path: `/v1/ops/reports/${report}`,
      auth: 'jwt' as const,
    })),
  }),
  fn({
    name: 'nurture-enroll',
    entry: 'functions/nurture-enroll/handler.ts',
    grants: { table: 'readWrite' },
    description:
      'Enrolls leads into step-email sequences (form, temperature, recycle), honouring re-entry; ends runs that exit when the lead turns hot',
    timeoutSeconds: 30,
    memoryMb: 512,
    triggers: [
      {
        kind: 'rule',
        name: 'nurture-entry',
        bus: 'leads',
        pattern: {
          source: [EVENT_SOURCE],
          'detail-type': ['Lead Captured', 'Lead Temperature Changed', 'Lead Recycled'],
        },
        description: 'Sequence entry: captured (form), temperature changed, recycled by sales',
      },
    ],
  }),
  fn({
    name: 'crm-sync',
    entry: 'functions/crm-sync/handler.ts',
    grants: { table: 'readWrite' },
    description:
      'Notes changes of handed-off leads for the coalesced CRM update (Lead Updated, crm-sync timer)',
    timeoutSeconds: 15,
    memoryMb: 256,
    triggers: [
      {
        kind: 'rule',
        name: 'crm-sync-changes',
        bus: 'leads',
        pattern: { source: [EVENT_SOURCE], 'detail-type': [...CRM_SYNC_TRIGGERS] },
        description: 'Changes sales cares about: stage, owner, temperature, opportunity phase, unsubscribe',
      },
    ],
  }),
  fn({
    name: 'unsubscribe',
    entry: 'functions/unsubscribe/handler.ts',
    grants: { table: 'readWrite', signingSecret: true },
    description: 'RFC 8058 one-click unsubscribe (POST) and its confirmation page (GET)',
    timeoutSeconds: 10,
    memoryMb: 256,
    routes: [
      { method: 'GET', path: '/v1/unsubscribe', auth: 'none' },
      { method: 'POST', path: '/v1/unsubscribe', auth: 'none' },
    ],
  }),
  fn({
    name: 'email-events',
    entry: 'functions/email-events/handler.ts',
    grants: { table: 'readWrite' },
    description: 'SES engagement: bounces/complaints suppress; deliveries, opens, clicks count and score',
    timeoutSeconds: 30,
    memoryMb: 512,
    triggers: [
      {
        kind: 'rule',
        name: 'ses-engagement',
        bus: 'default',
        // The configuration set's name is only known at deploy: the handler drops other sets' events.
        pattern: {
          source: ['aws.ses'],
          'detail-type': [
            'Email Delivered',
            'Email Bounced',
            'Email Complaint Received',
            'Email Opened',
            'Email Clicked',
          ],
        },
        description: 'SES engagement events of our configuration set (checked in the handler)',
      },
    ],
  }),
  fn({
    name: 'publisher',
    entry: 'functions/publisher/handler.ts',
    grants: { table: 'none', putEvents: true },
    description: 'Outbox items from the table stream to the leads bus',
    timeoutSeconds: 30,
    memoryMb: 256,
    triggers: [{ kind: 'outbox-stream' }],
  }),
  fn({
    name: 'sweeper',
    entry: 'functions/sweeper/handler.ts',
    // putEvents: `Sweeper Lagging` (README → Monitoring); every other event goes through the outbox.
    grants: { table: 'readWrite', sendEmail: true, signingSecret: true, putEvents: true },
    description: 'Runs due timers: step emails, SLA deadlines, temperature decay',
    timeoutSeconds: 60,
    memoryMb: 512,
    triggers: [{ kind: 'schedule', everyMinutes: 1 }],
    maxConcurrency: 2,
    // Active tracing would record every run (each is the first request of its second): 43,200 traces a month,
    // $0.22 at list price on an idle stack. The scheduler sends no trace header, so none are recorded; the
    // sweeper's logs ("sweep done") and the dashboard's duration graph show what a sweep did.
    tracing: 'passThrough',
  }),
  fn({
    name: 'report-fold',
    entry: 'functions/report-fold/handler.ts',
    // read: the day items and the fold's mark; write: each shard's gauges (one conditioned update) and the mark.
    grants: { table: 'readWrite' },
    description: "Folds the day items' gauge moves into the gauges, once a night",
    timeoutSeconds: 300,
    memoryMb: 256,
    triggers: [{ kind: 'schedule', cron: GAUGE_FOLD_CRON }],
  }),
];

/**
 * The weekly review digest (config/reports.ts → digest): a function and its weekly cron, only when a digest
 * is configured.
 */
export function digestFunctions(s: Settings): FunctionSpec[] {
  const digest = s.reports.digest;
  if (!digest) return [];
  return [
    fn({
      name: 'report-digest',
      entry: 'functions/report-digest/handler.ts',
      // readWrite: the week's claim (a conditional put, deleted again when the send fails).
      grants: { table: 'readWrite', sendEmail: true },
      description: 'Weekly review digest: last week vs the week before, mailed once to the team',
      timeoutSeconds: 60,
      memoryMb: 512,
      triggers: [
        {
          kind: 'schedule',
          cron: {
            ...digestCron(digest),
            timeZone: s.app.timeZone,
            description: `Weekly review digest, ${digest.weekday} ${digest.time} (${s.app.timeZone})`,
          },
        },
      ],
    }),
  ];
}

/**
 * Mails to owners about leads they must act on (config/handoff.ts → ownerAlerts): a function and its rule for
 * the events chosen, none when the list is empty; and the morning list's function and cron when configured.
 * The console's address reaches owner-alerts as `CONSOLE_URL` (infra/stack.ts), for the link to the lead.
 */
export function ownerAlertFunctions(s: Settings): FunctionSpec[] {
  const events = s.handoff.ownerAlerts.events;
  return [...(events.length === 0 ? [] : [ownerAlertsFunction(events)]), ...morningListFunctions(s)];
}

const ISO_WEEKDAYS = ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'] as const;

/**
 * The morning list (config/handoff.ts → ownerAlerts.morningList): a function and its cron at that time on the
 * hand-off clocks' weekdays, in their zone; the function skips holidays and closed dates itself.
 */
function morningListFunctions(s: Settings): FunctionSpec[] {
  const list = s.handoff.ownerAlerts.morningList;
  if (!list) return [];
  const window = s.handoff.sla.window;
  const [hour, minute] = list.time.split(':').map(Number);
  return [
    fn({
      name: 'owner-morning-list',
      entry: 'functions/owner-morning-list/handler.ts',
      // read: each owner's queue; write: each mail's claim (a conditional put, deleted when SES refused it for now).
      grants: { table: 'readWrite', sendEmail: true },
      description:
        'Morning list: mails each owner the deadlines and calls of the day, once per business morning',
      timeoutSeconds: 60,
      memoryMb: 512,
      triggers: [
        {
          kind: 'schedule',
          cron: {
            minute: String(minute),
            hour: String(hour),
            weekDay: [...window.days]
              .sort((a, b) => a - b)
              .map((d) => ISO_WEEKDAYS[d - 1])
              .join(','),
            timeZone: window.timeZone,
            description: `Morning list, ${list.time} on business days (${window.timeZone})`,
          },
        },
      ],
    }),
  ];
}

function ownerAlertsFunction(events: readonly string[]): FunctionSpec {
  return fn({
    name: 'owner-alerts',
    entry: 'functions/owner-alerts/handler.ts',
    // readWrite: the mail's claim (a conditional put, deleted again when SES refused the send for now).
    grants: { table: 'readWrite', sendEmail: true },
    description:
      'Mails the owner about a lead to act on: handed off, reassigned, deadline passed, follow-up due',
    timeoutSeconds: 15,
    memoryMb: 256,
    triggers: [
      {
        kind: 'rule',
        // Not the function's name: construct ids must differ in the stack.
        name: 'mail-owners',
        bus: 'leads',
        pattern: { source: [EVENT_SOURCE], 'detail-type': [...events] },
        description: `Mail the owner: ${events.join(', ')}`,
      },
    ],
  });
}

/** Every function for these settings: the core ones and the optional ones config turns on. */
export const functionsFor = (s: Settings): readonly FunctionSpec[] => [
  ...CORE_FUNCTIONS,
  ...digestFunctions(s),
  ...ownerAlertFunctions(s),
];

export const FUNCTIONS: readonly FunctionSpec[] = functionsFor(settings);

/** An EventBridge rule as deployed: function targets come from the catalog, others from hand-off config. */
export interface EventRuleSpec {
  name: string;
  bus: 'default' | 'leads';
  pattern: EventPattern;
  description: string;
  /** Set when the target is one of our functions; otherwise the target is external (API destination, SQS). */
  functionName?: string;
  /** The target is the stack's alarm topic (an operations alert): `message` is what its e-mail says. */
  alarmTopic?: { message: string };
}

/**
 * Operations alerts: events the stack's own functions publish for the people who run it, routed by a rule to
 * the alarm topic (README → Monitoring). They cost nothing until something is wrong, where an alarm metric
 * costs $0.10 every month. `<path>` in a message is filled from the event (an EventBridge input template).
 */
export const ALERT_RULES: readonly (EventRuleSpec & { alarmTopic: { message: string } })[] = [
  {
    name: 'sweeper-lagging',
    bus: 'leads',
    pattern: { source: [SWEEPER_EVENT_SOURCE], 'detail-type': [SWEEPER_LAGGING] },
    description: 'Sweeper Lagging → the alarm topic',
    alarmTopic: {
      message:
        'Lead loop: the sweeper is lagging. The oldest due timer (step e-mail, SLA deadline, decay) waited <$.detail.lagSeconds> s (threshold <$.detail.thresholdSeconds> s; due since <$.detail.oldestDueAt>, shard <$.detail.shards.oldest>). That sweep found <$.detail.due> due, finished <$.detail.done>, failed <$.detail.failed>, ran out of time: <$.detail.stoppedEarly>. Check the sweeper function errors and duration on the dashboard and its logs (stoppedEarly, failed); check SES throttling and the DynamoDB due index; raise its memory/timeout, the send rate (config/app.ts ses.sendRatePerSecond) or the send-window spread if it is just volume. No other such alert for <$.detail.quietMinutes> minutes.',
    },
  },
];

export const eventRules = (): EventRuleSpec[] => [
  ...FUNCTIONS.flatMap((f) =>
    f.triggers.flatMap((t) =>
      t.kind === 'rule'
        ? [{ name: t.name, bus: t.bus, pattern: t.pattern, description: t.description, functionName: f.name }]
        : [],
    ),
  ),
  ...handoffTargetRules(settings.handoff.targets),
  ...ALERT_RULES,
];

/**
 * The bus pattern of the hand-off trigger: turning hot, or reaching the configured stage (or a later
 * pre-sales one, since a lead may jump from subscriber straight to MQL).
 */
export function handoffTriggerPattern(trigger: HandoffTrigger): EventPattern {
  if (trigger.on === 'hot') {
    return { source: [EVENT_SOURCE], 'detail-type': ['Lead Temperature Changed'], detail: { to: ['hot'] } };
  }
  const presales = ['subscriber', 'lead', 'mql'];
  const from = presales.indexOf(trigger.stage);
  return {
    source: [EVENT_SOURCE],
    'detail-type': ['Lead Stage Changed'],
    detail: { to: from === -1 ? [trigger.stage] : presales.slice(from) },
  };
}

/**
 * The inquiry fast lane: captures of forms with `handoff: 'immediate'` (contact, demo request, quote) go to
 * the hand-off at once, whatever the score. No such form, no rule.
 */
export function inquiryHandoffRules(
  forms: readonly { id: string; handoff?: 'score' | 'immediate' }[],
): Trigger[] {
  const formIds = forms.filter((f) => f.handoff === 'immediate').map((f) => f.id);
  if (formIds.length === 0) return [];
  return [
    {
      kind: 'rule',
      name: 'handoff-inquiry',
      bus: 'leads',
      pattern: { source: [EVENT_SOURCE], 'detail-type': ['Lead Captured'], detail: { formId: formIds } },
      description: 'Inquiry fast lane: captures of forms with handoff: immediate (config/forms.ts)',
    },
  ];
}

/** A rule to an external hand-off target (API destination or SQS): `infra/handoff-targets.ts` deploys one per entry. */
export interface HandoffTargetRuleSpec extends EventRuleSpec {
  /** `name` of the target in config/handoff.ts. */
  target: string;
  kind: HandoffTarget['kind'];
  detailTypes: DetailType[];
  /** What the rule's events do to the CRM record (`crmOperation`): `delete` for `Lead Erased`. */
  operation: CrmOperation;
  /** A Slack rule for `Lead SLA Breached` matches one SLA clock, so its message can say which was missed. */
  slaClock?: SlaClock;
}

/** The SLA clocks a `Lead SLA Breached` names (`detail.clock`). */
export const SLA_CLOCKS = ['accept', 'first_contact'] as const;
export type SlaClock = (typeof SLA_CLOCKS)[number];

/** What a Salesforce target does with each event: upsert the Lead record, just its owner, or delete it. */
export const SALESFORCE_SUPPORTED: readonly DetailType[] = [
  'Lead Handed Off',
  'Lead Assigned',
  'Lead Updated',
  CRM_ERASE_EVENT,
];

const kebab = (s: string): string => s.toLowerCase().replace(/[^a-z0-9]+/g, '-');

/**
 * The rules for the configured hand-off targets (CDK deploys them; the local router logs "would POST to …").
 * Slack gets one rule per detail-type (each with its own message); Salesforce only the events it can
 * apply to a Lead record; a webhook or queue one rule with every chosen event. The CRM targets (webhook,
 * Salesforce) always get `Lead Erased` too, in a rule of its own, so an erasure deletes the CRM's copy; a
 * queue gets it in its one rule, so its consumers can delete what they keep.
 */
export function handoffTargetRules(targets: readonly HandoffTarget[]): HandoffTargetRuleSpec[] {
  const rule = (target: HandoffTarget, detailTypes: DetailType[], suffix: string, description: string) => ({
    name: `handoff-${target.name}${suffix}`,
    bus: 'leads' as const,
    pattern: { source: [EVENT_SOURCE], 'detail-type': detailTypes },
    description,
    target: target.name,
    kind: target.kind,
    detailTypes,
    operation: detailTypes.length === 1 ? crmOperation(detailTypes[0] ?? '') : ('notify' as const),
  });
  return targets.flatMap((t): HandoffTargetRuleSpec[] => {
    if (t.kind === 'webhook') {
      const events = t.events.filter((e) => e !== CRM_ERASE_EVENT);
      return [
        ...(events.length ? [rule(t, events, '', `would POST to ${t.url}`)] : []),
        rule(t, [CRM_ERASE_EVENT], '-lead-erased', `would POST the erasure (delete) to ${t.url}`),
      ];
    }
    // A queue's consumers hold what the events carried (a hand-off's CRM record): they hear of erasures too.
    if (t.kind === 'sqs')
      return [
        rule(
          t,
          [...new Set<DetailType>([...t.events, CRM_ERASE_EVENT])],
          '',
          `would send to SQS queue ${t.name}`,
        ),
      ];
    if (t.kind === 'salesforce') {
      return [...new Set<DetailType>([...t.events, CRM_ERASE_EVENT])]
        .filter((e) => SALESFORCE_SUPPORTED.includes(e))
        .map((e) =>
          rule(
            t,
            [e],
            `-${kebab(e)}`,
            `would ${crmOperation(e) === 'delete' ? 'delete' : 'upsert'} a Salesforce Lead at ${t.instanceUrl} (${e})`,
          ),
        );
    }
    // Slack: one rule per event; a missed accept and a missed first contact read differently, so the SLA
    // breach gets a rule per clock (the pattern matches `detail.clock`).
    return t.events.flatMap((e) =>
      e === 'Lead SLA Breached'
        ? SLA_CLOCKS.map((clock) => {
            const r = rule(
              t,
              [e],
              `-${kebab(e)}-${kebab(clock)}`,
              `would post a Slack message (${e}, ${clock})`,
            );
            return { ...r, pattern: { ...r.pattern, detail: { clock: [clock] } }, slaClock: clock };
          })
        : [rule(t, [e], `-${kebab(e)}`, `would post a Slack message (${e})`)],
    );
  });
}
