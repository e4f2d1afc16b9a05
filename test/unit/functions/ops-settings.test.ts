import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { handler } from '../../../functions/ops-settings/handler.ts';

/** GET /v1/ops/settings/templates/{templateId}/preview: a template rendered for the sample lead, read-only. */
const ROUTE = 'GET /v1/ops/settings/templates/{templateId}/preview';
const get = async (
  templateId: string,
  query: Record<string, string> = {},
  groups = 'marketing',
): Promise<{ status: number; body: Record<string, unknown> }> => {
  const event = {
    version: '2.0',
    routeKey: ROUTE,
    rawPath: `/v1/ops/settings/templates/${templateId}/preview`,
    rawQueryString: new URLSearchParams(query).toString(),
    headers: {},
    queryStringParameters: Object.keys(query).length ? query : undefined,
    pathParameters: { templateId },
    isBase64Encoded: false,
    requestContext: {
      routeKey: ROUTE,
      http: {
        method: 'GET',
        path: `/v1/ops/settings/templates/${templateId}/preview`,
        sourceIp: '127.0.0.1',
      },
      authorizer: {
        jwt: {
          claims: { sub: 'u-1', token_use: 'id', email: 'x@example.co.jp', 'cognito:groups': `[${groups}]` },
          scopes: null,
        },
      },
    },
  } as unknown as APIGatewayProxyEventV2;
  const result = (await handler(event, {} as Context)) as APIGatewayProxyStructuredResultV2;
  return { status: result.statusCode ?? 0, body: JSON.parse(String(result.body)) as Record<string, unknown> };
};

describe('template preview route', () => {
  it('given a marketing template, when previewed, then the sample lead is greeted, the footer and the one-click unsubscribe headers are there', async () => {
    // Act
    const { status, body } = await get('nurture-thanks', { locale: 'ja' });

    // Assert
    expect(status).toBe(200);
    expect(body.locale).toBe('ja');
    expect(String(body.html)).toContain('山田');
    expect(String(body.html)).toContain('SAMPLE-TOKEN');
    expect(body.headers).toEqual(
      expect.arrayContaining([{ name: 'List-Unsubscribe-Post', value: 'List-Unsubscribe=One-Click' }]),
    );
  });

  it('given a step template whose link comes from its sequence step (caseStudyUrl), when previewed, then the link is the one the step mails, not empty', async () => {
    // Act
    const { status, body } = await get('nurture-case-study', { locale: 'ja' });

    // Assert
    expect(status).toBe(200);
    expect(String(body.html)).toContain(
      '<a href="https://www.example.co.jp/case-studies/">活用事例を読む</a>',
    );
    expect(String(body.text)).toContain('活用事例を読む (https://www.example.co.jp/case-studies/)');
  });

  it("given the webinar auto-reply, whose join link is the form's mail variable, when previewed, then the join link is there", async () => {
    const { body } = await get('autoreply-webinar', { locale: 'ja' });
    expect(String(body.html)).toContain('href="https://www.example.co.jp/webinars/live/"');
  });

  it('given a sales user, when a transactional template is previewed in English, then it renders the English variant without marketing headers', async () => {
    const { status, body } = await get('autoreply-whitepaper', { locale: 'en' }, 'sales');
    expect(status).toBe(200);
    expect(body.locale).toBe('en');
    expect(body.headers).toEqual([]);
    expect(String(body.subject).length).toBeGreaterThan(0);
  });

  it('given an unknown template or locale, when asked, then 404 names the templates and 400 names the field', async () => {
    const missing = await get('no-such-template');
    expect(missing.status).toBe(404);
    expect(JSON.stringify(missing.body)).toContain('nurture-thanks');
    const badLocale = await get('nurture-thanks', { locale: 'fr' });
    expect(badLocale.status).toBe(400);
    expect(JSON.stringify(badLocale.body)).toContain('locale');
  });
});
