import { describe, expect, it } from 'vitest';
import { channelGroup } from '#domain/capture/attribution';
import { type AnyDomainEvent, buildDomainEvent } from '#domain/lead/events';
import { type LeadState, stagesReachedOf, withStageTransitions } from '#domain/lead/lead';
import { stageBit } from '#domain/lead/lifecycle';
import type { Stage, StageTransition } from '#domain/lead/types';
import {
  type CountingSnapshot,
  counterAddsFor,
  currentFact,
  factsFor,
  gaugeDelta,
  leadDims,
  REDACTED_VALUE,
  stagesPassed,
  utmValueKey,
} from '#domain/reports/counting';
import { reportParams } from '#domain/reports/params';
import { currentMonth, dayOf, weekOf } from '#domain/reports/periods';
import { funnelReport, histogramQuantile, leadsReport, monthTargets } from '#domain/reports/reports';
import { funnelTable } from '#domain/reports/tables';
import { csvCell, toCsv } from '#http/csv';

const TZ = 'Asia/Tokyo';
// 2026-12-04 23:30 and 2026-12-05 00:30 in Tokyo.
const LATE = Date.UTC(2026, 11, 4, 14, 30);
const EARLY = Date.UTC(2026, 11, 4, 15, 30);

const stageEvent = (
  n: number,
  from: StageTransition['from'],
  to: StageTransition['to'],
  at: number,
): AnyDomainEvent =>
  buildDomainEvent('Lead Stage Changed', {
    eventId: `L1:stage:${n}:${to}`,
    version: 1,
    occurredAt: new Date(at).toISOString(),
    leadId: 'L1',
    from,
    to,
    reason: 'score',
  });

describe('channel grouping', () => {
  it.each([
    [{ channel: 'inbound_web', utm: { medium: 'cpc', source: 'google' } }, 'paid_search'],
    [{ channel: 'inbound_web', utm: { medium: 'cpc', source: 'facebook' } }, 'paid_social'],
    [{ channel: 'inbound_web', utm: { medium: 'social' } }, 'organic_social'],
    [{ channel: 'inbound_web', utm: { medium: 'Mail-Magazine' } }, 'email'],
    [{ channel: 'inbound_web', referrer: 'https://www.google.co.jp/search?q=x' }, 'organic_search'],
    [{ channel: 'inbound_web', referrer: 'https://t.co/abc' }, 'organic_social'],
    [{ channel: 'inbound_web', referrer: 'https://blog.example.org/post' }, 'referral'],
    [{ channel: 'inbound_web' }, 'direct'],
    [{ channel: 'webinar' }, 'webinar'],
    [{ channel: 'inbound_phone' }, 'phone'],
    [{ channel: 'inbound_web', utm: { medium: 'exhibition' } }, 'event'],
    [{ channel: 'inbound_web', utm: { medium: 'affiliate' } }, 'partner'],
    [{ channel: 'inbound_web', utm: { medium: 'banner' } }, 'other'],
    [{ channel: 'inbound_web', utm: { medium: '__proto__' } }, 'other'],
  ] as const)('given touch %j, when grouped, then the channel is %s', (touch, group) => {
    expect(channelGroup(touch)).toBe(group);
  });

  it('given no touch at all (an import), when grouped, then it is import', () => {
    expect(channelGroup(undefined)).toBe('import');
    expect(leadDims({ channel: 'import' }, undefined).channel).toBe('import');
  });
});

describe('stage entries', () => {
  it('given a lead born an MQL or accepted straight to SAL, when counted, then every stage passed counts once', () => {
    expect(stagesPassed(null, 'mql')).toEqual(['lead', 'mql']);
    expect(stagesPassed('subscriber', 'sal')).toEqual(['lead', 'mql', 'sal']);
    expect(stagesPassed('recycled', 'mql')).toEqual(['mql']);
    expect(stagesPassed('sql', 'disqualified')).toEqual(['disqualified']);
    expect(stagesPassed(null, 'subscriber')).toEqual([]);
  });

  it('given a lead that re-enters MQL the same Tokyo day, when counted, then MQL counts once that day but again on another day', () => {
    const history: StageTransition[] = [
      { from: null, to: 'subscriber', at: LATE - 600_000, reason: 'capture' },
      { from: 'subscriber', to: 'mql', at: LATE - 300_000, reason: 'score' },
      { from: 'mql', to: 'recycled', at: LATE - 100_000, reason: 'recycle' },
      { from: 'recycled', to: 'mql', at: LATE, reason: 'score' },
    ];
    const sameDay = factsFor(
      [stageEvent(4, 'recycled', 'mql', LATE)],
      { createdAt: LATE - 600_000, stageHistory: history },
      TZ,
    );
    expect(sameDay).toEqual([]);
    const nextDayHistory = [
      ...history.slice(0, 3),
      { from: 'recycled' as const, to: 'mql' as const, at: EARLY, reason: 'score' },
    ];
    const nextDay = factsFor(
      [stageEvent(4, 'recycled', 'mql', EARLY)],
      { createdAt: LATE - 600_000, stageHistory: nextDayHistory },
      TZ,
    );
    // Counted in the period (a new day) but not again in the cohort (reached before).
    expect(nextDay).toEqual([
      expect.objectContaining({
        day: '2026-12-05',
        metrics: { mql: 1 },
        cohortDay: '2026-12-04',
        cohort: {},
      }),
    ]);
  });

  it('given a lead that reached SQL once, then was recycled and re-accepted 6 times without reaching SQL (more than the 20 transitions the history keeps), when it reaches SQL again, then the cohort does not count SQL a second time', () => {
    // Arrange: the state as the writes keep it (history bounded, stages reached kept); each write is counted
    // with the state it found (`before`), as the store does.
    const DAY = 86_400_000;
    let lead: Pick<LeadState, 'stage' | 'stageHistory' | 'stagesReached'> = {
      stage: 'subscriber',
      stageHistory: [{ from: null, to: 'subscriber', at: LATE, reason: 'capture' }],
      stagesReached: stageBit('subscriber'),
    };
    let day = 0;
    const move = (to: Stage) => {
      day += 1;
      const at = LATE + day * DAY;
      const before = lead;
      lead = { ...withStageTransitions(before, [{ from: before.stage, to, at, reason: 'x' }]), stage: to };
      return factsFor(
        [stageEvent(day, before.stage, to, at)],
        {
          createdAt: LATE,
          stageHistory: lead.stageHistory,
          before: { stagesReached: stagesReachedOf(before) },
        },
        TZ,
      );
    };
    const cohortSql = (facts: ReturnType<typeof move>) => facts.reduce((n, f) => n + (f.cohort?.sql ?? 0), 0);
    let counted = 0;
    for (const to of ['mql', 'sal', 'sql', 'recycled'] as const) counted += cohortSql(move(to));
    expect(counted).toBe(1);
    for (let cycle = 0; cycle < 6; cycle++)
      for (const to of ['mql', 'sal', 'recycled'] as const) counted += cohortSql(move(to));
    counted += cohortSql(move('mql')) + cohortSql(move('sal'));
    expect(lead.stageHistory.some((t) => t.to === 'sql')).toBe(false); // the first SQL is out of the history

    // Act: back to SQL
    const again = move('sql');

    // Assert: still ONE lead of the cohort that reached SQL; the period counts the new SQL entry
    expect(counted + cohortSql(again)).toBe(1);
    expect(again).toEqual([expect.objectContaining({ metrics: { sql: 1 }, cohort: {} })]);
  });

  it('given the stages a lead had been in when a write began, when it moves, then a stage passed on the way counts in the cohort only if never passed before (a stage reached passes the ones before it)', () => {
    const history: StageTransition[] = [{ from: 'recycled', to: 'sql', at: EARLY, reason: 'qualify' }];
    const cohortOf = (reached: Stage[]) =>
      factsFor(
        [stageEvent(9, 'recycled', 'sql', EARLY)],
        {
          createdAt: LATE,
          stageHistory: history,
          before: { stagesReached: reached.reduce((set, s) => set | stageBit(s), 0) },
        },
        TZ,
      )[0]?.cohort;
    // Reached opportunity long ago: mql, sal and sql were passed then.
    expect(cohortOf(['opportunity', 'recycled'])).toEqual({});
    // Only mql and recycled: sal and sql are first reached now (recycled → sql passes mql, sal, sql).
    expect(cohortOf(['mql', 'recycled'])).toEqual({ sal: 1, sql: 1 });
    // tql counts only when entered: a lead that reached sal without it reaches tql for the first time.
    expect(stagesPassed(null, 'sal')).not.toContain('tql');
  });

  it('given facts, when spread over dimensions, then each dimension kind gets one ADD per day with the group value', () => {
    const facts = factsFor(
      [
        buildDomainEvent('Lead Captured', {
          eventId: 'c1',
          version: 1,
          occurredAt: new Date(EARLY).toISOString(),
          leadId: 'L1',
          email: 'a@b.jp',
          channel: 'inbound_web',
          isNew: true,
        }),
        stageEvent(2, 'subscriber', 'mql', EARLY),
      ],
      {
        createdAt: EARLY,
        stageHistory: [
          { from: null, to: 'subscriber', at: EARLY, reason: 'capture' },
          { from: 'subscriber', to: 'mql', at: EARLY, reason: 'score' },
        ],
      },
      TZ,
    );
    const adds = counterAddsFor(facts, {
      channel: 'paid_search',
      source: 'google',
      campaign: 'w',
      form: 'contact',
    });
    expect(adds.find((a) => a.kind === 'f:channel')).toEqual({
      kind: 'f:channel',
      period: '2026-12-05',
      fields: { 'paid_search|created': 1, 'paid_search|lead': 1, 'paid_search|mql': 1 },
    });
    expect(adds.find((a) => a.kind === 'c:none')?.fields).toEqual({ '*|lead': 1, '*|mql': 1 });
    expect(adds.filter((a) => a.kind.startsWith('f:')).length).toBe(7);
  });
});

describe('deals in the period and in the cohort', () => {
  const CREATED = LATE; // 2026-12-04 in Tokyo
  const CLOSED = EARLY + 30 * 86_400_000; // 2027-01-04
  const opportunity = {
    opportunityId: 'L1-1',
    phase: 'won',
    phaseLabel: '受注',
    amount: 4_800_000,
    currency: 'JPY',
    expectedCloseDate: '2027-01-31',
    probability: 100,
  };
  const won = buildDomainEvent('Opportunity Won', {
    eventId: 'L1:opportunity:1:won',
    version: 1,
    occurredAt: new Date(CLOSED).toISOString(),
    leadId: 'L1',
    opportunity,
    channel: 'direct',
  });
  const lost = buildDomainEvent('Opportunity Lost', {
    eventId: 'L1:opportunity:2:lost',
    version: 1,
    occurredAt: new Date(CLOSED).toISOString(),
    leadId: 'L1',
    opportunity: { ...opportunity, opportunityId: 'L1-2', phase: 'lost', phaseLabel: '失注', probability: 0 },
    reason: '価格',
    channel: 'direct',
    nurtureAt: new Date(CLOSED + 90 * 86_400_000).toISOString(),
  });
  const lead = { createdAt: CREATED, stageHistory: [] };
  const dims = { channel: 'direct', source: '(none)', campaign: '(none)', form: 'contact' } as const;

  it('given a deal won a month after the lead was created, when counted, then it counts on the day it closed and in the cohort of the creation day, with its amount', () => {
    const facts = factsFor([won, lost], lead, TZ);
    expect(facts).toEqual([
      expect.objectContaining({
        day: '2027-01-04',
        metrics: { dealsWon: 1, 'amountWon:JPY': 4_800_000 },
        cohortDay: '2026-12-04',
        cohort: { dealsWon: 1, 'amountWon:JPY': 4_800_000 },
      }),
      expect.objectContaining({
        day: '2027-01-04',
        metrics: { dealsLost: 1 },
        cohortDay: '2026-12-04',
        cohort: { dealsLost: 1 },
      }),
    ]);
    const adds = counterAddsFor(facts, dims);
    expect(adds.find((a) => a.kind === 'c:channel')).toEqual({
      kind: 'c:channel',
      period: '2026-12-04',
      fields: { 'direct|dealsWon': 1, 'direct|amountWon:JPY': 4_800_000, 'direct|dealsLost': 1 },
    });
    expect(adds.find((a) => a.kind === 'f:none')).toEqual({
      kind: 'f:none',
      period: '2027-01-04',
      fields: { '*|dealsWon': 1, '*|amountWon:JPY': 4_800_000, '*|dealsLost': 1 },
    });
    // The cohort view reads them (deals of the leads created in the range, whenever they closed).
    const cohort = new Map(adds.filter((a) => a.kind === 'c:none').map((a) => [a.period, a.fields] as const));
    expect(funnelReport(cohort, cohort, 'cohort', 'none', { totals: cohort }).total.deals).toEqual({
      won: 1,
      lost: 1,
      amountWon: { JPY: 4_800_000 },
    });
  });

  it('given deal facts stored before they carried the cohort, when a rebuild reads them, then they count as live counting does now; other facts are left as they are', () => {
    const live = factsFor([won, lost], lead, TZ);
    const stored = live.map(({ cohortDay: _d, cohort: _c, ...f }) => f);
    expect(stored.map((f) => currentFact(f, CREATED, TZ))).toEqual(live);
    const others = [
      ...factsFor([stageEvent(2, 'subscriber', 'mql', EARLY)], { createdAt: EARLY, stageHistory: [] }, TZ),
      { id: 'L1:sla', scope: 'sla' as const, day: '2026-12-05', metrics: { handoffs: 1 } },
      { id: 'L1:old', scope: 'funnel' as const, day: '2026-12-05', metrics: { mql: 1 } },
    ];
    for (const fact of others) expect(currentFact(fact, CREATED, TZ)).toBe(fact);
  });
});

describe('gauges', () => {
  it('given a score that stays in its bucket, when compared, then nothing moves; crossing a boundary moves one lead', () => {
    const s = (total: number) => ({ stage: 'mql' as const, temperature: 'warm', score: { total } });
    expect(gaugeDelta(s(51), s(58))).toEqual({});
    expect(gaugeDelta(s(58), s(61))).toEqual({ 'score|5': -1, 'score|6': 1 });
    expect(gaugeDelta(undefined, s(5))).toEqual({ 'temperature|warm': 1, 'stage|mql': 1, 'score|0': 1 });
  });
});

describe('periods, parameters and figures', () => {
  it('given instants either side of midnight in Tokyo, when bucketed, then they fall on their Tokyo days and weeks start on Monday', () => {
    expect(dayOf(LATE, TZ)).toBe('2026-12-04');
    expect(dayOf(EARLY, TZ)).toBe('2026-12-05');
    expect(weekOf('2026-12-06')).toBe('2026-11-30');
    expect(currentMonth(EARLY, TZ)).toEqual({ from: '2026-12-01', to: '2026-12-31' });
  });

  it('given no dates, when checked, then the range is the current month; bad values name their field', () => {
    expect(reportParams('funnel', {}, EARLY, TZ)).toMatchObject({
      ok: true,
      params: { from: '2026-12-01', to: '2026-12-31', groupBy: 'none', view: 'period' },
    });
    const bad = reportParams('funnel', { from: '2026-02-30', groupBy: 'x', view: 'y' }, EARLY, TZ);
    expect(bad.ok ? [] : bad.errors.map((e) => e.field)).toEqual(['from', 'groupBy', 'view']);
    // One bound alone: the other from the same month, whichever month that is.
    const fromOnly = (from: string) => reportParams('funnel', { from }, EARLY, TZ);
    expect(fromOnly('2026-11-10')).toMatchObject({ params: { from: '2026-11-10', to: '2026-11-30' } });
    expect(fromOnly('2028-02-03')).toMatchObject({ params: { to: '2028-02-29' } });
    expect(fromOnly('2026-12-10')).toMatchObject({ params: { to: '2026-12-31' } });
    expect(reportParams('funnel', { to: '2026-11-10' }, EARLY, TZ)).toMatchObject({
      params: { from: '2026-11-01', to: '2026-11-10' },
    });
    const long = reportParams('sla', { from: '2025-01-01', to: '2026-02-05' }, EARLY, TZ);
    expect(long.ok ? [] : long.errors.map((e) => e.field)).toEqual(['to']);
  });

  it('given a histogram of minutes to accept, when quantiles are asked, then they are interpolated inside the bucket', () => {
    expect(histogramQuantile([2, 2], 0.5)).toBe(5);
    expect(histogramQuantile([0, 0, 4], 0.5)).toBe(22.5);
    expect(histogramQuantile([], 0.5)).toBeNull();
  });

  it('given zero leads in a group, when the funnel is built, then rates are null rather than a division by zero', () => {
    const counters = new Map([['2026-12-05', { '*|created': 0, '*|mql': 0 }]]);
    expect(funnelReport(counters, counters, 'period', 'none', { totals: counters }).total.rates).toEqual({
      mql: null,
      tql: null,
      sal: null,
      sql: null,
      opportunity: null,
      customer: null,
    });
  });

  it("given a week whose SALs are last month's MQLs accepted now, when the period funnel is built, then its counts are the week's entries and its rates the conversion of the week's own leads (never above 1)", () => {
    // Arrange: this week 1 lead created (an MQL since), and 2 SALs of leads that became MQLs last month
    const week = '2026-12-07';
    const period = new Map([
      [week, { '*|created': 1, '*|mql': 1, '*|sal': 2, 'event|created': 1, 'event|mql': 1, 'direct|sal': 2 }],
    ]);
    const cohort = new Map([[week, { '*|lead': 1, '*|mql': 1, 'event|lead': 1, 'event|mql': 1 }]]);

    // Act
    const byChannel = funnelReport(period, period, 'period', 'channel', { grouped: cohort, totals: cohort });
    const byOwner = funnelReport(period, period, 'period', 'owner', { totals: cohort });

    // Assert: SAL 2 against MQL 1 is no 200% conversion; of the week's leads, 1 of 1 is an MQL, none a SAL yet
    expect(byChannel.total.counts).toMatchObject({ lead: 1, mql: 1, sal: 2 });
    expect(byChannel.total.rates).toMatchObject({ mql: 1, sal: 0, sql: null });
    expect(byChannel.rows.find((r) => r.group === 'direct')?.rates).toMatchObject({ mql: null, sal: null });
    expect(byChannel.rows.find((r) => r.group === 'event')?.rates).toMatchObject({ mql: 1, sal: 0 });
    // No cohort per owner: the rows have no rates, the total keeps its own
    expect(byOwner.rows.every((r) => Object.values(r.rates).every((v) => v === null))).toBe(true);
    expect(byOwner.total.rates.mql).toBe(1);
  });

  it('given cells a spreadsheet would run, when written as CSV, then they are defused, quoted, with a BOM', () => {
    expect(csvCell('=SUM(A1)')).toBe(`"'=SUM(A1)"`);
    expect(csvCell('株式会社"A"')).toBe('"株式会社""A"""');
    expect(csvCell(null)).toBe('');
    expect(toCsv([['a', 1]])).toBe('\uFEFF"a",1\r\n');
  });
});

describe('leads report per channel with targets', () => {
  it('given December targets for event (62 leads) and paid_search, when no event lead came in a week, then the event row is still there with its target and 0 attainment', () => {
    // Arrange: the week of 2026-12-07, only paid_search leads were created
    const days = new Map<string, Record<string, number>>([['2026-12-07', { 'paid_search|created': 3 }]]);
    const targets = {
      months: {
        '2026-12': {
          leads: 240,
          byChannel: { event: { leads: 62, mql: 15 }, paid_search: { leads: 31, mql: 12 } },
        },
      },
    };

    // Act
    const series = leadsReport(days, '2026-12-07', '2026-12-13', 'week', 'channel', targets);

    // Assert
    expect(series.find((p) => p.group === 'paid_search')?.target.leads).toBe(7);
    expect(series.find((p) => p.group === 'event')).toMatchObject({
      actual: { leads: 0 },
      target: { leads: 14 },
      attainment: { leads: 0 },
    });
  });
});

describe('report tables for CSV', () => {
  it('given a funnel grouped by channel with deals won in two currencies, when tabled, then each currency has its column and the total is the last row', () => {
    // Arrange
    const period = new Map([
      [
        '2026-12-07',
        {
          '*|created': 2,
          '*|dealsWon': 2,
          '*|amountWon:JPY': 4_800_000,
          '*|amountWon:USD': 1200.5,
          'event|created': 1,
          'event|dealsWon': 1,
          'event|amountWon:JPY': 4_800_000,
          'direct|created': 1,
          'direct|dealsWon': 1,
          'direct|amountWon:USD': 1200.5,
        },
      ],
    ]);
    const report = funnelReport(period, period, 'period', 'channel', { totals: new Map() });

    // Act
    const table = funnelTable(report.rows, report.total);

    // Assert
    const header = table[0] ?? [];
    expect(header).toEqual(expect.arrayContaining(['deals_won', 'amount_won_JPY', 'amount_won_USD']));
    const cell = (row: (string | number | null)[] | undefined, col: string) => row?.[header.indexOf(col)];
    const direct = table.find((r) => r[0] === 'direct');
    expect([cell(direct, 'amount_won_JPY'), cell(direct, 'amount_won_USD')]).toEqual([0, 1200.5]);
    expect(table[table.length - 1]?.[0]).toBe('total');
    expect(cell(table[table.length - 1], 'deals_won')).toBe(2);
    expect(cell(table[table.length - 1], 'amount_won_JPY')).toBe(4_800_000);
  });
});

describe('leads report per week cut by the range', () => {
  it('given a range from a Wednesday, when bucketed per week, then the first point names its Monday and says which days it covers (its target prorated over them)', () => {
    // Arrange
    const days = new Map<string, Record<string, number>>([['2026-12-02', { '*|created': 2 }]]);
    const targets = { months: { '2026-12': { leads: 310 } } };

    // Act
    const series = leadsReport(days, '2026-12-02', '2026-12-13', 'week', 'none', targets);

    // Assert
    expect(series.map((p) => [p.period, p.from, p.to, p.target.leads])).toEqual([
      ['2026-11-30', '2026-12-02', '2026-12-06', 50],
      ['2026-12-07', '2026-12-07', '2026-12-13', 70],
    ]);
  });
});

describe('targets of a week across two months', () => {
  it('given a target for December only, when the week of 11/30 is reported, then it has no target (its November day has none), and the next week has its prorated one', () => {
    // Arrange: 3 event leads on Monday 11/30, none in December's first days
    const days = new Map<string, Record<string, number>>([['2026-11-30', { 'event|created': 3 }]]);
    const targets = { months: { '2026-12': { leads: 310, byChannel: { event: { leads: 62 } } } } };

    // Act
    const series = leadsReport(days, '2026-11-30', '2026-12-13', 'week', 'channel', targets);

    // Assert: no 3 leads against a 6-day December target (a 25% attainment that compares nothing)
    expect(series.map((p) => [p.period, p.actual.leads, p.target.leads, p.attainment.leads])).toEqual([
      ['2026-11-30', 3, null, null],
      ['2026-12-07', 0, 14, 0],
    ]);
  });
});

describe('every-month targets', () => {
  it('given every-month targets and a December of its own, when November and December weeks are reported, then November takes the every-month figures, December its own (nothing merged), and a week across the two has both prorated', () => {
    // Arrange: the event channel has a target only in every other month, so December's event row has none
    const days = new Map<string, Record<string, number>>([['2026-11-30', { 'event|created': 3 }]]);
    const targets = {
      everyMonth: { leads: 300, byChannel: { event: { leads: 30 } } },
      months: { '2026-12': { leads: 310 } },
    };

    // Act
    const weeks = leadsReport(days, '2026-11-23', '2026-12-13', 'week', 'none', targets);
    const byChannel = leadsReport(days, '2026-12-07', '2026-12-13', 'week', 'channel', targets);

    // Assert: 7 November days at 10/day; 1 November day + 6 December days at 10/day; 7 December days
    expect(weeks.map((p) => [p.period, p.target.leads])).toEqual([
      ['2026-11-23', 70],
      ['2026-11-30', 70],
      ['2026-12-07', 70],
    ]);
    expect(monthTargets(targets, '2026-11')).toBe(targets.everyMonth);
    expect(monthTargets(targets, '2026-12')).toEqual({ leads: 310 });
    expect(monthTargets({ months: {} }, '2026-12')).toBeUndefined();
    expect(byChannel.find((p) => p.group === 'event')?.target.leads ?? null).toBeNull();
  });
});

describe('SLA facts of a late accept or first contact', () => {
  const owner = { ownerId: 'sato', name: '佐藤 健', email: 'k.sato@example.co.jp', team: 'enterprise' };
  const started = Date.UTC(2026, 11, 4, 1, 0); // 10:00 Tokyo
  const accepted = (withinSla: boolean) =>
    buildDomainEvent('Lead Accepted', {
      eventId: 'L1:accept:1',
      version: 1,
      occurredAt: new Date(started + 4 * 3_600_000 + 30_000).toISOString(),
      leadId: 'L1',
      handoffNumber: 1,
      ownerId: 'sato',
      withinSla,
    });
  const contacted = (withinSla: boolean) =>
    buildDomainEvent('Lead First Contacted', {
      eventId: 'L1:first-contact:1',
      version: 1,
      occurredAt: new Date(started + 3_600_000 + 40_000).toISOString(),
      leadId: 'L1',
      handoffNumber: 1,
      owner,
      activityId: 'call-1',
      activityType: 'call',
      contactedAt: new Date(started + 3_600_000 + 40_000).toISOString(),
      withinSla,
    });
  const acceptDue = started + 4 * 3_600_000;
  const firstContactDue = started + 3_600_000;
  /** What the SLA timer leaves when it saw a deadline pass (`Lead SLA Breached` published and counted). */
  type Marks = {
    breachedAt?: number;
    lastBreachedDueAt?: number;
    firstContactBreachedAt?: number;
    lastFirstContactBreachedDueAt?: number;
  };
  const acceptSeen: Marks = { breachedAt: acceptDue + 60_000, lastBreachedDueAt: acceptDue };
  const firstContactSeen: Marks = {
    firstContactBreachedAt: firstContactDue + 60_000,
    lastFirstContactBreachedDueAt: firstContactDue,
  };
  const snapshot = (marks: Marks = {}) => ({
    createdAt: started,
    stageHistory: [],
    handoff: {
      n: 1,
      owner: { ownerId: 'sato', team: 'enterprise' },
      startedAt: started,
      dueAt: acceptDue,
      firstContactDueAt: firstContactDue,
      ...marks,
    },
  });
  /** The write also opened hand-off #2 to field sales (appointment_set): #1 is the state it found. */
  const tqlSnapshot = (marks: Marks = {}) => ({
    createdAt: started,
    stageHistory: [],
    handoff: { n: 2, owner: { ownerId: 'tanaka', team: 'kansai' }, startedAt: started + 2 * 3_600_000 },
    before: { handoff: snapshot(marks).handoff },
  });
  const metrics = (event: AnyDomainEvent, lead: CountingSnapshot) =>
    factsFor([event], lead, TZ).find((f) => f.scope === 'sla')?.metrics;

  it('given an accept 30 s after the deadline, before the sweeper saw it, then it counts as a breach (compliance 0, not null)', () => {
    expect(metrics(accepted(false), snapshot())).toMatchObject({ accepted: 1, breached: 1 });
    expect(metrics(accepted(false), snapshot())?.acceptedWithinSla).toBeUndefined();
  });

  it('given the sweeper counted the breach already (Lead SLA Breached), then a late accept counts no second breach', () => {
    expect(metrics(accepted(false), snapshot(acceptSeen))?.breached).toBeUndefined();
    expect(metrics(accepted(true), snapshot())?.breached).toBeUndefined();
  });

  it('given an earlier owner’s breach was counted (another deadline), when the owner who holds it now accepts late, then it is their breach', () => {
    const earlier = snapshot({ breachedAt: started, lastBreachedDueAt: started - 3_600_000 });
    expect(metrics(accepted(false), earlier)).toMatchObject({ accepted: 1, breached: 1 });
  });

  it('given a first contact after its deadline, then it is a first-contact breach once', () => {
    expect(metrics(contacted(false), snapshot())).toMatchObject({
      firstContacted: 1,
      firstContactBreached: 1,
    });
    expect(metrics(contacted(false), snapshot(firstContactSeen))?.firstContactBreached).toBeUndefined();
  });

  it('given a late call that books the appointment (first contact of hand-off #1, hand-off #2 opened in the same write), when the sweeper had counted the breach of #1, then the contact counts no second breach', () => {
    const breached = tqlSnapshot(firstContactSeen);
    expect(metrics(contacted(false), breached)).toEqual({ firstContacted: 1 });
    // Not seen by the sweeper: the late contact is the breach, once.
    expect(metrics(contacted(false), tqlSnapshot())).toEqual({ firstContacted: 1, firstContactBreached: 1 });
  });

  it('given an accept of a hand-off the write replaced, then its breach, start and team are that hand-off’s', () => {
    const facts = factsFor([accepted(false)], tqlSnapshot(acceptSeen), TZ);
    expect(facts).toEqual([
      expect.objectContaining({ metrics: { accepted: 1, tta6: 1 }, ownerId: 'sato', team: 'enterprise' }),
    ]);
  });
});

describe('UTM values that name a person', () => {
  it.each([
    ['winter-sale', 'winter-sale'],
    ['2026-12-05-expo', '2026-12-05-expo'],
    ['newsletter_20261205120000', 'newsletter_20261205120000'],
    ['taro.yamada@example.co.jp', REDACTED_VALUE],
    ['list-Hanako.Sato@Example.JP-dec', REDACTED_VALUE],
    ['03-1234-5678', REDACTED_VALUE],
    ['+81 90 1234 5678', REDACTED_VALUE],
  ])('given %s, then the report group is %s', (value, expected) => {
    expect(utmValueKey(value)).toBe(expected);
  });

  it('given a first touch whose campaign is an e-mail address, then the lead is counted under (redacted), never the address', () => {
    const dims = leadDims(
      {
        attribution: {
          firstTouch: { at: 0, channel: 'email', origin: 'inbound_web', utm: { campaign: 'a@b.co.jp' } },
          lastTouch: { at: 0, channel: 'email', origin: 'inbound_web' },
        },
      },
      undefined,
    );
    expect(dims.campaign).toBe(REDACTED_VALUE);
  });
});

describe('SLA counting: hand-offs received from a colleague', () => {
  const owner = (ownerId: string) => ({
    ownerId,
    name: ownerId,
    email: `${ownerId}@example.co.jp`,
    team: 'smb',
  });
  const assigned = (reason: 'handoff' | 'manual' | 'sla_reassign', previous: string | null) =>
    factsFor(
      [
        buildDomainEvent('Lead Assigned', {
          eventId: `L1:assign:${reason}:${previous}`,
          version: 1,
          occurredAt: new Date(EARLY).toISOString(),
          leadId: 'L1',
          handoffNumber: 1,
          owner: owner('suzuki'),
          previousOwner: previous ? owner(previous) : null,
          reason,
          rule: null,
        }),
      ],
      { createdAt: EARLY, stageHistory: [] },
      TZ,
    ).map((f) => ({ ownerId: f.ownerId, metrics: f.metrics }));

  it('given an import or manual entry given straight to a rep (manual, no previous owner), then nothing is counted as received from a colleague', () => {
    expect(assigned('manual', null)).toEqual([]);
    expect(assigned('handoff', null)).toEqual([]);
  });

  it('given a manual reassignment or an SLA reassignment from a colleague, then the new owner received it (and the SLA one counts against the colleague)', () => {
    expect(assigned('manual', 'tanaka')).toEqual([{ ownerId: 'suzuki', metrics: { reassignedIn: 1 } }]);
    expect(assigned('sla_reassign', 'tanaka')).toEqual([
      { ownerId: 'tanaka', metrics: { reassigned: 1 } },
      { ownerId: 'suzuki', metrics: { reassignedIn: 1 } },
    ]);
  });
});

describe('SLA counting: a breach belongs to its deadline’s day', () => {
  const breach = (dueAt: number, seenAt: number) =>
    factsFor(
      [
        buildDomainEvent('Lead SLA Breached', {
          eventId: `L1:breach:${dueAt}`,
          version: 1,
          occurredAt: new Date(seenAt).toISOString(),
          leadId: 'L1',
          handoffNumber: 1,
          clock: 'accept',
          dueAt: new Date(dueAt).toISOString(),
          owner: { ownerId: 'sato', name: '佐藤 健', email: 'k.sato@example.co.jp', team: 'enterprise' },
          escalation: { action: 'notify' },
          reassignments: 0,
        }),
      ],
      { createdAt: LATE, stageHistory: [] },
      TZ,
    ).map((f) => ({ day: f.day, metrics: f.metrics }));

  it('given a 23:30 Tokyo deadline the sweeper saw at 00:30, then the breach counts on the deadline’s day, not the next', () => {
    expect(breach(LATE, EARLY)).toEqual([{ day: '2026-12-04', metrics: { breached: 1 } }]);
  });

  it('given a breach seen on its deadline’s day, then that day (and a deadline after the event, which no sweeper writes, keeps the event’s day)', () => {
    expect(breach(LATE, LATE + 60_000)).toEqual([{ day: '2026-12-04', metrics: { breached: 1 } }]);
    expect(breach(EARLY, LATE)).toEqual([{ day: '2026-12-04', metrics: { breached: 1 } }]);
  });
});
