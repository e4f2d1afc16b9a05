import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { now as clockNow } from '#adapters/clock';
import { unsubscribeUrl } from '#app/links';
import type { Runtime } from '#local/runtime';
import { api, inbox, startTestRuntime, uniqueEmail } from '../support/runtime.ts';
import { leadByEmail as leadByEmailOf, person } from './capture-support.ts';

/** Issue 10, forms side: exact under load, safe under abuse. */

let runtime: Runtime;
beforeAll(async () => {
  runtime = await startTestRuntime();
});
afterAll(async () => {
  await runtime.stop();
});

const postJson = (formId: string, body: unknown, headers: Record<string, string> = {}) =>
  api(runtime).postForm(formId, body, headers);

const identityOf = async (response: Response) => ((await response.json()) as { identity: string }).identity;

const leadByEmail = (email: string) => leadByEmailOf(runtime, email);

const track = (events: unknown[]) =>
  fetch(`${runtime.apiUrl}/v1/track`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ events }),
  });

const pageView = (over: Record<string, unknown>) => ({
  eventId: randomUUID(),
  type: 'page_view',
  url: 'https://www.example.co.jp/ja/pricing',
  title: '料金プラン',
  properties: {},
  occurredAt: new Date(clockNow()).toISOString(),
  ...over,
});

describe('a bad cookie or header is never fatal', () => {
  it('given a malformed ma_aid cookie, when a valid JSON post and a plain HTML post arrive, then 201 and 303, and both leads are stored', async () => {
    // Arrange
    const json = uniqueEmail('badcookie');
    const html = uniqueEmail('badcookie-html');
    // Act
    const a = await postJson('whitepaper', person(json), { cookie: 'ma_aid=%E0%A4%A' });
    const b = await fetch(`${runtime.apiUrl}/v1/forms/whitepaper`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: 'ma_aid=%E0%A4%A; other=%' },
      body: new URLSearchParams({ ...person(html), consent: 'on' } as Record<string, string>).toString(),
      redirect: 'manual',
    });
    // Assert
    expect(a.status).toBe(201);
    expect(b.status).toBe(303);
    expect(b.headers.get('location')).toBe('/examples/thank-you.html?form=whitepaper');
    expect((await leadByEmail(json)).status).toBe(200);
    expect((await leadByEmail(html)).status).toBe(200);
  });

  it('given 50 concurrent posts of one address, when captured, then all 50 succeed, one lead holds all 50 submissions', async () => {
    const email = uniqueEmail('fifty');
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) => postJson('contact', person(email, { department: `部署${i}` }))),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(50).fill(201));
    const lead = await leadByEmail(email);
    expect(lead.body.timeline.filter((t) => t.type === 'form_submitted')).toHaveLength(50);
    // Points once per form and day: one submission scored, 49 recorded with 0.
    expect(lead.body.timeline.filter((t) => t.points > 0 && t.type === 'form_submitted')).toHaveLength(1);
  }, 60_000);
});

describe("a form post is no lever on somebody else's lead", () => {
  it('given 10 identical contact posts, when captured, then the points count once and the lead is not handed to sales', async () => {
    const email = uniqueEmail('tenposts');
    for (let i = 0; i < 10; i++) expect((await postJson('contact', person(email))).status).toBe(201);
    const lead = await leadByEmail(email);
    const submitted = lead.body.timeline.filter((t) => t.type === 'form_submitted');
    expect(submitted).toHaveLength(10);
    expect(submitted.filter((t) => t.points > 0)).toHaveLength(1);
    expect(submitted.filter((t) => t.properties?.notScored === 'once_per_day')).toHaveLength(9);
    expect(lead.body.temperature).not.toBe('hot');
    expect(lead.body.owner).toBeNull();
  });

  it('given a grade-A lead, when a stranger posts its address with other attributes, then what sales sees is unchanged, the change is proposed, and the returned token cannot send events to the lead', async () => {
    // Arrange
    const email = uniqueEmail('victim');
    await postJson('whitepaper', person(email));
    const before = (await leadByEmail(email)).body;
    expect(before.grade).toBe('A');
    // Act
    const attack = await postJson(
      'whitepaper',
      person(email, { title: '学生', employees: '1-49', company: 'Spam' }),
    );
    const token = await identityOf(attack);
    const sent = await track(Array.from({ length: 5 }, () => pageView({ identity: token })));
    // Assert
    expect(attack.status).toBe(201);
    const after = (await leadByEmail(email)).body;
    expect(after.attributes).toMatchObject({
      title: '代表取締役社長',
      employees: '1000-4999',
      company: '株式会社テスト商事',
    });
    expect(after.grade).toBe('A');
    expect(after.proposedAttributes?.values).toEqual({ title: '学生', employees: '1-49', company: 'Spam' });
    expect(after.timeline[0]?.properties).toMatchObject({ 'proposed.title': '学生' });
    expect(sent.status).toBeLessThan(500);
    expect(after.timeline.filter((t) => t.type === 'page_view')).toHaveLength(0);
    expect((await leadByEmail(email)).body.timeline.filter((t) => t.type === 'page_view')).toHaveLength(0);
  });

  it('given a double opt-in lead with a proposed change, when the address is confirmed, then the change is applied and the confirmation is in the ledger', async () => {
    const email = uniqueEmail('doi-propose');
    const webinar = (extra: Record<string, unknown> = {}) => ({
      email,
      lastName: '鈴木',
      firstName: '花子',
      company: '鈴木製作所',
      title: '部長',
      consent: true,
      ...extra,
    });
    await postJson('webinar', webinar());
    await postJson('webinar', webinar({ title: '取締役' }));
    expect((await leadByEmail(email)).body.attributes.title).toBe('部長');
    const [request] = await inbox(runtime.sesUrl, email);
    const link = /href="([^"]*\/v1\/confirm\?t=[^"]+)"/
      .exec(request?.body.html ?? '')?.[1]
      ?.replace(/&amp;/g, '&');
    const url = new URL(link ?? 'http://invalid');
    expect((await fetch(`${runtime.apiUrl}${url.pathname}${url.search}`, { method: 'POST' })).status).toBe(
      200,
    );
    const lead = (await leadByEmail(email)).body;
    expect(lead.attributes.title).toBe('取締役');
    expect(lead.proposedAttributes).toBeNull();
    expect(lead.consentHistory.map((c) => c.kind)).toEqual(['granted', 'granted', 'confirmed']);
  });

  it('given a bot and a person, when they post, then the responses have the same shape and the tokens the same length and alphabet', async () => {
    const human = await postJson('contact', person(uniqueEmail('human')));
    const bot = await postJson('contact', person(uniqueEmail('bot'), { website: 'http://spam.example' }));
    const h = (await human.json()) as Record<string, string>;
    const b = (await bot.json()) as Record<string, string>;
    expect(bot.status).toBe(human.status);
    expect(Object.keys(b).sort()).toEqual(Object.keys(h).sort());
    expect(b.identity?.length).toBe(h.identity?.length);
    expect(b.identity).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(Buffer.from(b.identity ?? '', 'base64url').toString('latin1')).not.toMatch(/spam|sub|identity/);
  });
});

describe('stitching runs after the response, page by page', () => {
  it('given a visitor with 150 anonymous page views, when the form post identifies them, then the post stitches nothing and two sweeps score all 150', async () => {
    // Arrange
    const anonymousId = randomUUID();
    for (let i = 0; i < 150; i += 20) {
      const batch = Array.from({ length: Math.min(20, 150 - i) }, (_, j) =>
        pageView({ anonymousId, url: `https://www.example.co.jp/ja/blog/${i + j}` }),
      );
      expect((await track(batch)).status).toBeLessThan(300);
    }
    const email = uniqueEmail('stitch');
    // Act
    const response = await postJson('contact', person(email, { _anonymousId: anonymousId }));
    const views = async () =>
      (await leadByEmail(email)).body.timeline.filter((t) => t.type === 'page_view').length;
    const atResponse = await views();
    await runtime.sweep();
    const afterOne = await views();
    await runtime.sweep();
    const afterTwo = await views();
    // Assert
    expect(response.status).toBe(201);
    expect(atResponse).toBe(0);
    expect(afterOne).toBe(100);
    expect(afterTwo).toBe(150);
    // New events of the identified visitor go straight to the lead.
    await track([pageView({ anonymousId, url: 'https://www.example.co.jp/ja/after' })]);
    expect(await views()).toBe(151);
  }, 60_000);
});

describe('abuse limits on capture mail', () => {
  it('given a message with a link, when the contact auto-reply goes out, then it repeats neither the message nor the link', async () => {
    const email = uniqueEmail('relay');
    await postJson(
      'contact',
      person(email, { message: 'Cheap pills at http://spam.example/buy', company: 'www.spam.example' }),
    );
    const [mail] = await inbox(runtime.sesUrl, email);
    expect(mail?.subject).toBe('お問い合わせありがとうございます');
    expect(mail?.body.html).not.toMatch(/spam\.example|Cheap pills/);
    expect(mail?.body.html).toContain('山田様');
  });
});

describe('the consent ledger', () => {
  it('given two consents and an unsubscribe, when the lead is viewed, then the history shows each, oldest first, with purpose, version, form, IP and user agent', async () => {
    const email = uniqueEmail('ledger');
    await postJson('whitepaper', person(email), { 'user-agent': 'ledger-test/1' });
    await postJson('contact', person(email), { 'user-agent': 'ledger-test/2' });
    const { leadId } = (await leadByEmail(email)).body;
    const url = new URL(await unsubscribeUrl(leadId));
    const out = await fetch(`${runtime.apiUrl}${url.pathname}${url.search}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(out.status).toBeLessThan(300);
    const history = (await leadByEmail(email)).body.consentHistory;
    expect(history).toMatchObject([
      {
        kind: 'granted',
        purpose: 'marketing_email',
        formId: 'whitepaper',
        textVersion: '2025-04-01',
        ip: '127.0.0.1',
        userAgent: 'ledger-test/1',
      },
      { kind: 'granted', formId: 'contact', userAgent: 'ledger-test/2' },
      { kind: 'withdrawn', purpose: 'marketing_email', method: 'one_click' },
    ]);
    expect(Date.parse(history[0]?.at ?? '')).toBeLessThanOrEqual(Date.parse(history[2]?.at ?? ''));
  });
});
