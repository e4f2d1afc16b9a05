import fc from 'fast-check';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { regexes } from 'zod/v4/core';
import {
  type ImportQueryInput,
  type ImportRequest,
  importQueryGate,
  importRequestGate,
} from '#domain/capture/csv-import';
import { importQuerySchema, importRequestSchema, leadEntrySchema } from '#domain/capture/entry-schema';
import { ENTRY_ATTRIBUTES, type LeadEntry, leadEntryGate } from '#domain/capture/manual-entry';
import { type SalesActivityRequest, salesActivitySchema } from '#domain/handoff/activities';
import { salesActivityGate } from '#domain/handoff/activity-gate';
import { EDITABLE_ATTRIBUTES, type LeadEditRequest } from '#domain/lead/edit';
import { leadEditGate } from '#domain/lead/edit-gate';
import { leadEditSchema } from '#domain/lead/edit-request';
import { type Gate, ISO_DATETIME_WITH_OFFSET, type ParseResult } from '#domain/lead/request-gate';
import type * as z from '#domain/lead/validation';
import { type OptOutRequest, optOutGate } from '#domain/privacy/opt-out-gate';
import { optOutRequestSchema } from '#domain/privacy/opt-out-request';

/**
 * The entry, import and activity routes check requests with hand-written gates (`#domain/lead/request-gate`: no schema
 * to build at a cold start); the contract, and the OpenAPI document, are zod schemas (#domain/capture/entry-schema).
 * On every input the two must answer alike: the same value, or the same issues (code, path, message), which
 * are a 400's field errors and a refused CSV row's reason.
 */
type ZodAnswer =
  | { success: true; data: unknown }
  | { success: false; error: { issues: readonly z.core.$ZodIssue[] } };
const answer = (result: ParseResult<unknown> | ZodAnswer) =>
  result.success
    ? { ok: true, data: result.data }
    : { ok: false, issues: result.error.issues.map(({ code, path, message }) => ({ code, path, message })) };

const astral = '𠮷'; // one code point, two UTF-16 units: zod counts lengths in code points
/** Values a caller may put in any field: well-formed and not, of every JSON type and a few JSON has not. */
/** Date-times as clients write them, and near misses: offsets, fractions, no seconds, hour 24, day 30 of February. */
const dateTime = fc
  .tuple(
    fc.date({
      min: new Date('1899-12-31T00:00:00Z'),
      max: new Date('2100-12-31T00:00:00Z'),
      noInvalidDate: true,
    }),
    fc.constantFrom('Z', '+09:00', '-05:30', '+24:00', '+0900', '', 'z'),
    fc.constantFrom('keep', 'no-fraction', 'no-seconds', 'space', 'hour-24', 'feb-30'),
  )
  .map(([date, zone, variant]) => {
    let text = date.toISOString().slice(0, -1);
    if (variant === 'no-fraction') text = text.slice(0, 19);
    if (variant === 'no-seconds') text = text.slice(0, 16);
    if (variant === 'space') text = text.replace('T', ' ');
    if (variant === 'hour-24') text = `${text.slice(0, 11)}24${text.slice(13)}`;
    if (variant === 'feb-30') text = `${text.slice(0, 5)}02-30${text.slice(10)}`;
    return text + zone;
  });
const anyValue = fc.oneof(
  dateTime,
  { weight: 3, arbitrary: fc.string({ maxLength: 12, unit: 'grapheme' }) },
  fc.constantFrom(
    undefined,
    null,
    true,
    false,
    0,
    -1,
    1.5,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    '',
    ' ',
    '  営業部  ',
    'taro@example.co.jp',
    ' Taro.Yamada@Example.COM ',
    'no-at-sign',
    'a@b',
    '山田 太郎',
    '03-1234-5678',
    '０３－１２３４－５６７８',
    'call me',
    'Asia/Tokyo',
    'Mars/Olympus',
    'line\nbreak',
    'tab\there',
    'nul\u0000char',
    'zero\u200bwidth',
    'event',
    'webinar',
    'partner',
    'import',
    'form',
    'business_card',
    'none',
    'utf8',
    'sjis',
    'true',
    'false',
    'col=email',
    'x'.repeat(128),
    'x'.repeat(129),
    'x'.repeat(200),
    'x'.repeat(201),
    ` ${'x'.repeat(200)} `,
    `${'x'.repeat(1020)}@a.jp`,
    'x'.repeat(2001),
    'call',
    'meeting',
    'connected',
    'no_answer',
    'act-01:a.b_c',
    'act 01',
    '2026-12-07T10:30:00+09:00',
    '2026-12-07T10:30:00.123Z',
    '2026-12-07T10:30:00',
    '2026-12-07T10:30+09:00',
    '2026-02-29T10:30:00Z',
    '2028-02-29T10:30:00Z',
    astral.repeat(150),
    astral.repeat(201),
    `a${astral}`,
    '\ud800',
  ),
  fc.constantFrom([], ['a'], Array(201).fill('x'), {}, { length: 0 }, { length: 5000 }, { length: 'abc' }),
  fc.constant(new Date(0)),
  fc.constant(Object.create(null)),
  fc.constantFrom(86_400, 86_401, 2 ** 53, -(2 ** 53), 0.5, -0),
  fc.integer(),
  fc.double(),
);

const ATTRIBUTE_KEYS = [...ENTRY_ATTRIBUTES, 'fullName', 'email'];
const attributes = fc.oneof(
  fc.constantFrom(undefined, null, 'x', [], {}),
  fc.dictionary(fc.constantFrom(...ATTRIBUTE_KEYS), anyValue, { maxKeys: 5 }),
);
/** An object with some of `keys` (each any value, or a generated one) and maybe keys it does not know. */
const objectOf = (keys: readonly string[], special: Record<string, fc.Arbitrary<unknown>> = {}) =>
  fc
    .tuple(
      fc.record(Object.fromEntries(keys.map((k) => [k, special[k] ?? anyValue])), { requiredKeys: [] }),
      fc.dictionary(fc.constantFrom('extra', 'Email', 'csv_text', 'owner'), anyValue, { maxKeys: 2 }),
    )
    .map(([known, extra]) => ({ ...known, ...extra }));
/** A valid value with one to three fields changed, added or taken away: to reach every success path too. */
const nearValid = (valid: Record<string, unknown>, keys: readonly string[], special = {}) =>
  fc
    .tuple(objectOf(keys, special), fc.subarray([...keys, 'extra'], { minLength: 1, maxLength: 3 }))
    .map(([other, changed]) => {
      const out: Record<string, unknown> = { ...valid };
      for (const k of changed) {
        if (k in other) out[k] = other[k];
        else delete out[k];
      }
      return out;
    });
const inputs = (valid: Record<string, unknown>, keys: readonly string[], special = {}) =>
  fc.oneof(
    anyValue,
    objectOf(keys, special),
    nearValid(valid, keys, special),
    fc.constant(valid),
    fc.constant(JSON.parse(`{"__proto__": 1, ${JSON.stringify(valid).slice(1)}`)),
  );

const agree = (
  gate: Gate<unknown>,
  schema: { safeParse(input: unknown): ZodAnswer },
  input: unknown,
): void => {
  expect(answer(gate.safeParse(input))).toStrictEqual(answer(schema.safeParse(input)));
};

const ENTRY_KEYS = ['email', 'attributes', 'channel', 'source', 'ownerId', 'consentBasis', 'inquiry'];
const validEntry = {
  email: 'taro@example.co.jp',
  attributes: {
    name: '山田 太郎',
    company: '株式会社サンプル',
    phone: '03-1234-5678',
    timeZone: 'Asia/Tokyo',
  },
  channel: 'event',
  source: '  展示会2026  ',
  consentBasis: 'business_card',
  inquiry: true,
  ownerId: 'sato',
};
const IMPORT_KEYS = ['csv', 'channel', 'source', 'consent', 'ownerId', 'encoding', 'map', 'dryRun'];
const validImport = {
  csv: 'email,氏名\ntaro@example.co.jp,山田 太郎\n',
  channel: 'event',
  source: 'expo-2026',
  consent: 'business_card',
  encoding: 'sjis',
  map: '氏名=name',
  dryRun: true,
};

const ACTIVITY_KEYS = [
  'activityId',
  'type',
  'outcome',
  'occurredAt',
  'followUpAt',
  'durationSeconds',
  'note',
  'by',
];
const validActivity = {
  activityId: 'call-2026-12-07-001',
  type: 'call',
  outcome: 'connected',
  occurredAt: '2026-12-07T10:30:00+09:00',
  followUpAt: '2026-12-08T10:00:00+09:00',
  durationSeconds: 300,
  note: '予算は来期',
  by: ' sato ',
};

describe('request gates answer as their zod schemas', () => {
  it('lead entry (POST /v1/ops/leads, every import row)', () => {
    fc.assert(
      fc.property(inputs(validEntry, ENTRY_KEYS, { attributes }), (input) =>
        agree(leadEntryGate, leadEntrySchema, input),
      ),
      { numRuns: 4000 },
    );
  });

  it('import options in a JSON body', () => {
    fc.assert(
      fc.property(inputs(validImport, IMPORT_KEYS), (input) =>
        agree(importRequestGate, importRequestSchema, input),
      ),
      { numRuns: 3000 },
    );
  });

  it('import options in a query string (every value text, dryRun "true"/"false")', () => {
    const { csv: _csv, ...query } = { ...validImport, dryRun: 'false' };
    const text = fc.oneof(anyValue.filter((v) => typeof v === 'string'));
    const special = Object.fromEntries(IMPORT_KEYS.map((k) => [k, text]));
    fc.assert(
      fc.property(inputs(query, IMPORT_KEYS.slice(1), special), (input) =>
        agree(importQueryGate, importQuerySchema, input),
      ),
      { numRuns: 3000 },
    );
  });

  it('sales activity (POST /v1/ops/leads/{leadId}/activities)', () => {
    fc.assert(
      fc.property(inputs(validActivity, ACTIVITY_KEYS), (input) =>
        agree(salesActivityGate, salesActivitySchema(), input),
      ),
      { numRuns: 3000 },
    );
  });

  it('opt-out (POST /v1/ops/leads/{leadId}/unsubscribe), with its own message for a missing note', () => {
    const valid = { note: ' 電話で本人より依頼 ', by: 'sato' };
    fc.assert(
      fc.property(inputs(valid, ['note', 'by']), (input) => agree(optOutGate, optOutRequestSchema, input)),
      { numRuns: 2000 },
    );
    expect(answer(optOutGate.safeParse({ note: '  ' }))).toMatchObject({
      ok: false,
      issues: [{ path: ['note'], message: 'say how the person asked (a call, a reply, …)' }],
    });
  });

  it('lead edit (POST /v1/ops/leads/{leadId}/attributes): values to set or clear, proposals to decide', () => {
    const valid = {
      actionId: 'edit-01',
      attributes: { title: ' 部長 ', phone: '', timeZone: 'Asia/Tokyo' },
      proposals: { company: 'apply', department: 'dismiss' },
      note: ' 電話で確認 ',
    };
    const proposals = fc.oneof(
      fc.constantFrom(undefined, null, 'apply', [], {}),
      fc.dictionary(
        fc.constantFrom(...EDITABLE_ATTRIBUTES, 'email', 'timeZone'),
        fc.oneof(fc.constantFrom('apply', 'dismiss', 'Apply', ''), anyValue),
        { maxKeys: 4 },
      ),
    );
    fc.assert(
      fc.property(
        inputs(valid, ['actionId', 'attributes', 'proposals', 'note', 'by'], { attributes, proposals }),
        (input) => agree(leadEditGate, leadEditSchema, input),
      ),
      { numRuns: 3000 },
    );
    expect(
      answer(leadEditGate.safeParse({ actionId: 'a', attributes: { email: 'no-at-sign' } })),
    ).toMatchObject({ ok: false, issues: [{ code: 'custom', path: ['attributes', 'email'] }] });
  });

  it('gives the trimmed value and the default, as zod does', () => {
    const parsed = leadEntryGate.safeParse({ ...validEntry, attributes: undefined });
    expect(parsed).toStrictEqual(leadEntrySchema.safeParse({ ...validEntry, attributes: undefined }));
    expect(parsed.success && parsed.data).toMatchObject({ source: '展示会2026', attributes: {} });
  });

  it('names every problem of a bad entry with zod’s words', () => {
    const parsed = leadEntryGate.safeParse({
      email: ['x'],
      attributes: { phone: 'call me', title: 'x'.repeat(201), nickname: 'T' },
      channel: 'fax',
      source: '   ',
      consentBasis: 'none',
      extra: 1,
    });
    expect(parsed.success ? [] : parsed.error.issues).toStrictEqual([
      { code: 'invalid_type', path: ['email'], message: 'Invalid input: expected string, received array' },
      { code: 'custom', path: ['attributes', 'title'], message: 'longer than 200 characters' },
      { code: 'custom', path: ['attributes', 'phone'], message: 'not a phone number' },
      { code: 'unrecognized_keys', path: ['attributes'], message: 'Unrecognized key: "nickname"' },
      {
        code: 'invalid_value',
        path: ['channel'],
        message:
          'Invalid option: expected one of "event"|"webinar"|"outbound"|"referral"|"partner"|"inbound_web"|"inbound_phone"|"import"',
      },
      { code: 'too_small', path: ['source'], message: 'Too small: expected string to have >=1 characters' },
      { code: 'unrecognized_keys', path: [], message: 'Unrecognized key: "extra"' },
    ]);
  });

  it('takes the date-time pattern zod has', () => {
    const zods = regexes.datetime({ offset: true, local: false, precision: null });
    expect(ISO_DATETIME_WITH_OFFSET.source).toBe(zods.source);
  });

  it('types: each gate gives its schema’s output type', () => {
    expectTypeOf<z.output<typeof leadEntrySchema>>().toEqualTypeOf<LeadEntry>();
    expectTypeOf<z.output<typeof importRequestSchema>>().toEqualTypeOf<ImportRequest>();
    expectTypeOf<z.output<typeof importQuerySchema>>().toEqualTypeOf<ImportQueryInput>();
    expectTypeOf<z.output<ReturnType<typeof salesActivitySchema>>>().toEqualTypeOf<SalesActivityRequest>();
    expectTypeOf<z.output<typeof optOutRequestSchema>>().toEqualTypeOf<OptOutRequest>();
    expectTypeOf<z.output<typeof leadEditSchema>>().toEqualTypeOf<LeadEditRequest>();
  });
});
