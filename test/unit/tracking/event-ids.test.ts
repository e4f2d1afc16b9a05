import { marshall } from '@aws-sdk/util-dynamodb';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DERIVED_EVENT_ID_PREFIX,
  derivedEventId,
  type ParseOptions,
  parseTrackBatch,
  parseTrackEvent,
  RESERVED_PROPERTY_NAMES,
} from '#domain/tracking/batch';

/**
 * Event ids that survive retries, and property names and values that can always be stored: both are decided
 * by the parser before anything is written.
 */
const NOW = Date.parse('2025-06-02T01:00:00Z');
const opts: ParseOptions = { now: NOW, lateEventWindowDays: 7 };
const later: ParseOptions = { now: NOW + 90_000, lateEventWindowDays: 7 };

const trusted = (over: Record<string, unknown> = {}) => ({
  type: 'webinar_attended',
  email: 'taro.yamada@example.co.jp',
  properties: { webinarId: 'w-2025-06' },
  ...over,
});

const idOf = (raw: unknown, options = opts): string => {
  const result = parseTrackEvent(raw, 0, 'trusted', options);
  if (!result.ok) throw new Error(`refused: ${result.reason}`);
  return result.item.event.eventId;
};

describe('derived event ids for trusted events sent without one', () => {
  it('given the same trusted event posted twice a minute apart without eventId, when parsed, then both get the same id', () => {
    // Arrange / Act
    const first = idOf(trusted());
    const retry = idOf(trusted(), later);

    // Assert
    expect(first).toBe(retry);
    expect(first.startsWith(DERIVED_EVENT_ID_PREFIX)).toBe(true);
  });

  it('given property order and e-mail spelling differ, when parsed, then the id is the same', () => {
    const a = idOf(trusted({ properties: { a: 1, b: 'x' } }));
    const b = idOf(trusted({ email: ' Taro.Yamada@Example.CO.JP ', properties: { b: 'x', a: 1 } }));
    expect(a).toBe(b);
  });

  it.each([
    ['another type', { type: 'webinar_registered' }],
    ['another lead', { email: 'hanako.sato@example.co.jp' }],
    ['another time', { occurredAt: new Date(NOW - 60_000).toISOString() }],
    ['another url', { url: 'https://www.example.co.jp/webinar/2' }],
    ['other properties', { properties: { webinarId: 'w-2025-07' } }],
  ])('given %s, when parsed, then the derived id differs', (_label, over) => {
    expect(idOf(trusted(over))).not.toBe(idOf(trusted()));
  });

  it('given an explicit eventId, when parsed, then it is kept as sent', () => {
    expect(idOf(trusted({ eventId: 'zoom:84512:attended' }))).toBe('zoom:84512:attended');
  });

  it('property: equal canonical content always derives the same id, and ids fit the trusted id pattern', () => {
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.string({ unit: fc.constantFrom(...'abcxyz_'), minLength: 1, maxLength: 6 }),
          fc.oneof(fc.string(), fc.integer()),
        ),
        fc.integer({ min: 0, max: 86_400_000 }),
        (properties, ago) => {
          const content = { type: 'download', properties };
          const shuffled = {
            properties: Object.fromEntries(Object.entries(properties).reverse()),
            type: 'download',
          };
          const identity = { kind: 'lead', leadId: 'lead-1' } as const;
          const id = derivedEventId(identity, content, NOW - ago);
          expect(derivedEventId(identity, shuffled, NOW - ago)).toBe(id);
          expect(id).toMatch(/^[A-Za-z0-9][A-Za-z0-9_:.@-]{0,127}$/);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('property names and values the table cannot take are refused before any write', () => {
  const snippet = (properties: unknown) => ({
    eventId: 'a7e1b2c3-d4e5-4f60-8a9b-0c1d2e3f4a5b',
    type: 'download',
    anonymousId: '3f1c2a9e-8b7d-4c6e-9f00-123456789abc',
    properties,
  });

  it.each(['constructor', '__proto__', 'prototype', 'toString', 'hasOwnProperty', 'valueOf'])(
    'given a property named %s (parsed from JSON, as the handler does), when parsed, then the event is rejected as invalid_properties',
    (name) => {
      // Arrange: JSON.parse makes "__proto__" an own property, exactly like a request body.
      const raw = JSON.parse(
        `{"type":"download","eventId":"b7e1b2c3-d4e5","anonymousId":"anon-12345","properties":{"${name}":"x"}}`,
      );
      const body = JSON.parse(`{"events":[${JSON.stringify(snippet({ asset: 'guide.pdf' }))}]}`);
      body.events.push(raw);

      // Act
      const single = parseTrackEvent(raw, 0, 'browser', opts);
      const batch = parseTrackBatch(body, 'browser', opts);

      // Assert
      expect(single).toEqual({ ok: false, reason: 'invalid_properties' });
      expect(batch.ok && batch.items.map((i) => i.index)).toEqual([0]);
      expect(batch.ok && batch.rejected).toEqual([{ index: 1, reason: 'invalid_properties' }]);
      expect(RESERVED_PROPERTY_NAMES.has(name)).toBe(true);
    },
  );

  it.each([
    ['a number beyond safe integers', 1e200],
    ['a vanishingly small number', 1e-200],
  ])('given %s, when parsed, then the event is rejected', (_label, value) => {
    expect(parseTrackEvent(snippet({ n: value }), 0, 'browser', opts)).toEqual({
      ok: false,
      reason: 'invalid_properties',
    });
  });

  it('given a lone surrogate in a property value and the title, when parsed, then it is replaced and the event is kept', () => {
    const result = parseTrackEvent(
      { ...snippet({ note: 'a\ud800b' }), title: 'x\udc00' },
      0,
      'browser',
      opts,
    );
    expect(result.ok && result.item.event.properties).toEqual({ note: 'a\ufffdb' });
    expect(result.ok && result.item.event.title).toBe('x\ufffd');
  });

  it('property: every event the parser accepts can be marshalled for DynamoDB', () => {
    const key = fc.oneof(
      fc.string({ unit: fc.constantFrom(...'abcXYZ_09.-'), minLength: 1, maxLength: 8 }),
      fc.constantFrom(...RESERVED_PROPERTY_NAMES),
    );
    const value = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 24 }),
      fc.double(),
      fc.integer(),
      fc.boolean(),
    );
    fc.assert(
      fc.property(
        fc.dictionary(key, value, { maxKeys: 6 }),
        fc.string({ unit: 'binary', maxLength: 24 }),
        (properties, title) => {
          // As the handler sees it: the body went through JSON.
          const raw = JSON.parse(JSON.stringify({ ...snippet(properties), title }));
          const result = parseTrackEvent(raw, 0, 'browser', opts);
          if (!result.ok) return;
          expect(() =>
            marshall(
              { event: result.item.event },
              { removeUndefinedValues: true, convertClassInstanceToMap: false },
            ),
          ).not.toThrow();
          for (const k of Object.keys(result.item.event.properties ?? {}))
            expect(RESERVED_PROPERTY_NAMES.has(k)).toBe(false);
        },
      ),
      { numRuns: 100 },
    );
  });
});
