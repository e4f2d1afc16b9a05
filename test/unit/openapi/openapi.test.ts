/**
 * The OpenAPI document against the catalog: every route the CDK app and the local runtime serve is
 * documented (and nothing else), every request example passes the zod schema the handler validates with,
 * and the document is served by the real handler.
 */
import { describe, expect, it } from 'vitest';
import { LEAD_ACTIONS } from '#domain/lead/events';
import { apiDocument, OPERATIONS } from '#http/openapi';
import { FUNCTIONS } from '#infra/catalog';

const catalogRoutes = FUNCTIONS.flatMap((f) => f.routes.map((r) => `${r.method} ${r.path}`)).sort();

describe('OpenAPI document', () => {
  it('given the catalog, then every route is in the document and the document has no route the catalog lacks', () => {
    // Act
    const document = apiDocument('https://api.example.co.jp');
    const documented = Object.entries(document.paths)
      .flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`))
      .sort();

    // Assert
    expect(documented).toEqual(catalogRoutes);
    expect(document.openapi).toBe('3.1.0');
  });

  it.each(OPERATIONS.filter((op) => op.body).map((op) => [`${op.method} ${op.path}`, op] as const))(
    'given %s, then its example passes the schema the handler validates with, and a wrong body does not',
    (_, op) => {
      // Act
      const good = op.body?.schema.safeParse(op.body.example);
      const bad = op.body?.schema.safeParse({ unexpected: true });

      // Assert
      expect(good?.success).toBe(true);
      expect(bad?.success).toBe(false);
    },
  );

  it.each(
    OPERATIONS.flatMap((op) =>
      Object.entries(op.body?.examples ?? {}).map(
        ([name, example]) => [`${op.method} ${op.path}`, name, op, example.value] as const,
      ),
    ),
  )(
    'given %s, then its named example %s passes the schema the handler validates with',
    (_, _name, op, value) => {
      expect(op.body?.schema.safeParse(value).success).toBe(true);
    },
  );

  it('given the lead-action route, then the document lists bantch among the actions with its example', () => {
    // Act
    const document = apiDocument('https://api.example.co.jp');
    type Post = {
      requestBody: {
        content: Record<
          string,
          {
            schema: { oneOf?: { properties: { action: { const?: string } } }[] };
            examples?: Record<string, { value: { action: string } }>;
          }
        >;
      };
    };
    const json = (document.paths['/v1/ops/leads/{leadId}/{action}']?.post as Post | undefined)?.requestBody
      .content['application/json'];

    // Assert
    expect(json?.schema.oneOf?.map((o) => o.properties.action.const)).toContain('bantch');
    expect(json?.examples?.bantch?.value.action).toBe('bantch');
  });

  it('given every operation, then 500 and 503 (with Retry-After) are documented, 401 and 403 on ops routes, 413 and 415 on routes with a body, and every JSON error answer has the one Error body', () => {
    // Arrange
    type Response = { $ref?: string; content?: Record<string, { schema: unknown }>; headers?: object };
    type Operation = { responses: Record<string, Response>; security: unknown[]; requestBody?: object };
    const document = apiDocument('https://api.example.co.jp') as unknown as {
      paths: Record<string, Record<string, Operation>>;
      components: { responses: Record<string, Response>; schemas: Record<string, unknown> };
    };
    const resolved = (r: Response): Response =>
      r.$ref ? (document.components.responses[r.$ref.split('/').pop() ?? ''] ?? {}) : r;
    const problems: string[] = [];

    // Act
    for (const [path, operations] of Object.entries(document.paths))
      for (const [method, op] of Object.entries(operations)) {
        const where = `${method.toUpperCase()} ${path}`;
        const statuses = Object.keys(op.responses);
        const needed = [
          '500',
          '503',
          ...(op.security.length ? ['401', '403'] : []),
          ...(op.requestBody ? ['413', '415'] : []),
        ];
        for (const status of needed) if (!statuses.includes(status)) problems.push(`${where}: no ${status}`);
        const unavailable = op.responses['503'];
        if (unavailable && !JSON.stringify(resolved(unavailable).headers ?? {}).includes('Retry-After'))
          problems.push(`${where}: 503 without Retry-After`);
        for (const [status, response] of Object.entries(op.responses)) {
          const json = resolved(response).content?.['application/json'];
          if (
            Number(status) >= 400 &&
            json &&
            !JSON.stringify(json.schema).includes('#/components/schemas/Error')
          )
            problems.push(`${where}: ${status} without the Error body`);
        }
      }

    // Assert
    expect(problems).toEqual([]);
    expect(document.components.schemas.Error).toMatchObject({
      type: 'object',
      required: ['error'],
      properties: { error: { required: ['code', 'message'] } },
    });
  });

  it('given the lead-action route, then its documented body admits every action the path may name, opportunity included, without requiring `action`', () => {
    // Arrange
    const document = apiDocument('https://api.example.co.jp');
    type Post = {
      requestBody: {
        content: Record<
          string,
          { schema: { oneOf?: { properties: { action: { const?: string } }; required?: string[] }[] } }
        >;
      };
    };
    const options =
      (document.paths['/v1/ops/leads/{leadId}/{action}']?.post as Post | undefined)?.requestBody.content[
        'application/json'
      ]?.schema.oneOf ?? [];
    const op = OPERATIONS.find((o) => o.path === '/v1/ops/leads/{leadId}/{action}');

    // Assert
    expect(options.map((o) => o.properties.action.const).sort()).toEqual(
      [...LEAD_ACTIONS, 'opportunity'].sort(),
    );
    expect(options.filter((o) => o.required?.includes('action'))).toEqual([]);
    expect(options.every((o) => o.required?.includes('actionId'))).toBe(true);
    // The opportunity example passes the schema the route parses an `opportunity` body with.
    expect(op?.body?.schema.safeParse(op.body.examples?.opportunity?.value).success).toBe(true);
  });

  it('given the tracking routes, then their bodies are generated from the zod schemas the parser gates each event with, and the examples are accepted without a rejection', async () => {
    // Arrange
    const { parseTrackBatch } = await import('#domain/tracking/batch');
    const document = apiDocument('https://api.example.co.jp');
    type Post = {
      requestBody: {
        content: Record<string, { schema: { properties: { events: { items: { properties: object } } } } }>;
      };
    };
    const schemaOf = (path: string) =>
      (document.paths[path]?.post as Post | undefined)?.requestBody.content['application/json']?.schema;

    // Assert: the documented event has the parser's fields (not a free-form object).
    expect(Object.keys(schemaOf('/v1/track')?.properties.events.items.properties ?? {})).toEqual(
      expect.arrayContaining(['eventId', 'type', 'anonymousId', 'identity', 'url', 'occurredAt']),
    );
    expect(Object.keys(schemaOf('/v1/ops/events')?.properties.events.items.properties ?? {})).toEqual(
      expect.arrayContaining(['eventId', 'type', 'leadId', 'email']),
    );
    for (const [path, source] of [
      ['/v1/track', 'browser'],
      ['/v1/ops/events', 'trusted'],
    ] as const) {
      const op = OPERATIONS.find((o) => o.path === path);
      const parsed = parseTrackBatch(op?.body?.example, source, {
        now: Date.parse('2025-06-02T01:01:00.000Z'),
        lateEventWindowDays: 7,
      });
      expect(parsed).toMatchObject({ ok: true, rejected: [] });
    }
  });

  it('given the form route, then the documented body is built from the form definition and the example passes the form validator', async () => {
    // Arrange
    const { parseSubmission } = await import('#domain/capture/forms');
    const { formById } = await import('#config/settings');
    const form = formById('contact');
    const op = OPERATIONS.find((o) => o.path === '/v1/forms/{formId}');

    // Act
    const parsed = form ? parseSubmission(form, op?.body?.example, Date.now()) : undefined;
    const documented = op?.body?.document?.safeParse(op.body.example);

    // Assert
    expect(parsed?.ok).toBe(true);
    expect(documented?.success).toBe(true);
    expect(form?.fields.filter((f) => f.required).map((f) => f.name)).toEqual(
      expect.arrayContaining(['email']),
    );
  });

  it('given the erase route, then its request schema is the JSON Schema of the zod schema (reason 1–500, nothing else)', () => {
    // Act
    const document = apiDocument('https://api.example.co.jp');
    const erase = document.paths['/v1/ops/leads/{leadId}']?.delete as {
      security: unknown[];
      requestBody: { content: Record<string, { schema: Record<string, unknown> }> };
    };

    // Assert
    expect(erase.security).toEqual([{ ops: [] }]);
    expect(erase.requestBody.content['application/json']?.schema).toMatchObject({
      type: 'object',
      required: ['reason'],
      additionalProperties: false,
      properties: { reason: { type: 'string', minLength: 1, maxLength: 500 } },
    });
  });

  it('given GET /v1/openapi.json, when the handler answers, then it serves the document publicly as JSON', async () => {
    // Arrange
    const { handler } = await import('../../../functions/openapi/handler.ts');
    const event = {
      version: '2.0',
      routeKey: 'GET /v1/openapi.json',
      rawPath: '/v1/openapi.json',
      rawQueryString: '',
      headers: {},
      isBase64Encoded: false,
      requestContext: { http: { method: 'GET', path: '/v1/openapi.json' }, requestId: 'r' },
    };

    // Act
    const response = await handler(event as never, { awsRequestId: 'r' } as never);

    // Assert
    expect(response.statusCode).toBe(200);
    const body = JSON.parse(String(response.body)) as { servers: { url: string }[]; paths: object };
    expect(body.servers[0]?.url).toBe('https://api.example.co.jp');
    expect(Object.keys(body.paths)).toContain('/v1/openapi.json');
  });
});
