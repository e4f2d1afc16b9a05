import { describe, expect, it } from 'vitest';
import { emailKpiDay } from '#app/email-kpis';
import { kpiCounterName, kpiCounterNames, kpiDay } from '#domain/nurture/email-kpis';

describe('nurture: KPI counters', () => {
  it('given a time just after midnight in Tokyo, then the counter day is the Tokyo date', () => {
    // 2026-04-13 15:30 UTC = 2026-04-14 00:30 JST
    expect(kpiDay(Date.UTC(2026, 3, 13, 15, 30), 'Asia/Tokyo')).toBe('2026-04-14');
    expect(emailKpiDay(Date.UTC(2026, 3, 13, 15, 30))).toBe('2026-04-14');
  });

  it('given a sequence, then a per-sequence counter name next to the total', () => {
    expect(kpiCounterName('sent')).toBe('email_sent');
    expect(kpiCounterName('opened', 'whitepaper-nurture')).toBe('email_opened#whitepaper-nurture');
  });

  it('given a sequence, then the event counts on the total and on the sequence', () => {
    expect(kpiCounterNames('sent')).toEqual(['email_sent']);
    expect(kpiCounterNames('sent', 'whitepaper-nurture')).toEqual([
      'email_sent',
      'email_sent#whitepaper-nurture',
    ]);
  });
});
