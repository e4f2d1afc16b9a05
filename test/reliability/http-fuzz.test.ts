import { randomBytes, randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { now } from '#adapters/clock';
import { sesClient } from '#adapters/ses';
import { confirmUrl, identityToken, unsubscribeUrl } from '#app/links';
import { settings } from '#config/settings';
import { signToken } from '#domain/capture/tokens';
import { FUNCTIONS } from '#infra/catalog';
import { dynamodb } from '#store/dynamodb';
import {
  type Api,
  type ApiRequest,
  type ApiResponse,
  internalsIn,
  loadApi,
} from '../support/http-harness.ts';
import { DYNAMODB_WRITES, injectFault, recordCalls, throttled } from '../support/sdk-faults.ts';

/**
 * Guarantee: bad input gets a clear 4xx and changes nothing; no request, however malformed, gets a 5xx or
 * sees an internal. Every public and ops route of infra/catalog.ts (plus unknown paths and methods) is fed
 * fast-check-generated requests: methods, paths with malformed percent-encoding, headers, content types,
 * cookies, and bodies that are valid-ish for the route with mutated fields, oversized strings, deep nesting,
 * prototype-pollution keys, wrong types, huge numbers, lone surrogates and Japanese. The handlers run
 * in-process (test/support/http-harness.ts) on DynamoDB Local and the local SES. For every request:
 * no 5xx, no internals in the body, and for a 4xx: no DynamoDB write and no mail sent (every call the
 * product's SDK clients make is recorded by a middleware). A last property replays only rejected requests
 * and compares a full table snapshot before and after. Every answer a function gives (and the gateway's 401)
 * must also be a documented response of the route's operation in the served OpenAPI document, and a last
 * block probes every route of the catalog with requests it refuses and under a throttled table.
 *
 * Seeds: fast-check picks a fresh seed per run and prints it with the counterexample on failure.
 */

const RUNS = {
  forms: 3000,
  track: 2000,
  opsEvents: 1000,
  salesActions: 1000,
  opsReads: 900,
  tokens: 900,
  strays: 700,
  snapshot: 500,
} as const;
const MIN_TOTAL = 10_000;

let api: Api;
const counts = new Map<string, number>();
const byStatus = new Map<number, number>();
let total = 0;
const seeded: { leadId: string; email: string; unsubscribeToken: string }[] = [];

// Every call the product's clients make during one request (requests run one at a time).
let dynamoCalls: ReturnType<typeof recordCalls>;
let sesCalls: ReturnType<typeof recordCalls>;

/** The OpenAPI document as clients get it (GET /v1/openapi.json): its paths and their operations. */
let documentedPaths: [RegExp, Record<string, { responses: Record<string, unknown> }>][] = [];
/** The statuses the document lists for the operation a request reaches (undefined: no such operation). */
const documentedStatuses = (method: string, url: string): string[] | undefined => {
  // The path as the harness routes it (dot segments resolved: `/v1/ops/leads/./x` reaches `/v1/ops/leads/x`).
  const path = new URL(url, 'http://localhost').pathname;
  for (const [pattern, operations] of documentedPaths) {
    const operation = operations[method.toLowerCase()];
    if (operation && pattern.test(path)) return Object.keys(operation.responses);
  }
  return undefined;
};

beforeAll(async () => {
  api = await loadApi();
  const served = await api.call({ method: 'GET', url: '/v1/openapi.json' });
  const document = JSON.parse(served.body) as {
    paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
  };
  // Static segments first, as API Gateway prefers them (…/activities before …/{action}).
  documentedPaths = Object.entries(document.paths)
    .sort(([a], [b]) => (a.match(/\{/g)?.length ?? 0) - (b.match(/\{/g)?.length ?? 0))
    .map(([template, operations]) => [new RegExp(`^${template.replace(/\{\w+\}/g, '[^/]+')}$`), operations]);
  dynamoCalls = recordCalls(dynamodb);
  sesCalls = recordCalls(sesClient);
  // A few real leads, so tokens, lead ids and e-mails in generated requests can name someone who exists.
  for (let i = 0; i < 3; i++) {
    const email = `fuzz-seed-${randomBytes(4).toString('hex')}@example.co.jp`;
    const response = await api.call({
      method: 'POST',
      url: '/v1/forms/whitepaper',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(whitepaperPost(email)),
    });
    expect(response.status).toBe(201);
    const { findLeadIdByEmail } = await import('#store/leads');
    const leadId = await findLeadIdByEmail(email);
    if (!leadId) throw new Error('seed lead missing');
    const unsubscribeToken = new URL(await unsubscribeUrl(leadId)).searchParams.get('t') ?? '';
    seeded.push({ leadId, email, unsubscribeToken });
  }
});

afterAll(() => {
  dynamoCalls?.stop();
  sesCalls?.stop();
  const perRoute = [...counts.entries()].map(([k, v]) => `${k} ${v}`).join(', ');
  const statuses = [...byStatus.entries()]
    .sort(([a], [b]) => a - b)
    .map(([k, v]) => `${k}×${v}`)
    .join(' ');
  console.log(`[reliability] fuzzed ${total} requests (${perRoute}); statuses ${statuses}`);
});

/**
 * The answer's status is a documented response of the route's operation: every answer of a function, and
 * the gateway's 401 on an ops route (a path or method no route has is the gateway's 404, documented nowhere).
 */
const expectDocumented = (request: ApiRequest, response: ApiResponse, shown: string) => {
  if (response.answeredBy === 'gateway' && response.status !== 401) return;
  const documented = documentedStatuses(request.method, request.url);
  expect(documented, `no documented operation: ${shown}`).toBeDefined();
  expect(documented, `undocumented status: ${shown}`).toContain(String(response.status));
};

/** Send one request and check what holds for every answer; returns the response for route-specific checks. */
const check = async (group: string, request: ApiRequest): Promise<ApiResponse> => {
  dynamoCalls.clear();
  sesCalls.clear();
  const response = await api.call(request);
  total++;
  counts.set(group, (counts.get(group) ?? 0) + 1);
  byStatus.set(response.status, (byStatus.get(response.status) ?? 0) + 1);
  const shown = `${request.method} ${request.url} → ${response.status} ${response.body.slice(0, 300)}`;
  expect(response.status, shown).toBeLessThan(500);
  expectDocumented(request, response, shown);
  expect(internalsIn(response.body), shown).toBeUndefined();
  for (const value of Object.values(response.headers)) expect(internalsIn(value), shown).toBeUndefined();
  if (response.status >= 400) {
    const writes = dynamoCalls.calls.filter((c) => DYNAMODB_WRITES.has(c.operation));
    expect(writes, `a rejected request wrote: ${shown}`).toEqual([]);
    expect(sesCalls.calls, `a rejected request sent mail: ${shown}`).toEqual([]);
  }
  return response;
};

// ---------------------------------------------------------------------------------------------------------
// Generators

const LONE_SURROGATES = ['\uD800', '\uDBFF', '\uDC00', '\uDFFF', 'a\uD83Db', '\uDE00\uD83D'];
const JAPANESE = [
  '山田',
  '太郎',
  '株式会社サンプル商事',
  '情報システム部 部長',
  '資料ダウンロード',
  'ｱｲｳｴｵ',
  '＠',
  '１２３',
  'デモを見たい',
  '〒100-0001 東京都千代田区',
];
const PROTO_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'valueOf',
  '__defineGetter__',
];
const CONTROL = ['\u0000', '\r\n', '\u2028', '\u0007', '\t', '\u001b[31m'];
const INJECTION = [
  "' OR 1=1 --",
  '<script>alert(1)</script>',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template-injection probe, sent as plain text.
  '${7*7}',
  '{{constructor.constructor}}',
  '=HYPERLINK("x")',
  '../../etc/passwd',
  '%00',
  '#',
  'LEAD#x',
  'a\r\nBcc: x@example.com',
];

const hiragana = fc
  .array(fc.integer({ min: 0x3041, max: 0x30ff }), { minLength: 1, maxLength: 30 })
  .map((codes) => String.fromCodePoint(...codes));

const nastyString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  hiragana,
  fc.constantFrom(...LONE_SURROGATES, ...JAPANESE, ...PROTO_KEYS, ...CONTROL, ...INJECTION, ''),
  fc
    .tuple(fc.constantFrom('x', 'あ', '🙂', '\uD800'), fc.integer({ min: 100, max: 40_000 }))
    .map(([c, n]) => c.repeat(n)),
);

/** A marker a JSON body carries in place of a number JSON.stringify cannot write (replaced in the text). */
const RAW_NUMBERS = [
  '1e400',
  '-1e400',
  '123456789012345678901234567890',
  '0.0000000000000000000000001',
  '-0',
  '1E+2',
];
const RAW = (i: number) => `\u0001raw${i}\u0001`;

const wrongType: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom(Number.MAX_SAFE_INTEGER + 2, -Number.MAX_VALUE, Number.MIN_VALUE, 1e21),
  fc.integer({ min: 0, max: RAW_NUMBERS.length - 1 }).map(RAW),
  fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
  fc.constant({}),
  fc.dictionary(fc.constantFrom(...PROTO_KEYS, 'a', 'b'), fc.string({ maxLength: 5 }), { maxKeys: 3 }),
);

const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: nastyString },
  { weight: 2, arbitrary: wrongType },
);

/** Deeply nested JSON text (arrays or objects), up to thousands of levels. */
const deepJson = fc
  .tuple(fc.integer({ min: 50, max: 5000 }), fc.boolean(), fc.constantFrom(...PROTO_KEYS, 'events', 'a'))
  .map(([depth, objects, key]) =>
    objects
      ? `${`{"${key}":`.repeat(depth)}1${'}'.repeat(depth)}`
      : `${'['.repeat(depth)}1${']'.repeat(depth)}`,
  );

type Mutation =
  | { kind: 'set'; key: string; value: unknown }
  | { kind: 'delete'; key: string }
  | { kind: 'add'; key: string; value: unknown };

/** Up to 4 mutations of a valid-ish body: fields set to nasty values or wrong types, removed, or extra keys. */
const mutations = (fields: readonly string[]): fc.Arbitrary<Mutation[]> =>
  fc.array(
    fc.oneof(
      fc.record({ kind: fc.constant('set' as const), key: fc.constantFrom(...fields), value: anyValue }),
      fc.record({ kind: fc.constant('delete' as const), key: fc.constantFrom(...fields) }),
      fc.record({
        kind: fc.constant('add' as const),
        key: fc.oneof(fc.constantFrom(...PROTO_KEYS), nastyString),
        value: anyValue,
      }),
    ),
    { maxLength: 4 },
  );

/** Apply mutations; own properties only (`__proto__` becomes a real key, as JSON.parse would make it). */
const mutate = (base: Record<string, unknown>, changes: readonly Mutation[]): Record<string, unknown> => {
  const entries = new Map(Object.entries(base));
  for (const change of changes) {
    if (change.kind === 'delete') entries.delete(change.key);
    else entries.set(change.key, change.value);
  }
  return Object.fromEntries(entries);
};

/** JSON text with the raw-number markers replaced by numbers JSON.stringify cannot write. */
const toJson = (value: unknown): string =>
  JSON.stringify(value).replace(/"\\u0001raw(\d)\\u0001"/g, (_, i: string) => RAW_NUMBERS[Number(i)] ?? '0');

const formEncode = (value: Record<string, unknown>): string =>
  Object.entries(value)
    .flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => [k, x]) : [[k, v]]))
    .map(
      ([k, v]) =>
        `${encodeURIComponent(String(k))}=${encodeURIComponent(typeof v === 'string' ? v : toJson(v))}`,
    )
    .join('&');

const safeFormEncode = (value: Record<string, unknown>): string => {
  try {
    return formEncode(value);
  } catch {
    // A lone surrogate cannot be URI-encoded: send the keys with a malformed escape as every value instead.
    return Object.keys(value)
      .map((k) => `${k.replace(/[^\w]/g, '')}=%E0%A4%A`)
      .join('&');
  }
};

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/x-www-form-urlencoded',
  'text/plain',
  'text/plain;charset=UTF-8',
  'multipart/form-data; boundary=x',
  'application/xml',
  'APPLICATION/JSON',
  '',
  'application/json; charset=shift_jis',
];

type BodyEncoding = 'json' | 'form' | 'text' | 'deep' | 'garbage' | 'oversized' | 'empty';
const encoding = fc.constantFrom<BodyEncoding>(
  'json',
  'json',
  'json',
  'form',
  'text',
  'deep',
  'garbage',
  'oversized',
  'empty',
);

const MAX_BODY = settings.app.api.maxBodyBytes;

/** Encode a body object as the chosen kind; returns the text and a matching (or mismatched) content type. */
const encodeBody = (
  value: Record<string, unknown>,
  how: BodyEncoding,
  deep: string,
  garbage: string,
): { body: string | Buffer; contentType: string } => {
  switch (how) {
    case 'json':
      return { body: toJson(value), contentType: 'application/json' };
    case 'form':
      return { body: safeFormEncode(value), contentType: 'application/x-www-form-urlencoded' };
    case 'text':
      return { body: toJson(value), contentType: 'text/plain;charset=UTF-8' };
    case 'deep':
      return { body: deep, contentType: 'application/json' };
    case 'garbage':
      return { body: garbage, contentType: 'application/json' };
    case 'oversized':
      return {
        body: toJson({ ...value, pad: 'あ'.repeat(Math.ceil(MAX_BODY / 3) + 10) }),
        contentType: 'application/json',
      };
    case 'empty':
      return { body: '', contentType: 'application/json' };
  }
};

const garbageBody = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.constantFrom(
    '{',
    '{"a":',
    '[1,2',
    'null',
    '"text"',
    '123',
    'true',
    '{"a":1}{"b":2}',
    '\uFEFF{}',
    '{"__proto__":{"polluted":1}}',
  ),
  fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
);

const MALFORMED_ESCAPES = [
  '%',
  '%zz',
  '%E0%A4%A',
  '%C0%AF',
  '%ED%A0%80',
  '%FF',
  '%u0041',
  '%%',
  '%2F',
  '%00',
];
const segment = fc.oneof(
  fc.constantFrom(...MALFORMED_ESCAPES),
  fc.string({ maxLength: 12 }).map((s) => encodeURIComponent(s.replace(/[\uD800-\uDFFF]/g, 'x'))),
  fc.constantFrom('whitepaper', 'contact', 'webinar', '..', '.', 'accept', '日本語', '%E6%97%A5'),
);

const origin = fc.constantFrom(
  undefined,
  'https://www.example.co.jp',
  'http://localhost:3000',
  'https://evil.example',
  'null',
  '',
);
const accept = fc.constantFrom(
  undefined,
  'application/json',
  'text/html',
  '*/*',
  'application/json, text/html',
);
const cookie = fc.option(
  fc.oneof(
    fc.constantFrom(
      'ma_aid=%E0%A4%A',
      'ma_aid=%',
      'ma_aid=abcdefgh12345678',
      'ma_aid=',
      'ma_aid=%zz; other=1',
      `ma_aid=${'a'.repeat(5000)}`,
    ),
    nastyString.map((s) => `ma_aid=${s.replace(/[;\r\n]/g, '')}`),
  ),
  { nil: undefined },
);

const query = fc.dictionary(
  fc.constantFrom(
    'utm_source',
    'utm_medium',
    'utm_campaign',
    't',
    'email',
    'limit',
    'cursor',
    'format',
    // The list's searches and filters (GET /v1/ops/leads without email=).
    'company',
    'phone',
    'stage',
    'sort',
    '__proto__',
    'x',
  ),
  fc.oneof(
    fc.constantFrom(...MALFORMED_ESCAPES),
    fc.string({ maxLength: 20 }).map((s) => encodeURIComponent(s.replace(/[\uD800-\uDFFF]/g, 'x'))),
  ),
  { maxKeys: 3 },
);
const queryString = (q: Record<string, string>): string => {
  const parts = Object.entries(q).map(([k, v]) => `${k}=${v}`);
  return parts.length ? `?${parts.join('&')}` : '';
};

const headersFor = (
  contentType: string,
  extra: Record<string, string | undefined>,
): Record<string, string> => {
  const out: Record<string, string> = {};
  if (contentType) out['content-type'] = contentType;
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) out[k] = v;
  return out;
};

const opsAuth = () => `Bearer ${api.opsToken}`;

// ---------------------------------------------------------------------------------------------------------
// Properties, one per route group. numRuns is explicit; each finishes in a few seconds alone.

const forms = settings.forms;
const FORM_IDS = forms.map((f) => f.id);

const validFormBody = (formId: string, email: string): Record<string, unknown> => {
  const form = forms.find((f) => f.id === formId);
  const body: Record<string, unknown> = { _startedAt: now() - 60_000 };
  for (const field of form?.fields ?? []) {
    if (field.type === 'email') body[field.name] = email;
    else if (field.type === 'checkbox') body[field.name] = true;
    else if (field.type === 'select') body[field.name] = field.options?.[0]?.value ?? '';
    else if (field.type === 'tel') body[field.name] = '03-1234-5678';
    else if (field.type === 'hidden') body[field.name] = 'x';
    else body[field.name] = '山田';
  }
  return body;
};

/** A valid whitepaper form post from `email` (a person's, not a bot's: filled a minute after the page opened). */
const whitepaperPost = (email: string) => ({
  email,
  lastName: '山田',
  firstName: '太郎',
  company: '株式会社サンプル商事',
  employees: '1000-4999',
  consent: true,
  _startedAt: now() - 60_000,
});

describe('fuzzing every route: no 5xx, no internals, a rejected request changes nothing', () => {
  it(`POST /v1/forms/{formId}: ${RUNS.forms} generated posts`, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...FORM_IDS) }, { weight: 1, arbitrary: segment }),
        fc.oneof(
          fc.constant('valid'),
          fc.constantFrom('TARO@EXAMPLE.CO.JP', 'taro＠example.co.jp', 'a@b', 'x@例え.jp', 'no-at', ''),
          nastyString,
        ),
        mutations([
          'email',
          'lastName',
          'firstName',
          'company',
          'employees',
          'consent',
          'message',
          '_startedAt',
          '_anonymousId',
          'website',
          'utm_source',
        ]),
        encoding,
        fc.option(fc.constantFrom(...CONTENT_TYPES), { nil: undefined }),
        deepJson,
        garbageBody,
        origin,
        accept,
        cookie,
        query,
        async (formId, emailChoice, changes, how, forcedType, deep, garbage, from, wants, aid, q) => {
          const email =
            emailChoice === 'valid' ? `fuzz-${randomBytes(5).toString('hex')}@example.co.jp` : emailChoice;
          const body = mutate(validFormBody(formId, email), changes);
          const encoded = encodeBody(body, how, deep, garbage);
          await check('forms', {
            method: 'POST',
            url: `/v1/forms/${formId}${queryString(q)}`,
            headers: headersFor(forcedType ?? encoded.contentType, {
              origin: from,
              accept: wants,
              cookie: aid,
            }),
            body: encoded.body,
          });
        },
      ),
      { numRuns: RUNS.forms },
    );
  }, 120_000);

  const trackEvent = () =>
    fc
      .record({
        eventId: fc.oneof(fc.uuid(), nastyString, fc.constant(undefined)),
        type: fc.constantFrom(
          'page_view',
          'download',
          'webinar_attended',
          'form_submitted',
          'email_open',
          'custom_event',
          'Bad-Type',
        ),
        anonymousId: fc.oneof(
          fc.constant('anon-fuzz-0001'),
          fc.stringMatching(/^[A-Za-z0-9_-]{8,20}$/),
          nastyString,
        ),
        url: fc.oneof(fc.constant('https://www.example.co.jp/pricing'), fc.webUrl(), nastyString),
        occurredAt: fc.oneof(
          fc.constant(undefined),
          fc
            .integer({ min: -3_600_000 * 24 * 400, max: 3_600_000 })
            .map((d) => new Date(now() + d).toISOString()),
          nastyString,
        ),
        properties: fc.oneof(
          fc.constant(undefined),
          fc.dictionary(fc.oneof(fc.constantFrom(...PROTO_KEYS), fc.string({ maxLength: 10 })), anyValue, {
            maxKeys: 25,
          }),
        ),
      })
      .chain((event) =>
        mutations([
          'eventId',
          'type',
          'anonymousId',
          'url',
          'occurredAt',
          'properties',
          'identity',
          'leadId',
          'email',
          'title',
        ]).map((changes) => mutate(event as Record<string, unknown>, changes)),
      );

  it(`POST /v1/track: ${RUNS.track} generated batches`, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(trackEvent(), { maxLength: 22 }),
        fc.oneof(fc.constant(undefined), fc.integer({ min: 0, max: 2 }), nastyString),
        mutations(['events']),
        encoding,
        fc.option(fc.constantFrom(...CONTENT_TYPES), { nil: undefined }),
        deepJson,
        garbageBody,
        origin,
        async (events, identityChoice, changes, how, forcedType, deep, garbage, from) => {
          const identity =
            typeof identityChoice === 'number'
              ? await identityToken(seeded[identityChoice]?.leadId ?? 'x', now())
              : identityChoice;
          const withIdentity = identity === undefined ? events : events.map((e) => ({ ...e, identity }));
          const body = mutate({ events: withIdentity }, changes);
          const encoded = encodeBody(body, how, deep, garbage);
          await check('track', {
            method: 'POST',
            url: '/v1/track',
            headers: headersFor(forcedType ?? encoded.contentType, { origin: from }),
            body: encoded.body,
          });
        },
      ),
      { numRuns: RUNS.track },
    );
  }, 120_000);

  it(`POST /v1/ops/events: ${RUNS.opsEvents} generated batches`, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc
            .record({
              eventId: fc.oneof(fc.stringMatching(/^[a-z]{3}:[0-9]{1,6}$/), nastyString),
              type: fc.constantFrom('webinar_attended', 'download', 'page_view', 'email_click', 'x'),
              who: fc.integer({ min: 0, max: 4 }),
            })
            .chain(({ eventId, type, who }) =>
              mutations(['eventId', 'type', 'leadId', 'email', 'properties', 'occurredAt']).map((changes) =>
                mutate(
                  who < 3
                    ? { eventId, type, leadId: seeded[who]?.leadId }
                    : who === 3
                      ? { eventId, type, email: seeded[0]?.email }
                      : { eventId, type, email: 'nobody@example.co.jp' },
                  changes,
                ),
              ),
            ),
          { maxLength: 22 },
        ),
        encoding,
        fc.option(fc.constantFrom(...CONTENT_TYPES), { nil: undefined }),
        deepJson,
        garbageBody,
        async (events, how, forcedType, deep, garbage) => {
          const encoded = encodeBody({ events }, how, deep, garbage);
          await check('ops-events', {
            method: 'POST',
            url: '/v1/ops/events',
            headers: headersFor(forcedType ?? encoded.contentType, { authorization: opsAuth() }),
            body: encoded.body,
          });
        },
      ),
      { numRuns: RUNS.opsEvents },
    );
  }, 120_000);

  it(`POST /v1/ops/leads/{leadId}/{action}: ${RUNS.salesActions} generated actions`, async () => {
    const bodyFor = (action: string): Record<string, unknown> => {
      const actionId = `fuzz-${randomBytes(6).toString('hex')}`;
      switch (action) {
        case 'qualify':
          return {
            actionId,
            bant: {
              budget: 'yes',
              authority: 'yes',
              needs: 'yes',
              timing: 'Q3',
              competitor: 'none',
              humanResources: 'ok',
            },
          };
        case 'convert':
          return { actionId, amount: 1_000_000, currency: 'JPY', expectedCloseDate: '2027-03-31' };
        case 'disqualify':
        case 'recycle':
          return { actionId, reason: '予算なし' };
        default:
          return { actionId };
      }
    };
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.integer({ min: 0, max: 2 }), segment),
        fc.oneof(
          { weight: 5, arbitrary: fc.constantFrom('accept', 'qualify', 'convert', 'disqualify', 'recycle') },
          { weight: 1, arbitrary: segment },
        ),
        mutations([
          'actionId',
          'action',
          'bant',
          'amount',
          'currency',
          'expectedCloseDate',
          'reason',
          'nurtureAfterDays',
          'to',
          'by',
        ]),
        encoding,
        deepJson,
        garbageBody,
        async (who, action, changes, how, deep, garbage) => {
          const leadId = typeof who === 'number' ? (seeded[who]?.leadId ?? 'x') : who;
          const encoded = encodeBody(mutate(bodyFor(action), changes), how, deep, garbage);
          await check('sales-actions', {
            method: 'POST',
            url: `/v1/ops/leads/${leadId}/${action}`,
            headers: headersFor(encoded.contentType, { authorization: opsAuth() }),
            body: encoded.body,
          });
        },
      ),
      { numRuns: RUNS.salesActions },
    );
  }, 120_000);

  it(`GET /v1/ops/leads, /v1/ops/leads/{leadId}, /v1/ops/call-list: ${RUNS.opsReads} generated reads`, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('byEmail', 'byId', 'callList'),
        fc.oneof(fc.integer({ min: 0, max: 2 }), segment),
        query,
        fc.constantFrom(undefined, 'text/csv', 'application/json'),
        fc.boolean(),
        async (kind, who, q, wants, authorized) => {
          const leadId = typeof who === 'number' ? (seeded[who]?.leadId ?? 'x') : who;
          const extra: Record<string, string> = { ...q };
          if (kind === 'byEmail' && typeof who === 'number')
            extra.email = encodeURIComponent(seeded[who]?.email ?? '');
          const url =
            kind === 'byId'
              ? `/v1/ops/leads/${leadId}${queryString(q)}`
              : kind === 'byEmail'
                ? `/v1/ops/leads${queryString(extra)}`
                : `/v1/ops/call-list${queryString(q)}`;
          await check('ops-reads', {
            method: 'GET',
            url,
            headers: headersFor('', {
              accept: wants,
              authorization: authorized ? opsAuth() : 'Bearer wrong',
            }),
          });
        },
      ),
      { numRuns: RUNS.opsReads },
    );
  }, 120_000);

  it(`GET/POST /v1/confirm and /v1/unsubscribe: ${RUNS.tokens} generated token links`, async () => {
    const secret = process.env.SIGNING_SECRET ?? '';
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/v1/confirm', '/v1/unsubscribe'),
        fc.constantFrom('GET', 'POST'),
        fc.oneof(
          fc.integer({ min: 0, max: 2 }).map((i) => seeded[i]?.unsubscribeToken ?? ''),
          fc
            .record({
              purpose: fc.constantFrom('confirm', 'unsubscribe', 'identity', 'other'),
              sub: nastyString,
              exp: fc.oneof(fc.constant(undefined), fc.integer()),
            })
            .map((claims) => {
              try {
                return signToken(claims as Parameters<typeof signToken>[0], secret);
              } catch {
                return 'x.y';
              }
            }),
          fc.constantFrom(...MALFORMED_ESCAPES),
          nastyString.map((s) => encodeURIComponent(s.replace(/[\uD800-\uDFFF]/g, 'x'))),
        ),
        fc.integer({ min: 0, max: 40 }),
        fc.constantFrom('', 'List-Unsubscribe=One-Click', 'List-Unsubscribe=One-Click&x=%E0%A4%A', '{"a":1}'),
        fc.constantFrom('application/x-www-form-urlencoded', 'application/json', 'text/plain', ''),
        async (path, method, token, cut, body, contentType) => {
          // A valid token, or one with its tail cut (a bad signature), or garbage.
          const t = cut > 0 && cut < token.length ? token.slice(0, token.length - cut) : token;
          await check('confirm-unsubscribe', {
            method,
            url: `${path}?t=${t}`,
            headers: headersFor(method === 'POST' ? contentType : '', {}),
            body: method === 'POST' ? body : '',
          });
        },
      ),
      { numRuns: RUNS.tokens },
    );
  }, 120_000);

  it(`health, unknown paths and methods: ${RUNS.strays} generated requests`, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'get', 'BREW'),
        fc.array(segment, { minLength: 0, maxLength: 5 }),
        fc.constantFrom(
          '/v1/health',
          '/v1',
          '/v1/forms',
          '/v1/ops/leads',
          '/v1/track/',
          '//v1//health',
          '/V1/HEALTH',
          '',
        ),
        garbageBody,
        async (method, segments, prefix, body) => {
          await check('strays', {
            method,
            url: `${prefix}/${segments.join('/')}`,
            headers: headersFor('application/json', { authorization: opsAuth() }),
            body,
          });
        },
      ),
      { numRuns: RUNS.strays },
    );
  }, 120_000);

  it(`given only rejected requests (${RUNS.snapshot}), when they are sent, then a full table snapshot is unchanged`, async () => {
    // Arrange: requests that must all be refused (oversized, wrong type, malformed, unknown form or lead).
    const { ScanCommand } = await import('@aws-sdk/lib-dynamodb');
    const { tableName } = await import('#store/dynamodb');
    const snapshot = async (): Promise<string[]> => {
      const items: string[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const page = await dynamodb.send(
          new ScanCommand({ TableName: tableName, ConsistentRead: true, ExclusiveStartKey: start }),
        );
        for (const item of page.Items ?? []) items.push(JSON.stringify(item, Object.keys(item).sort()));
        start = page.LastEvaluatedKey;
      } while (start);
      return items.sort();
    };
    const rejected = fc.oneof(
      fc.tuple(fc.constantFrom(...FORM_IDS), nastyString).map(([formId, s]) => ({
        method: 'POST',
        url: `/v1/forms/${formId}`,
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: toJson({ ...validFormBody(formId, s.includes('@') ? `${s}x` : s), consent: 'maybe' }),
      })),
      fc.constantFrom(...MALFORMED_ESCAPES).map((e) => ({
        method: 'POST',
        url: `/v1/forms/${e}`,
        headers: { 'content-type': 'application/json' },
        body: '{}',
      })),
      garbageBody.map((g) => ({
        method: 'POST',
        url: '/v1/track',
        headers: { 'content-type': 'application/xml' },
        body: g,
      })),
      deepJson.map((d) => ({
        method: 'POST',
        url: '/v1/track',
        headers: { 'content-type': 'application/json' },
        body: d,
      })),
      nastyString.map((s) => ({
        method: 'POST',
        url: `/v1/ops/leads/no-such-lead-${randomBytes(3).toString('hex')}/accept`,
        headers: { 'content-type': 'application/json', authorization: opsAuth() },
        body: toJson({ actionId: `a-${randomBytes(3).toString('hex')}`, note: s }),
      })),
      fc.constant({
        method: 'POST',
        url: '/v1/ops/events',
        headers: { 'content-type': 'application/json', authorization: opsAuth() },
        body: toJson({ events: 'x'.repeat(MAX_BODY + 1) }),
      }),
    );
    const before = await snapshot();
    let refused = 0;

    // Act
    await fc.assert(
      fc.asyncProperty(rejected, async (request) => {
        const response = await check('snapshot', request);
        expect(response.status, `${request.url} should be refused`).toBeGreaterThanOrEqual(400);
        refused++;
      }),
      { numRuns: RUNS.snapshot },
    );

    // Assert
    expect(refused).toBe(RUNS.snapshot);
    expect(await snapshot()).toEqual(before);
  }, 120_000);

  it(`given the whole run, then at least ${MIN_TOTAL} requests were fuzzed`, () => {
    expect(total).toBeGreaterThanOrEqual(MIN_TOTAL);
  });
});

/** One request per route that the route answers, and the requests it refuses with the status each gets. */
interface RouteProbes {
  answered: ApiRequest;
  refused: [ApiRequest, number][];
}

describe('the OpenAPI document against the answers of every route', () => {
  const ops = (type?: string): Record<string, string> => ({
    authorization: `Bearer ${api.opsToken}`,
    ...(type ? { 'content-type': type } : {}),
  });
  const get = (url: string, headers: Record<string, string> = {}): ApiRequest => ({
    method: 'GET',
    url,
    headers,
  });
  const send = (method: string, url: string, type: string, body: string | object): ApiRequest => ({
    method,
    url,
    headers: { ...(url.includes('/v1/ops/') ? ops(type) : { 'content-type': type }) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const tooLarge = 'x'.repeat(settings.app.api.maxBodyBytes + 1);
  const origin = { origin: 'https://www.example.co.jp' };

  /** Every route of the catalog (the test below fails when one is missing). */
  const probes = async (): Promise<Record<string, RouteProbes>> => {
    const lead = seeded[0]?.leadId ?? 'x';
    const confirm = new URL(await confirmUrl(lead, now())).search;
    const unsubscribe = `?t=${seeded[0]?.unsubscribeToken ?? ''}`;
    const post = (url: string, body: object): ApiRequest => send('POST', url, 'application/json', body);
    const opsRead = (url: string): RouteProbes => ({
      answered: get(url, ops()),
      refused: [[get(url, { authorization: 'Bearer not-a-token' }), 401]],
    });
    const report = (name: string): RouteProbes => ({
      answered: get(`/v1/ops/reports/${name}`, ops()),
      refused: [
        [get(`/v1/ops/reports/${name}?format=xml`, ops()), 400],
        [get(`/v1/ops/reports/${name}`, {}), 401],
      ],
    });
    const bodyRoute = (method: string, url: string, body: object, more: [ApiRequest, number][] = []) => ({
      answered: send(method, url, 'application/json', body),
      refused: [
        [send(method, url, 'text/xml', '<a/>'), 415],
        [send(method, url, 'application/json', tooLarge), 413],
        ...more,
      ] as [ApiRequest, number][],
    });
    const email = `probe-${randomBytes(4).toString('hex')}@example.co.jp`;
    return {
      'GET /v1/health': { answered: get('/v1/health?deep=1'), refused: [] },
      'GET /v1/openapi.json': { answered: get('/v1/openapi.json'), refused: [] },
      'POST /v1/forms/{formId}': {
        answered: send('POST', '/v1/forms/whitepaper', 'application/json', whitepaperPost(email)),
        refused: [
          [send('POST', '/v1/forms/whitepaper', 'text/xml', '<a/>'), 415],
          [send('POST', '/v1/forms/whitepaper', 'application/json', tooLarge), 413],
          [send('POST', '/v1/forms/whitepaper', 'application/json', {}), 400],
          [send('POST', '/v1/forms/no-such-form', 'application/json', {}), 404],
        ],
      },
      'GET /v1/confirm': {
        answered: get(`/v1/confirm${confirm}`),
        refused: [[get('/v1/confirm?t=forged'), 400]],
      },
      'POST /v1/confirm': {
        answered: { method: 'POST', url: `/v1/confirm${confirm}` },
        refused: [[{ method: 'POST', url: '/v1/confirm?t=forged' }, 400]],
      },
      'GET /v1/ops/leads': {
        answered: get(`/v1/ops/leads?email=${encodeURIComponent(seeded[0]?.email ?? '')}`, ops()),
        refused: [
          [get('/v1/ops/leads?cursor=forged', ops()), 400],
          [get('/v1/ops/leads?phone=3-12', ops()), 400],
          [get('/v1/ops/leads?phone=5678&company=%E3%82%B5', ops()), 400],
          [get(`/v1/ops/leads?email=${email}`, ops()), 404],
          [get('/v1/ops/leads', {}), 401],
        ],
      },
      'POST /v1/ops/leads': bodyRoute(
        'POST',
        '/v1/ops/leads',
        { email, channel: 'event', source: 'probe', consentBasis: 'business_card' },
        [[send('POST', '/v1/ops/leads', 'application/json', { email: 'x' }), 400]],
      ),
      'GET /v1/ops/leads/{leadId}': {
        answered: get(`/v1/ops/leads/${lead}`, ops()),
        refused: [
          [get(`/v1/ops/leads/${lead}?timelineCursor=forged`, ops()), 400],
          [get('/v1/ops/leads/no-such-lead', ops()), 404],
        ],
      },
      'DELETE /v1/ops/leads/{leadId}': bodyRoute(
        'DELETE',
        '/v1/ops/leads/no-such-lead',
        { reason: 'probe' },
        [
          [send('DELETE', '/v1/ops/leads/no-such-lead', 'application/json', {}), 400],
          [send('DELETE', '/v1/ops/leads/no-such-lead', 'application/json', { reason: 'probe' }), 404],
        ],
      ),
      'GET /v1/ops/leads/{leadId}/export': {
        answered: get(`/v1/ops/leads/${lead}/export`, ops()),
        refused: [[get('/v1/ops/leads/no-such-lead/export', ops()), 404]],
      },
      'POST /v1/ops/imports': {
        answered: send('POST', '/v1/ops/imports', 'application/json', {
          csv: `email\n${email}\n`,
          channel: 'event',
          source: 'probe',
          consent: 'business_card',
          dryRun: true,
        }),
        refused: [
          [send('POST', '/v1/ops/imports', 'text/xml', '<a/>'), 415],
          [send('POST', '/v1/ops/imports', 'application/json', { csv: 'x' }), 400],
        ],
      },
      'GET /v1/ops/settings': opsRead('/v1/ops/settings'),
      'GET /v1/ops/settings/templates/{templateId}/preview': {
        answered: get('/v1/ops/settings/templates/nurture-thanks/preview', ops()),
        refused: [
          [get('/v1/ops/settings/templates/nurture-thanks/preview?locale=fr', ops()), 400],
          [get('/v1/ops/settings/templates/no-such-template/preview', ops()), 404],
        ],
      },
      'POST /v1/track': {
        answered: {
          ...send('POST', '/v1/track', 'application/json', {
            events: [
              {
                eventId: randomUUID(),
                type: 'page_view',
                anonymousId: randomUUID(),
                url: 'https://www.example.co.jp/',
              },
            ],
          }),
          headers: { 'content-type': 'application/json', ...origin },
        },
        refused: [
          [
            {
              ...send('POST', '/v1/track', 'text/xml', '{}'),
              headers: { 'content-type': 'text/xml', ...origin },
            },
            415,
          ],
          [
            {
              ...send('POST', '/v1/track', 'application/json', '{}'),
              headers: { 'content-type': 'application/json', origin: 'https://evil.example' },
            },
            403,
          ],
          [
            {
              ...send('POST', '/v1/track', 'application/json', '[]'),
              headers: { 'content-type': 'application/json', ...origin },
            },
            400,
          ],
        ],
      },
      'POST /v1/ops/events': bodyRoute(
        'POST',
        '/v1/ops/events',
        { events: [{ type: 'webinar_attended', leadId: lead, eventId: `probe-${randomUUID()}` }] },
        [[send('POST', '/v1/ops/events', 'application/json', '[]'), 400]],
      ),
      'POST /v1/ops/leads/{leadId}/{action}': bodyRoute(
        'POST',
        '/v1/ops/leads/no-such-lead/accept',
        { actionId: 'probe-1' },
        [
          [post('/v1/ops/leads/no-such-lead/accept', {}), 400],
          [post('/v1/ops/leads/no-such-lead/no-such-action', { actionId: 'probe-1' }), 404],
          [post('/v1/ops/leads/no-such-lead/opportunity', { actionId: 'probe-1', phase: 'lost' }), 400],
        ],
      ),
      'GET /v1/ops/call-list': {
        answered: get('/v1/ops/call-list', ops()),
        refused: [[get('/v1/ops/call-list?cursor=forged', ops()), 400]],
      },
      'GET /v1/ops/reports/funnel': report('funnel'),
      'GET /v1/ops/reports/leads': report('leads'),
      'GET /v1/ops/reports/email': report('email'),
      'GET /v1/ops/reports/sla': report('sla'),
      'GET /v1/ops/reports/scores': report('scores'),
      'POST /v1/ops/leads/{leadId}/activities': bodyRoute(
        'POST',
        '/v1/ops/leads/no-such-lead/activities',
        { activityId: `probe-${randomUUID()}`, type: 'call', outcome: 'connected' },
        [[post('/v1/ops/leads/no-such-lead/activities', {}), 400]],
      ),
      'POST /v1/ops/leads/{leadId}/unsubscribe': bodyRoute(
        'POST',
        '/v1/ops/leads/no-such-lead/unsubscribe',
        { note: 'probe: asked on a call' },
        [[post('/v1/ops/leads/no-such-lead/unsubscribe', {}), 400]],
      ),
      'POST /v1/ops/leads/{leadId}/attributes': bodyRoute(
        'POST',
        '/v1/ops/leads/no-such-lead/attributes',
        { actionId: `probe-${randomUUID()}`, attributes: { title: '部長' } },
        [
          [post('/v1/ops/leads/no-such-lead/attributes', {}), 400],
          [
            post('/v1/ops/leads/no-such-lead/attributes', {
              actionId: 'probe-edit',
              attributes: { email: 'x' },
            }),
            400,
          ],
        ],
      ),
      'GET /v1/ops/reports/activities': {
        answered: get('/v1/ops/reports/activities?from=2026-01-01&to=2026-01-31', ops()),
        refused: [[get('/v1/ops/reports/activities', ops()), 400]],
      },
      'GET /v1/unsubscribe': {
        answered: get(`/v1/unsubscribe${unsubscribe}`),
        refused: [[get('/v1/unsubscribe?t=forged'), 400]],
      },
      'POST /v1/unsubscribe': {
        // A lead of its own is not needed: under the throttle nothing is written.
        answered: send(
          'POST',
          `/v1/unsubscribe${unsubscribe}`,
          'application/x-www-form-urlencoded',
          'List-Unsubscribe=One-Click',
        ),
        refused: [
          [
            send(
              'POST',
              '/v1/unsubscribe?t=forged',
              'application/x-www-form-urlencoded',
              'List-Unsubscribe=One-Click',
            ),
            400,
          ],
          [send('POST', `/v1/unsubscribe${unsubscribe}`, 'application/x-www-form-urlencoded', tooLarge), 413],
        ],
      },
    };
  };

  it('given the catalog, then every route has probes (a new route needs its own)', async () => {
    const catalog = FUNCTIONS.flatMap((f) => f.routes.map((r) => `${r.method} ${r.path}`)).sort();
    expect(Object.keys(await probes()).sort()).toEqual(catalog);
  });

  it('given requests each route refuses, then each gets the status it should, and that status is documented for its operation', async () => {
    // Act
    const problems: string[] = [];
    for (const [route, { refused }] of Object.entries(await probes()))
      for (const [request, status] of refused) {
        const answer = await check(`probe ${route}`, request);
        const documented = documentedStatuses(request.method, request.url) ?? [];
        if (answer.status !== status || !documented.includes(String(answer.status)))
          problems.push(
            `${route}: ${request.method} ${request.url.slice(0, 80)} answered ${answer.status} (probe expects ${status}); documented: ${documented.join(', ')}`,
          );
      }

    // Assert
    expect(problems).toEqual([]);
  });

  it('given the table throttles every call, when each route is sent a request it takes, then each answer is documented, and the routes that read the table answer 503 with Retry-After', async () => {
    // Arrange
    const routes = Object.entries(await probes());
    const fault = injectFault(dynamodb, {
      operations: undefined,
      nth: 1,
      times: 1_000_000,
      error: throttled,
    });
    const problems: string[] = [];
    const unavailable: string[] = [];
    try {
      // Act
      for (const [route, { answered }] of routes) {
        const answer = await api.call(answered);
        const documented = documentedStatuses(answered.method, answered.url) ?? [];
        if (!documented.includes(String(answer.status)))
          problems.push(`${route} answered ${answer.status}; documented: ${documented.join(', ')}`);
        if (answer.status === 503) {
          unavailable.push(route);
          if (!answer.headers['retry-after']) problems.push(`${route}: 503 without Retry-After`);
        } else if (answer.status >= 500) problems.push(`${route} answered ${answer.status}`);
      }
    } finally {
      fault.remove();
    }

    // Assert
    expect(problems).toEqual([]);
    expect(unavailable).toEqual(
      expect.arrayContaining([
        'GET /v1/health',
        'POST /v1/forms/{formId}',
        'POST /v1/confirm',
        'GET /v1/ops/leads/{leadId}',
        'DELETE /v1/ops/leads/{leadId}',
        'POST /v1/track',
        'POST /v1/ops/leads/{leadId}/{action}',
        'POST /v1/unsubscribe',
        'GET /v1/ops/reports/funnel',
      ]),
    );
  });
});
