import { describe, expect, it } from 'vitest';
import { addressHash } from '#domain/privacy/address-hash';
import { eraseRequestSchema } from '#domain/privacy/erase-request';
import { leadErasedEvent } from '#domain/privacy/erasure';
import {
  DAY_MS,
  onRetentionTimer,
  PARKED_EVENTS_RECHECK_MS,
  retentionDueAt,
} from '#domain/privacy/retention';

const config = { timelineDays: 761, anonymousDays: 396, disqualifiedInactiveDays: 730 };
const T0 = Date.UTC(2025, 0, 6, 1, 0);

describe('address hash', () => {
  it('given the same key and secret, then the hash is stable; another secret or address gives another hash; the address is not in it', () => {
    // Act
    const a = addressHash('taro@example.co.jp', 's'.repeat(32));
    const again = addressHash('taro@example.co.jp', 's'.repeat(32));
    const otherSecret = addressHash('taro@example.co.jp', 't'.repeat(32));
    const otherAddress = addressHash('hanako@example.co.jp', 's'.repeat(32));

    // Assert
    expect(a).toBe(again);
    expect(a).toMatch(/^[\w-]{43}$/);
    expect(new Set([a, otherSecret, otherAddress]).size).toBe(3);
    expect(a).not.toContain('taro');
  });
});

describe('erase request', () => {
  it.each([
    [{ reason: 'ticket 4711' }, true],
    [{ reason: '  本人からの依頼  ' }, true],
    [{}, false],
    [{ reason: '' }, false],
    [{ reason: '   ' }, false],
    [{ reason: 'x'.repeat(501) }, false],
    [{ reason: 'ok', extra: 1 }, false],
  ])('given %j, then valid is %s', (body, valid) => {
    expect(eraseRequestSchema.safeParse(body).success).toBe(valid);
  });

  it('given an erasure, then the event holds the id, times and reason only, with an id derived from the lead', () => {
    // Act
    const event = leadErasedEvent('lead-1', 'ticket 4711', T0);

    // Assert
    expect(event).toEqual({
      source: 'leadloop.leads',
      detailType: 'Lead Erased',
      detail: {
        eventId: 'lead-1:erased',
        version: 1,
        occurredAt: new Date(T0).toISOString(),
        leadId: 'lead-1',
        erasedAt: new Date(T0).toISOString(),
        reason: 'ticket 4711',
      },
    });
  });
});

describe('retention of disqualified leads', () => {
  const disqualified = { stage: 'disqualified' as const, lastActivityAt: T0 };

  it('given a disqualified lead, then it is due its last activity + the period; other stages are never due', () => {
    expect(retentionDueAt(disqualified, config)).toBe(T0 + 730 * DAY_MS);
    expect(retentionDueAt({ stage: 'mql', lastActivityAt: T0 }, config)).toBeNull();
  });

  it.each([
    ['still disqualified, inactive for the period', disqualified, T0 + 730 * DAY_MS, { kind: 'erase' }],
    [
      'disqualified, active since',
      { ...disqualified, lastActivityAt: T0 + 100 * DAY_MS },
      T0 + 730 * DAY_MS,
      { kind: 'rearm', at: T0 + 830 * DAY_MS },
    ],
    ['recycled since', { stage: 'lead' as const, lastActivityAt: T0 }, T0 + 730 * DAY_MS, { kind: 'clear' }],
    ['gone (already erased)', undefined, T0 + 730 * DAY_MS, { kind: 'clear' }],
  ])('given a lead %s, when the timer fires, then the decision follows', (_, state, now, expected) => {
    expect(onRetentionTimer(state, now, config)).toEqual(expected);
  });

  it('given a lead due for erasure with tracking events parked for the sweeper, then the timer looks again once they are scored instead of erasing; parked events change no other decision', () => {
    const due = T0 + 730 * DAY_MS;
    expect(onRetentionTimer(disqualified, due, config, true)).toEqual({
      kind: 'rearm',
      at: due + PARKED_EVENTS_RECHECK_MS,
    });
    expect(onRetentionTimer({ stage: 'lead', lastActivityAt: T0 }, due, config, true)).toEqual({
      kind: 'clear',
    });
    expect(onRetentionTimer(disqualified, due - 1, config, true)).toEqual({ kind: 'rearm', at: due });
  });
});
