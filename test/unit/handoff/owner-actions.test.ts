import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dealsConfigSchema } from '#config/deals';
import { type HandoffConfig, handoffConfigSchema } from '#config/handoff';
import { decideDealAction } from '#domain/deals/deal-actions';
import { emptyDeal } from '#domain/deals/opportunity';
import { type HandoffLead, planHandoff } from '#domain/handoff/handoff';
import {
  availableLeadActions,
  decideLeadAction,
  type HandoffLeadAction,
  type OwnerContext,
} from '#domain/handoff/owner-actions';
import { type HandoffState, onSlaTimer } from '#domain/handoff/sla';
import { leadActionSchema } from '#domain/lead/actions';
import { STAGES } from '#domain/lead/types';
import { candidatesFor } from '#domain/nurture/enrollment';
import { deals as demoDeals } from '../../../config/deals.ts';
import { handoff as demoHandoff } from '../../../config/handoff.ts';

const HOUR = 3_600_000;
const NOW = Date.UTC(2025, 4, 12, 1, 0);
const demo: HandoffConfig = handoffConfigSchema.parse(demoHandoff);
const dealsConfig = dealsConfigSchema.parse(demoDeals);
const ctx: OwnerContext = { policy: demo, roundRobin: {}, recent: [] };

const warmMql = (overrides: Partial<HandoffLead> = {}): HandoffLead => ({
  leadId: 'lead-1',
  attributes: {
    email: 'taro@example.co.jp',
    lastName: '山田',
    company: '株式会社テスト',
    employees: '300-999',
  },
  score: { fit: 21, behaviour: 30, total: 51 },
  temperature: 'warm',
  stage: 'mql',
  ...overrides,
});

const open = (overrides: Partial<HandoffState> = {}): HandoffState => ({
  n: 1,
  owner: { ownerId: 'suzuki', name: '鈴木 花子', email: 'h.suzuki@example.co.jp', team: 'smb' },
  rule: null,
  startedAt: NOW - HOUR,
  dueAt: NOW + 23 * HOUR,
  reassignments: 0,
  previousOwnerIds: [],
  ...overrides,
});

const decide = (lead: HandoffLead, action: HandoffLeadAction) => decideLeadAction(lead, action, NOW, ctx);
const ownerEmail = (ownerId: string): string =>
  demo.owners.find((o) => o.ownerId === ownerId)?.email.toUpperCase() ?? `${ownerId}: no such demo owner`;

describe('planHandoff with an opening (fast lane, by hand, by accept)', () => {
  it('given a warm lead the score trigger ignores, when an inquiry opens it, then it is handed off with trigger and reason on the event', () => {
    const lead = warmMql({ stage: 'lead', score: { fit: 23, behaviour: 50, total: 73 } });
    expect(planHandoff(lead, demo, {}, [], NOW).ok).toBe(false);
    const plan = planHandoff(lead, demo, {}, [], NOW, {
      trigger: 'inquiry',
      reason: "inquiry form 'contact'",
    });
    if (!plan.ok) throw new Error(plan.message);
    expect(plan.stage).toBe('mql');
    const handedOff = plan.events.find((e) => e.detailType === 'Lead Handed Off');
    expect(handedOff?.detail).toMatchObject({ trigger: 'inquiry', reason: "inquiry form 'contact'" });
    expect(plan.events.find((e) => e.detailType === 'Lead Assigned')?.detail).toMatchObject({
      reason: 'handoff',
    });
  });

  it('given any stage and hand-off, when an opening is tried, then it opens only when no hand-off is open and sales does not own the lead', () => {
    fc.assert(
      fc.property(fc.constantFrom(...STAGES), fc.boolean(), (stage, withOpen) => {
        const lead = warmMql({ stage, ...(withOpen ? { handoff: open() } : {}) });
        const plan = planHandoff(lead, demo, {}, [], NOW, { trigger: 'manual', reason: 'x' });
        const allowed = !withOpen && ['subscriber', 'lead', 'mql', 'recycled'].includes(stage);
        expect(plan.ok).toBe(allowed);
      }),
    );
  });
});

describe('decideLeadAction: manual hand-off and reassignment', () => {
  it('given a warm MQL, when handed off by hand to a named owner, then the owner has it, Lead Assigned says manual and an SLA timer is armed', () => {
    const d = decide(warmMql(), { action: 'handoff', actionId: 'h', ownerId: 'tanaka', reason: '関西' });
    if (!d.ok) throw new Error(d.message);
    expect(d.handoff?.owner.ownerId).toBe('tanaka');
    expect(d.events.map((e) => e.detailType)).toEqual(['Lead Assigned', 'Lead Handed Off']);
    expect(d.events[0]?.detail).toMatchObject({ reason: 'manual' });
    expect(d.slaTimer).toEqual({ n: 1, at: d.handoff?.dueAt });
    expect(d.slaCounters).toEqual(['started']);
    expect(d.roundRobinState?.tanaka).toBeGreaterThanOrEqual(NOW);
  });

  it('given refusals, when decided, then the code and message say why', () => {
    expect(
      decide(warmMql({ handoff: open() }), { action: 'handoff', actionId: 'h', reason: 'x' }),
    ).toMatchObject({
      ok: false,
      code: 'invalid_transition',
      message: expect.stringMatching(/already has an open hand-off/),
    });
    expect(
      decide(warmMql(), { action: 'handoff', actionId: 'h', ownerId: 'ghost', reason: 'x' }),
    ).toMatchObject({
      ok: false,
      code: 'unknown_owner',
      field: 'ownerId',
    });
    expect(decide(warmMql(), { action: 'reassign', actionId: 'r', reason: 'x' })).toMatchObject({
      ok: false,
      message: expect.stringMatching(/no open hand-off to reassign/),
    });
    expect(
      decide(warmMql({ handoff: open() }), {
        action: 'reassign',
        actionId: 'r',
        ownerId: 'suzuki',
        reason: 'x',
      }),
    ).toMatchObject({ ok: false, message: "lead is already owned by 'suzuki'" });
  });

  it('given an open hand-off, when reassigned without a named owner, then the rules pick someone other than the current owner and the SLA clock restarts', () => {
    const d = decide(warmMql({ handoff: open() }), { action: 'reassign', actionId: 'r', reason: '不在' });
    if (!d.ok) throw new Error(d.message);
    expect(d.handoff?.owner.ownerId).toBe('takahashi');
    expect(d.handoff).toMatchObject({ reassignments: 1, previousOwnerIds: ['suzuki'], startedAt: NOW });
    // The accept clock restarts for the new owner (the demo's SLA: 4 business hours) and the timer fires at it.
    expect(d.handoff?.dueAt).toBeGreaterThan(NOW);
    expect(d.slaTimer).toEqual({ n: 1, at: d.handoff?.dueAt });
    expect(d.events[0]?.detail).toMatchObject({
      eventId: 'lead-1:assign:1:1',
      reason: 'manual',
      previousOwner: { ownerId: 'suzuki' },
    });
  });
});

describe('decideLeadAction: a manual reassignment is not an SLA escalation', () => {
  it('given maxReassignments 1 and a manager who reassigned the lead by hand, when the new owner misses the accept SLA, then the timer still reassigns it once (and only once)', () => {
    // Arrange: an inside-sales hand-off (three colleagues), reassigned by hand from kobayashi to nakamura.
    const inside = open({
      owner: { ownerId: 'kobayashi', name: '小林', email: 'kobayashi@example.co.jp', team: 'inside-sales' },
    });
    const manual = decide(warmMql({ handoff: inside }), {
      action: 'reassign',
      actionId: 'r',
      reason: '不在',
      ownerId: 'nakamura',
    });
    if (!manual.ok || !manual.handoff) throw new Error('expected a reassignment');
    expect(demo.sla.maxReassignments).toBe(1);

    // Act: nakamura's own deadline passes, then the next owner's too.
    const late = manual.handoff.dueAt + 1;
    const first = onSlaTimer(warmMql(), manual.handoff, demo.sla, demo, {}, late);
    if (!first.due) throw new Error('expected a breach');
    const second = onSlaTimer(warmMql(), first.handoff, demo.sla, demo, {}, first.handoff.dueAt + 1);

    // Assert: the escalation the config allows still happened, to the colleague nobody held before.
    expect(first).toMatchObject({ action: 'reassign', reassignTo: { ownerId: 'yoshida' } });
    expect(first.handoff).toMatchObject({ reassignments: 2, slaReassignments: 1 });
    expect(first.events.find((e) => e.detailType === 'Lead Assigned')?.detail.eventId).toBe(
      'lead-1:assign:1:2',
    );
    expect(second).toMatchObject({ due: true, action: 'notify' });
  });
});

describe('decideLeadAction: reassignment stays in the owner’s team', () => {
  it('given an inside-sales hand-off of a lead the assignment rules would give to field sales, when reassigned without a named owner, then an inside-sales colleague gets it; nobody left in the team is 409', () => {
    // Arrange
    const kobayashi = {
      ownerId: 'kobayashi',
      name: '小林 直樹',
      email: 'n.kobayashi@example.co.jp',
      team: 'inside-sales',
    };
    const lead = warmMql({ handoff: open({ owner: kobayashi, trigger: 'hot' }) });
    const reassign = { action: 'reassign', actionId: 'r', reason: '不在' } as const;
    const alone: OwnerContext = {
      ...ctx,
      policy: {
        ...demo,
        owners: demo.owners.map((o) =>
          o.team === 'inside-sales' && o.ownerId !== 'kobayashi' ? { ...o, available: false } : o,
        ),
      },
    };

    // Act
    const d = decide(lead, reassign);
    const none = decideLeadAction(lead, reassign, NOW, alone);

    // Assert
    if (!d.ok) throw new Error(d.message);
    expect(d.handoff?.owner).toMatchObject({ ownerId: 'nakamura', team: 'inside-sales' });
    expect(none).toMatchObject({ ok: false, code: 'no_owner_available' });
  });
});

describe('decideLeadAction: a reassignment after a deadline the sweeper has not seen yet', () => {
  it("given the owner's accept deadline passed unhandled, when reassigned, then the breach is published and counted against that owner, once, and the new owner's clock starts fresh", () => {
    // Arrange: suzuki's accept deadline passed an hour ago; no SLA timer has fired yet
    const late = open({ startedAt: NOW - 6 * HOUR, dueAt: NOW - HOUR });
    const reassign = { action: 'reassign', actionId: 'r', reason: '不在', ownerId: 'takahashi' } as const;

    // Act
    const d = decide(warmMql({ handoff: late }), reassign);

    // Assert
    if (!d.ok) throw new Error(d.message);
    expect(d.events.map((e) => e.detailType)).toEqual(['Lead SLA Breached', 'Lead Assigned']);
    expect(d.events[0]?.detail).toMatchObject({
      eventId: 'lead-1:sla:1:0',
      clock: 'accept',
      owner: { ownerId: 'suzuki' },
      dueAt: new Date(NOW - HOUR).toISOString(),
      escalation: { action: 'reassign', reassignTo: { ownerId: 'takahashi' } },
    });
    expect(d.slaCounters).toEqual(['breached']);
    expect(d.handoff).toMatchObject({
      owner: { ownerId: 'takahashi' },
      breachedAt: NOW,
      lastBreachedDueAt: NOW - HOUR,
    });
    expect(d.handoff?.dueAt).toBeGreaterThan(NOW);
    // Reassigned again before takahashi's deadline: nothing more to count.
    const again = decideLeadAction(
      warmMql({ handoff: d.handoff }),
      { ...reassign, actionId: 'r2', ownerId: 'suzuki' },
      NOW + 1,
      ctx,
    );
    expect(again.ok && again.events.map((e) => e.detailType)).toEqual(['Lead Assigned']);
    expect(again.ok && again.slaCounters).toEqual([]);
  });
});

describe('decideLeadAction: a close after a deadline the sweeper has not seen yet', () => {
  it("given the owner's accept and first-contact deadlines passed unhandled, when the lead is recycled, then both breaches are published and counted against that owner, once, and the timer goes", () => {
    // Arrange: suzuki neither accepted nor called; both deadlines passed; no SLA timer has fired yet
    const late = open({ startedAt: NOW - 30 * HOUR, dueAt: NOW - 2 * HOUR, firstContactDueAt: NOW - HOUR });
    const recycle = { action: 'recycle', actionId: 'rc', reason: '予算は来期' } as const;

    // Act
    const d = decide(warmMql({ handoff: late }), recycle);
    const inTime = decide(warmMql({ handoff: open() }), recycle);

    // Assert
    if (!d.ok) throw new Error(d.message);
    expect(d.events.map((e) => [e.detailType, e.detail.eventId])).toEqual([
      ['Lead SLA Breached', 'lead-1:sla:1:0'],
      ['Lead SLA Breached', 'lead-1:sla-first-contact:1:0'],
      ['Lead Recycled', 'lead-1:recycle:rc'],
      ['Lead Stage Changed', 'lead-1:stage:recycle:rc'],
    ]);
    expect(d.events[0]?.detail).toMatchObject({
      owner: { ownerId: 'suzuki' },
      escalation: { action: 'notify' },
    });
    expect(d.slaCounters).toEqual(['breached', 'firstContactBreached']);
    expect(d.handoff).toMatchObject({ closedAt: NOW, lastBreachedDueAt: NOW - 2 * HOUR });
    expect(d.slaTimer).toBe('clear');
    // Closed before its deadlines: nothing to count.
    expect(inTime.ok && inTime.events.map((e) => e.detailType)).toEqual([
      'Lead Recycled',
      'Lead Stage Changed',
    ]);
    expect(inTime.ok && inTime.slaCounters).toEqual([]);
  });

  it('given an accepted owner who never called and whose first-contact deadline passed unseen, when the deal is lost, then the first-contact breach is published and counted, once', () => {
    // Arrange: accepted in time, no first contact; the opportunity is open
    const accepted = open({ acceptedAt: NOW - 20 * HOUR, firstContactDueAt: NOW - HOUR });
    const lead = { ...warmMql({ stage: 'opportunity', handoff: accepted }), channel: 'direct' as const };
    const created = decideDealAction(
      { ...lead, stage: 'sql' },
      emptyDeal(lead.leadId),
      {
        action: 'convert',
        actionId: 'c',
        amount: 1_000_000,
        currency: 'JPY',
        expectedCloseDate: '2025-09-30',
      },
      { deals: dealsConfig, recycle: demo.recycle },
      NOW - 2 * HOUR,
    );
    if (!created.ok) throw new Error(created.message);

    // Act
    const lost = decideDealAction(
      lead,
      created.deal,
      { action: 'opportunity', actionId: 'l', phase: 'lost', reason: '価格' },
      { deals: dealsConfig, recycle: demo.recycle },
      NOW,
    );

    // Assert
    if (!lost.ok) throw new Error(lost.message);
    expect(lost.events[0]?.detail).toMatchObject({
      eventId: 'lead-1:sla-first-contact:1:0',
      clock: 'first_contact',
      owner: { ownerId: 'suzuki' },
      escalation: { action: 'notify' },
    });
    expect(lost.events.filter((e) => e.detailType === 'Lead SLA Breached')).toHaveLength(1);
    expect(lost.slaCounters).toEqual(['firstContactBreached']);
    expect(lost.handoff).toMatchObject({ closedAt: NOW, lastFirstContactBreachedDueAt: NOW - HOUR });
  });
});

describe('decideLeadAction: accept without an open hand-off', () => {
  it('given a warm MQL without a hand-off, when an owner accepts (by e-mail), then the hand-off opens for them and is accepted in the same decision', () => {
    const d = decide(warmMql(), { action: 'accept', actionId: 'a', by: 'M.Ito@example.co.jp' });
    if (!d.ok) throw new Error(d.message);
    expect(d.stage).toBe('sal');
    expect(d.handoff).toMatchObject({ n: 1, owner: { ownerId: 'ito' }, acceptedAt: NOW });
    expect(d.events.map((e) => e.detailType)).toEqual([
      'Lead Assigned',
      'Lead Handed Off',
      'Lead Accepted',
      'Lead Stage Changed',
    ]);
    expect(d.events[1]?.detail).toMatchObject({ trigger: 'accept' });
    // Accepted at once, but the first-contact clock runs on: the timer stays armed for its deadline.
    expect(d.handoff?.firstContactDueAt).toBeGreaterThan(NOW);
    expect(d.slaTimer).toEqual({ n: 1, at: d.handoff?.firstContactDueAt });
    expect(d.slaCounters).toEqual(['started', 'met']);
  });

  it('given a lead below MQL, when accepted by its owner, then it moves lead → MQL → SAL in order', () => {
    const d = decide(warmMql({ stage: 'lead' }), { action: 'accept', actionId: 'a', ownerId: 'sato' });
    if (!d.ok) throw new Error(d.message);
    expect(d.transitions.map((t) => `${t.from}>${t.to}`)).toEqual(['lead>mql', 'mql>sal']);
  });

  it('given no hand-off and no owner named, when accepted, then 409 explains how to take the lead', () => {
    expect(decide(warmMql(), { action: 'accept', actionId: 'a', by: 'someone' })).toMatchObject({
      ok: false,
      message: expect.stringMatching(/no open hand-off to accept; name the accepting owner/),
    });
  });

  it('given another owner’s open hand-off, when an owner accepts it (named by ownerId or only by their own token), then they take it over and accept; someone who is no owner accepts it for its holder', () => {
    const taken = decide(warmMql({ handoff: open() }), { action: 'accept', actionId: 'a', ownerId: 'ito' });
    if (!taken.ok) throw new Error(taken.message);
    expect(taken.handoff).toMatchObject({ owner: { ownerId: 'ito' }, acceptedAt: NOW, reassignments: 1 });
    expect(taken.events.map((e) => e.detailType)).toEqual([
      'Lead Assigned',
      'Lead Accepted',
      'Lead Stage Changed',
    ]);
    expect(taken.slaTimer).toBe('clear');
    // The token's owner (by id or by e-mail): the same take-over, never an accept in the colleague's name.
    for (const by of ['ito', 'ITO', ownerEmail('ito')]) {
      const byToken = decide(warmMql({ handoff: open() }), { action: 'accept', actionId: 'a', by });
      if (!byToken.ok) throw new Error(byToken.message);
      expect(byToken.handoff).toMatchObject({ owner: { ownerId: 'ito' }, acceptedAt: NOW, reassignments: 1 });
      expect(byToken.events.map((e) => e.detailType)).toEqual(taken.events.map((e) => e.detailType));
    }
    // The holder's own accept is no take-over.
    const own = decide(warmMql({ handoff: open() }), { action: 'accept', actionId: 'a', by: 'suzuki' });
    if (!own.ok) throw new Error(own.message);
    expect(own.handoff).toMatchObject({ owner: { ownerId: 'suzuki' }, acceptedAt: NOW, reassignments: 0 });
    // Ops or a manager who is no sales owner accepts for the holder.
    const asIs = decide(warmMql({ handoff: open() }), { action: 'accept', actionId: 'a', by: 'ops' });
    if (!asIs.ok) throw new Error(asIs.message);
    expect(asIs.handoff).toMatchObject({ owner: { ownerId: 'suzuki' }, acceptedAt: NOW });
    // An owner marked away is refused, by token as by ownerId: neither a take-over nor an accept for the holder.
    const away: OwnerContext = {
      ...ctx,
      policy: {
        ...demo,
        owners: demo.owners.map((o) => (o.ownerId === 'ito' ? { ...o, available: false } : o)),
      },
    };
    for (const named of [{ by: 'ito' }, { ownerId: 'ito' }]) {
      const refused = decideLeadAction(
        warmMql({ handoff: open() }),
        { action: 'accept', actionId: 'a', ...named },
        NOW,
        away,
      );
      expect(refused).toMatchObject({ ok: false, code: 'invalid_transition' });
    }
  });
});

describe('lead action bodies', () => {
  it('given handoff and reassign bodies, when parsed, then reason is required and ownerId is checked', () => {
    expect(leadActionSchema().safeParse({ action: 'handoff', actionId: 'h' }).success).toBe(false);
    expect(
      leadActionSchema().safeParse({ action: 'reassign', actionId: 'r', reason: 'x', ownerId: 'a b' })
        .success,
    ).toBe(false);
    expect(leadActionSchema().safeParse({ action: 'handoff', actionId: 'h', reason: '電話' }).success).toBe(
      true,
    );
  });
});

describe('enrollment of an inquiry form', () => {
  const sequences = [
    {
      id: 'wp',
      entry: { kind: 'form' as const, formIds: ['contact', 'whitepaper'] },
      reentry: 'after_exit' as const,
    },
    { id: 'ack', entry: { kind: 'form' as const, formIds: [] }, reentry: 'after_exit' as const },
  ];
  it('given a fast-lane form, when captured, then only the sequences it names start (not those whose entry names it)', () => {
    const signal = { kind: 'captured' as const, eventId: 'e', leadId: 'l', formId: 'contact' };
    const fast = candidatesFor(signal, {
      sequences,
      forms: [{ id: 'contact', sequenceIds: ['ack'], handoff: 'immediate' }],
    });
    expect(fast.map((c) => c.sequence.id)).toEqual(['ack']);
    const normal = candidatesFor(signal, { sequences, forms: [{ id: 'contact', sequenceIds: ['ack'] }] });
    expect(normal.map((c) => c.sequence.id)).toEqual(['wp', 'ack']);
  });
});

describe('the inquiry fast lane rule', () => {
  it('given the demo forms, when events reach the leads bus, then only captures of the contact form go to the hand-off', async () => {
    const { eventRules } = await import('../../../infra/catalog.ts');
    const { matchesPattern } = await import('#local/event-pattern');
    const rule = eventRules().find((r) => r.name === 'handoff-inquiry');
    expect(rule?.functionName).toBe('handoff');
    const captured = (formId: string | undefined) => ({
      source: 'leadloop.leads',
      'detail-type': 'Lead Captured',
      detail: { leadId: 'l', ...(formId ? { formId } : {}) },
    });
    expect(matchesPattern(rule?.pattern ?? {}, captured('contact'))).toBe(true);
    expect(matchesPattern(rule?.pattern ?? {}, captured('whitepaper'))).toBe(false);
    expect(matchesPattern(rule?.pattern ?? {}, captured(undefined))).toBe(false);
    const { inquiryHandoffRules } = await import('../../../infra/catalog.ts');
    expect(inquiryHandoffRules([{ id: 'whitepaper', handoff: 'score' }, { id: 'webinar' }])).toEqual([]);
  });
});

describe('availableLeadActions', () => {
  const handoffs: [string, HandoffState | undefined][] = [
    ['no hand-off', undefined],
    ['an open hand-off', open()],
    ['an accepted hand-off', open({ acceptedAt: NOW - HOUR / 2 })],
    ['a closed hand-off', open({ acceptedAt: NOW - HOUR / 2, closedAt: NOW - HOUR / 4 })],
  ];
  // sato names himself: an accept with no open hand-off opens one for him, one with suzuki's open takes it over
  const actions: HandoffLeadAction[] = [
    { action: 'accept', actionId: 'a-1', ownerId: 'sato' },
    { action: 'disqualify', actionId: 'd-1', reason: '予算なし' },
    { action: 'recycle', actionId: 'r-1', reason: '来期' },
    { action: 'handoff', actionId: 'h-1', reason: '展示会で名刺交換', ownerId: 'sato' },
    { action: 'reassign', actionId: 'm-1', reason: '担当替え', ownerId: 'sato' },
  ];
  it.each(STAGES.flatMap((stage) => handoffs.map(([name, handoff]) => [stage, name, handoff] as const)))(
    'given a lead in %s with %s, then it lists exactly the lead actions decideLeadAction takes',
    (stage, _name, handoff) => {
      // Arrange
      const lead = warmMql({ stage, ...(handoff ? { handoff } : {}) });

      // Act
      const listed = availableLeadActions(lead).filter(
        (a) => a !== 'qualify' && a !== 'convert' && a !== 'bantch',
      );

      // Assert (qualify and convert are the transition table's, tested with it; bantch is the deal path's)
      const taken = actions.filter((action) => decide(lead, action).ok).map((action) => action.action);
      expect(listed).toEqual(taken);
    },
  );
  it.each(STAGES.flatMap((stage) => handoffs.map(([name, handoff]) => [stage, name, handoff] as const)))(
    'given a lead in %s with %s, then it lists bantch exactly where the deal decision takes it',
    (stage, _name, handoff) => {
      // Arrange
      const lead = warmMql({ stage, ...(handoff ? { handoff } : {}) });
      const deals = { deals: dealsConfig, recycle: { nurtureAfterDays: 30, sequenceId: 'recycle-nurture' } };

      // Act
      const listed = availableLeadActions(lead).includes('bantch');

      // Assert
      const taken = decideDealAction(
        { ...lead, channel: 'direct' },
        emptyDeal(lead.leadId),
        { action: 'bantch', actionId: 'b-1', bant: { budget: '年間500万円' } },
        deals,
        NOW,
      ).ok;
      expect(listed).toBe(taken);
    },
  );
});
