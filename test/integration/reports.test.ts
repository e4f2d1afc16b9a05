import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '#local/runtime';
import { startTestRuntime } from '../support/runtime.ts';
import { api, contactForm } from './handoff-support.ts';

/**
 * Reports end to end on DynamoDB Local: a generated dataset (several channels, campaigns, owners; leads
 * moving through stages; replays and concurrent writers) whose expected figures the test derives from its
 * own plan, every report route checked against them, the midnight edge of Asia/Tokyo, zero denominators,
 * and the rebuild reproducing the live counters.
 */

let runtime: Runtime;
let dayA = '';
let dayB = '';

interface Planned {
  key: string;
  channel: string;
  campaign: string;
  day: 'A' | 'B';
  body: Record<string, unknown>;
  hot?: boolean;
  actions?: ('accept' | 'qualify' | 'convert' | 'disqualify')[];
}

const cpc = { utm_source: 'google', utm_medium: 'cpc', utm_campaign: 'winter-sale' };
const PLAN: Planned[] = [
  { key: 'l0', channel: 'direct', campaign: '(none)', day: 'A', body: {}, hot: true, actions: ['accept'] },
  {
    key: 'l1',
    channel: 'paid_search',
    campaign: 'winter-sale',
    day: 'B',
    body: cpc,
    hot: true,
    actions: ['accept', 'qualify', 'convert'],
  },
  {
    key: 'l2',
    channel: 'paid_search',
    campaign: 'winter-sale',
    day: 'B',
    body: cpc,
    hot: true,
    actions: ['disqualify'],
  },
  {
    key: 'l3',
    channel: 'paid_search',
    campaign: '=HYPERLINK("x")',
    day: 'B',
    body: { ...cpc, utm_campaign: '=HYPERLINK("x")' },
  },
  {
    key: 'l4',
    channel: 'event',
    campaign: 'expo-2026',
    day: 'B',
    body: { utm_medium: 'event', utm_campaign: 'expo-2026' },
    hot: true,
    actions: ['accept'],
  },
  {
    key: 'l5',
    channel: 'event',
    campaign: 'expo-2026',
    day: 'B',
    body: { utm_medium: 'Trade-Show', utm_campaign: 'expo-2026' },
  },
  {
    key: 'l6',
    channel: 'organic_search',
    campaign: '(none)',
    day: 'B',
    body: { _referrer: 'https://www.google.co.jp/search?q=ma' },
  },
  // Posted five times at once: one lead, and its repeated inquiries (plus the webinar) make it hot.
  {
    key: 'l7',
    channel: 'paid_social',
    campaign: 'retarget',
    day: 'B',
    body: { utm_source: 'facebook', utm_medium: 'cpc', utm_campaign: 'retarget' },
    hot: true,
  },
];
const STAGE_AFTER: Record<string, string[]> = {
  accept: ['sal'],
  qualify: ['sql'],
  convert: ['opportunity'],
  disqualify: ['disqualified'],
};
const emailOf = (key: string) => `report-${key}-${RUN}@example.co.jp`;
const RUN = Math.random().toString(36).slice(2, 8);

const leadIds = new Map<string, string>();
const owners = new Map<string, { ownerId: string; team: string }>();
const scores = new Map<string, number>();

type Json = Record<string, unknown>;
const get = async (path: string, headers: Record<string, string> = {}) => {
  const response = await api(runtime).opsGet(path, headers);
  return { status: response.status, body: response, headers: response.headers };
};
const getJson = async <T = Json>(path: string): Promise<T> => {
  const response = await api(runtime).opsGet(path);
  expect(response.status, path).toBe(200);
  return (await response.json()) as T;
};

async function act(leadId: string, action: string, actionId: string) {
  const bodies: Record<string, Json> = {
    accept: { actionId },
    qualify: { actionId, bant: { budget: '500万円', authority: '部長', needs: 'MA導入', timing: '下期' } },
    convert: { actionId, amount: 3_000_000, expectedCloseDate: '2027-03-31' },
    disqualify: { actionId, reason: '競合採用済み' },
  };
  return api(runtime).opsPost(`/v1/ops/leads/${leadId}/${action}`, bodies[action]);
}

async function capture(p: Planned) {
  const response = await api(runtime).postForm('contact', contactForm(emailOf(p.key), p.body));
  expect(response.status).toBe(201);
}

async function makeHot(p: Planned) {
  // The webinar event is sent twice (a replay): it must count once.
  for (let i = 0; i < 2; i++) {
    const r = await api(runtime).opsPost('/v1/ops/events', {
      events: [{ type: 'webinar_attended', email: emailOf(p.key), eventId: `webinar-${p.key}-${RUN}` }],
    });
    expect(r.status).toBe(202);
  }
}

async function lookUp(key: string) {
  const lead = await getJson<{
    leadId: string;
    owner: { ownerId: string; team: string } | null;
    score: { total: number };
  }>(`/v1/ops/leads?email=${encodeURIComponent(emailOf(key))}`);
  leadIds.set(key, lead.leadId);
  if (lead.owner) owners.set(key, { ownerId: lead.owner.ownerId, team: lead.owner.team });
  scores.set(key, lead.score.total);
  return lead;
}

beforeAll(async () => {
  runtime = await startTestRuntime();
  const { advanceClock, now } = await import('#adapters/clock');
  const { dayOf, addDays } = await import('#domain/reports/periods');
  // Move the clock to 23:59:00 Tokyo time, so the first lead is born just before midnight.
  const tokyoOffset = 9 * 3_600_000;
  const t = now();
  let midnight = Math.ceil((t + tokyoOffset) / 86_400_000) * 86_400_000 - tokyoOffset;
  if (midnight - t < 120_000) midnight += 86_400_000;
  advanceClock(midnight - 60_000 - t);
  dayA = dayOf(now(), 'Asia/Tokyo');
  dayB = addDays(dayA, 1);

  const [first, ...rest] = PLAN;
  if (!first) throw new Error('empty plan');
  await capture(first);
  advanceClock(120_000); // 00:01:00 of day B
  expect(dayOf(now(), 'Asia/Tokyo')).toBe(dayB);
  // l7 is posted five times at once: one lead, counted once.
  await Promise.all(rest.filter((p) => p.key !== 'l7').map(capture));
  await Promise.all(Array.from({ length: 5 }, () => capture(PLAN[7] as Planned)));
  for (const p of PLAN.filter((q) => q.hot)) await makeHot(p);
  await runtime.settle();
  for (const p of PLAN) await lookUp(p.key);
  for (const p of PLAN) {
    for (const action of p.actions ?? []) {
      const id = leadIds.get(p.key) ?? '';
      // Every action is replayed (same actionId); accept also races four other accepts.
      const tries =
        action === 'accept'
          ? await Promise.all(
              Array.from({ length: 5 }, (_, i) => act(id, action, `${action}-${p.key}-${i % 2}`)),
            )
          : [await act(id, action, `${action}-${p.key}`), await act(id, action, `${action}-${p.key}`)];
      expect(tries.some((r) => r.status === 200)).toBe(true);
    }
  }
  await runtime.settle();
  for (const p of PLAN) scores.set(p.key, (await lookUp(p.key)).score.total);
}, 60_000);

afterAll(async () => {
  await runtime?.stop();
});

/** Expected stage counts, computed from the plan: born MQL (lead, mql), then one stage per action. */
function expectedFunnel(filter: (p: Planned) => boolean, view: 'period' | 'cohort', day: 'A' | 'B') {
  const counts: Record<string, number> = {
    lead: 0,
    mql: 0,
    // No lead of this dataset books an appointment: tql stays 0 (a move past it does not count it).
    tql: 0,
    sal: 0,
    sql: 0,
    opportunity: 0,
    customer: 0,
    disqualified: 0,
    recycled: 0,
  };
  for (const p of PLAN.filter(filter)) {
    const born = p.day === day;
    // Actions all happen on day B; a day-A lead's actions count in period B, and in cohort A.
    const actionsCount = view === 'period' ? day === 'B' : born;
    if (born) {
      counts.lead = (counts.lead ?? 0) + 1;
      counts.mql = (counts.mql ?? 0) + 1;
    }
    if (actionsCount)
      for (const a of p.actions ?? []) for (const s of STAGE_AFTER[a] ?? []) counts[s] = (counts[s] ?? 0) + 1;
  }
  return counts;
}

const rate = (num: number, den: number) => (den === 0 ? null : Math.round((num / den) * 10_000) / 10_000);

describe('funnel report', () => {
  it('given the dataset, when grouped by channel for day B, then each channel has its planned stages, and the conversion rates of its leads created that day (null on a zero denominator)', async () => {
    const report = await getJson<{
      rows: { group: string; counts: Record<string, number>; rates: Record<string, number | null> }[];
      total: { counts: Record<string, number> };
      timeZone: string;
    }>(`/v1/ops/reports/funnel?from=${dayB}&to=${dayB}&groupBy=channel`);
    expect(report.timeZone).toBe('Asia/Tokyo');
    const channels = new Set(PLAN.map((p) => p.channel));
    for (const channel of channels) {
      const expected = expectedFunnel((p) => p.channel === channel, 'period', 'B');
      const row = report.rows.find((r) => r.group === channel);
      if (Object.values(expected).every((n) => n === 0)) continue;
      expect(row?.counts, channel).toEqual(expected);
      // Rates are conversions of the same leads: the cohort of day B (leads created that day), not the
      // ratio of day B's entries (which may be other leads').
      const cohort = expectedFunnel((p) => p.channel === channel, 'cohort', 'B');
      expect(row?.rates).toEqual({
        mql: rate(cohort.mql ?? 0, cohort.lead ?? 0),
        tql: rate(cohort.tql ?? 0, cohort.mql ?? 0),
        // Over mql: nothing entered tql in the range.
        sal: rate(cohort.sal ?? 0, cohort.mql ?? 0),
        sql: rate(cohort.sql ?? 0, cohort.sal ?? 0),
        opportunity: rate(cohort.opportunity ?? 0, cohort.sql ?? 0),
        customer: rate(cohort.customer ?? 0, cohort.opportunity ?? 0),
      });
    }
    // The direct lead of day A was accepted on day B: a stage entry without a lead created that day, so no
    // rate (its SAL is no conversion of day B's leads).
    expect(report.rows.find((r) => r.group === 'direct')?.counts).toMatchObject({ lead: 0, sal: 1 });
    expect(report.rows.find((r) => r.group === 'direct')?.rates).toMatchObject({ mql: null, sal: null });
    expect(report.total.counts).toEqual(expectedFunnel(() => true, 'period', 'B'));
  });

  it('given a lead born at 23:59 Tokyo time, when day A alone is asked, then only it counts, and the two days sum to the range', async () => {
    const a = await getJson<{ total: { counts: Record<string, number> } }>(
      `/v1/ops/reports/funnel?from=${dayA}&to=${dayA}`,
    );
    expect(a.total.counts).toEqual(expectedFunnel(() => true, 'period', 'A'));
    const both = await getJson<{ total: { counts: Record<string, number> } }>(
      `/v1/ops/reports/funnel?from=${dayA}&to=${dayB}`,
    );
    const sum = expectedFunnel(() => true, 'period', 'A');
    for (const [k, v] of Object.entries(expectedFunnel(() => true, 'period', 'B')))
      sum[k] = (sum[k] ?? 0) + v;
    expect(both.total.counts).toEqual(sum);
  });

  it('given the cohort view, when day A is asked, then the lead created that day shows every stage it has reached since', async () => {
    const report = await getJson<{ view: string; rows: { group: string; counts: Record<string, number> }[] }>(
      `/v1/ops/reports/funnel?from=${dayA}&to=${dayA}&groupBy=channel&view=cohort`,
    );
    expect(report.view).toBe('cohort');
    expect(report.rows).toEqual([
      expect.objectContaining({
        group: 'direct',
        counts: expectedFunnel((p) => p.day === 'A', 'cohort', 'A'),
      }),
    ]);
  });

  it('given campaigns and owners, when grouped by them, then the counts follow the plan and the owners the hand-offs', async () => {
    const byCampaign = await getJson<{ rows: { group: string; counts: Record<string, number> }[] }>(
      `/v1/ops/reports/funnel?from=${dayB}&to=${dayB}&groupBy=campaign`,
    );
    for (const campaign of new Set(PLAN.filter((p) => p.day === 'B').map((p) => p.campaign))) {
      expect(byCampaign.rows.find((r) => r.group === campaign)?.counts.lead, campaign).toBe(
        PLAN.filter((p) => p.day === 'B' && p.campaign === campaign).length,
      );
    }
    const byOwner = await getJson<{ rows: { group: string; counts: Record<string, number> }[] }>(
      `/v1/ops/reports/funnel?from=${dayB}&to=${dayB}&groupBy=owner`,
    );
    const salByOwner = new Map<string, number>();
    for (const p of PLAN)
      if (p.actions?.includes('accept')) {
        const owner = owners.get(p.key)?.ownerId ?? '';
        salByOwner.set(owner, (salByOwner.get(owner) ?? 0) + 1);
      }
    for (const [owner, sal] of salByOwner)
      expect(byOwner.rows.find((r) => r.group === owner)?.counts.sal, owner).toBe(sal);
  });

  it('given ?format=csv, when grouped by campaign, then the CSV has a BOM, a header with the deals, a formula-safe campaign cell and ends with the total, and its name says the range', async () => {
    const response = await api(runtime).opsGet(
      `/v1/ops/reports/funnel?from=${dayB}&to=${dayB}&groupBy=campaign&format=csv`,
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/csv');
    const bytes = new Uint8Array(await response.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const csv = new TextDecoder().decode(bytes.slice(3));
    expect(csv.split('\r\n')[0]).toBe(
      [
        'group',
        'lead',
        'mql',
        'tql',
        'sal',
        'sql',
        'opportunity',
        'customer',
        'disqualified',
        'recycled',
        'deals_won',
        'deals_lost',
        'rate_mql',
        'rate_tql',
        'rate_sal',
        'rate_sql',
        'rate_opportunity',
        'rate_customer',
      ]
        .map((c) => `"${c}"`)
        .join(','),
    );
    expect(csv).toContain(`"'=HYPERLINK(""x"")",1,1,0,`);
    const lines = csv.split('\r\n').filter(Boolean);
    const total = expectedFunnel(() => true, 'period', 'B');
    expect(lines[lines.length - 1]).toMatch(
      new RegExp(`^"total",${total.lead},${total.mql},${total.tql},${total.sal},`),
    );
    expect(response.headers.get('content-disposition')).toBe(
      `attachment; filename="funnel-report-${dayB}_${dayB}.csv"`,
    );
  });
});

describe('other reports', () => {
  it('given the hand-offs, when the SLA report is asked, then hand-offs, acceptances and minutes to accept match the plan', async () => {
    const report = await getJson<{ total: Json; rows: Json[] }>(
      `/v1/ops/reports/sla?from=${dayA}&to=${dayB}&groupBy=owner`,
    );
    // Every lead posted the contact form, an inquiry fast lane: each was handed off on capture, hot or not.
    const handedOff = PLAN.filter((p) => owners.has(p.key));
    expect(handedOff).toEqual(PLAN);
    const accepted = PLAN.filter((p) => p.actions?.includes('accept'));
    expect(report.total).toMatchObject({
      handoffs: handedOff.length,
      accepted: accepted.length,
      acceptedWithinSla: accepted.length,
      breached: 0,
      reassigned: 0,
      complianceRate: 1,
      // All accepted within the first 5-minute bucket: interpolated median 2.5, p90 4.5.
      medianMinutesToAccept: 2.5,
      p90MinutesToAccept: 4.5,
    });
    const perOwner = new Map<string, number>();
    for (const p of handedOff)
      perOwner.set(
        owners.get(p.key)?.ownerId ?? '',
        (perOwner.get(owners.get(p.key)?.ownerId ?? '') ?? 0) + 1,
      );
    for (const [owner, n] of perOwner)
      expect(report.rows.find((r) => r.group === owner)?.handoffs, owner).toBe(n);
  });

  it('given the leads, when the leads series is asked per day, then each day has its leads, MQLs and SQLs and the configured targets', async () => {
    const { settings } = await import('#config/settings');
    const { daysInMonth, monthOf } = await import('#domain/reports/periods');
    const { monthTargets } = await import('#domain/reports/reports');
    const report = await getJson<{
      series: { period: string; actual: Json; target: Json; attainment: Json }[];
    }>(`/v1/ops/reports/leads?from=${dayA}&to=${dayB}&interval=day`);
    for (const [day, key] of [
      [dayA, 'A'],
      [dayB, 'B'],
    ] as const) {
      const point = report.series.find((s) => s.period === day);
      const f = expectedFunnel(() => true, 'period', key);
      expect(point?.actual).toEqual({ leads: f.lead, mql: f.mql, sql: f.sql, opportunities: f.opportunity });
      const monthly = monthTargets(settings.reports.targets, monthOf(day))?.leads;
      const target =
        monthly === undefined ? null : Math.round((monthly / daysInMonth(monthOf(day))) * 100) / 100;
      expect(point?.target.leads).toBe(target);
      expect(point?.attainment.leads).toBe(target ? rate(f.lead ?? 0, target) : null);
    }
  });

  it('given the leads, when the scores report is asked, then the gauges match the leads as they are now', async () => {
    const report = await getJson<{
      total: number;
      byStage: Record<string, number>;
      byTemperature: Record<string, number>;
      histogram: { from: number; count: number }[];
    }>('/v1/ops/reports/scores');
    expect(report.total).toBe(PLAN.length);
    const expectedStages: Record<string, number> = {};
    for (const p of PLAN) {
      const last = (p.actions ?? []).map((a) => STAGE_AFTER[a]?.[0] ?? '').pop() ?? 'mql';
      expectedStages[last] = (expectedStages[last] ?? 0) + 1;
    }
    for (const [stage, n] of Object.entries(expectedStages)) expect(report.byStage[stage], stage).toBe(n);
    expect(report.byTemperature.hot).toBe(PLAN.filter((p) => p.hot).length);
    for (const bucket of report.histogram) {
      const n = [...scores.values()].filter(
        (s) => Math.min(10, Math.floor(s / 10)) * 10 === bucket.from,
      ).length;
      expect(bucket.count, `bucket ${bucket.from}`).toBe(n);
    }
  });

  it('given bad parameters, when a report is asked, then 400 names the field', async () => {
    const cases: [string, string][] = [
      ['/v1/ops/reports/funnel?groupBy=region', 'groupBy'],
      [`/v1/ops/reports/funnel?from=${dayB}&to=${dayA}`, 'from'],
      ['/v1/ops/reports/sla?from=2025-01-01&to=2026-02-05', 'to'],
      ['/v1/ops/reports/leads?from=2026-13-01&to=2026-12-31', 'from'],
      ['/v1/ops/reports/leads?interval=quarter', 'interval'],
      ['/v1/ops/reports/funnel?view=cohort&groupBy=owner', 'groupBy'],
      ['/v1/ops/reports/email?groupBy=owner', 'groupBy'],
      // A parameter the report does not read is no silent default: a typo, a view the report has not, a range
      // on the current gauges.
      ['/v1/ops/reports/funnel?group_by=channel', 'group_by'],
      ['/v1/ops/reports/leads?view=cohort', 'view'],
      ['/v1/ops/reports/scores?from=2026-01-01', 'from'],
    ];
    for (const [path, field] of cases) {
      const response = await get(path);
      expect(response.status, path).toBe(400);
      const body = (await response.body.json()) as { error: { errors: { field: string }[] } };
      expect(
        body.error.errors.map((e) => e.field),
        path,
      ).toContain(field);
    }
    expect((await fetch(`${runtime.apiUrl}/v1/ops/reports/funnel`)).status).toBe(401);
  });
  it('given mail events on the dataset (SES replays, concurrent duplicate deliveries, a replayed unsubscribe), when the e-mail report is asked, then each event counts once, and an empty range has null rates', async () => {
    // Arrange: every lead got one step mail (its count replayed); SES reports on it, each event at least twice.
    const { countEmailOnce } = await import('#app/email-kpis');
    const { unsubscribeLead } = await import('#app/unsubscribe');
    const { now } = await import('#adapters/clock');
    const { sesFixture } = await import('./nurture-helpers.ts');
    const invoke = (event: Record<string, unknown>) => runtime.invoke('email-events', event);
    const mail = { sequenceId: 'whitepaper-nurture', stepId: 'case-study', templateId: 'nurture-case-study' };
    const idOf = (key: string) => leadIds.get(key) ?? '';
    const messageOf = (key: string) => `report-${key}-${RUN}`;
    const opened = ['l0', 'l1', 'l2', 'l4'];
    const clicked = ['l0', 'l4'];
    // Act
    for (const p of PLAN) {
      const leadId = idOf(p.key);
      const messageId = messageOf(p.key);
      for (let i = 0; i < 2; i++)
        await countEmailOnce(leadId, { kpi: 'sent', id: messageId, at: now(), mail });
      const delivery = sesFixture('delivery', { leadId, messageId });
      await Promise.all([invoke(delivery), invoke(delivery), invoke(delivery)]);
      await invoke(delivery);
    }
    for (const key of opened) {
      const open = sesFixture('open', { leadId: idOf(key), messageId: messageOf(key), at: now() - 1000 });
      await Promise.all([invoke(open), invoke(open)]);
    }
    for (const key of clicked) {
      const click = sesFixture('click', { leadId: idOf(key), messageId: messageOf(key), at: now() - 1000 });
      await invoke(click);
      await invoke(click);
    }
    const hard = sesFixture('bounce-permanent', { leadId: idOf('l5'), messageId: messageOf('l5') });
    const soft = sesFixture('bounce-transient', { leadId: idOf('l7'), messageId: messageOf('l7') });
    const complaint = sesFixture('complaint', { leadId: idOf('l3'), messageId: messageOf('l3') });
    for (const event of [hard, soft, complaint]) await Promise.all([invoke(event), invoke(event)]);
    await invoke(hard);
    await Promise.all([
      unsubscribeLead(idOf('l6'), 'page', now()),
      unsubscribeLead(idOf('l6'), 'page', now()),
    ]);

    // Assert: the expected figures follow from the events sent, not from the counters.
    const expected = {
      sent: PLAN.length,
      delivered: PLAN.length,
      bounced: 2,
      complained: 1,
      opened: opened.length,
      clicked: clicked.length,
      unsubscribed: 1,
    };
    const report = await getJson<{ rows: { group: string; counts: Json; rates: Json }[]; total: Json }>(
      `/v1/ops/reports/email?from=${dayB}&to=${dayB}&groupBy=step`,
    );
    expect(report.rows.find((r) => r.group === 'whitepaper-nurture/case-study')).toMatchObject({
      counts: { ...expected, unsubscribed: 0 },
      rates: {
        delivery: 1,
        open: rate(opened.length, PLAN.length),
        click: rate(clicked.length, PLAN.length),
      },
    });
    expect(report.total).toMatchObject({ counts: expected });
    const byTemplate = await getJson<{ rows: { group: string; counts: Json }[] }>(
      `/v1/ops/reports/email?from=${dayB}&to=${dayB}&groupBy=template`,
    );
    expect(byTemplate.rows.find((r) => r.group === 'nurture-case-study')?.counts).toMatchObject({
      sent: PLAN.length,
      delivered: PLAN.length,
      opened: opened.length,
    });
    const empty = await getJson<{ total: { rates: Json } }>(`/v1/ops/reports/email?from=${dayA}&to=${dayA}`);
    expect(empty.total.rates).toEqual({
      delivery: null,
      open: null,
      click: null,
      bounce: null,
      complaint: null,
      unsubscribe: null,
    });
  });
});

describe('rebuild', () => {
  it('given the live counters and items of the earlier layout, when every counter is rebuilt from the stored leads (also after wiping them), then the result equals the live counters, the old activity counts are folded in and the old items are gone', async () => {
    const { readReportDays, readReportKinds, readGauges, putReportItems, listReportItems } = await import(
      '#store/report-counters'
    );
    const { REBUILT_KINDS, emptyRebuild, rebuildPage, writeRebuiltCounters } = await import(
      '#app/report-rebuild'
    );
    const { dynamodb, tableName } = await import('#store/dynamodb');
    const { keys } = await import('#store/keys');
    const { GetCommand, PutCommand } = await import('@aws-sdk/lib-dynamodb');
    const kinds = REBUILT_KINDS.filter((k) => k !== 'g');
    // One scatter-gather over the shards for every kind at once.
    const snapshot = async () => {
      const read = await readReportKinds(kinds, [dayA, dayB]);
      const out: Record<string, unknown> = { gauges: await readGauges() };
      for (const kind of kinds) out[kind] = Object.fromEntries(read.get(kind) ?? []);
      return out;
    };
    const live = await snapshot();
    // The e-mail counters are among the rebuilt ones (the mail events of the e-mail report test).
    expect(live['e:none']).toMatchObject({ [dayB]: { '*|sent': PLAN.length, '*|opened': 4 } });
    // Items of the earlier layout (`REPORT#<kind>`, shard in the sort key): a stale funnel count, which the
    // rebuild recomputes (so it must vanish), and an activity count, which it cannot recompute (folded in).
    const legacyFunnel = keys.legacyReportCounter('f:none', dayA, '05');
    const legacyActivity = keys.legacyReportCounter('a:none', dayA, '05');
    await dynamodb.send(new PutCommand({ TableName: tableName, Item: { ...legacyFunnel, '*|lead': 99 } }));
    await dynamodb.send(
      new PutCommand({ TableName: tableName, Item: { ...legacyActivity, 'all|calls': 3 } }),
    );
    await putReportItems(
      [],
      (await listReportItems()).map(({ shard, period }) => ({ shard, period })),
    );
    expect((await snapshot()).gauges).toEqual({});
    let state = emptyRebuild();
    while (!state.done) state = await rebuildPage(state, 7, true);
    await writeRebuiltCounters(state.counters);
    expect(state.leads).toBe(PLAN.length);
    expect(await snapshot()).toEqual(live);
    // (The wipe above removed every current-layout item: the activity count is the old item's alone.)
    expect((await readReportDays('a:none', [dayA])).get(dayA)).toEqual({ 'all|calls': 3 });
    for (const Key of [legacyFunnel, legacyActivity])
      expect((await dynamodb.send(new GetCommand({ TableName: tableName, Key }))).Item).toBeUndefined();
  });

  it('given the rebuild command interrupted after its first page, when it runs again, then it resumes from the checkpoint and ends with the live counters', async () => {
    const { mkdtempSync, existsSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { readReportDays, readGauges } = await import('#store/report-counters');
    const { rebuildReports } = await import('../../scripts/reports-rebuild.ts');
    const live = {
      gauges: await readGauges(),
      funnel: Object.fromEntries(await readReportDays('f:channel', [dayA, dayB])),
    };
    const checkpointFile = join(mkdtempSync(join(tmpdir(), 'rebuild-')), 'checkpoint.json');
    const controller = new AbortController();
    const progress: number[] = [];

    const first = await rebuildReports({
      checkpointFile,
      pageSize: 3,
      signal: controller.signal,
      onProgress: (p) => {
        progress.push(p.leads);
        controller.abort();
      },
    });
    expect(first.interrupted).toBe(true);
    expect(existsSync(checkpointFile)).toBe(true);
    const second = await rebuildReports({ checkpointFile, pageSize: 3 });

    expect(second).toMatchObject({ interrupted: false, resumed: true, leads: PLAN.length });
    expect(progress.length).toBe(1);
    expect(existsSync(checkpointFile)).toBe(false);
    expect({
      gauges: await readGauges(),
      funnel: Object.fromEntries(await readReportDays('f:channel', [dayA, dayB])),
    }).toEqual(live);
  });
});

describe('score gauges on the tracking fast path', () => {
  it('given a lead whose score crosses buckets without changing temperature or stage, when tracked, then the histogram still matches every lead', async () => {
    const email = `report-fast-${RUN}@example.co.jp`;
    const posted = await api(runtime).postForm('whitepaper', { ...contactForm(email), message: undefined });
    expect(posted.status).toBe(201);
    // 31 points after the form; +5 a view: 61 and 71 cross a bucket with no temperature or stage change.
    for (let i = 0; i < 9; i++) {
      const r = await api(runtime).opsPost('/v1/ops/events', {
        events: [
          {
            type: 'page_view',
            email,
            eventId: `fast-${RUN}-${i}`,
            url: 'https://www.example.co.jp/product/overview',
          },
        ],
      });
      expect(r.status).toBe(202);
    }
    const all = [...PLAN.map((p) => emailOf(p.key)), email];
    const totals = await Promise.all(
      all.map(
        async (e) =>
          (await getJson<{ score: { total: number } }>(`/v1/ops/leads?email=${encodeURIComponent(e)}`)).score
            .total,
      ),
    );
    const report = await getJson<{ total: number; histogram: { from: number; count: number }[] }>(
      '/v1/ops/reports/scores',
    );
    expect(report.total).toBe(all.length);
    for (const bucket of report.histogram) {
      expect(bucket.count, `bucket ${bucket.from}`).toBe(
        totals.filter((s) => Math.min(10, Math.floor(s / 10)) * 10 === bucket.from).length,
      );
    }
  });
});

describe('gauges after an erasure', () => {
  it('given a lead captured then erased for privacy, when the scores report is read, then it no longer counts as a current lead (and a rebuild agrees with the live gauges)', async () => {
    // Arrange
    const before = await getJson<{ total: number; byStage: Record<string, number> }>(
      '/v1/ops/reports/scores',
    );
    const email = `report-erase-${RUN}@example.co.jp`;
    expect((await api(runtime).postForm('contact', contactForm(email))).status).toBe(201);
    await runtime.settle();
    const { leadId } = await getJson<{ leadId: string }>(`/v1/ops/leads?email=${encodeURIComponent(email)}`);
    const withLead = await getJson<{ total: number }>('/v1/ops/reports/scores');
    expect(withLead.total).toBe(before.total + 1);

    // Act
    const erased = await fetch(`${runtime.apiUrl}/v1/ops/leads/${leadId}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${runtime.opsToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'ticket 4711' }),
    });
    expect(erased.status).toBe(200);
    await runtime.settle();

    // Assert: the lead is gone; "current leads" must not count it
    const after = await getJson<{ total: number; byStage: Record<string, number> }>('/v1/ops/reports/scores');
    const { readGauges } = await import('#store/report-counters');
    const live = await readGauges();
    const { emptyRebuild, rebuildPage } = await import('#app/report-rebuild');
    let state = emptyRebuild();
    while (!state.done) state = await rebuildPage(state, 50, false);
    const rebuilt = Object.fromEntries(
      Object.entries(state.counters['g\u0000current'] ?? {}).filter(([, n]) => n !== 0),
    );
    expect({ total: after.total, gauges: live }).toEqual({ total: before.total, gauges: rebuilt });
  });
});

describe('rebuild after an erasure', () => {
  it('given a paid-search lead that reached SAL and was then erased, when the reports are rebuilt from the stored items, then the funnel still counts it as the live counters do, and what its erasure record keeps names nobody', async () => {
    // Arrange: a lead of its own day's funnel under a campaign of its own, accepted by sales.
    const { readReportKinds } = await import('#store/report-counters');
    const { REBUILT_KINDS, emptyRebuild, rebuildPage, writeRebuiltCounters } = await import(
      '#app/report-rebuild'
    );
    const { now } = await import('#adapters/clock');
    const { dayOf } = await import('#domain/reports/periods');
    const { keys } = await import('#store/keys');
    const { getItem } = await import('./handoff-support.ts');
    const email = `report-erased-${RUN}@example.co.jp`;
    const campaign = `erased-${RUN}`;
    const posted = await api(runtime).postForm(
      'contact',
      contactForm(email, {
        utm_source: 'google',
        utm_medium: 'cpc',
        utm_campaign: campaign,
        utm_term: '山田 太郎',
        _referrer: `https://www.google.co.jp/search?q=${encodeURIComponent(email)}`,
      }),
    );
    expect(posted.status).toBe(201);
    await runtime.settle();
    const lead = await getJson<{ leadId: string; owner: { ownerId: string } }>(
      `/v1/ops/leads?email=${encodeURIComponent(email)}`,
    );
    const accepted = await api(runtime).opsPost(`/v1/ops/leads/${lead.leadId}/accept`, {
      actionId: `erased-accept-${RUN}`,
      by: lead.owner.ownerId,
    });
    expect(accepted.status).toBe(200);
    await runtime.settle();
    const day = dayOf(now(), 'Asia/Tokyo');
    const kinds = REBUILT_KINDS.filter((k) => k !== 'g');
    const snapshot = async () => {
      const read = await readReportKinds(kinds, [day]);
      return Object.fromEntries(kinds.map((k) => [k, Object.fromEntries(read.get(k) ?? [])]));
    };
    const withLead = await snapshot();
    expect(withLead['f:campaign']?.[day]).toMatchObject({ [`${campaign}|lead`]: 1, [`${campaign}|sal`]: 1 });

    // Act: erased for privacy, then every counter rebuilt and written back.
    const erased = await fetch(`${runtime.apiUrl}/v1/ops/leads/${lead.leadId}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${runtime.opsToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'ticket 4712' }),
    });
    expect(erased.status).toBe(200);
    await runtime.settle();
    const live = await snapshot();
    let state = emptyRebuild();
    while (!state.done) state = await rebuildPage(state, 25, false);
    await writeRebuiltCounters(state.counters);

    // Assert: the erase left the counts, and the rebuild reproduces them from the erasure record.
    expect(live).toEqual(withLead);
    expect(state.erased).toBeGreaterThanOrEqual(1);
    expect(await snapshot()).toEqual(live);
    const record = JSON.stringify(await getItem(keys.erasure(lead.leadId)));
    expect(record).toContain(campaign);
    expect(record).toContain('"referrer":"https://www.google.co.jp/"');
    for (const personal of ['report-erased', '山田', '太郎', 'search?q', 'example.co.jp'])
      expect(record, personal).not.toContain(personal);
  });
});

describe('where a capture keeps its facts', () => {
  it('given a form post, then its report facts ride on its form entry (no item of their own), that entry keeps no TTL, and the rebuild reads them there', async () => {
    // Arrange
    const { readLeadFacts, FUNNEL_FACTS } = await import('#store/report-counters');
    const { scanAll } = await import('./handoff-support.ts');
    const email = `report-facts-${RUN}@example.co.jp`;

    // Act
    const posted = await api(runtime).postForm('contact', contactForm(email));
    await runtime.settle();

    // Assert
    expect(posted.status).toBe(201);
    const lead = await getJson<{ leadId: string }>(`/v1/ops/leads?email=${encodeURIComponent(email)}`);
    const items = (await scanAll()).filter((i) => i.pk === `LEAD#${lead.leadId}`);
    const forms = items.filter((i) => String(i.sk).startsWith('EVT#form:'));
    expect(forms).toHaveLength(1);
    const facts = forms[0]?.[FUNNEL_FACTS] as { id: string; scope: string }[];
    expect(facts.map((f) => f.scope)).toContain('funnel');
    expect(facts[0]?.id).toMatch(/:captured:/);
    expect(forms[0]?.expiresAt).toBeUndefined();
    // A fact stored twice would count twice in a rebuild: the capture's are nowhere else.
    const factItems = items.filter((i) => String(i.sk).startsWith('RPT#'));
    expect(factItems.filter((i) => String(i.id).includes(':captured:'))).toEqual([]);
    const read = await readLeadFacts(lead.leadId);
    for (const fact of facts) expect(read.filter((f) => f.id === fact.id)).toEqual([fact]);
  });
});

describe("the gauges' moves on day items, and their nightly fold", () => {
  /** The rebuilt gauges (every current lead counted from its state), zero fields dropped. */
  const rebuiltGauges = async () => {
    const { emptyRebuild, rebuildPage } = await import('#app/report-rebuild');
    let state = emptyRebuild();
    while (!state.done) state = await rebuildPage(state, 50, false);
    return Object.fromEntries(
      Object.entries(state.counters['g\u0000current'] ?? {}).filter(([, n]) => n !== 0),
    );
  };
  const reportItems = async () => {
    const { scanAll } = await import('./handoff-support.ts');
    return (await scanAll()).filter((i) => /^REPORTS#\d\d$/.test(String(i.pk)));
  };
  const gaugeFields = (item: Record<string, unknown>) => Object.keys(item).filter((k) => k.startsWith('g/'));

  it("given the dataset's captures and stage changes, when the nightly fold runs two days on (and again), then the moves their days' items kept are in `current`, and the gauges are the same before, between and after", async () => {
    // Arrange: the captures counted on their days' items, their gauge moves with them.
    const { readGauges, gaugesFoldedThrough } = await import('#store/report-counters');
    const { foldReportGauges } = await import('#app/fold-gauges');
    const { advanceClock, now } = await import('#adapters/clock');
    const { addDays, dayOf } = await import('#domain/reports/periods');
    const before = await readGauges();
    expect(before).toEqual(await rebuiltGauges());
    const scoresBefore = await getJson('/v1/ops/reports/scores');
    const days = (await reportItems()).filter((i) => i.sk !== 'current' && gaugeFields(i).length > 0);
    expect(days.some((i) => i.sk === dayA || i.sk === dayB)).toBe(true);

    // Act: two nights on, the fold takes everything up to the day before yesterday.
    advanceClock(3 * 86_400_000);
    const first = await foldReportGauges();
    const between = await readGauges();
    const again = await foldReportGauges();

    // Assert
    expect(first.through).toBe(addDays(dayOf(now(), 'Asia/Tokyo'), -2));
    expect(first.through >= dayB).toBe(true);
    const withMoves = new Set(days.filter((i) => String(i.sk) <= first.through).map((i) => i.pk));
    expect(first.shards).toBe(withMoves.size);
    expect(again).toMatchObject({ through: first.through, shards: 0, days: 0 });
    expect(await gaugesFoldedThrough(true)).toBe(first.through);
    const currents = (await reportItems()).filter((i) => i.sk === 'current');
    for (const pk of withMoves)
      expect(currents.find((i) => i.pk === pk)?.foldedThrough, String(pk)).toBe(first.through);
    // `current` alone now holds every lead: its fields sum to the gauges.
    const currentSum: Record<string, number> = {};
    for (const item of currents)
      for (const f of gaugeFields(item)) {
        const field = f.slice(2);
        currentSum[field] = (currentSum[field] ?? 0) + Number(item[f]);
      }
    for (const [f, n] of Object.entries(currentSum)) if (n === 0) delete currentSum[f];
    expect(currentSum).toEqual(before);
    expect(between).toEqual(before);
    expect(await readGauges()).toEqual(before);
    expect(await getJson('/v1/ops/reports/scores')).toEqual(scoresBefore);
  });

  it('given two folds at once while leads are captured and erased, then the gauges equal every current lead counted again, before and after a rebuild', async () => {
    // Arrange
    const { readGauges } = await import('#store/report-counters');
    const { foldReportGauges } = await import('#app/fold-gauges');
    const { writeRebuiltCounters, emptyRebuild, rebuildPage } = await import('#app/report-rebuild');
    const { advanceClock } = await import('#adapters/clock');
    const emails = Array.from({ length: 4 }, (_, i) => `report-fold-${i}-${RUN}@example.co.jp`);
    expect((await api(runtime).postForm('contact', contactForm(emails[0] as string))).status).toBe(201);
    await runtime.settle();
    const { leadId } = await getJson<{ leadId: string }>(
      `/v1/ops/leads?email=${encodeURIComponent(emails[0] as string)}`,
    );
    advanceClock(2 * 86_400_000);

    // Act: the first capture's day is folded while the others land on today's items and the first is erased.
    const [foldA, foldB, ...posted] = await Promise.all([
      foldReportGauges(),
      foldReportGauges(),
      ...emails.slice(1).map((e) => api(runtime).postForm('contact', contactForm(e))),
      fetch(`${runtime.apiUrl}/v1/ops/leads/${leadId}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${runtime.opsToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ reason: 'fold race' }),
      }),
    ]);
    await runtime.settle();

    // Assert
    expect(posted.map((r) => r.status)).toEqual([201, 201, 201, 200]);
    expect(foldA?.through).toBe(foldB?.through);
    // The first capture's shard moved once, by one fold or the other.
    expect((foldA?.shards ?? 0) + (foldB?.shards ?? 0)).toBe(1);
    const live = await readGauges();
    expect(live).toEqual(await rebuiltGauges());
    // A rebuild replaces the gauges wholesale (the moves on day items too) and reads the same.
    let state = emptyRebuild();
    while (!state.done) state = await rebuildPage(state, 50, false);
    await writeRebuiltCounters(state.counters);
    expect(await readGauges()).toEqual(live);
    expect((await reportItems()).every((i) => i.sk === 'current' || gaugeFields(i).length === 0)).toBe(true);
    // The next night folds what comes after the rebuild as before.
    advanceClock(86_400_000);
    await foldReportGauges();
    expect(await readGauges()).toEqual(live);
  });
});
