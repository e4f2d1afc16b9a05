import { describe, expect, it } from 'vitest';
import { digestSchema } from '#config/reports';
import {
  type DigestData,
  type DigestFigures,
  digestCron,
  digestWeek,
  formatCount,
  formatFigure,
  formatRate,
  nextDigestAt,
  renderDigest,
} from '#domain/reports/digest';
import { emailReport, funnelReport, leadsReport, slaReport } from '#domain/reports/reports';

const TOKYO = 'Asia/Tokyo';

/** A week's figures built by the report functions the routes use, from one day's counter fields. */
function figures(fields: Record<string, number> = {}): DigestFigures {
  const day = new Map([['2026-12-01', fields]]);
  const funnel = funnelReport(day, day, 'period', 'channel', { totals: day, grouped: day });
  return { funnel, email: emailReport(day, day, 'none').total, sla: slaReport(day, day, 'none').total };
}

function data(overrides: Partial<DigestData> = {}): DigestData {
  return {
    week: digestWeek(Date.parse('2026-12-07T00:00:00Z'), TOKYO),
    timeZone: TOKYO,
    current: figures(),
    previous: figures(),
    monthToDate: undefined,
    topChannels: 5,
    ...overrides,
  };
}

describe('digest weeks', () => {
  it('given Monday 00:30 in Tokyo (still Sunday in UTC), when the digest week is asked, then it is the Tokyo week before, Monday to Sunday', () => {
    // Arrange: 2026-12-07 00:30 JST = 2026-12-06 15:30 UTC
    const now = Date.parse('2026-12-06T15:30:00Z');

    // Act
    const week = digestWeek(now, TOKYO);

    // Assert
    expect(week).toEqual({
      from: '2026-11-30',
      to: '2026-12-06',
      previous: { from: '2026-11-23', to: '2026-11-29' },
      monthToDate: { from: '2026-12-01', to: '2026-12-06' },
    });
  });

  it('given Sunday 23:59 in Tokyo, when the digest week is asked, then the running week is not yet the digest week', () => {
    // Arrange: 2026-12-06 23:59 JST
    const now = Date.parse('2026-12-06T14:59:00Z');

    // Act
    const week = digestWeek(now, TOKYO);

    // Assert
    expect(week.from).toBe('2026-11-23');
    expect(week.to).toBe('2026-11-29');
    expect(week.monthToDate).toEqual({ from: '2026-11-01', to: '2026-11-29' });
  });

  it('given a week across the year end, when the subject is written, then the end carries its own year', () => {
    // Arrange: Monday 2027-01-04 09:00 JST
    const week = digestWeek(Date.parse('2027-01-04T00:00:00Z'), TOKYO);

    // Act
    const mail = renderDigest(data({ week }));

    // Assert
    expect(week).toMatchObject({ from: '2026-12-28', to: '2027-01-03' });
    expect(mail.subject).toBe('週次レポート 2026/12/28〜2027/01/03');
  });

  it('given Monday 09:00 in Tokyo, when the schedule is asked, then the cron fields and the next local send match', () => {
    // Arrange
    const config = { weekday: 'monday', time: '09:00' } as const;
    const saturday = Date.parse('2026-12-05T03:00:00Z');

    // Act
    const cron = digestCron(config);
    const next = nextDigestAt(saturday, config, TOKYO);
    const after = nextDigestAt(next + 60_000, config, TOKYO);

    // Assert
    expect(cron).toEqual({ minute: '0', hour: '9', weekDay: 'MON' });
    expect(new Date(next).toISOString()).toBe('2026-12-07T00:00:00.000Z');
    expect(new Date(after).toISOString()).toBe('2026-12-14T00:00:00.000Z');
  });
});

describe('digest content', () => {
  it('given an empty week, when rendered, then every count is 0, every rate without a denominator is a dash, and no target section appears', () => {
    // Arrange
    const empty = data();

    // Act
    const mail = renderDigest(empty);

    // Assert
    expect(mail.subject).toBe('週次レポート 2026/11/30〜12/06');
    expect(mail.text).toContain('リード | 0 | 0 | ±0');
    expect(mail.text).toContain('リード→MQL | — | —');
    expect(mail.text).toContain('開封率 | — | —');
    expect(mail.text).toContain('受諾 遵守率 | — | —');
    expect(mail.text).toContain('（該当なし）');
    expect(mail.text).not.toContain('目標達成率');
    expect(mail.html).toContain('<table');
  });

  it('given figures in the thousands, when rendered, then counts have separators, rates one decimal, and changes a sign', () => {
    // Arrange
    const current = figures({
      '*|created': 1234,
      '*|mql': 321,
      '*|sal': 3,
      '*|sent': 12_000,
      '*|delivered': 11_000,
      '*|opened': 2_750,
      '*|clicked': 0,
      '*|acceptedWithinSla': 2,
      '*|breached': 1,
      'paid_search|created': 1000,
      'paid_search|mql': 300,
    });
    const previous = figures({ '*|created': 1300, 'paid_search|created': 900 });

    // Act
    const mail = renderDigest(data({ current, previous }));

    // Assert
    expect(mail.text).toContain('リード | 1,234 | 1,300 | -66');
    expect(mail.text).toContain('送信数 | 12,000 | 0');
    expect(mail.text).toContain('開封率 | 25.0% | —');
    expect(mail.text).toContain('クリック率 | 0.0% | —');
    expect(mail.text).toContain('受諾 遵守率 | 66.7% | —');
    expect(mail.text).toContain('検索広告 | 1,000／900 | 300／0 | 0／0 | 0／0');
    expect(formatCount(1_234_567)).toBe('1,234,567');
    expect(formatRate(0.12345)).toBe('12.3%');
    expect(formatRate(null)).toBe('—');
    expect(formatFigure(1234.45)).toBe('1,234.5');
    expect(formatFigure(48)).toBe('48');
  });

  it('given December targets, when rendered, then the month-to-date attainment is shown against the prorated target', () => {
    // Arrange: 48 MQLs in December, 6 days covered → 9.29; 12 reached
    const counters = new Map([['2026-12-02', { '*|created': 60, '*|mql': 12 }]]);
    const [point] = leadsReport(counters, '2026-12-01', '2026-12-06', 'month', 'none', {
      months: { '2026-12': { leads: 240, mql: 48 } },
    });

    // Act
    const mail = renderDigest(data({ monthToDate: point }));

    // Assert
    expect(mail.text).toContain('目標達成率（月初来 2026/12/01〜12/06）');
    const section = mail.text.slice(mail.text.indexOf('目標達成率'));
    expect(section).toContain('リード | 60 | 46.5 | 129.2%');
    expect(section).toContain('MQL | 12 | 9.3 | 129.2%');
    // No SQL or opportunity target in December: no row for them.
    expect(section).not.toContain('SQL | ');
  });

  it('given a channel name with markup, when rendered as HTML, then it is escaped', () => {
    // Arrange
    const current = figures({ '<b>x</b>|created': 1 });

    // Act
    const mail = renderDigest(data({ current }));

    // Assert
    expect(mail.html).toContain('&lt;b&gt;x&lt;/b&gt;');
    expect(mail.html).not.toContain('<b>x</b>');
  });
});

describe('digest config', () => {
  it('given no recipient or a bad time, when parsed, then the field is named', () => {
    // Act
    const noOne = digestSchema.safeParse({ recipients: [], weekday: 'monday', time: '09:00' });
    const badTime = digestSchema.safeParse({
      recipients: ['a@example.co.jp'],
      weekday: 'monday',
      time: '9:00',
    });

    // Assert
    expect(noOne.success).toBe(false);
    expect(noOne.error?.issues[0]?.path).toEqual(['recipients']);
    expect(badTime.error?.issues[0]?.path).toEqual(['time']);
  });
});
