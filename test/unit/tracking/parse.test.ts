import { describe, expect, it } from 'vitest';
import {
  MAX_BATCH_EVENTS,
  MAX_TITLE_LENGTH,
  type ParseOptions,
  parseTrackBatch,
  parseTrackEvent,
} from '#domain/tracking/batch';

const NOW = Date.parse('2025-06-02T01:00:00Z'); // 10:00 in Tokyo, a Monday
const opts: ParseOptions = { now: NOW, lateEventWindowDays: 7 };
const ANON = '3f1c2a9e-8b7d-4c6e-9f00-123456789abc';

/** An event as examples/ma.js sends it. */
const snippetEvent = (over: Record<string, unknown> = {}) => ({
  eventId: 'a7e1b2c3-d4e5-4f60-8a9b-0c1d2e3f4a5b',
  type: 'page_view',
  anonymousId: ANON,
  url: 'https://www.example.co.jp/ja/pricing?utm_source=google',
  title: '料金プラン | 株式会社サンプル',
  referrer: 'https://www.google.com/',
  properties: {},
  occurredAt: new Date(NOW - 60_000).toISOString(),
  ...over,
});

const reasonOf = (raw: unknown, source: 'browser' | 'trusted' = 'browser') => {
  const result = parseTrackEvent(raw, 0, source, opts);
  return result.ok ? 'ok' : result.reason;
};

describe('tracking batch: body shape (400 for the whole request)', () => {
  it.each([
    ['a JSON array', [snippetEvent()]],
    ['an object without events', { event: snippetEvent() }],
    ['events that is not an array', { events: snippetEvent() }],
    ['null', null],
    ['a string', 'page_view'],
  ])('given %s, when parsed, then the batch is refused as a whole', (_label, body) => {
    // Act
    const result = parseTrackBatch(body, 'browser', opts);
    // Assert
    expect(result.ok).toBe(false);
  });

  it('given an empty events array, when parsed, then the batch is refused', () => {
    expect(parseTrackBatch({ events: [] }, 'browser', opts)).toMatchObject({ ok: false });
  });

  it(`given ${MAX_BATCH_EVENTS + 1} events, when parsed, then the batch is refused with the bound in the message`, () => {
    const events = Array.from({ length: MAX_BATCH_EVENTS + 1 }, () => snippetEvent());
    const result = parseTrackBatch({ events }, 'browser', opts);
    expect(result).toEqual({ ok: false, message: expect.stringContaining(String(MAX_BATCH_EVENTS)) });
  });

  it(`given exactly ${MAX_BATCH_EVENTS} events, when parsed, then all are taken`, () => {
    const events = Array.from({ length: MAX_BATCH_EVENTS }, (_, i) =>
      snippetEvent({ eventId: `event-id-${String(i).padStart(4, '0')}` }),
    );
    const result = parseTrackBatch({ events }, 'browser', opts);
    expect(result.ok && result.items.length).toBe(MAX_BATCH_EVENTS);
  });

  it('given one bad event among good ones, when parsed, then only that index is rejected', () => {
    // Arrange
    const body = { events: [snippetEvent(), snippetEvent({ type: 'Page View!' }), snippetEvent()] };
    // Act
    const result = parseTrackBatch(body, 'browser', opts);
    // Assert
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.items.map((i) => i.index)).toEqual([0, 2]);
    expect(result.rejected).toEqual([{ index: 1, reason: 'invalid_type' }]);
  });
});

describe('tracking event: what the snippet sends', () => {
  it('given the snippet event, when parsed, then it keeps every field with time in epoch ms and referrer as a property', () => {
    // Act
    const result = parseTrackEvent(snippetEvent(), 3, 'browser', opts);
    // Assert
    expect(result).toEqual({
      ok: true,
      item: {
        index: 3,
        identity: { kind: 'browser', anonymousId: ANON },
        event: {
          eventId: 'a7e1b2c3-d4e5-4f60-8a9b-0c1d2e3f4a5b',
          type: 'page_view',
          occurredAt: NOW - 60_000,
          url: 'https://www.example.co.jp/ja/pricing?utm_source=google',
          title: '料金プラン | 株式会社サンプル',
          properties: { referrer: 'https://www.google.com/' },
        },
      },
    });
  });

  it.each([undefined, null, ''])(
    'given a browser event with eventId %j, when parsed, then it is rejected as missing_event_id (a random id would count a retry twice)',
    (eventId) => {
      expect(reasonOf(snippetEvent({ eventId }))).toBe('missing_event_id');
    },
  );

  it('given no occurredAt, when parsed, then the event happened now', () => {
    const result = parseTrackEvent(snippetEvent({ occurredAt: undefined }), 0, 'browser', opts);
    expect(result.ok && result.item.event.occurredAt).toBe(NOW);
  });

  it('given an empty referrer and title (a direct visit), when parsed, then neither is stored', () => {
    const result = parseTrackEvent(snippetEvent({ referrer: '', title: '' }), 0, 'browser', opts);
    expect(result.ok && result.item.event).not.toHaveProperty('properties');
    expect(result.ok && result.item.event).not.toHaveProperty('title');
  });

  it('given a very long Japanese title with a control character, when parsed, then it is cleaned and cut, not refused', () => {
    const result = parseTrackEvent(
      snippetEvent({ title: `資料\u0007${'あ'.repeat(500)}` }),
      0,
      'browser',
      opts,
    );
    const title = result.ok ? (result.item.event.title ?? '') : '';
    expect(Array.from(title)).toHaveLength(MAX_TITLE_LENGTH);
    expect(title.startsWith('資料 あ')).toBe(true);
  });

  it.each([
    ['download', { asset: 'ma-guide-2025.pdf' }],
    ['webinar_registered', { webinarId: 'w-2025-06' }],
    ['webinar_attended', {}],
    ['pricing_calculator_used', { plan: 'enterprise', seats: 50, annual: true }],
  ])('given type %s, when parsed from the browser, then it is taken', (type, properties) => {
    expect(reasonOf(snippetEvent({ type, properties }))).toBe('ok');
  });
});

describe('tracking event: bounds', () => {
  it.each([
    ['a type with spaces', { type: 'page view' }, 'invalid_type'],
    ['an upper-case type', { type: 'PageView' }, 'invalid_type'],
    ['a 65-character type', { type: `a${'b'.repeat(64)}` }, 'invalid_type'],
    ['a numeric type', { type: 7 }, 'invalid_type'],
    ['an eventId with a key separator', { eventId: 'abc#EVT#123456' }, 'invalid_event_id'],
    ['a too short eventId', { eventId: 'abc' }, 'invalid_event_id'],
    ['a javascript: url', { url: 'javascript:alert(1)' }, 'invalid_url'],
    ['a protocol-relative url', { url: '//evil.example/pricing' }, 'invalid_url'],
    ['a url over 2048 characters', { url: `https://www.example.co.jp/${'a'.repeat(2048)}` }, 'invalid_url'],
    ['a title that is an object', { title: { ja: 'x' } }, 'invalid_title'],
    ['a nested property', { properties: { plan: { name: 'x' } } }, 'invalid_properties'],
    ['an array property', { properties: { tags: ['a'] } }, 'invalid_properties'],
    ['a null property', { properties: { plan: null } }, 'invalid_properties'],
    ['a property key with spaces', { properties: { 'my plan': 'x' } }, 'invalid_properties'],
    ['a property value over 256 characters', { properties: { note: 'x'.repeat(257) } }, 'invalid_properties'],
    [
      'more than 20 properties',
      { properties: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`p${i}`, i])) },
      'invalid_properties',
    ],
    ['properties that are an array', { properties: [1, 2] }, 'invalid_properties'],
    ['an unparseable occurredAt', { occurredAt: 'yesterday' }, 'invalid_occurred_at'],
    ['a date-only occurredAt', { occurredAt: '2025-06-01' }, 'invalid_occurred_at'],
    ['a fractional epoch occurredAt', { occurredAt: 1.5 }, 'invalid_occurred_at'],
  ])('given %s, when parsed, then it is rejected as %s', (_label, over, reason) => {
    expect(reasonOf(snippetEvent(over))).toBe(reason);
  });

  it('given an occurredAt on a day the month does not have, when parsed, then it is rejected as invalid_occurred_at, not moved to another day (Date.parse reads 02-30 as March 2)', () => {
    // Arrange: a webinar platform's trusted event two days into March, dated 30 February.
    const now = Date.parse('2026-03-02T03:00:00Z');
    const parse = (occurredAt: string) => {
      const result = parseTrackEvent(
        { type: 'webinar_attended', email: 'a@example.co.jp', occurredAt },
        0,
        'trusted',
        { now, lateEventWindowDays: 7 },
      );
      return result.ok ? 'ok' : result.reason;
    };

    // Act + Assert
    expect(parse('2026-02-30T10:00:00+09:00')).toBe('invalid_occurred_at');
    expect(parse('2026-02-29T10:00:00Z')).toBe('invalid_occurred_at'); // 2026 is not a leap year
    expect(reasonOf(snippetEvent({ occurredAt: '2025-06-31T09:00:00+09:00' }))).toBe('invalid_occurred_at');
    expect(parse('2026-02-28T10:00:00+09:00')).toBe('ok');
    expect(reasonOf(snippetEvent({ occurredAt: '2025-05-31T09:00:00+09:00' }))).toBe('ok');
  });

  it('given an event 4 minutes ahead of our clock, when parsed, then it is taken (clock skew)', () => {
    expect(reasonOf(snippetEvent({ occurredAt: new Date(NOW + 4 * 60_000).toISOString() }))).toBe('ok');
  });

  it('given an event 6 minutes ahead of our clock, when parsed, then it is rejected as from the future', () => {
    expect(reasonOf(snippetEvent({ occurredAt: NOW + 6 * 60_000 }))).toBe('occurred_in_future');
  });

  it('given an event older than the late-event window, when parsed, then it is rejected as too old', () => {
    expect(reasonOf(snippetEvent({ occurredAt: NOW - 7 * 86_400_000 - 1 }))).toBe('too_old');
    expect(reasonOf(snippetEvent({ occurredAt: NOW - 6 * 86_400_000 }))).toBe('ok');
  });

  it.each([
    ['10 minutes ahead', 10 * 60_000],
    ['two days behind', -2 * 86_400_000],
    ['a year behind', -365 * 86_400_000],
  ])(
    'given a browser whose clock is %s, when its batch names sentAt, then its events are moved onto our clock and kept',
    (_label, offset) => {
      const browserNow = NOW + offset;
      const batch = {
        events: [
          snippetEvent({ occurredAt: new Date(browserNow - 30_000).toISOString() }),
          snippetEvent({
            eventId: 'b7e1b2c3-d4e5-4f60-8a9b-0c1d2e3f4a5b',
            occurredAt: new Date(browserNow).toISOString(),
          }),
        ],
        sentAt: new Date(browserNow).toISOString(),
      };
      const parsed = parseTrackBatch(batch, 'browser', opts);
      expect(parsed.ok && parsed.rejected).toEqual([]);
      expect(parsed.ok && parsed.items.map((i) => i.event.occurredAt)).toEqual([NOW - 30_000, NOW]);
    },
  );

  it('given the same skewed events without sentAt, then they are refused as before', () => {
    const ahead = snippetEvent({ occurredAt: new Date(NOW + 10 * 60_000).toISOString() });
    const parsed = parseTrackBatch({ events: [ahead] }, 'browser', opts);
    expect(parsed.ok && parsed.rejected).toEqual([{ index: 0, reason: 'occurred_in_future' }]);
  });

  it('given an unreadable sentAt, when parsed, then it is ignored and the events keep their stated times', () => {
    for (const sentAt of ['yesterday', 12345, null, '']) {
      const parsed = parseTrackBatch({ events: [snippetEvent()], sentAt }, 'browser', opts);
      expect(parsed.ok && parsed.items[0]?.event.occurredAt).toBe(NOW - 60_000);
    }
  });

  it('given a trusted batch with sentAt, when parsed, then its times are not moved (a derived event id hangs on them)', () => {
    const trusted = { type: 'webinar_attended', email: 'a@example.co.jp', occurredAt: NOW - 60_000 };
    const parsed = parseTrackBatch(
      { events: [trusted], sentAt: new Date(NOW - 3_600_000).toISOString() },
      'trusted',
      opts,
    );
    expect(parsed.ok && parsed.items[0]?.event.occurredAt).toBe(NOW - 60_000);
  });

  it('given an ISO time with a +09:00 offset, when parsed, then it is read in that offset', () => {
    const result = parseTrackEvent(
      snippetEvent({ occurredAt: '2025-06-02T09:30:00+09:00' }),
      0,
      'browser',
      opts,
    );
    expect(result.ok && result.item.event.occurredAt).toBe(Date.parse('2025-06-02T00:30:00Z'));
  });

  it('given a path-only url, when parsed, then it is kept for URL rules', () => {
    const result = parseTrackEvent(snippetEvent({ url: '/ja/pricing' }), 0, 'browser', opts);
    expect(result.ok && result.item.event.url).toBe('/ja/pricing');
  });
});

describe('tracking event: identity rules', () => {
  it('given a browser event naming a leadId, when parsed, then it is rejected: the browser may only name itself', () => {
    expect(reasonOf(snippetEvent({ leadId: 'lead-1' }))).toBe('identity_not_allowed');
  });

  it('given a browser event naming an email, when parsed, then it is rejected', () => {
    expect(reasonOf(snippetEvent({ email: 'taro@example.co.jp' }))).toBe('identity_not_allowed');
  });

  it('given a browser event without anonymousId or identity, when parsed, then it is rejected', () => {
    expect(reasonOf(snippetEvent({ anonymousId: undefined }))).toBe('missing_identity');
  });

  it.each(['short', 'has space in it', 'x'.repeat(65), 'ANON#123456'])(
    'given the anonymousId %j, when parsed, then it is rejected',
    (anonymousId) => {
      expect(reasonOf(snippetEvent({ anonymousId }))).toBe('invalid_anonymous_id');
    },
  );

  it('given an identity token only, when parsed, then it is taken (verified when ingested)', () => {
    const result = parseTrackEvent(
      snippetEvent({ anonymousId: undefined, identity: 'abc.def' }),
      0,
      'browser',
      opts,
    );
    expect(result.ok && result.item.identity).toEqual({ kind: 'browser', token: 'abc.def' });
  });

  it('given an identity token over 1024 characters, when parsed, then it is rejected', () => {
    expect(reasonOf(snippetEvent({ identity: 'a'.repeat(1025) }))).toBe('invalid_identity');
  });

  it.each(['form_submitted', 'email_open', 'email_click'])(
    'given a browser event of the server-witnessed type %s, when parsed, then it is rejected (no double count)',
    (type) => {
      expect(reasonOf(snippetEvent({ type }))).toBe('type_not_allowed');
    },
  );

  it('given a trusted event by email, when parsed, then the email is normalized to its key', () => {
    const result = parseTrackEvent(
      { type: 'webinar_attended', email: ' Taro.Yamada@Example.CO.JP ', eventId: 'zoom:9876:attended' },
      0,
      'trusted',
      opts,
    );
    expect(result.ok && result.item.identity).toEqual({
      kind: 'email',
      emailKey: 'taro.yamada@example.co.jp',
    });
  });

  it('given a trusted event by leadId, when parsed, then it names that lead', () => {
    const result = parseTrackEvent({ type: 'email_click', leadId: 'lead-123' }, 0, 'trusted', opts);
    expect(result.ok && result.item.identity).toEqual({ kind: 'lead', leadId: 'lead-123' });
  });

  it.each([
    ['neither leadId nor email', {}, 'missing_identity'],
    ['both leadId and email', { leadId: 'lead-1', email: 'a@example.co.jp' }, 'identity_not_allowed'],
    ['an invalid email', { email: 'not-an-address' }, 'invalid_email'],
    ['a leadId with a key separator', { leadId: 'x#STATE' }, 'invalid_lead_id'],
  ])('given a trusted event with %s, when parsed, then it is rejected as %s', (_label, identity, reason) => {
    expect(reasonOf({ type: 'webinar_attended', ...identity }, 'trusted')).toBe(reason);
  });

  it('given a trusted event of type form_submitted, when parsed, then it is taken (trusted systems may report it)', () => {
    expect(
      reasonOf({ type: 'form_submitted', leadId: 'lead-1', properties: { formId: 'webinar' } }, 'trusted'),
    ).toBe('ok');
  });
});
