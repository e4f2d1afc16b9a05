import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BATCH_MESSAGES,
  MAX_BATCH_EVENTS,
  parseTrackBatch,
  REASON_OF,
  shapeProblem,
  type TrackSource,
} from '#domain/tracking/batch';
import { trackEventSchema } from '#domain/tracking/batch-schema';

/**
 * The tracking routes check an event's shape by hand (`shapeProblem`, so they carry no schema library at a
 * cold start); the OpenAPI document states it as zod schemas (`trackEventSchema`). The two must give the same
 * answer on every input: accepted by both, or refused by both with the reason of the same first field.
 */
const schemaAnswer = (raw: Record<string, unknown>, source: TrackSource) => {
  const parsed = trackEventSchema(source).safeParse(raw);
  if (parsed.success) return null;
  return REASON_OF[String(parsed.error.issues[0]?.path[0] ?? '')] ?? 'invalid_event';
};

const text = (max: number) => fc.string({ maxLength: max, unit: 'grapheme-ascii' });
/** Values a caller may put in any field: well-formed and not, of every JSON type and a few that JSON has not. */
const anyValue = fc.oneof(
  fc.constantFrom(
    undefined,
    null,
    '',
    0,
    -1,
    1.5,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    2 ** 60,
    true,
    false,
  ),
  fc.constantFrom(
    '3f1c2a9e-8b7d-4c6e-9f00-123456789abc',
    'zoom:123:attended',
    'page_view',
    'Page View',
    'lead_01',
    'taro@example.co.jp',
    '/ja/pricing',
    'https://www.example.co.jp/ja/pricing',
    '2025-06-02T10:00:00+09:00',
    '2025-06-02 10:00',
    '料金プラン',
    'x'.repeat(65),
    'x'.repeat(255),
    'x'.repeat(2049),
  ),
  text(80),
  fc.integer(),
  fc.double(),
  fc.array(fc.integer(), { maxLength: 2 }),
  fc.dictionary(text(10), fc.oneof(text(5), fc.integer())),
);
const propertyValue = fc.oneof(
  text(20),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY),
  fc.constant('v'.repeat(257)),
  fc.constant('v'.repeat(256)),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant({ nested: 1 }),
  fc.constant([1]),
);
const properties = fc.oneof(
  fc.constantFrom(undefined, null, {}, [], 'x', 1),
  fc.dictionary(
    fc.oneof(
      fc.constantFrom('plan', 'utm_source', 'a.b-c', '_x', '1bad', 'bad key', 'k'.repeat(65)),
      text(8),
    ),
    propertyValue,
    { maxKeys: 4 },
  ),
);
/** Mostly well-formed, sometimes anything: so that every field is, often enough, the first one that is wrong. */
const field = (...valid: unknown[]) =>
  fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...valid) }, { weight: 1, arbitrary: anyValue });
const event = fc.record(
  {
    eventId: field('3f1c2a9e-8b7d-4c6e-9f00-123456789abc', 'zoom:123:attended', '', null, undefined),
    type: field('page_view', 'webinar_attended'),
    anonymousId: field('3f1c2a9e-8b7d-4c6e-9f00-123456789abd', '', null, undefined),
    identity: field('v1.eyJsIjoibGVhZCJ9.c2ln', '', null, undefined),
    leadId: field('lead_01', null, undefined),
    email: field('taro@example.co.jp', null, undefined),
    url: field('/ja/pricing', 'https://www.example.co.jp/ja/pricing', '', null, undefined),
    title: field('料金プラン', null, undefined),
    properties: fc.oneof(
      { weight: 1, arbitrary: fc.constantFrom(undefined, null, {}) },
      { weight: 3, arbitrary: properties },
    ),
    referrer: anyValue,
    occurredAt: field('2025-06-02T10:00:00+09:00', 1748826000000, null, undefined),
    extra: anyValue,
  },
  { requiredKeys: [] },
);

describe('tracking shape gate', () => {
  it.each(['browser', 'trusted'] as const)(
    'given any %s event, when its shape is checked by hand and by the contract schema, then both give the same answer',
    (source) => {
      fc.assert(
        fc.property(event, (raw) => {
          expect(shapeProblem(raw, source)).toBe(schemaAnswer(raw, source));
        }),
        { numRuns: 5000 },
      );
    },
  );

  it('given the snippet event and a trusted webinar event, when checked, then both pass', () => {
    const browser = {
      eventId: '3f1c2a9e-8b7d-4c6e-9f00-123456789abc',
      type: 'page_view',
      anonymousId: '3f1c2a9e-8b7d-4c6e-9f00-123456789abd',
      url: 'https://www.example.co.jp/ja/pricing',
      title: '料金プラン',
      properties: { plan: 'pro', seats: 5, trial: true },
      occurredAt: '2025-06-02T10:00:00+09:00',
    };
    const trusted = { eventId: 'zoom:123:attended', type: 'webinar_attended', email: 'taro@example.co.jp' };
    expect([shapeProblem(browser, 'browser'), schemaAnswer(browser, 'browser')]).toEqual([null, null]);
    expect([shapeProblem(trusted, 'trusted'), schemaAnswer(trusted, 'trusted')]).toEqual([null, null]);
  });

  it.each([
    [0, BATCH_MESSAGES.empty],
    [MAX_BATCH_EVENTS + 1, BATCH_MESSAGES.tooMany],
  ])(
    'given %i events, when the batch is parsed, then the whole request is refused with its message',
    (n, message) => {
      const events = Array.from({ length: n }, () => ({}));
      expect(parseTrackBatch({ events }, 'browser', { now: 0, lateEventWindowDays: 7 })).toEqual({
        ok: false,
        message,
      });
    },
  );
});
