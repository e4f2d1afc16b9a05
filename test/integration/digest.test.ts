import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '#local/runtime';
import { api, inbox, runLeadloop, startTestRuntime } from '../support/runtime.ts';
import { injectFault, recordCalls, throttling } from '../support/sdk-faults.ts';
import { contactForm, makeHotLead } from './handoff-support.ts';

/**
 * The weekly digest on the real local engines (DynamoDB Local, the local SES): leads captured, handed off
 * and accepted through the routes during one Tokyo week; on the next Monday the digest handler mails that
 * week, with the figures the report routes answer for it, once.
 */

let runtime: Runtime;
const RUN = Math.random().toString(36).slice(2, 8);
let week = { from: '', to: '' };
let monthFrom = '';

type Json = Record<string, unknown>;
const getJson = async <T = Json>(path: string): Promise<T> => {
  const response = await api(runtime).opsGet(path);
  expect(response.status, path).toBe(200);
  return (await response.json()) as T;
};

beforeAll(async () => {
  // The digest's and the gauges' fold's local schedules on (the scheduler's sweeps stay off: tests drive them).
  runtime = await startTestRuntime({ digestSchedule: true, gaugeFoldSchedule: true });
  const { now } = await import('#adapters/clock');
  const { nextDigestAt } = await import('#domain/reports/digest');
  // One reading of the clock: inside the minute itself the next one is `now()`, which a second reading passes.
  const advanceTo = async (weekday: 'monday' | 'tuesday', time: string) => {
    const t = now();
    await runtime.advanceClock(nextDigestAt(t, { weekday, time }, 'Asia/Tokyo') - t);
  };
  // Tuesday 10:00 Tokyo: the whole seeding falls inside one week.
  await advanceTo('tuesday', '10:00');
  const { postForm, opsPost } = api(runtime);
  const captured = await Promise.all([
    postForm(
      'contact',
      contactForm(`digest-a-${RUN}@example.co.jp`, { utm_source: 'google', utm_medium: 'cpc' }),
    ),
    postForm('contact', contactForm(`digest-b-${RUN}@example.co.jp`, { utm_medium: 'event' })),
  ]);
  for (const r of captured) expect(r.status).toBe(201);
  const hot = await makeHotLead(runtime, `digest-hot-${RUN}@example.co.jp`, { utm_medium: 'event' });
  const accepted = await opsPost(`/v1/ops/leads/${hot}/accept`, { actionId: `accept-${RUN}` });
  expect(accepted.status).toBe(200);
  await runtime.settle();
  // The Monday after, 09:05 Tokyo: the digest's week is the one just seeded.
  await advanceTo('monday', '09:05');
  const { digestWeek } = await import('#domain/reports/digest');
  const w = digestWeek(now(), 'Asia/Tokyo');
  week = { from: w.from, to: w.to };
  monthFrom = w.monthToDate.from;
}, 60_000);

afterAll(async () => {
  await runtime?.stop();
});

const digestMails = async (subject: string) =>
  (await inbox(runtime.sesUrl, 'marketing-team@example.co.jp')).filter((m) => m.subject === subject);

describe('weekly digest', () => {
  it('given a week of leads, hand-offs and an accept, when the digest runs on Monday, then the team gets one mail whose figures are the report routes answer for that week', async () => {
    // Arrange
    const { settings } = await import('#config/settings');
    const { channelLabelJa } = await import('#domain/lead/labels-ja');
    const { formatCount, formatFigure, formatRate, formatRange, digestSubject } = await import(
      '#domain/reports/digest'
    );
    const subject = digestSubject(week);
    const range = `from=${week.from}&to=${week.to}`;
    const funnel = await getJson<{
      rows: { group: string; counts: Record<string, number> }[];
      total: { counts: Record<string, number>; rates: Record<string, number | null> };
    }>(`/v1/ops/reports/funnel?${range}&groupBy=channel`);
    const email = await getJson<{ total: { counts: { sent: number }; rates: { open: number | null } } }>(
      `/v1/ops/reports/email?${range}`,
    );
    const sla = await getJson<{
      total: { handoffs: number; acceptedWithinSla: number; complianceRate: number | null };
    }>(`/v1/ops/reports/sla?${range}`);
    const leads = await getJson<{
      series: { actual: Record<string, number>; target: Record<string, number | null> }[];
    }>(`/v1/ops/reports/leads?from=${monthFrom}&to=${week.to}&interval=month`);

    // Act
    const result = (await runtime.invoke('report-digest', { source: 'aws.scheduler' })) as Json;

    // Assert
    expect(result).toMatchObject({ outcome: 'sent', week: week.from, recipients: 2 });
    const mails = await digestMails(subject);
    expect(mails).toHaveLength(1);
    const [mail] = mails;
    expect(mail?.subject).toBe(`週次レポート ${formatRange(week)}`);
    expect(mail?.destination.to).toEqual(settings.reports.digest?.recipients);
    expect(mail?.from).toContain(settings.app.sender.fromAddress);
    const text = mail?.body.text ?? '';
    // The routes saw this week's leads: the mail must say the same numbers.
    expect(funnel.total.counts.lead).toBe(3);
    expect(sla.total.handoffs).toBeGreaterThanOrEqual(1);
    expect(text).toContain(`リード | ${formatCount(funnel.total.counts.lead ?? 0)} | 0 | +3`);
    expect(text).toContain(`MQL | ${formatCount(funnel.total.counts.mql ?? 0)} | 0 |`);
    expect(text).toContain(`SAL | ${formatCount(funnel.total.counts.sal ?? 0)} | 0 |`);
    expect(text).toContain(`リード→MQL | ${formatRate(funnel.total.rates.mql ?? null)} | —`);
    for (const row of funnel.rows.filter((r) => (r.counts.lead ?? 0) > 0))
      expect(text).toContain(`${channelLabelJa(row.group)} | ${formatCount(row.counts.lead ?? 0)}／0 |`);
    expect(text).toContain(`送信数 | ${formatCount(email.total.counts.sent)} | 0`);
    expect(text).toContain(`開封率 | ${formatRate(email.total.rates.open)} | —`);
    expect(text).toContain(`ハンドオフ数 | ${formatCount(sla.total.handoffs)} | 0`);
    expect(text).toContain(`受諾 期限内 | ${formatCount(sla.total.acceptedWithinSla)} | 0`);
    expect(text).toContain(`受諾 遵守率 | ${formatRate(sla.total.complianceRate)} | —`);
    const point = leads.series[0];
    if (point?.target.leads != null)
      expect(text).toContain(
        `リード | ${formatCount(point.actual.leads ?? 0)} | ${formatFigure(point.target.leads)} |`,
      );
    expect(mail?.body.html).toContain('<table');
  });

  it('given the week was sent, when the digest is invoked again, then no second mail goes out', async () => {
    // Arrange
    const { digestSubject } = await import('#domain/reports/digest');
    const before = (await digestMails(digestSubject(week))).length;

    // Act
    const again = (await runtime.invoke('report-digest', { source: 'aws.scheduler' })) as Json;

    // Assert
    expect(again).toEqual({ outcome: 'already_sent', week: week.from });
    expect(await digestMails(digestSubject(week))).toHaveLength(before);
    expect(before).toBe(1);
  });

  it('given SES throttles the send, when the digest runs, then it throws and gives the week back, and the retry sends it once', async () => {
    // Arrange: a week later, a new digest week
    const { now } = await import('#adapters/clock');
    const { digestSubject, digestWeek } = await import('#domain/reports/digest');
    const { sesClient } = await import('#adapters/ses');
    await runtime.advanceClock(7 * 86_400_000);
    const next = digestWeek(now(), 'Asia/Tokyo');
    const fault = injectFault(sesClient, { operations: ['SendEmail'], nth: 1, error: throttling });

    // Act
    const failed = runtime.invoke('report-digest', { source: 'aws.scheduler' });
    await expect(failed).rejects.toThrow();
    fault.remove();
    const retried = (await runtime.invoke('report-digest', { source: 'aws.scheduler' })) as Json;

    // Assert
    expect(fault.fired()).toBe(1);
    expect(retried).toMatchObject({ outcome: 'sent', week: next.from });
    expect(await digestMails(digestSubject(next))).toHaveLength(1);
  });

  it('given the report reads fail, when the digest runs, then it has claimed nothing (the figures come before the claim, the claim right before the send), and the retry sends the week once', async () => {
    // Arrange: a week later, a new digest week; the first report query is throttled.
    const { now } = await import('#adapters/clock');
    const { digestSubject, digestWeek } = await import('#domain/reports/digest');
    const { dynamodb } = await import('#store/dynamodb');
    await runtime.advanceClock(7 * 86_400_000);
    const next = digestWeek(now(), 'Asia/Tokyo');
    const fault = injectFault(dynamodb, { operations: ['Query'], nth: 1, error: throttling });
    const calls = recordCalls(dynamodb);

    // Act
    await expect(runtime.invoke('report-digest', { source: 'aws.scheduler' })).rejects.toThrow();
    const writesOfFailedRun = calls.calls.filter((c) => ['PutItem', 'DeleteItem'].includes(c.operation));
    fault.remove();
    calls.clear();
    const retried = (await runtime.invoke('report-digest', { source: 'aws.scheduler' })) as Json;
    calls.stop();

    // Assert
    expect(fault.fired()).toBe(1);
    expect(writesOfFailedRun).toEqual([]);
    expect(retried).toMatchObject({ outcome: 'sent', week: next.from });
    expect(await digestMails(digestSubject(next))).toHaveLength(1);
    const ops = calls.calls.map((c) => c.operation);
    expect(ops[0]).toBe('GetItem');
    expect(ops.indexOf('PutItem')).toBeGreaterThan(ops.lastIndexOf('Query'));
  });

  it('given a new week, when `leadloop digest send` runs twice, then the first sends it and the second says it was already sent', async () => {
    // Arrange
    const { now } = await import('#adapters/clock');
    const { digestSubject, digestWeek } = await import('#domain/reports/digest');
    await runtime.advanceClock(7 * 86_400_000);
    const next = digestWeek(now(), 'Asia/Tokyo');
    const leadloop = () => runLeadloop(runtime, '--json', 'digest', 'send');

    // Act
    const first = await leadloop();
    const second = await leadloop();

    // Assert
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout).result).toMatchObject({ outcome: 'sent', week: next.from });
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout).result).toEqual({ outcome: 'already_sent', week: next.from });
    expect(await digestMails(digestSubject(next))).toHaveLength(1);
  });

  it('given the local clock moved past the next Monday 09:00, when it ticks through it, then the digest of the week before goes out by itself', async () => {
    // Arrange
    const { now } = await import('#adapters/clock');
    const { digestSubject, digestWeek, nextDigestAt } = await import('#domain/reports/digest');
    const monday = nextDigestAt(now(), { weekday: 'monday', time: '09:00' }, 'Asia/Tokyo');
    const expected = digestWeek(monday, 'Asia/Tokyo');

    // Act: day-long ticks; the clock stops at the digest's minute on the way
    const moved = await fetch(`${runtime.apiUrl}/_local/clock`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ advanceMs: monday - now() + 3_600_000, tickMs: 86_400_000 }),
    });

    // Assert
    expect(moved.status).toBe(200);
    expect(await digestMails(digestSubject(expected))).toHaveLength(1);
  });

  it("given the local clock ticking through a night, then the gauges' fold runs at its 03:30 UTC as in AWS, through the day before yesterday, and the scores report reads the same", async () => {
    // Arrange
    const { now } = await import('#adapters/clock');
    const { addDays, dayOf } = await import('#domain/reports/periods');
    const { gaugesFoldedThrough } = await import('#store/report-counters');
    const scores = await getJson('/v1/ops/reports/scores');

    // Act: a day and a half of day-long ticks
    const moved = await fetch(`${runtime.apiUrl}/_local/clock`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ advanceMs: 36 * 3_600_000, tickMs: 86_400_000 }),
    });

    // Assert: the last 03:30 UTC the clock passed folded through two days before its Tokyo day.
    expect(moved.status).toBe(200);
    const t = now();
    const lastRun = Math.floor((t - 3.5 * 3_600_000) / 86_400_000) * 86_400_000 + 3.5 * 3_600_000;
    expect(await gaugesFoldedThrough(true)).toBe(addDays(dayOf(lastRun, 'Asia/Tokyo'), -2));
    expect(await getJson('/v1/ops/reports/scores')).toEqual(scores);
  });
});
