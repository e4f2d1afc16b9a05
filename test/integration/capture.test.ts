import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { now as clockNow } from '#adapters/clock';
import type { Runtime } from '#local/runtime';
import { consentHistoryOf } from '../support/consent.ts';
import { api, inbox, startTestRuntime, uniqueEmail } from '../support/runtime.ts';

let runtime: Runtime;
beforeAll(async () => {
  runtime = await startTestRuntime();
});
afterAll(async () => {
  await runtime.stop();
});

const contact = (email: string, extra: Record<string, unknown> = {}) => ({
  email,
  lastName: '山田',
  firstName: '太郎',
  company: '株式会社テスト商事',
  title: '営業部 部長',
  employees: '300-999',
  consent: true,
  ...extra,
});

const postJson = (formId: string, body: unknown, headers: Record<string, string> = {}) =>
  api(runtime).postForm(formId, body, headers);

const postForm = (formId: string, fields: Record<string, string>, query = '') =>
  fetch(`${runtime.apiUrl}/v1/forms/${formId}${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
    redirect: 'manual',
  });

const opsGet = async (path: string) => {
  const response = await fetch(`${runtime.apiUrl}${path}`, {
    headers: { authorization: `Bearer ${runtime.opsToken}` },
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

const leadByEmail = (email: string) => opsGet(`/v1/ops/leads?email=${encodeURIComponent(email)}`);

describe('capture: a landing-page form post', () => {
  it('given a valid JSON post, when captured, then 201 with an identity token, the lead stored and the auto-reply sent', async () => {
    // Arrange
    const email = uniqueEmail('capture');

    // Act
    const response = await postJson(
      'contact',
      contact(email, { message: '<script>alert(1)</script> 導入を検討しています' }),
    );

    // Assert
    expect(response.status).toBe(201);
    const body = (await response.json()) as { status: string; identity: string };
    expect(body.status).toBe('received');
    expect(body.identity).toMatch(/^[\w-]{166}$/);
    const lead = await leadByEmail(email);
    expect(lead.status).toBe(200);
    expect(lead.body).toMatchObject({
      email,
      stage: 'mql',
      attributes: { lastName: '山田', company: '株式会社テスト商事' },
      timeline: [{ type: 'form_submitted', points: 50, rule: 'contact-form' }],
    });
    const mails = await inbox(runtime.sesUrl, email);
    expect(mails).toHaveLength(1);
    expect(mails[0]?.subject).toBe('お問い合わせありがとうございます');
    expect(mails[0]?.body.html).toContain('株式会社テスト商事 山田様');
    expect(mails[0]?.from).toContain('marketing@example.co.jp');
  });

  it('given the same address posted 20 times at once, when captured, then exactly one lead exists with every submission on its timeline', async () => {
    const email = uniqueEmail('dedupe');
    const variants = Array.from({ length: 20 }, (_, i) =>
      contact(i % 2 ? email.toUpperCase().replace('@EXAMPLE.CO.JP', '@example.co.jp') : email, {
        department: `部署${i}`,
      }),
    );

    const responses = await Promise.all(variants.map((v) => postJson('contact', v)));

    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(201));
    const lead = await leadByEmail(email);
    const timeline = lead.body.timeline as { type: string }[];
    expect(timeline.filter((t) => t.type === 'form_submitted')).toHaveLength(20);
    await runtime.settle();
    const captured = runtime
      .events()
      .filter(
        (e) =>
          e['detail-type'] === 'Lead Captured' &&
          (e.detail as { leadId: string }).leadId === lead.body.leadId,
      );
    expect(captured).toHaveLength(20);
    expect(captured.filter((e) => (e.detail as { isNew: boolean }).isNew)).toHaveLength(1);
  });

  it('given a known address, when posted again, then the response is identical to a new one; empty attributes fill, changed ones are only proposed', async () => {
    const email = uniqueEmail('merge');
    const first = await postJson(
      'contact',
      contact(email, { department: '情報システム部', phone: '03-1234-5678' }),
    );
    const second = await postJson('contact', contact(email, { department: '', title: '取締役' }));

    const a = (await first.json()) as Record<string, unknown>;
    const b = (await second.json()) as Record<string, unknown>;
    expect(first.status).toBe(second.status);
    expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
    expect(b.status).toBe(a.status);
    const lead = await leadByEmail(email);
    // An unverified post does not rewrite what sales sees: the title change waits for confirmation.
    expect(lead.body.attributes).toMatchObject({
      department: '情報システム部',
      title: '営業部 部長',
      phone: '03-1234-5678',
    });
    expect(lead.body.proposedAttributes).toMatchObject({ values: { title: '取締役' } });
  });

  it('given a plain HTML form post, when valid, then 303 to the thank-you page; when invalid, 303 to the error page naming the fields', async () => {
    const email = uniqueEmail('browser');
    const ok = await postForm(
      'contact',
      { ...contact(email), consent: 'on' } as Record<string, string>,
      '?utm_source=newsletter&utm_medium=email',
    );
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe('/examples/thank-you.html');
    const lead = await leadByEmail(email);
    expect(lead.body.attribution).toMatchObject({
      firstTouch: { utm: { source: 'newsletter', medium: 'email' } },
    });

    const bad = await postForm('contact', { email: 'not-an-address', lastName: '' });
    expect(bad.status).toBe(303);
    expect(bad.headers.get('location')).toMatch(
      /^\/examples\/landing-page\.html\?errors=[a-zA-Z,]*email.*#form-error$/,
    );
  });

  it('given a plain HTML form on a Shift_JIS page (its fields percent-encoded as Shift_JIS), when posted, then the lead is stored with its Japanese name and company, not U+FFFD', async () => {
    // Arrange: 山田 / 太郎 / 株式会社テスト as the browser of a Shift_JIS page encodes them (no charset is sent).
    const email = uniqueEmail('sjis');
    const sjis = 'lastName=%8ER%93c&firstName=%91%BE%98Y&company=%8A%94%8E%AE%89%EF%8E%D0%83e%83X%83g';
    const body = `${sjis}&email=${encodeURIComponent(email)}&employees=300-999&consent=on`;

    // Act
    const response = await fetch(`${runtime.apiUrl}/v1/forms/contact`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
      redirect: 'manual',
    });

    // Assert
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/examples/thank-you.html');
    const lead = await leadByEmail(email);
    expect(lead.body.attributes).toMatchObject({
      lastName: '山田',
      firstName: '太郎',
      company: '株式会社テスト',
    });
  });

  it('given url-encoded fields that are neither UTF-8 nor Shift_JIS, when posted, then 400 says so and nothing is stored', async () => {
    // Arrange
    const email = uniqueEmail('not-text');

    // Act
    const response = await fetch(`${runtime.apiUrl}/v1/forms/contact`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: `lastName=%FF%FF&firstName=x&company=x&email=${encodeURIComponent(email)}&employees=300-999&consent=on`,
    });

    // Assert
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(/UTF-8/);
    expect((await leadByEmail(email)).status).toBe(404);
  });

  it('given a plain HTML form whose fields are neither UTF-8 nor Shift_JIS, when a browser posts it, then it is sent to the form’s error page (no field named), not shown a JSON error, and nothing is stored', async () => {
    // Arrange
    const email = uniqueEmail('not-text-browser');

    // Act: a browser's form post (no Accept: application/json).
    const response = await fetch(`${runtime.apiUrl}/v1/forms/contact`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
      body: `lastName=%FF%FF&firstName=x&company=x&email=${encodeURIComponent(email)}&employees=300-999&consent=on`,
      redirect: 'manual',
    });

    // Assert
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/examples/landing-page.html?errors=#form-error');
    expect((await leadByEmail(email)).status).toBe(404);
  });

  it('given a fetch post whose media type is not lower case (Content-Type "Application/JSON", no Accept), then JSON answers as for application/json: 400 with field errors when invalid, 201 with the identity when valid', async () => {
    // Arrange: media types are case-insensitive (RFC 9110 §8.3.1); the body is read as JSON either way.
    const send = (body: unknown) =>
      fetch(`${runtime.apiUrl}/v1/forms/contact`, {
        method: 'POST',
        headers: { 'content-type': 'Application/JSON' },
        body: JSON.stringify(body),
        redirect: 'manual',
      });
    const email = uniqueEmail('media-type-case');

    // Act
    const invalid = await send({ email: 'not-an-address', consent: true });
    const valid = await send(contact(email));

    // Assert: not a 303 to the error or thank-you page.
    expect(invalid.status).toBe(400);
    const error = (await invalid.json()) as { error: { errors: { field: string }[] } };
    expect(error.error.errors.map((e) => e.field)).toContain('email');
    expect(valid.status).toBe(201);
    expect(((await valid.json()) as { identity: string }).identity).toMatch(/^[\w-]{166}$/);
    expect((await leadByEmail(email)).status).toBe(200);
  });

  it('given invalid JSON input, when posted, then 400 with field errors and nothing stored', async () => {
    const email = uniqueEmail('invalid');
    const response = await postJson('contact', { email, lastName: 'x'.repeat(500), consent: false });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { errors: { field: string }[] } };
    expect(body.error.errors.map((e) => e.field)).toEqual(expect.arrayContaining(['lastName']));
    expect((await leadByEmail(email)).status).toBe(404);
    expect(await inbox(runtime.sesUrl, email)).toHaveLength(0);
  });

  it('given bad requests, when posted, then 404 unknown form, 413 too large, 415 wrong type, 403 foreign origin — and nothing stored', async () => {
    const email = uniqueEmail('bad');
    expect((await postJson('no-such-form', contact(email))).status).toBe(404);
    expect((await postJson('contact', contact(email, { message: 'あ'.repeat(40_000) }))).status).toBe(413);
    const xml = await fetch(`${runtime.apiUrl}/v1/forms/contact`, {
      method: 'POST',
      headers: { 'content-type': 'text/xml' },
      body: '<lead/>',
    });
    expect(xml.status).toBe(415);
    const foreign = await postJson('contact', contact(email), { origin: 'https://evil.example.com' });
    expect(foreign.status).toBe(403);
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    const malformed = await fetch(`${runtime.apiUrl}/v1/forms/contact`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"email":',
    });
    expect(malformed.status).toBe(400);
    expect(await malformed.text()).not.toMatch(/SyntaxError|at .*\.ts/);
    expect((await leadByEmail(email)).status).toBe(404);
  });

  it('given an allowed origin, when posting, then the CORS header names it', async () => {
    const response = await postJson('contact', contact(uniqueEmail('cors')), {
      origin: 'https://www.example.co.jp',
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('access-control-allow-origin')).toBe('https://www.example.co.jp');
  });

  it('given a browser preflight from an allowed origin, then the local gateway answers what API Gateway answers from the stack: DELETE among the methods, Idempotency-Key among the headers', async () => {
    // Act
    const response = await fetch(`${runtime.apiUrl}/v1/ops/leads`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://www.example.co.jp',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,authorization,idempotency-key',
      },
    });

    // Assert
    expect(response.status).toBe(204);
    const { CORS } = await import('#infra/catalog');
    expect(response.headers.get('access-control-allow-methods')?.split(',')).toEqual([...CORS.methods]);
    expect(response.headers.get('access-control-allow-headers')?.split(',')).toEqual(
      expect.arrayContaining(['content-type', 'authorization', 'idempotency-key']),
    );
  });

  it('given a bot (honeypot filled or too fast), when posted, then it gets the success response but nothing is stored or sent', async () => {
    const honeypot = uniqueEmail('honeypot');
    const fast = uniqueEmail('fast');
    const r1 = await postJson('contact', contact(honeypot, { website: 'http://spam.example' }));
    const r2 = await postJson('contact', contact(fast, { _startedAt: clockNow() - 100 }));
    expect(r1.status).toBe(201);
    expect(r2.status).toBe(201);
    expect(((await r1.json()) as { status: string }).status).toBe('received');
    expect((await leadByEmail(honeypot)).status).toBe(404);
    expect((await leadByEmail(fast)).status).toBe(404);
    expect(await inbox(runtime.sesUrl, honeypot)).toHaveLength(0);
  });

  it('given a form whose consent is required, when posted without it, then 400 names the consent field and nothing is stored', async () => {
    const email = uniqueEmail('noconsent');
    const response = await postJson('whitepaper', {
      email,
      lastName: '佐藤',
      firstName: '一郎',
      company: '佐藤工業株式会社',
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { errors: { field: string }[] } };
    expect(body.error.errors.map((e) => e.field)).toContain('consent');
    expect((await leadByEmail(email)).status).toBe(404);
  });

  it('given consent, when captured, then purpose, text version, form, time, IP and user agent are recorded', async () => {
    const email = uniqueEmail('consent');
    await postJson('contact', contact(email), { 'user-agent': 'Mozilla/5.0 (capture-test)' });
    const lead = await leadByEmail(email);
    expect(lead.body.consent).toMatchObject({
      purpose: expect.any(String),
      textVersion: expect.any(String),
      formId: 'contact',
      at: expect.any(Number),
      ip: '127.0.0.1',
      userAgent: 'Mozilla/5.0 (capture-test)',
      doubleOptIn: false,
    });
  });
});

describe('capture: double opt-in', () => {
  /** A webinar registration (double opt-in): its answer's status and the confirmation mail's link. */
  const register = async (email: string) => {
    const response = await postJson('webinar', {
      email,
      lastName: '鈴木',
      firstName: '花子',
      company: '鈴木製作所',
      consent: true,
    });
    expect(response.status).toBe(201);
    const [confirmation] = await inbox(runtime.sesUrl, email);
    const link = /href="([^"]*\/v1\/confirm\?t=[^"]+)"/
      .exec(confirmation?.body.html ?? '')?.[1]
      ?.replace(/&amp;/g, '&');
    expect(link).toBeDefined();
    return { status: ((await response.json()) as { status: string }).status, url: new URL(link ?? '') };
  };

  it('given a double opt-in form, when posted, then pending_confirmation and a confirmation mail; GET shows a page only; POST confirms idempotently', async () => {
    const email = uniqueEmail('doi');
    const { status, url } = await register(email);
    expect(status).toBe('pending_confirmation');
    let lead = await leadByEmail(email);
    expect(lead.body.marketing).toMatchObject({ allowed: false });

    const page = await fetch(`${runtime.apiUrl}${url.pathname}${url.search}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<form method="post"');
    lead = await leadByEmail(email);
    expect((lead.body.consent as { confirmedAt?: number }).confirmedAt).toBeUndefined();

    const confirm = await fetch(`${runtime.apiUrl}${url.pathname}${url.search}`, { method: 'POST' });
    const again = await fetch(`${runtime.apiUrl}${url.pathname}${url.search}`, { method: 'POST' });
    expect(confirm.status).toBe(200);
    expect(again.status).toBe(200);
    lead = await leadByEmail(email);
    expect((lead.body.consent as { confirmedAt?: number }).confirmedAt).toEqual(expect.any(Number));
    expect(lead.body.marketing).toMatchObject({ allowed: true });
    // The form's auto-reply follows the first confirmation only.
    const mails = await inbox(runtime.sesUrl, email);
    expect(mails).toHaveLength(2);
  });

  it('given the confirm button pressed 5 times at once, then the address is confirmed once and the auto-reply goes out once', async () => {
    // Arrange
    const email = uniqueEmail('doi-burst');
    const { url } = await register(email);

    // Act
    const presses = await Promise.all(
      Array.from({ length: 5 }, () =>
        fetch(`${runtime.apiUrl}${url.pathname}${url.search}`, { method: 'POST' }),
      ),
    );
    await runtime.sweep();

    // Assert
    expect(presses.map((p) => p.status)).toEqual(Array(5).fill(200));
    const lead = await leadByEmail(email);
    expect(
      (lead.body.consentHistory as { kind: string }[]).filter((e) => e.kind === 'confirmed'),
    ).toHaveLength(1);
    expect(await inbox(runtime.sesUrl, email)).toHaveLength(2);
  });

  it('given a tampered or foreign token, when confirming, then 400 and nothing changes', async () => {
    const bad = await fetch(`${runtime.apiUrl}/v1/confirm?t=eyJmb28iOjF9.AAAA`, { method: 'POST' });
    expect(bad.status).toBe(400);
    expect(await bad.text()).not.toMatch(/signature|stack/i);
  });
});

describe("capture: the consent ledger's head", () => {
  const UA = (n: number) => `Mozilla/5.0 (ledger-head-test ${n})`;

  /** The lead's items under `prefix`, as the export reads its partition (consistent reads). */
  const itemsOf = async (leadId: string, prefix: string) => {
    const { leadPartitionPages } = await import('#store/lead-items-all');
    const items: Record<string, unknown>[] = [];
    for await (const page of leadPartitionPages(leadId))
      items.push(...page.filter((item) => String(item.sk).startsWith(prefix)));
    return items;
  };

  const leadIdOf = async (email: string) => String((await leadByEmail(email)).body.leadId);

  it("given a first post with consent, then the grant is the profile's consent and no ledger item, and the lead view and the export list it", async () => {
    // Arrange
    const email = uniqueEmail('ledger-head');

    // Act
    expect((await postJson('whitepaper', contact(email), { 'user-agent': UA(1) })).status).toBe(201);

    // Assert
    const leadId = await leadIdOf(email);
    expect(await itemsOf(leadId, 'CONSENT#')).toEqual([]);
    const lead = await leadByEmail(email);
    expect(lead.body.consent).not.toHaveProperty('ledgerHead');
    expect(lead.body.consentHistory).toEqual([
      expect.objectContaining({ kind: 'granted', formId: 'whitepaper', userAgent: UA(1), ip: '127.0.0.1' }),
    ]);
    const exported = await api(runtime).opsGet(`/v1/ops/leads/${leadId}/export`);
    const document = (await exported.json()) as { items: { consentHistory: Record<string, unknown>[] } };
    expect(document.items.consentHistory).toEqual([
      expect.objectContaining({
        sk: expect.stringMatching(/^CONSENT#\d{4}-.*#granted:whitepaper$/),
        kind: 'granted',
        userAgent: UA(1),
        ledgerHead: true,
      }),
    ]);
  });

  it('given the address posts again later, then its first grant goes into the ledger as it was given, by that post, and the history lists each once', async () => {
    // Arrange
    const email = uniqueEmail('ledger-head-again');
    expect((await postJson('whitepaper', contact(email), { 'user-agent': UA(1) })).status).toBe(201);
    const leadId = await leadIdOf(email);
    const first = (await leadByEmail(email)).body.consent as { at: number };
    await runtime.advanceClock(60_000);

    // Act
    expect((await postJson('whitepaper', contact(email), { 'user-agent': UA(2) })).status).toBe(201);

    // Assert
    const ledger = await itemsOf(leadId, 'CONSENT#');
    expect(ledger).toEqual([
      expect.objectContaining({ kind: 'granted', formId: 'whitepaper', at: first.at, userAgent: UA(1) }),
    ]);
    const { consent, consentHistory } = (await leadByEmail(email)).body as {
      consent: { at: number; userAgent: string };
      consentHistory: { kind: string; userAgent: string; at: string }[];
    };
    expect(consent.userAgent).toBe(UA(2));
    expect(consent.at).toBeGreaterThanOrEqual(first.at + 60_000);
    expect(consentHistory.map((e) => [e.kind, e.userAgent, Date.parse(e.at)])).toEqual([
      ['granted', UA(1), first.at],
      ['granted', UA(2), consent.at],
    ]);
  });

  it('given 8 posts of one address at once, then every grant is in the history once: each form entry has its grant', async () => {
    // Arrange
    const email = uniqueEmail('ledger-head-burst');
    expect((await postJson('whitepaper', contact(email), { 'user-agent': UA(0) })).status).toBe(201);
    const leadId = await leadIdOf(email);

    // Act
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        postJson('whitepaper', contact(email), { 'user-agent': UA(i + 1) }),
      ),
    );

    // Assert
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(201));
    const entries = await itemsOf(leadId, 'EVT#form:');
    expect(entries).toHaveLength(9);
    const history = await consentHistoryOf(leadId);
    // Posts in the same millisecond are one grant (one form, one time): the history has one per time.
    expect(new Set(history.map((e) => e.at))).toEqual(new Set(entries.map((e) => e.occurredAt)));
    expect(history).toHaveLength(new Set(entries.map((e) => e.occurredAt)).size);
    expect(history.every((e) => e.kind === 'granted')).toBe(true);
    expect(await itemsOf(leadId, 'CONSENT#')).toHaveLength(history.length - 1);
  });
});
