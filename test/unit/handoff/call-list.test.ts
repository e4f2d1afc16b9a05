import { describe, expect, it } from 'vitest';
import { type CallListRow, callListItem, waitsForSales } from '#domain/handoff/call-list';

const row = (leadId: string, score: number, lastActivityAt = 0): CallListRow => ({
  leadId,
  email: `${leadId}@example.com`,
  temperature: 'hot',
  stage: 'mql',
  score,
  lastActivityAt,
});

describe('waitsForSales', () => {
  const base = { stage: 'mql', temperature: 'hot' };
  it('given a warm or hot lead before sales with no open hand-off, then it waits for sales', () => {
    expect(waitsForSales(base)).toBe(true);
    expect(waitsForSales({ stage: 'recycled', temperature: 'warm' })).toBe(true);
    expect(waitsForSales({ ...base, handoff: { closedAt: 1 } })).toBe(true);
  });
  it('given cold, a sales stage, disqualified, or an open hand-off, then it does not (no sparse key)', () => {
    expect(waitsForSales({ ...base, temperature: 'cold' })).toBe(false);
    expect(waitsForSales({ ...base, stage: 'sal' })).toBe(false);
    expect(waitsForSales({ ...base, stage: 'tql' })).toBe(false);
    expect(waitsForSales({ ...base, stage: 'disqualified' })).toBe(false);
    expect(waitsForSales({ ...base, handoff: {} })).toBe(false);
  });
  it('given a recycled lead, then it waits for sales only once it was active after it was recycled', () => {
    // Arrange
    const lostAt = Date.UTC(2026, 11, 4);
    const recycled = {
      stage: 'recycled',
      temperature: 'hot',
      handoff: { closedAt: lostAt },
      stageHistory: [
        { to: 'opportunity', at: lostAt - 86_400_000 },
        { to: 'recycled', at: lostAt },
      ],
    };

    // Act / Assert
    expect(waitsForSales({ ...recycled, lastActivityAt: lostAt - 3_600_000 })).toBe(false);
    expect(waitsForSales({ ...recycled, lastActivityAt: lostAt })).toBe(false);
    expect(waitsForSales({ ...recycled, lastActivityAt: lostAt + 1 })).toBe(true);
    // Without its stage history, the hand-off's close stands in.
    expect(waitsForSales({ ...recycled, stageHistory: [], lastActivityAt: lostAt - 3_600_000 })).toBe(false);
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
