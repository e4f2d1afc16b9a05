import { describe, expect, it } from 'vitest';
import { emailFactOf, emailKpiDay } from '#app/email-kpis';
import { kpiDay } from '#domain/nurture/email-kpis';
import { counterAddsFor, emailAdds, emailFact } from '#domain/reports/counting';

describe('nurture: KPI counters', () => {
  it('given a time just after midnight in Tokyo, then the counter day is the Tokyo date', () => {
    // 2026-04-13 15:30 UTC = 2026-04-14 00:30 JST
    expect(kpiDay(Date.UTC(2026, 3, 13, 15, 30), 'Asia/Tokyo')).toBe('2026-04-14');
    expect(emailKpiDay(Date.UTC(2026, 3, 13, 15, 30))).toBe('2026-04-14');
  });

  it('given a step mail, then its fact is keyed by the event and counts on the total, sequence, step and template', () => {
    const fact = emailFact('sent', 'whitepaper-nurture:1:day0', '2026-04-14', {
      sequenceId: 'whitepaper-nurture',
      stepId: 'day0',
      templateId: 'wp-thanks',
    });
    expect(fact.id).toBe('email:sent:whitepaper-nurture:1:day0');
    expect(emailAdds(fact)).toEqual([
      { kind: 'e:none', period: '2026-04-14', fields: { '*|sent': 1 } },
      { kind: 'e:sequence', period: '2026-04-14', fields: { 'whitepaper-nurture|sent': 1 } },
      { kind: 'e:step', period: '2026-04-14', fields: { 'whitepaper-nurture/day0|sent': 1 } },
      { kind: 'e:template', period: '2026-04-14', fields: { 'wp-thanks|sent': 1 } },
    ]);
  });

  it('given a mail event without sequence, then it counts on the total and under (none)', () => {
    const fact = emailFact('unsubscribed', '7', '2026-04-14', {});
    expect(fact.mail).toEqual({});
    expect(emailAdds(fact).map((a) => a.fields)).toEqual([
      { '*|unsubscribed': 1 },
      { '(none)|unsubscribed': 1 },
      { '(none)|unsubscribed': 1 },
      { '(none)|unsubscribed': 1 },
    ]);
  });

  it('given facts of several mails, when spread for a rebuild, then the counts are summed per item', () => {
    const day = '2026-04-14';
    const facts = [
      emailFact('opened', 'm1', day, { sequenceId: 's', stepId: 'a' }),
      emailFact('opened', 'm2', day, { sequenceId: 's', stepId: 'b' }),
      emailFact('clicked', 'm2:x', day, { sequenceId: 's', stepId: 'b' }),
    ];
    const adds = counterAddsFor(facts, { channel: 'direct', source: '*', campaign: '*', form: '*' });
    expect(adds.find((a) => a.kind === 'e:none')?.fields).toEqual({ '*|opened': 2, '*|clicked': 1 });
    expect(adds.find((a) => a.kind === 'e:step')?.fields).toEqual({
      's/a|opened': 1,
      's/b|opened': 1,
      's/b|clicked': 1,
    });
  });

  it("given an SES event naming only the sequence and step, then the step's template is looked up", () => {
    const fact = emailFactOf({
      kpi: 'delivered',
      id: 'm1',
      at: Date.UTC(2026, 3, 13, 15, 30),
      mail: { sequenceId: 'whitepaper-nurture', stepId: 'case-study' },
    });
    expect(fact).toMatchObject({
      day: '2026-04-14',
      mail: { sequenceId: 'whitepaper-nurture', stepId: 'case-study', templateId: 'nurture-case-study' },
    });
  });
});
