import { z } from 'zod';
import { env } from '#config/env';
import { formById, settings } from '#config/settings';
// The schemas the handlers validate with, from where they are defined (the use cases re-export them):
// importing the use cases would bundle the store and the secret into this table-less function.
import { salesActionSchema } from '#domain/lead/events';
import { eraseRequestSchema } from '#domain/privacy/erasure';
import { REPORT_GROUPS } from '#domain/reports/params';

/**
 * The OpenAPI 3.1 document of the HTTP API (`GET /v1/openapi.json`). Request schemas are the very zod
 * schemas the handlers validate with, turned into JSON Schema 2020-12 by zod's own `z.toJSONSchema` (the
 * dialect OpenAPI 3.1 uses), so the document cannot drift from the validation. A unit test checks that
 * every route of `infra/catalog.ts` is here and that every example passes its schema.
 */

type Method = 'GET' | 'POST' | 'DELETE';

export interface OperationSpec {
  method: Method;
  path: string;
  auth: 'none' | 'ops';
  summary: string;
  description?: string;
  query?: Record<string, { description: string; required?: boolean }>;
  /** The zod schema the handler validates the body with, and an example that passes it. */
  body?: { schema: z.ZodType; example: unknown; mediaTypes?: readonly string[] };
  /** For bodies validated by a definition from config (form posts): a described object, no zod schema. */
  freeBody?: { description: string; example: Record<string, unknown>; mediaTypes: readonly string[] };
  responses: Record<string, string>;
}

const contactExample = {
  email: 'taro.yamada@example.co.jp',
  lastName: '山田',
  firstName: '太郎',
  company: '株式会社サンプル商事',
  consent: true,
};

const REPORT_SUMMARIES = {
  funnel:
    'Funnel counts and conversion rates by stage, per period or cohort, by channel, source, campaign, form or owner',
  leads: 'Leads, MQLs, SQLs and opportunities per day, week or month, against the configured targets',
  email: 'E-mail KPIs (sent, delivered, bounced, complained, opened, clicked, unsubscribed) and their rates',
  sla: 'Hand-offs, acceptance within the SLA, breaches, reassignments, median and p90 minutes to accept',
} as const;

export const OPERATIONS: readonly OperationSpec[] = [
  {
    method: 'GET',
    path: '/v1/health',
    auth: 'none',
    summary: 'Liveness (and with ?deep=1, the table answers)',
    query: { deep: { description: 'Also probe the table' } },
    responses: { '200': 'Healthy', '503': 'The table does not answer' },
  },
  {
    method: 'GET',
    path: '/v1/openapi.json',
    auth: 'none',
    summary: 'This document',
    responses: { '200': 'The OpenAPI 3.1 document' },
  },
  {
    method: 'POST',
    path: '/v1/forms/{formId}',
    auth: 'none',
    summary: 'A landing-page form post: validate, de-duplicate, record consent, auto-reply',
    freeBody: {
      description:
        "The form's fields as defined in config/forms.ts (JSON or urlencoded); `_anonymousId` stitches the visitor.",
      example: formById('contact') ? contactExample : {},
      mediaTypes: ['application/json', 'application/x-www-form-urlencoded'],
    },
    responses: {
      '201': 'Accepted (JSON callers)',
      '303': 'Redirect to the thank-you page',
      '400': 'Fields need attention',
      '403': 'Origin not allowed',
      '404': 'Unknown form',
    },
  },
  {
    method: 'GET',
    path: '/v1/confirm',
    auth: 'none',
    summary: 'Double opt-in confirmation page',
    query: { t: { description: 'Confirmation token from the mail', required: true } },
    responses: { '200': 'Confirmation page (HTML)' },
  },
  {
    method: 'POST',
    path: '/v1/confirm',
    auth: 'none',
    summary: 'Confirms a double opt-in',
    query: { t: { description: 'Confirmation token from the mail', required: true } },
    responses: { '200': 'Confirmed (HTML)', '400': 'Invalid or expired token' },
  },
  {
    method: 'GET',
    path: '/v1/ops/leads',
    auth: 'ops',
    summary: 'A lead by e-mail (?email=)',
    query: { email: { description: 'The lead’s e-mail address' } },
    responses: { '200': 'The lead', '400': 'No or invalid e-mail', '404': 'No such lead' },
  },
  {
    method: 'GET',
    path: '/v1/ops/leads/{leadId}',
    auth: 'ops',
    summary: 'A lead with its score breakdown and timeline',
    responses: { '200': 'The lead', '404': 'No such lead' },
  },
  {
    method: 'GET',
    path: '/v1/ops/leads/{leadId}/export',
    auth: 'ops',
    summary: 'Everything stored about the lead, as one JSON document (access requests)',
    responses: { '200': 'The export document', '404': 'No such lead (or erased)' },
  },
  {
    method: 'DELETE',
    path: '/v1/ops/leads/{leadId}',
    auth: 'ops',
    summary: 'Erase the lead: every item, a hashed suppression entry, `Lead Erased` published',
    body: {
      schema: eraseRequestSchema,
      example: { reason: 'Erasure request from the person (ticket 4711)' },
    },
    responses: {
      '200': 'Erased, or `alreadyErased: true` (nothing changed)',
      '400': 'No reason',
      '404': 'No such lead',
    },
  },
  {
    method: 'POST',
    path: '/v1/track',
    auth: 'none',
    summary: 'Tracking snippet batches (page views, downloads, custom events)',
    freeBody: {
      description: 'A batch `{events: [...]}` from the snippet (text/plain for sendBeacon).',
      example: {
        events: [
          {
            eventId: '0f8f7b36-2f7e-4c53-9a43-5e9d2e3c1f10',
            type: 'page_view',
            anonymousId: '4b1c0e1e-7d6a-4a53-8a3e-2b9b3f9d1e22',
            url: 'https://www.example.co.jp/ja/pricing',
            occurredAt: '2025-06-02T01:00:00.000Z',
          },
        ],
      },
      mediaTypes: ['application/json', 'text/plain'],
    },
    responses: { '202': 'Accepted (with per-event rejections)', '400': 'Not a batch' },
  },
  {
    method: 'POST',
    path: '/v1/ops/events',
    auth: 'ops',
    summary: 'Behaviour events from trusted systems (webinar platform, CRM) by leadId or email',
    freeBody: {
      description: 'A batch `{events: [...]}`, each naming the lead by `leadId` or `email`.',
      example: {
        events: [{ type: 'webinar_attended', email: 'taro.yamada@example.co.jp', eventId: 'webinar-42' }],
      },
      mediaTypes: ['application/json'],
    },
    responses: { '202': 'Accepted (with per-event rejections)', '400': 'Not a batch' },
  },
  {
    method: 'POST',
    path: '/v1/ops/leads/{leadId}/{action}',
    auth: 'ops',
    summary:
      'A sales action on a hand-off: accept, qualify (BANTCH kept), convert (opens the opportunity), disqualify, recycle, opportunity (moves its phase; body: opportunityActionSchema)',
    body: { schema: salesActionSchema, example: { action: 'accept', actionId: 'crm-7781', by: 'k.sato' } },
    responses: {
      '200': 'Applied (or the first result of a replayed actionId)',
      '400': 'Fields need attention',
      '404': 'No such lead or action',
      '409': 'Refused transition (e.g. a phase after won or lost, no open opportunity), or actionId reused',
      '422': 'qualify: BANTCH items required for SQL are missing (named in errors)',
    },
  },
  {
    method: 'GET',
    path: '/v1/ops/call-list',
    auth: 'ops',
    summary: 'Warm and hot leads not yet with sales, best first (JSON pages or CSV)',
    query: {
      limit: { description: 'Page size (JSON ≤ 200, CSV ≤ 1000)' },
      cursor: { description: 'From the previous page' },
      format: { description: '`csv` for a spreadsheet' },
    },
    responses: { '200': 'A page of leads', '400': 'Bad limit or cursor' },
  },
  ...(['funnel', 'leads', 'email', 'sla'] as const).map(
    (report): OperationSpec => ({
      method: 'GET',
      path: `/v1/ops/reports/${report}`,
      auth: 'ops',
      summary: REPORT_SUMMARIES[report],
      query: {
        from: {
          description: 'First day, YYYY-MM-DD (default: the first of this month in the configured zone)',
        },
        to: { description: 'Last day, YYYY-MM-DD (default: the end of this month; at most 400 days)' },
        groupBy: { description: `One of ${REPORT_GROUPS[report].join(', ')}` },
        ...(report === 'funnel' ? { view: { description: '`period` (stage entries) or `cohort`' } } : {}),
        ...(report === 'leads' ? { interval: { description: '`day`, `week` or `month`' } } : {}),
        format: { description: '`csv` for a spreadsheet (UTF-8 with BOM)' },
      },
      responses: { '200': 'The report', '400': 'A parameter needs attention (the field is named)' },
    }),
  ),
  {
    method: 'GET',
    path: '/v1/ops/reports/scores',
    auth: 'ops',
    summary: 'Current leads per temperature and stage, and the score histogram (buckets of 10)',
    query: { format: { description: '`csv` for a spreadsheet (UTF-8 with BOM)' } },
    responses: { '200': 'The gauges' },
  },
  {
    method: 'GET',
    path: '/v1/unsubscribe',
    auth: 'none',
    summary: 'Unsubscribe confirmation page',
    query: { t: { description: 'Unsubscribe token from the mail', required: true } },
    responses: { '200': 'Page (HTML)' },
  },
  {
    method: 'POST',
    path: '/v1/unsubscribe',
    auth: 'none',
    summary: 'RFC 8058 one-click unsubscribe',
    query: { t: { description: 'Unsubscribe token from the mail', required: true } },
    responses: { '200': 'Unsubscribed' },
  },
];

const pathParams = (path: string) =>
  [...path.matchAll(/\{(\w+)\}/g)].map((m) => ({
    name: m[1],
    in: 'path',
    required: true,
    schema: { type: 'string' },
  }));

/** JSON Schema 2020-12 of what a request may send (the input side of transforms and defaults). */
export function requestJsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io: 'input',
    unrepresentable: 'any',
  }) as Record<string, unknown>;
  return rest;
}

function operation(op: OperationSpec) {
  const parameters = [
    ...pathParams(op.path),
    ...Object.entries(op.query ?? {}).map(([name, q]) => ({
      name,
      in: 'query',
      required: q.required ?? false,
      description: q.description,
      schema: { type: 'string' },
    })),
  ];
  const requestBody = op.body
    ? {
        required: true,
        content: Object.fromEntries(
          (op.body.mediaTypes ?? ['application/json']).map((t) => [
            t,
            { schema: requestJsonSchema(op.body?.schema ?? z.unknown()), example: op.body?.example },
          ]),
        ),
      }
    : op.freeBody
      ? {
          required: true,
          description: op.freeBody.description,
          content: Object.fromEntries(
            op.freeBody.mediaTypes.map((t) => [
              t,
              { schema: { type: 'object' }, example: op.freeBody?.example },
            ]),
          ),
        }
      : undefined;
  return {
    summary: op.summary,
    operationId: `${op.method.toLowerCase()}${op.path.replace(/[^A-Za-z0-9]+(\w)?/g, (_, c: string | undefined) => (c ?? '').toUpperCase())}`,
    ...(op.auth === 'ops' ? { security: [{ ops: [] }] } : { security: [] }),
    ...(parameters.length ? { parameters } : {}),
    ...(requestBody ? { requestBody } : {}),
    responses: Object.fromEntries(
      Object.entries(op.responses).map(([status, description]) => [status, { description }]),
    ),
  };
}

/** The document, for a given server URL (the API's public base URL). */
export function apiDocument(serverUrl: string = env().PUBLIC_BASE_URL) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of OPERATIONS) {
    const entry = paths[op.path] ?? {};
    entry[op.method.toLowerCase()] = operation(op);
    paths[op.path] = entry;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: `Lead loop API (${settings.app.stage})`,
      version: '1',
      description:
        'Forms, tracking, unsubscribe and the ops API of the lead loop. Ops routes: IAM (SigV4) in AWS, a bearer token locally.',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    servers: [{ url: serverUrl }],
    components: {
      securitySchemes: {
        ops: {
          type: 'http',
          scheme: 'bearer',
          description: 'Locally the ops token ($DATA_DIR/ops-token); in AWS the ops routes use IAM (SigV4).',
        },
      },
    },
    paths,
  };
}
