import { describe, expect, it } from 'vitest';
import {
  byCallOrder,
  type CallListRow,
  callListItem,
  decodeCursor,
  encodeCursor,
  MAX_READ,
  readEnough,
  skipOf,
  takePage,
} from '#domain/handoff/call-list';

const row = (leadId: string, score: number, lastActivityAt = 0): CallListRow => ({
  leadId,
  email: `${leadId}@example.com`,
  temperature: 'hot',
  stage: 'mql',
  score,
  lastActivityAt,
});

describe('byCallOrder', () => {
  it('orders by score, then most recent activity, then lead id', () => {
    // Arrange
    const rows = [row('c', 50, 1), row('b', 50, 2), row('a', 50, 2), row('d', 90, 0)];

    // Act
    const ordered = [...rows].sort(byCallOrder).map((r) => r.leadId);

    // Assert
    expect(ordered).toEqual(['d', 'a', 'b', 'c']);
  });
});

describe('readEnough', () => {
  it('given the page boundary inside a score group still being read, then the read goes on', () => {
    expect(readEnough([row('a', 90), row('b', 80), row('c', 80)], 0, 2)).toBe(false);
  });

  it('given a lower score read after the page boundary, then the boundary group is complete', () => {
    expect(readEnough([row('a', 90), row('b', 80), row('c', 70)], 0, 2)).toBe(true);
  });

  it('given the read bound reached, then the read stops', () => {
    const many = Array.from({ length: MAX_READ }, (_, i) => row(`l${i}`, 10));
    expect(readEnough(many, 0, 5)).toBe(true);
  });
});

describe('takePage', () => {
  it('given more rows than needed, then it shows the best ones and resumes inside the last score group', () => {
    // Arrange
    const read = [row('x', 80, 1), row('y', 90), row('z', 80, 2)];

    // Act
    const page = takePage(read, { t: 0 }, 2, false);

    // Assert
    expect(page.rows.map((r) => r.leadId)).toEqual(['y', 'z']);
    expect(page.next).toEqual({ t: 0, s: 80, k: 1 });
  });

  it('given a cursor inside a score group, then it skips the ones already shown', () => {
    // Arrange
    const read = [row('x', 80, 1), row('z', 80, 2), row('w', 70)];

    // Act
    const page = takePage(read, { t: 0, s: 80, k: 1 }, 5, true);

    // Assert
    expect(skipOf({ t: 0, s: 80, k: 1 })).toBe(1);
    expect(page.rows.map((r) => r.leadId)).toEqual(['x', 'w']);
    expect(page.next).toEqual({ t: 1 });
  });

  it('given the last temperature read to its end, then there is no next page', () => {
    expect(takePage([row('a', 50)], { t: 1 }, 5, true).next).toBeUndefined();
  });

  it('given no progress possible, then it moves on to the next temperature rather than loop', () => {
    expect(takePage([row('a', 50)], { t: 0, s: 50, k: 1 }, 5, false).next).toEqual({ t: 1 });
  });
});

describe('call-list cursor codec', () => {
  it('round-trips a cursor', () => {
    const cursor = { t: 1, s: 42.5, k: 3 };
    expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor);
  });
});

describe('callListItem', () => {
  it('keeps the contact fields the profile has and the activity time as ISO-8601', () => {
    // Act
    const item = callListItem(
      { ...row('a', 85, Date.UTC(2026, 0, 2)), grade: 'A' },
      { lastName: '山田', company: 'Example', phone: '' },
    );

    // Assert
    expect(item).toEqual({
      leadId: 'a',
      email: 'a@example.com',
      lastName: '山田',
      company: 'Example',
      score: 85,
      temperature: 'hot',
      stage: 'mql',
      grade: 'A',
      lastActivityAt: '2026-01-02T00:00:00.000Z',
    });
  });
});
