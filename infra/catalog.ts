/**
 * Every Lambda of the product, its HTTP routes and its triggers, as plain data. The CDK app builds
 * functions, routes, rules and schedules from it, and the local runtime routes requests and events with
 * the very same entries, so the two can never disagree.
 */
import { EVENT_SOURCE } from '#domain/events';

export type HttpMethod = 'GET' | 'POST';
export interface RouteSpec {
  method: HttpMethod;
  /** API Gateway path syntax, e.g. /v1/forms/{formId}. */
  path: string;
  /** `iam` in AWS; locally the runtime asks for the ops bearer token instead. */
  auth: 'none' | 'iam';
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
  | { kind: 'outbox-stream' };

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
}

const fn = (spec: Omit<FunctionSpec, 'routes' | 'triggers'> & Partial<FunctionSpec>): FunctionSpec => ({
  routes: [],
  triggers: [],
  ...spec,
});

export const FUNCTIONS: readonly FunctionSpec[] = [
  fn({
    name: 'health',
    entry: 'functions/health/handler.ts',
    description: 'Liveness of the API',
    timeoutSeconds: 3,
    memoryMb: 256,
    routes: [{ method: 'GET', path: '/v1/health', auth: 'none' }],
  }),
  fn({
    name: 'capture',
    entry: 'functions/capture/handler.ts',
    description: 'Landing-page form posts: validate, de-duplicate, consent, score, auto-reply',
    timeoutSeconds: 15,
    memoryMb: 512,
    routes: [{ method: 'POST', path: '/v1/forms/{formId}', auth: 'none' }],
  }),
  fn({
    name: 'confirm',
    entry: 'functions/confirm/handler.ts',
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
    description: 'Ops API: a lead with its score breakdown and timeline',
    timeoutSeconds: 10,
    memoryMb: 512,
    routes: [
      { method: 'GET', path: '/v1/ops/leads', auth: 'iam' },
      { method: 'GET', path: '/v1/ops/leads/{leadId}', auth: 'iam' },
    ],
  }),
  fn({
    name: 'publisher',
    entry: 'functions/publisher/handler.ts',
    description: 'Outbox items from the table stream to the leads bus',
    timeoutSeconds: 30,
    memoryMb: 256,
    triggers: [{ kind: 'outbox-stream' }],
  }),
  fn({
    name: 'sweeper',
    entry: 'functions/sweeper/handler.ts',
    description: 'Runs due timers: step emails, SLA deadlines, temperature decay',
    timeoutSeconds: 60,
    memoryMb: 512,
    triggers: [{ kind: 'schedule', everyMinutes: 1 }],
    maxConcurrency: 2,
  }),
];

export const LEADS_SOURCE = EVENT_SOURCE;

export const functionByName = (name: string): FunctionSpec => {
  const spec = FUNCTIONS.find((f) => f.name === name);
  if (!spec) throw new Error(`no function named ${name}`);
  return spec;
};

/** An EventBridge rule as deployed: function targets come from the catalog, others from hand-off config. */
export interface EventRuleSpec {
  name: string;
  bus: 'default' | 'leads';
  pattern: EventPattern;
  description: string;
  /** Set when the target is one of our functions; otherwise the target is external (API destination, SQS). */
  functionName?: string;
}

export const eventRules = (): EventRuleSpec[] =>
  FUNCTIONS.flatMap((f) =>
    f.triggers.flatMap((t) =>
      t.kind === 'rule'
        ? [{ name: t.name, bus: t.bus, pattern: t.pattern, description: t.description, functionName: f.name }]
        : [],
    ),
  );
