import { describe, expect, it } from 'vitest';
import { checkSpam, isHoneypotFilled, readStartedAt, STALE_STARTED_AT_MS } from '#domain/capture/spam';

const NOW = Date.UTC(2025, 3, 1, 9, 0, 0);
const options = { minFillMs: 2500 };

describe('checkSpam', () => {
  it('given an empty honeypot and a 10 s fill, when checked, then it is a person', () => {
    expect(checkSpam({ honeypot: '', startedAt: String(NOW - 10_000) }, options, NOW)).toEqual({
      verdict: null,
      note: null,
      fillMs: 10_000,
    });
  });

  it('given a filled honeypot, when checked, then the verdict is honeypot whatever the timing', () => {
    expect(
      checkSpam({ honeypot: 'https://spam.example', startedAt: NOW - 60_000 }, options, NOW).verdict,
    ).toBe('honeypot');
    expect(checkSpam({ honeypot: 'x', startedAt: undefined }, options, NOW).verdict).toBe('honeypot');
  });

  it('given a fill just under minFillMs, when checked, then the verdict is too_fast', () => {
    expect(checkSpam({ honeypot: undefined, startedAt: NOW - 2499 }, options, NOW).verdict).toBe('too_fast');
  });

  it('given a fill of exactly minFillMs, when checked, then it is a person', () => {
    expect(checkSpam({ honeypot: undefined, startedAt: NOW - 2500 }, options, NOW).verdict).toBeNull();
  });

  it('given no _startedAt (no JavaScript), when checked, then it is a person with a note', () => {
    expect(checkSpam({ honeypot: '', startedAt: undefined }, options, NOW)).toEqual({
      verdict: null,
      note: 'started_at_missing',
      fillMs: null,
    });
  });

  it('given a _startedAt in the future (browser clock ahead), when checked, then it is a person with a note', () => {
    expect(checkSpam({ honeypot: '', startedAt: NOW + 5000 }, options, NOW)).toMatchObject({
      verdict: null,
      note: 'started_at_in_future',
    });
  });

  it('given an absurdly old _startedAt, when checked, then it is a person noted stale', () => {
    expect(checkSpam({ honeypot: '', startedAt: NOW - STALE_STARTED_AT_MS - 1 }, options, NOW)).toMatchObject(
      {
        verdict: null,
        note: 'started_at_stale',
      },
    );
  });

  it('given a browser clock 30 s ahead and a person who took 31 s, when _submittedAt comes with the post, then the fill is measured on that clock alone: a person', () => {
    const ahead = 30_000;
    const startedAt = NOW - 31_000 + ahead;
    const submittedAt = NOW + ahead;
    expect(checkSpam({ honeypot: '', startedAt, submittedAt }, options, NOW)).toEqual({
      verdict: null,
      note: null,
      fillMs: 31_000,
    });
    // Measured against our clock (a page that sends no _submittedAt), the same person looks like a 1 s bot.
    expect(checkSpam({ honeypot: '', startedAt }, options, NOW)).toMatchObject({
      verdict: 'too_fast',
      fillMs: 1000,
    });
  });

  it('given a post filled in 1 s by its own clock, when checked, then it is too_fast even though it arrived late', () => {
    const startedAt = NOW - 60_000;
    expect(
      checkSpam({ honeypot: '', startedAt, submittedAt: String(startedAt + 1000) }, options, NOW).verdict,
    ).toBe('too_fast');
  });

  it('given a _submittedAt before _startedAt or unreadable, when checked, then the fill is measured against our clock', () => {
    const startedAt = NOW - 10_000;
    for (const submittedAt of [startedAt - 1, 'soon', '', undefined]) {
      expect(checkSpam({ honeypot: '', startedAt, submittedAt }, options, NOW).fillMs).toBe(10_000);
    }
  });

  it('given a garbage _startedAt, when checked, then it is a person noted invalid', () => {
    expect(checkSpam({ honeypot: '', startedAt: 'yesterday' }, options, NOW)).toMatchObject({
      verdict: null,
      note: 'started_at_invalid',
    });
  });
});

describe('readStartedAt and isHoneypotFilled', () => {
  it.each([
    [undefined, { kind: 'missing' }],
    ['', { kind: 'missing' }],
    ['1743498000000', { kind: 'ok', at: 1743498000000 }],
    [1743498000000, { kind: 'ok', at: 1743498000000 }],
    ['-5', { kind: 'invalid' }],
    [0, { kind: 'invalid' }],
    [1.5, { kind: 'invalid' }],
    ['1e12', { kind: 'invalid' }],
    ['99999999999999999', { kind: 'invalid' }],
  ])('given %j, when read, then it is %j', (raw, expected) => {
    expect(readStartedAt(raw)).toEqual(expected);
  });

  it.each([
    [undefined, false],
    ['', false],
    ['   ', false],
    ['x', true],
    [['', 'x'], true],
    [true, true],
  ])('given a honeypot of %j, when checked, then filled is %s', (raw, expected) => {
    expect(isHoneypotFilled(raw)).toBe(expected);
  });
});
