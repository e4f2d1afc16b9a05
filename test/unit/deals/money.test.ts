import { describe, expect, it } from 'vitest';
import { dealsConfigSchema } from '#config/deals';
import { createOpportunity, emptyDeal, moveOpportunityPhase } from '#domain/deals/opportunity';
import { convertActionSchema, opportunityActionSchema } from '#domain/lead/actions';
import { deals as demoDeals } from '../../../config/deals.ts';

const config = dealsConfigSchema.parse(demoDeals);
const NOW = Date.UTC(2026, 11, 4, 1, 0);

const convert = (body: Record<string, unknown>) =>
  convertActionSchema().safeParse({
    action: 'convert',
    actionId: 'c1',
    expectedCloseDate: '2026-09-30',
    ...body,
  });
const issuesOf = (r: ReturnType<typeof convert>) =>
  r.success ? [] : r.error.issues.map((i) => i.path.join('.'));

const openedIn = (currency: string, amount: number) => {
  const r = createOpportunity(
    emptyDeal('lead-1'),
    { actionId: 'c1', amount, currency, expectedCloseDate: '2027-03-31' },
    config,
    NOW,
  );
  if (!r.ok) throw new Error(r.message);
  return r.value.deal;
};

describe('deal amounts and currencies (convert)', () => {
  it.each([
    [{ amount: 4_800_000.5, currency: 'YEN' }, ['currency']],
    [{ amount: 4_800_000, currency: 'jpy' }, ['currency']],
    [{ amount: 4_800_000, currency: 'XYZ' }, ['currency']],
    [{ amount: 4_800_000.5, currency: 'JPY' }, ['amount']],
    [{ amount: 4_800_000.5 }, ['amount']],
    [{ amount: 1_000_000.1, currency: 'KRW' }, ['amount']],
    [{ amount: 19.999, currency: 'USD' }, ['amount']],
    [{ amount: -1.5 }, ['amount']],
  ] as const)('given %j, then it is refused naming %j', (body, fields) => {
    // Arrange / Act
    const r = convert(body);

    // Assert
    expect(r.success).toBe(false);
    expect(issuesOf(r)).toEqual(fields);
  });

  it.each([
    { amount: 4_800_000, currency: 'JPY' },
    { amount: 4_800_000 },
    { amount: 19.99, currency: 'USD' },
    { amount: 12.345, currency: 'BHD' },
  ])('given %j, then it is accepted', (body) => {
    // Arrange / Act
    const r = convert(body);

    // Assert
    expect(r.success).toBe(true);
  });
});

describe('deal amounts on a phase move', () => {
  it('given an opportunity in JPY, when a move gives a fractional amount, then it is refused naming amount; a whole one moves', () => {
    // Arrange
    const deal = openedIn('JPY', 4_800_000);
    const parsed = opportunityActionSchema().safeParse({
      action: 'opportunity',
      actionId: 'p1',
      phase: 'quote',
      amount: 5_200_000.5,
    });

    // Act
    const fractional = moveOpportunityPhase(
      deal,
      'opportunity',
      { actionId: 'p1', phase: 'quote', amount: 5_200_000.5 },
      config,
      NOW,
    );
    const whole = moveOpportunityPhase(
      deal,
      'opportunity',
      { actionId: 'p2', phase: 'quote', amount: 5_200_000 },
      config,
      NOW,
    );

    // Assert: the body alone cannot know the currency; the move checks it against the opportunity's
    expect(parsed.success).toBe(true);
    expect(fractional).toMatchObject({ ok: false, code: 'invalid', field: 'amount' });
    expect(whole).toMatchObject({ ok: true });
  });

  it('given an opportunity in USD, when a move gives cents, then it moves', () => {
    // Arrange
    const deal = openedIn('USD', 48_000);

    // Act
    const r = moveOpportunityPhase(
      deal,
      'opportunity',
      { actionId: 'p1', phase: 'quote', amount: 52_000.5 },
      config,
      NOW,
    );

    // Assert
    expect(r).toMatchObject({ ok: true, value: { opportunity: { amount: 52_000.5, currency: 'USD' } } });
  });
});
