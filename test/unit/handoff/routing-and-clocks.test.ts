import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type HandoffConfig, handoffConfigSchema } from '#config/handoff';
import { activityMetrics } from '#domain/handoff/activities';
import { fieldSalesTeams, type HandoffLead, planHandoff, planTqlHandoff } from '#domain/handoff/handoff';
import { assignmentFor, clocksFor, routeFor } from '#domain/handoff/routing';
import {
  clockDeadlines,
  type HandoffState,
  nextSlaCheckAt,
  onSlaTimer,
  recordFirstContact,
  slaCountersOnBreach,
} from '#domain/handoff/sla';
import { stagesPassed } from '#domain/reports/counting';
import { handoff as demoHandoff } from '../../../config/handoff.ts';

const HOUR = 3_600_000;
const jst = (y: number, m: number, d: number, h: number, min = 0): number =>
  Date.UTC(y, m - 1, d, h - 9, min);
const demo: HandoffConfig = handoffConfigSchema.parse(demoHandoff);
const MONDAY_10 = jst(2025, 5, 12, 10);
const ownerNamed = (ownerId: string): HandoffConfig['owners'][number] => {
  const owner = demo.owners.find((o) => o.ownerId === ownerId);
  if (!owner) throw new Error(`no demo owner ${ownerId}`);
  return owner;
};

const lead = (overrides: Partial<HandoffLead> = {}): HandoffLead => ({
  leadId: 'lead-1',
  attributes: {
    email: 'taro@example.co.jp',
    lastName: '山田',
    company: '株式会社サンプル',
    employees: '1000-4999',
  },
  score: { fit: 30, behaviour: 55, total: 85 },
  grade: 'A',
  temperature: 'hot',
  stage: 'mql',
  ...overrides,
});

describe('routing rules', () => {
  it('given the demo routes, then hot and mql go to inside sales, inquiry is accepted within 30 business minutes and called within 1 business hour, appointment_set uses the field-sales rules', () => {
    expect(routeFor(demo.routes, 'hot', 'hot')?.team).toBe('inside-sales');
    expect(routeFor(demo.routes, 'mql', 'warm')?.team).toBe('inside-sales');
    expect(clocksFor(demo, routeFor(demo.routes, 'inquiry', 'warm'))).toEqual({
      accept: { hours: 0.5, businessHours: true },
      firstContact: { hours: 1, businessHours: true },
    });
    const field = routeFor(demo.routes, 'appointment_set', 'hot');
    expect(field?.team).toBeUndefined();
    expect(assignmentFor(demo, field)).toBe(demo);
    expect(routeFor(demo.routes, 'manual', 'cold')).toBeUndefined();
  });

  it('given a route limited to a temperature, then only leads at that temperature take it (first match wins)', () => {
    const routes = [
      { trigger: 'mql' as const, temperature: ['hot' as const], team: 'enterprise' },
      { trigger: 'mql' as const, team: 'inside-sales' },
    ];
    expect(routeFor(routes, 'mql', 'hot')?.team).toBe('enterprise');
    expect(routeFor(routes, 'mql', 'warm')?.team).toBe('inside-sales');
  });

  it('given a route team nobody in config knows, when the config is parsed, then the error names routes.N.team', () => {
    const result = handoffConfigSchema.safeParse({
      ...demoHandoff,
      routes: [{ trigger: 'hot', team: 'nobody' }],
    });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.'))).toContain('routes.0.team');
  });

  it('given an mql lead at inside sales, when an appointment is set, then the TQL hand-off is number 2, stage tql, owner from the enterprise rule; switched off, nothing', () => {
    const first = planHandoff(lead({ stage: 'lead' }), demo, {}, [], MONDAY_10);
    if (!first.ok) throw new Error(first.message);
    expect(first.handoff).toMatchObject({ trigger: 'hot', owner: { team: 'inside-sales' } });
    const tql = planTqlHandoff(
      lead({ handoff: first.handoff }),
      demo,
      first.roundRobinState,
      [],
      MONDAY_10 + HOUR,
    );
    if (!tql.ok) throw new Error(tql.message);
    expect(tql.stage).toBe('tql');
    expect(tql.handoff).toMatchObject({ n: 2, trigger: 'appointment_set', rule: 'enterprise-size' });
    expect(tql.transition).toMatchObject({ from: 'mql', to: 'tql', reason: 'appointment_set' });
    expect(tql.events.map((e) => e.detailType)).toEqual([
      'Lead Stage Changed',
      'Lead Assigned',
      'Lead Handed Off',
    ]);
    const off = { ...demo, tql: { enabled: false } };
    expect(planTqlHandoff(lead(), off, {}, [], MONDAY_10)).toMatchObject({
      ok: false,
      code: 'not_triggered',
    });
    expect(planTqlHandoff(lead({ stage: 'sal' }), demo, {}, [], MONDAY_10)).toMatchObject({ ok: false });
    // A TQL is sales-owned: the automatic trigger does not hand it off again.
    expect(planHandoff(lead({ stage: 'tql' }), demo, {}, [], MONDAY_10)).toMatchObject({ ok: false });
  });

  it('given a stage move past tql (TQL off), then the funnel does not count tql; entering it does', () => {
    expect(stagesPassed('mql', 'sal')).toEqual(['sal']);
    expect(stagesPassed('mql', 'tql')).toEqual(['tql']);
    expect(stagesPassed('tql', 'sal')).toEqual(['sal']);
  });

  it('given inside sales accepted its hand-off (mql → sal), when it books the appointment, then the lead still goes to field sales (sal → tql, hand-off 2), but not once field sales has it', () => {
    // Arrange
    const first = planHandoff(lead({ stage: 'mql' }), demo, {}, [], MONDAY_10, {
      trigger: 'inquiry',
      reason: 'demo request',
    });
    if (!first.ok) throw new Error(first.message);
    const accepted = { ...first.handoff, acceptedAt: MONDAY_10 + HOUR };

    // Act
    const tql = planTqlHandoff(lead({ stage: 'sal', handoff: accepted }), demo, {}, [], MONDAY_10 + 2 * HOUR);

    // Assert
    if (!tql.ok) throw new Error(tql.message);
    expect(tql.stage).toBe('tql');
    expect(tql.handoff).toMatchObject({ n: 2, trigger: 'appointment_set' });
    expect(tql.transition).toMatchObject({ from: 'sal', to: 'tql', reason: 'appointment_set' });
    const fieldSales = { ...tql.handoff, acceptedAt: MONDAY_10 + 3 * HOUR };
    expect(
      planTqlHandoff(lead({ stage: 'sal', handoff: fieldSales }), demo, {}, [], MONDAY_10),
    ).toMatchObject({
      ok: false,
      code: 'not_triggered',
    });
    expect(planTqlHandoff(lead({ stage: 'sql', handoff: accepted }), demo, {}, [], MONDAY_10)).toMatchObject({
      ok: false,
    });
    // The funnel counts entering tql from sal (the later field-sales accept counts sal once per day).
    expect(stagesPassed('sal', 'tql')).toEqual(['tql']);
  });

  it("given a field rep took the lead with accept (mql → sal, hand-off 1), when they book the appointment, then no TQL hand-off: owner, hand-off and stage stay; inside sales' own accept still hands off", () => {
    // Arrange
    const sato = ownerNamed('sato');
    const byFieldRep = planHandoff(lead({ temperature: 'warm' }), demo, {}, [], MONDAY_10, {
      trigger: 'accept',
      reason: 'accepted from the call list',
      owner: sato,
    });
    if (!byFieldRep.ok) throw new Error(byFieldRep.message);
    const accepted = { ...byFieldRep.handoff, acceptedAt: MONDAY_10 };
    const insideSales = planHandoff(lead({ temperature: 'warm' }), demo, {}, [], MONDAY_10, {
      trigger: 'accept',
      reason: 'accepted from the call list',
      owner: ownerNamed('kobayashi'),
    });
    if (!insideSales.ok) throw new Error(insideSales.message);

    // Act
    const fieldRepBooks = planTqlHandoff(
      lead({ stage: 'sal', temperature: 'warm', handoff: accepted }),
      demo,
      {},
      [],
      MONDAY_10 + HOUR,
    );
    const unacceptedFieldRepBooks = planTqlHandoff(
      lead({ stage: 'mql', handoff: byFieldRep.handoff }),
      demo,
      {},
      [],
      MONDAY_10 + HOUR,
    );
    const insideSalesBooks = planTqlHandoff(
      lead({ stage: 'sal', handoff: { ...insideSales.handoff, acceptedAt: MONDAY_10 } }),
      demo,
      {},
      [],
      MONDAY_10 + HOUR,
    );

    // Assert
    expect([...fieldSalesTeams(demo)].sort()).toEqual(['enterprise', 'kansai', 'smb']);
    expect(accepted).toMatchObject({
      n: 1,
      trigger: 'accept',
      owner: { ownerId: 'sato', team: 'enterprise' },
    });
    expect(fieldRepBooks).toMatchObject({ ok: false, code: 'not_triggered' });
    expect(unacceptedFieldRepBooks).toMatchObject({ ok: false, code: 'not_triggered' });
    expect(insideSalesBooks).toMatchObject({
      ok: true,
      stage: 'tql',
      handoff: { n: 2, trigger: 'appointment_set', owner: { team: 'enterprise' } },
    });
  });

  it('given a route that names the field team, then only that team is field sales and a closed hand-off of a field rep does not block a new TQL', () => {
    // Arrange
    const routed: HandoffConfig = {
      ...demo,
      routes: [
        ...demo.routes.filter((r) => r.trigger !== 'appointment_set'),
        { trigger: 'appointment_set', team: 'kansai' },
      ],
    };
    const first = planHandoff(lead(), routed, {}, [], MONDAY_10, {
      trigger: 'manual',
      reason: 'business card',
      owner: ownerNamed('sato'),
    });
    if (!first.ok) throw new Error(first.message);

    // Act
    const enterpriseRepBooks = planTqlHandoff(
      lead({ handoff: first.handoff }),
      routed,
      {},
      [],
      MONDAY_10 + HOUR,
    );
    const afterClose = planTqlHandoff(
      lead({ stage: 'recycled', handoff: { ...first.handoff, closedAt: MONDAY_10 + HOUR } }),
      demo,
      {},
      [],
      MONDAY_10 + 2 * HOUR,
    );

    // Assert
    expect(first.handoff.owner).toMatchObject({ ownerId: 'sato', team: 'enterprise' });
    expect([...fieldSalesTeams(routed)]).toEqual(['kansai']);
    expect(enterpriseRepBooks).toMatchObject({ ok: true, handoff: { n: 2, owner: { team: 'kansai' } } });
    expect(afterClose).toMatchObject({ ok: true, stage: 'tql', handoff: { n: 2 } });
  });

  it('given activity types and outcomes, then calls, connects, meetings and appointments count as documented', () => {
    expect(activityMetrics({ type: 'call', outcome: 'no_answer' })).toEqual(['activities', 'calls']);
    expect(activityMetrics({ type: 'call', outcome: 'appointment_set' })).toEqual([
      'activities',
      'calls',
      'connects',
      'appointments',
    ]);
    expect(activityMetrics({ type: 'meeting', outcome: undefined })).toEqual(['activities', 'meetings']);
  });
});

describe('spent triggers', () => {
  it('given a hand-off closed at 12:00 (recycled, still hot), when a hot trigger from before the close arrives, then nothing opens; one from after the close opens hand-off 2', () => {
    // Arrange
    const first = planHandoff(lead({ stage: 'lead' }), demo, {}, [], MONDAY_10);
    if (!first.ok) throw new Error(first.message);
    const closedAt = MONDAY_10 + 2 * HOUR;
    const recycled = lead({ stage: 'recycled', handoff: { ...first.handoff, closedAt } });
    const plan = (triggeredAt: number | undefined) =>
      planHandoff(recycled, demo, first.roundRobinState, [], closedAt + HOUR, undefined, triggeredAt);

    // Act + Assert: the redelivered trigger (10:00), one at the close itself, and a new one (12:30).
    expect(plan(MONDAY_10)).toMatchObject({ ok: false, code: 'not_triggered' });
    expect(plan(closedAt)).toMatchObject({ ok: false, code: 'not_triggered' });
    expect(plan(closedAt + HOUR / 2)).toMatchObject({ ok: true, handoff: { n: 2 } });
    // Without a time (a person's action, an accept): the rules alone decide, as before.
    expect(plan(undefined)).toMatchObject({ ok: true, handoff: { n: 2 } });
  });
});

describe('SLA arithmetic per clock', () => {
  const clocks = {
    accept: { hours: 4, businessHours: true },
    firstContact: { hours: 9, businessHours: true },
  };

  it('given a Monday 10:00 Tokyo hand-off, then accept is due 14:00 and first contact (1 business day) Tuesday 10:00', () => {
    expect(clockDeadlines(MONDAY_10, clocks, demo.sla.window)).toEqual({
      dueAt: jst(2025, 5, 12, 14),
      firstContactDueAt: jst(2025, 5, 13, 10),
    });
  });

  it('given a hand-off on the Friday before Golden Week, then the clocks skip the weekend and the holidays', () => {
    // 2025-05-02 (Fri) 16:00; 3–6 May are Saturday to a substitute holiday.
    const deadlines = clockDeadlines(jst(2025, 5, 2, 16), clocks, demo.sla.window);
    expect(deadlines.dueAt).toBe(jst(2025, 5, 7, 11));
    expect(deadlines.firstContactDueAt).toBe(jst(2025, 5, 7, 16));
  });

  it('property: whenever the hand-off starts, the accept deadline is never after the first-contact deadline and the timer fires at the earliest pending one', () => {
    const start = Date.UTC(2025, 0, 1);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 365 * 24 * 60 }),
        fc.integer({ min: 1, max: 16 }),
        fc.integer({ min: 0, max: 16 }),
        fc.boolean(),
        (minutes, acceptHours, extra, business) => {
          const at = start + minutes * 60_000;
          const c = {
            accept: { hours: acceptHours, businessHours: business },
            firstContact: { hours: acceptHours + extra, businessHours: business },
          };
          const d = clockDeadlines(at, c, demo.sla.window);
          expect(d.dueAt).toBeGreaterThan(at);
          expect(d.dueAt).toBeLessThanOrEqual(d.firstContactDueAt ?? Number.POSITIVE_INFINITY);
          if (!business) expect(d.dueAt - at).toBe(acceptHours * HOUR);
          const h = handoffAt(at, d);
          expect(nextSlaCheckAt(h)).toBe(d.dueAt);
          expect(nextSlaCheckAt({ ...h, acceptedAt: at })).toBe(d.firstContactDueAt);
          expect(nextSlaCheckAt({ ...h, acceptedAt: at, firstContactAt: at })).toBeUndefined();
        },
      ),
      { numRuns: 200 },
    );
  });

  const handoffAt = (at: number, d: { dueAt: number; firstContactDueAt?: number }): HandoffState => ({
    n: 1,
    owner: {
      ownerId: 'kobayashi',
      name: '小林 直樹',
      email: 'n.kobayashi@example.co.jp',
      team: 'inside-sales',
    },
    rule: null,
    startedAt: at,
    ...d,
    reassignments: 0,
    previousOwnerIds: [],
    trigger: 'hot',
    clocks,
  });

  it('given an accepted hand-off nobody called, when the first-contact timer fires twice, then one notify breach with clock first_contact, counted once', () => {
    const d = clockDeadlines(MONDAY_10, clocks, demo.sla.window);
    const h = { ...handoffAt(MONDAY_10, d), acceptedAt: MONDAY_10 + HOUR };
    const at = (d.firstContactDueAt ?? 0) + 60_000;
    const outcome = onSlaTimer({ leadId: 'lead-1', attributes: {} }, h, demo.sla, demo, {}, at);
    if (!outcome.due) throw new Error('expected a breach');
    expect(outcome).toMatchObject({ action: 'notify', clocks: ['first_contact'] });
    expect(outcome.events.map((e) => e.detail.eventId)).toEqual(['lead-1:sla-first-contact:1:0']);
    expect(slaCountersOnBreach(h, false, outcome.clocks)).toEqual(['firstContactBreached']);
    expect(
      onSlaTimer({ leadId: 'lead-1', attributes: {} }, outcome.handoff, demo.sla, demo, {}, at + HOUR),
    ).toMatchObject({
      due: false,
    });
  });

  it('given a first contact, then only the owner after the hand-off counts, once, met by the deadline', () => {
    const d = clockDeadlines(MONDAY_10, clocks, demo.sla.window);
    const h = handoffAt(MONDAY_10, d);
    const call = { activityId: 'c1', type: 'call', by: 'kobayashi', occurredAt: MONDAY_10 + HOUR };
    expect(recordFirstContact('lead-1', h, { ...call, by: 'sato' }, MONDAY_10 + HOUR)).toBeUndefined();
    expect(
      recordFirstContact('lead-1', h, { ...call, occurredAt: MONDAY_10 - 1 }, MONDAY_10 + HOUR),
    ).toBeUndefined();
    const met = recordFirstContact('lead-1', h, call, MONDAY_10 + HOUR);
    expect(met?.counters).toEqual(['firstContactMet']);
    expect(met?.event.detail).toMatchObject({ withinSla: true, eventId: 'lead-1:first-contact:1' });
    expect(recordFirstContact('lead-1', met?.handoff, call, MONDAY_10 + 2 * HOUR)).toBeUndefined();
    const lateAt = (d.firstContactDueAt ?? 0) + HOUR;
    const late = recordFirstContact('lead-1', h, { ...call, occurredAt: lateAt }, lateAt);
    expect(late?.counters).toEqual(['firstContactBreached']);
  });

  it('given a note or a call to a wrong number by the owner, then it is not a first contact; a call attempt, a meeting or an e-mail is', () => {
    // Arrange
    const d = clockDeadlines(MONDAY_10, clocks, demo.sla.window);
    const h = handoffAt(MONDAY_10, d);
    const base = { activityId: 'a1', by: 'kobayashi', occurredAt: MONDAY_10 + HOUR };
    const contactOf = (type: string, outcome?: string) =>
      recordFirstContact('lead-1', h, { ...base, type, outcome }, MONDAY_10 + HOUR);

    // Act
    const note = contactOf('note');
    const wrongNumber = contactOf('call', 'wrong_number');
    const attempts = [
      contactOf('call', 'no_answer'),
      contactOf('call', 'voicemail'),
      contactOf('meeting'),
      contactOf('email'),
    ];

    // Assert
    expect(note).toBeUndefined();
    expect(wrongNumber).toBeUndefined();
    for (const attempt of attempts) expect(attempt?.counters).toEqual(['firstContactMet']);
  });
});
