import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ChannelGroupingConfig, DEFAULT_CHANNEL_GROUPING } from '#domain/capture/attribution';
import type { Channel, Touch } from '#domain/lead/types';
import { counterAddsFor, leadDims, type ReportFact } from '#domain/reports/counting';
import { erasedRemains, MAX_REMAINING_FACTS, remainsToCount } from '#domain/reports/erased-remains';

/** Every counter field the facts add, summed per kind and period, zeros left out. */
function counted(
  facts: readonly ReportFact[],
  profile: Parameters<typeof leadDims>[0],
  grouping: ChannelGroupingConfig,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const add of counterAddsFor(facts, leadDims(profile, grouping)))
    for (const [field, n] of Object.entries(add.fields)) {
      const key = `${add.kind} ${add.period} ${field}`;
      out[key] = (out[key] ?? 0) + n;
    }
  return Object.fromEntries(Object.entries(out).filter(([, n]) => n !== 0));
}

/** Another grouping, as after a change of config/reports.ts: trade shows and one partner site move groups. */
const REGROUPED: ChannelGroupingConfig = {
  ...DEFAULT_CHANNEL_GROUPING,
  mediums: { ...DEFAULT_CHANNEL_GROUPING.mediums, event: 'other', newsletter: 'email' },
  ownHosts: [...DEFAULT_CHANNEL_GROUPING.ownHosts, 'partner.example.net'],
};

const factArb: fc.Arbitrary<ReportFact> = fc.record(
  {
    id: fc.uuid(),
    scope: fc.constantFrom('funnel' as const, 'sla' as const, 'email' as const),
    day: fc.constantFrom('2026-11-30', '2026-12-01', '2026-12-02'),
    metrics: fc.dictionary(
      fc.constantFrom('lead', 'mql', 'sal', 'won', 'sent', 'handoffs'),
      fc.integer({ min: 1, max: 3 }),
      {
        maxKeys: 3,
      },
    ),
    cohortDay: fc.constantFrom('2026-11-30', '2026-12-01'),
    cohort: fc.dictionary(fc.constantFrom('won', 'amount:JPY'), fc.integer({ min: 1, max: 5 }), {
      maxKeys: 2,
    }),
    ownerId: fc.constantFrom('sato', 'suzuki'),
    team: fc.constantFrom('enterprise', 'inside-sales'),
    mail: fc.record(
      { sequenceId: fc.constantFrom('whitepaper-nurture'), stepId: fc.constantFrom('thanks', 'case-study') },
      { requiredKeys: [] },
    ),
  },
  { requiredKeys: ['id', 'scope', 'day', 'metrics'] },
);

const touchArb: fc.Arbitrary<Touch> = fc.record(
  {
    at: fc.constant(1_764_547_200_000),
    channel: fc.constantFrom('direct' as const, 'paid_search' as const, 'event' as const),
    origin: fc.constantFrom<Channel>('inbound_web', 'event', 'webinar', 'referral'),
    formId: fc.constantFrom('contact', 'whitepaper'),
    landingUrl: fc.constant('https://www.example.co.jp/lp?email=taro%40example.co.jp'),
    referrer: fc.constantFrom(
      'https://www.google.co.jp/search?q=taro',
      'https://partner.example.net/blog/post?id=1',
      'https://www.facebook.com/',
      'not a url',
    ),
    utm: fc.record(
      {
        source: fc.constantFrom('google', 'facebook', 'expo'),
        medium: fc.constantFrom('cpc', 'event', 'newsletter', 'Trade-Show'),
        campaign: fc.constantFrom('winter-sale', 'expo-2026'),
        term: fc.constant('山田 太郎'),
        content: fc.constant('banner-a'),
      },
      { requiredKeys: [] },
    ),
  },
  { requiredKeys: ['at', 'channel'] },
);

describe('what an erased lead leaves for a rebuild', () => {
  it('given any facts and first touch, when kept as remains, then a rebuild counts exactly what the facts counted, under the grouping in force and under another one', () => {
    fc.assert(
      fc.property(
        fc.array(factArb, { maxLength: 30 }),
        fc.option(touchArb, { nil: undefined }),
        (facts, first) => {
          const profile = {
            channel: 'direct' as const,
            ...(first ? { attribution: { firstTouch: first, lastTouch: first } } : {}),
          };
          const kept = remainsToCount(erasedRemains(profile, facts));
          for (const grouping of [DEFAULT_CHANNEL_GROUPING, REGROUPED])
            expect(counted(kept.facts, kept.profile, grouping)).toEqual(counted(facts, profile, grouping));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('given facts that differ only in their counts, when kept, then they are one fact with the counts summed and no event id', () => {
    const base = { scope: 'funnel' as const, day: '2026-12-01', ownerId: 'sato', team: 'enterprise' };
    const remains = erasedRemains({ channel: 'direct' }, [
      { ...base, id: 'e1', metrics: { lead: 1, mql: 1 } },
      { ...base, id: 'e2', metrics: { sal: 1 } },
      { ...base, id: 'e3', metrics: { mql: 1 }, ownerId: 'suzuki' },
    ]);
    expect(remains.facts).toEqual([
      { ...base, metrics: { lead: 1, mql: 1, sal: 1 } },
      { ...base, ownerId: 'suzuki', metrics: { mql: 1 } },
    ]);
  });

  it('given a first touch with a landing URL, a search query in the referrer and a utm term, when kept, then only what the grouping reads stays', () => {
    const firstTouch: Touch = {
      at: 1,
      channel: 'organic_search',
      origin: 'inbound_web',
      formId: 'whitepaper',
      landingUrl: 'https://www.example.co.jp/lp?email=taro%40example.co.jp',
      referrer: 'https://www.google.co.jp/search?q=%E5%B1%B1%E7%94%B0',
      utm: { source: 'google', medium: 'organic', campaign: 'c', term: '山田', content: 'x' },
    };
    const remains = erasedRemains(
      { channel: 'organic_search', attribution: { firstTouch, lastTouch: firstTouch } },
      [],
    );
    expect(remains.firstTouch).toEqual({
      at: 1,
      channel: 'organic_search',
      origin: 'inbound_web',
      formId: 'whitepaper',
      referrer: 'https://www.google.co.jp/',
      utm: { source: 'google', medium: 'organic', campaign: 'c' },
    });
  });

  it('given more distinct facts than are kept, when cut, then the funnel and SLA facts stay and e-mail facts go first', () => {
    const email = Array.from({ length: MAX_REMAINING_FACTS }, (_, i) => ({
      id: `m${i}`,
      scope: 'email' as const,
      day: `d${i}`,
      metrics: { sent: 1 },
    }));
    const funnel = { id: 'f', scope: 'funnel' as const, day: '2026-12-01', metrics: { lead: 1 } };
    const remains = erasedRemains({}, [...email, funnel]);
    expect(remains.facts).toHaveLength(MAX_REMAINING_FACTS);
    expect(remains.facts[0]).toEqual({ scope: 'funnel', day: '2026-12-01', metrics: { lead: 1 } });
  });
});
