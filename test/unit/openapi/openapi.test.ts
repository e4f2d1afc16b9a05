/**
 * The OpenAPI document against the catalog: every route the CDK app and the local runtime serve is
 * documented (and nothing else), every request example passes the zod schema the handler validates with,
 * and the document is served by the real handler.
 */
import { describe, expect, it } from 'vitest';
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
