import { describe, expect, it } from 'vitest';
import { type HandoffConfig, handoffConfigSchema } from '#config/handoff';
import { type HandoffLead, planHandoff, shouldHandOff } from '#domain/handoff/handoff';
import {
  applySalesAction,
  availableSalesActions,
  SALES_ACTION_TRANSITIONS,
} from '#domain/handoff/sales-actions';
import type { HandoffState } from '#domain/handoff/sla';
import {
  ACTION_SCHEMAS,
  crmSalesActionDetailSchema,
  crmSalesActionEventSchema,
  crmSalesActionEventSchemaFor,
  leadActionSchema,
  type SalesAction,
  salesActionFromCrm,
  salesActionSchema,
} from '#domain/lead/actions';
import { CRM_EVENT_SOURCE, CRM_SALES_ACTION_DETAIL_TYPE } from '#domain/lead/events';
import { STAGES, type Stage } from '#domain/lead/types';
import { handoff as demoHandoff } from '../../../config/handoff.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = Date.UTC(2025, 4, 12, 1, 0);
const demo: HandoffConfig = handoffConfigSchema.parse(demoHandoff);
/** The demo without routes and with one 24 h wall-clock accept clock: the assignment rules alone decide. */
const direct: HandoffConfig = {
  ...demo,
  routes: [],
  sla: { ...demo.sla, hours: 24, businessHours: false, firstContact: undefined },
};

const hotLead = (overrides: Partial<HandoffLead> = {}): HandoffLead => ({
  leadId: 'lead-1',
  attributes: {
    email: 'taro.yamada@example.co.jp',
    lastName: '山田',
    company: '株式会社サンプル商事',
    employees: '1000-4999',
  },
  score: { fit: 40, behaviour: 45, total: 85 },
  grade: 'A',
  temperature: 'hot',
  stage: 'lead',
  ...overrides,
});

const openHandoff = (overrides: Partial<HandoffState> = {}): HandoffState => ({
  n: 1,
  owner: { ownerId: 'sato', name: '佐藤 健', email: 'k.sato@example.co.jp', team: 'enterprise' },
  rule: null,
  startedAt: NOW,
  dueAt: NOW + DAY,
  reassignments: 0,
  previousOwnerIds: [],
  ...overrides,
});

const CONVERT: Extract<SalesAction, { action: 'convert' }> = {
  action: 'convert',
  actionId: 'c-1',
  amount: 4_800_000,
  currency: 'JPY',
  expectedCloseDate: '2025-09-30',
};
const ACTIONS: Record<SalesAction['action'], SalesAction> = {
  accept: { action: 'accept', actionId: 'a-1' },
  qualify: { action: 'qualify', actionId: 'q-1', bant: { budget: '500万円', needs: 'MA導入' } },
  convert: CONVERT,
  disqualify: { action: 'disqualify', actionId: 'd-1', reason: '競合調査' },
  recycle: { action: 'recycle', actionId: 'r-1', reason: '来期に再検討' },
};

/** The table the product promises, written out independently of the implementation's table. */
const EXPECTED: Record<SalesAction['action'], Partial<Record<Stage, Stage>>> = {
  accept: { mql: 'sal', tql: 'sal' },
  qualify: { sal: 'sql' },
  convert: { sql: 'opportunity', opportunity: 'customer' },
  disqualify: {
    subscriber: 'disqualified',
    lead: 'disqualified',
    mql: 'disqualified',
    tql: 'disqualified',
    sal: 'disqualified',
    sql: 'disqualified',
    recycled: 'disqualified',
  },
  recycle: { mql: 'recycled', tql: 'recycled', sal: 'recycled', sql: 'recycled' },
};

describe('planHandoff', () => {
  it('given a hot lead below MQL, when handed off, then it becomes MQL, gets an owner and a CRM record, and three events are written', () => {
    // Act
    const plan = planHandoff(hotLead(), direct, {}, [], NOW);

    // Assert
    if (!plan.ok) throw new Error(plan.message);
    expect(plan.stage).toBe('mql');
    expect(plan.transition).toEqual({ from: 'lead', to: 'mql', at: NOW, reason: 'handoff' });
    expect(plan.handoff).toMatchObject({
      n: 1,
      owner: { ownerId: 'sato' },
      rule: 'enterprise-size',
      dueAt: NOW + DAY,
    });
    expect(plan.slaCheckAt).toBe(NOW + DAY);
    expect(plan.roundRobinState).toEqual({ sato: NOW });
    expect(plan.events.map((e) => [e.detailType, e.detail.eventId])).toEqual([
      ['Lead Stage Changed', 'lead-1:stage:handoff:1'],
      ['Lead Assigned', 'lead-1:assign:1:0'],
      ['Lead Handed Off', 'lead-1:handoff:1'],
    ]);
    expect(plan.events[2]?.detail).toMatchObject({
      owner: { ownerId: 'sato', name: '佐藤 健', crmUserId: '0055g00000AAAAAAA1' },
      crm: {
        system: 'salesforce',
        record: {
          LastName: '山田',
          Company: '株式会社サンプル商事',
          OwnerId: '0055g00000AAAAAAA1',
          Rating: 'Hot',
        },
      },
      score: { fit: 40, behaviour: 45, total: 85 },
      stage: 'mql',
      slaDueAt: new Date(NOW + DAY).toISOString(),
    });
  });

  it('given a recycled lead handed off before, when it turns hot again, then it is hand-off number 2', () => {
    const lead = hotLead({ stage: 'recycled', handoff: openHandoff({ closedAt: NOW - DAY }) });
    const plan = planHandoff(lead, demo, {}, [], NOW);
    expect(plan).toMatchObject({ ok: true, handoff: { n: 2 }, stage: 'mql' });
  });

  it.each([
    ['a warm lead', hotLead({ temperature: 'warm' })],
    ['a lead with an open hand-off', hotLead({ stage: 'mql', handoff: openHandoff() })],
    ['a lead sales already accepted', hotLead({ stage: 'sal' })],
    ['a disqualified lead', hotLead({ stage: 'disqualified' })],
  ])('given %s, when hand-off is considered, then nothing happens', (_name, lead) => {
    expect(planHandoff(lead, demo, {}, [], NOW)).toMatchObject({ ok: false, code: 'not_triggered' });
  });

  it('given a stage trigger on MQL, when a warm lead reaches MQL, then it is handed off', () => {
    expect(shouldHandOff({ stage: 'mql', temperature: 'warm' }, { on: 'stage', stage: 'mql' })).toBe(true);
    expect(shouldHandOff({ stage: 'lead', temperature: 'hot' }, { on: 'stage', stage: 'mql' })).toBe(false);
  });

  it('given CRM system none, when handed off, then the event carries an empty record', () => {
    const plan = planHandoff(hotLead(), { ...demo, crm: { ...demo.crm, system: 'none' } }, {}, [], NOW);
    expect(plan.ok && plan.events.at(-1)?.detail).toMatchObject({ crm: { system: 'none', record: {} } });
  });

  it('given every owner is away, when handed off, then a no_owner_available result is returned', () => {
    const away = { ...demo, owners: demo.owners.map((o) => ({ ...o, available: false })) };
    expect(planHandoff(hotLead(), away, {}, [], NOW)).toMatchObject({
      ok: false,
      code: 'no_owner_available',
    });
  });
});

describe('winning a deal is said out loud', () => {
  it('given a lead in opportunity, when convert comes without "to" (a double click on 商談を作成, a resent CRM message), then 409 and no win; with "to":"customer" it wins', () => {
    // Arrange
    const lead = { leadId: 'lead-1', stage: 'opportunity' as const, handoff: openHandoff() };

    // Act
    const again = applySalesAction(lead, ACTIONS.convert, NOW);
    const won = applySalesAction(lead, { ...CONVERT, to: 'customer' }, NOW);

    // Assert
    expect(again).toMatchObject({ ok: false, code: 'invalid_transition' });
    expect(again.ok ? '' : again.message).toContain('already in an open opportunity');
    expect(won).toMatchObject({ ok: true, stage: 'customer' });
  });
});

describe('applySalesAction transition table', () => {
  const cases = Object.keys(ACTIONS).flatMap((action) =>
    STAGES.map((stage) => [action as SalesAction['action'], stage] as const),
  );

  it('given the implementation table, then it is exactly the promised table', () => {
    expect(SALES_ACTION_TRANSITIONS).toEqual(EXPECTED);
  });

  it.each(cases)(
    'given %s from stage %s, then it is applied or refused exactly as the table says',
    (action, stage) => {
      // Arrange: an open hand-off, so only the table decides (winning a deal names its target, see below)
      const lead = { leadId: 'lead-1', stage, handoff: openHandoff() };
      const body =
        action === 'convert' && stage === 'opportunity'
          ? { ...CONVERT, to: 'customer' as const }
          : ACTIONS[action];

      // Act
      const result = applySalesAction(lead, body, NOW);

      // Assert
      const expected = EXPECTED[action][stage];
      const closeTheDealFirst = stage === 'opportunity' && (action === 'disqualify' || action === 'recycle');
      if (expected === undefined) {
        expect(result).toEqual({
          ok: false,
          code: 'invalid_transition',
          message: closeTheDealFirst
            ? `cannot ${action} a lead in stage 'opportunity': mark the opportunity lost first (POST /v1/ops/leads/{leadId}/opportunity {"phase":"lost","reason":…}), which recycles the lead`
            : `cannot ${action} a lead in stage '${stage}'`,
        });
      } else {
        expect(result).toMatchObject({
          ok: true,
          stage: expected,
          transition: { from: stage, to: expected, at: NOW, reason: action },
        });
      }
    },
  );
});

describe('applySalesAction', () => {
  it('given an MQL with an open hand-off, when sales accepts in time, then it becomes SAL and Lead Accepted says within SLA', () => {
    // Act
    const result = applySalesAction(
      { leadId: 'lead-1', stage: 'mql', handoff: openHandoff() },
      ACTIONS.accept,
      NOW + HOUR,
    );

    // Assert
    if (!result.ok) throw new Error(result.message);
    expect(result.handoff).toMatchObject({ acceptedAt: NOW + HOUR });
    expect(result.events.map((e) => e.detailType)).toEqual(['Lead Accepted', 'Lead Stage Changed']);
    expect(result.events[0]?.detail).toMatchObject({
      eventId: 'lead-1:accept:1',
      ownerId: 'sato',
      withinSla: true,
    });
  });

  it('given a breached hand-off, when sales accepts, then Lead Accepted says not within SLA', () => {
    const lead = {
      leadId: 'lead-1',
      stage: 'mql' as const,
      handoff: openHandoff({ breachedAt: NOW + DAY + 1, lastBreachedDueAt: NOW + DAY }),
    };
    const result = applySalesAction(lead, ACTIONS.accept, NOW + DAY + HOUR);
    expect(result.ok && result.events[0]?.detail).toMatchObject({ withinSla: false });
    // An earlier owner's breach (another deadline): the owner who holds it now accepted in time.
    const reassigned = {
      ...lead,
      handoff: openHandoff({ breachedAt: NOW - 1, lastBreachedDueAt: NOW - HOUR }),
    };
    const inTime = applySalesAction(reassigned, ACTIONS.accept, NOW + HOUR);
    expect(inTime.ok && inTime.events[0]?.detail).toMatchObject({ withinSla: true });
  });

  it.each([
    ['no hand-off', undefined, 'no open hand-off to accept'],
    ['a closed hand-off', openHandoff({ closedAt: NOW }), 'no open hand-off to accept'],
    ['an accepted hand-off', openHandoff({ acceptedAt: NOW }), 'hand-off 1 was already accepted'],
  ])('given an MQL with %s, when sales accepts, then it is refused', (_name, handoff, message) => {
    const lead = { leadId: 'lead-1', stage: 'mql' as const, ...(handoff ? { handoff } : {}) };
    expect(applySalesAction(lead, ACTIONS.accept, NOW)).toEqual({
      ok: false,
      code: 'invalid_transition',
      message,
    });
  });

  it('given an SAL, when qualified with BANT-CH, then Lead Qualified carries the notes', () => {
    const result = applySalesAction({ leadId: 'lead-1', stage: 'sal' }, ACTIONS.qualify, NOW);
    expect(result.ok && result.events[0]).toMatchObject({
      detailType: 'Lead Qualified',
      detail: { eventId: 'lead-1:qualify:q-1', bant: { budget: '500万円', needs: 'MA導入' } },
    });
  });

  it('given an SQL, when converted without a target, then it becomes an opportunity with the amount in JPY', () => {
    const result = applySalesAction({ leadId: 'lead-1', stage: 'sql' }, ACTIONS.convert, NOW);
    expect(result).toMatchObject({ ok: true, stage: 'opportunity' });
    expect(result.ok && result.events[0]?.detail).toMatchObject({
      to: 'opportunity',
      amount: 4_800_000,
      currency: 'JPY',
      expectedCloseDate: '2025-09-30',
    });
  });

  it('given an SQL, when converted straight to customer, then it is refused (the deal goes through opportunity)', () => {
    const result = applySalesAction(
      { leadId: 'lead-1', stage: 'sql' },
      { ...ACTIONS.convert, to: 'customer' } as SalesAction,
      NOW,
    );
    expect(result).toMatchObject({ ok: false, code: 'invalid_transition' });
  });

  it('given an opportunity with a hand-off, when it becomes a customer, then the hand-off is closed', () => {
    const lead = {
      leadId: 'lead-1',
      stage: 'opportunity' as const,
      handoff: openHandoff({ acceptedAt: NOW }),
    };
    const result = applySalesAction(lead, { ...ACTIONS.convert, to: 'customer' } as SalesAction, NOW + DAY);
    expect(result).toMatchObject({ ok: true, stage: 'customer', handoff: { closedAt: NOW + DAY } });
  });

  it('given an SAL, when recycled, then it goes back to nurture after the configured delay and the hand-off closes', () => {
    // Act
    const result = applySalesAction(
      { leadId: 'lead-1', stage: 'sal', handoff: openHandoff({ acceptedAt: NOW }) },
      ACTIONS.recycle,
      NOW,
      { nurtureAfterDays: 45, sequenceId: 'recycle-nurture' },
    );

    // Assert
    if (!result.ok) throw new Error(result.message);
    expect(result.nurture).toEqual({ at: NOW + 45 * DAY, sequenceId: 'recycle-nurture' });
    expect(result.handoff?.closedAt).toBe(NOW);
    expect(result.events[0]?.detail).toMatchObject({ nurtureAt: new Date(NOW + 45 * DAY).toISOString() });
  });

  it('given a recycle with its own delay, when applied, then the action overrides the default 30 days', () => {
    const result = applySalesAction(
      { leadId: 'lead-1', stage: 'mql' },
      { ...ACTIONS.recycle, nurtureAfterDays: 7 } as SalesAction,
      NOW,
    );
    expect(result.ok && result.nurture).toEqual({ at: NOW + 7 * DAY, sequenceId: 'recycle-nurture' });
  });

  it('given an unaccepted hand-off, when sales disqualifies the lead, then the hand-off closes so the SLA timer stops', () => {
    const result = applySalesAction(
      { leadId: 'lead-1', stage: 'mql', handoff: openHandoff() },
      ACTIONS.disqualify,
      NOW,
    );
    expect(result).toMatchObject({ ok: true, stage: 'disqualified', handoff: { closedAt: NOW } });
    expect(result.ok && result.events.map((e) => e.detail.eventId)).toEqual([
      'lead-1:disqualify:d-1',
      'lead-1:stage:disqualify:d-1',
    ]);
  });
});

describe('sales action bodies', () => {
  it.each([
    [{ action: 'convert', actionId: 'c', amount: -1, expectedCloseDate: '2025-09-30' }, ['amount']],
    [{ action: 'convert', actionId: 'c', amount: 1, expectedCloseDate: '2025-02-30' }, ['expectedCloseDate']],
    [{ action: 'convert', actionId: 'c', amount: 1, expectedCloseDate: '2025/09/30' }, ['expectedCloseDate']],
    [{ action: 'disqualify', actionId: 'd', reason: 'x'.repeat(501) }, ['reason']],
    [{ action: 'disqualify', actionId: 'd', reason: '   ' }, ['reason']],
    [{ action: 'qualify', actionId: 'q', bant: { budjet: '1' } }, ['bant']],
    [{ action: 'accept', actionId: 'bad id with spaces' }, ['actionId']],
    [{ action: 'accept', actionId: 'a', extra: 1 }, []],
    [{ action: 'reopen', actionId: 'a' }, ['action']],
  ])('given the invalid body %j, when parsed, then it is rejected at %j', (body, path) => {
    const result = salesActionSchema().safeParse(body);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(path);
  });

  it('given a convert body without currency, when parsed, then the currency defaults to JPY', () => {
    const body = { action: 'convert', actionId: 'c', amount: 0, expectedCloseDate: '2024-02-29' };
    expect(salesActionSchema().parse(body)).toMatchObject({ currency: 'JPY' });
  });

  it('given a CRM sales action naming the lead by email, when parsed, then the email is normalised and the action is the ops API one', () => {
    // Arrange
    const detail = { email: ' Taro.Yamada@Example.co.jp ', action: 'accept', actionId: 'sf-1', by: 'k.sato' };

    // Act
    const parsed = crmSalesActionDetailSchema().parse(detail);

    // Assert
    expect(parsed.email).toBe('taro.yamada@example.co.jp');
    expect(salesActionFromCrm(parsed)).toEqual({ action: 'accept', actionId: 'sf-1', by: 'k.sato' });
  });

  // The routes and the CRM door parse with the one action a request names (a cold start builds one schema,
  // not all): each must answer exactly as the union's option does, valid or not.
  const BODIES = [
    { action: 'accept', actionId: 'a', by: ' k.sato ' },
    { action: 'accept', actionId: 'bad id' },
    { action: 'qualify', actionId: 'q', bant: { budget: '500万円', budjet: '1' } },
    { action: 'convert', actionId: 'c', amount: 1, expectedCloseDate: '2025-02-30' },
    { action: 'convert', actionId: 'c', amount: 1_000_000, expectedCloseDate: '2025-09-30' },
    { action: 'disqualify', actionId: 'd', reason: '   ' },
    { action: 'recycle', actionId: 'r', reason: '時期尚早', nurtureAfterDays: 90 },
    { action: 'handoff', actionId: 'h', reason: '電話', ownerId: 'a b' },
    { action: 'reassign', actionId: 'r', reason: '担当替え', ownerId: 'sato' },
    { action: 'opportunity', actionId: 'o', phase: 'lost' },
    { action: 'opportunity', actionId: 'o', phase: 'proposal', amount: 5 },
  ];
  it.each(BODIES.filter((b) => b.action in ACTION_SCHEMAS))(
    "given the body %j, when the route parses it with its action alone, then the answer is the union's",
    (body) => {
      const one = ACTION_SCHEMAS[body.action as keyof typeof ACTION_SCHEMAS]().safeParse(body);
      expect(one).toEqual(leadActionSchema().safeParse(body));
    },
  );
  it.each([
    ...BODIES.filter((b) => !['handoff', 'reassign'].includes(b.action)).flatMap((b) => [
      { ...b, leadId: 'lead-1' },
      { ...b, email: ' Taro@Example.co.jp ' },
      b,
    ]),
    { action: 'reopen', actionId: 'x', leadId: 'lead-1' },
    { actionId: 'x', leadId: 'lead-1' },
  ])(
    "given the CRM detail %j, when parsed with its action alone, then the answer is the union's",
    (detail) => {
      const event = { source: CRM_EVENT_SOURCE, 'detail-type': CRM_SALES_ACTION_DETAIL_TYPE, detail };
      expect(crmSalesActionEventSchemaFor(event).safeParse(event)).toEqual(
        crmSalesActionEventSchema().safeParse(event),
      );
    },
  );

  it('given a CRM sales action with neither lead id nor email, when parsed, then it is rejected', () => {
    const result = crmSalesActionDetailSchema().safeParse({ action: 'accept', actionId: 'sf-1' });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe('either leadId or email is required');
  });
});

describe('availableSalesActions', () => {
  it.each(STAGES)(
    'given a lead in %s, then it lists the actions the promised table allows from it, in funnel order',
    (stage) => {
      expect(availableSalesActions(stage)).toEqual(
        (Object.keys(EXPECTED) as SalesAction['action'][]).filter(
          (action) => EXPECTED[action][stage] !== undefined,
        ),
      );
    },
  );
});
