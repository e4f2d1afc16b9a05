import { describe, expect, it } from 'vitest';
import { dealsConfigSchema } from '#config/deals';
import { crmSyncDueAt, crmSyncWanted } from '#domain/deals/crm-sync';
import { decideDealAction } from '#domain/deals/deal-actions';
import {
  createOpportunity,
  type DealRecord,
  emptyDeal,
  mergeBantch,
  missingBantch,
  moveOpportunityPhase,
} from '#domain/deals/opportunity';
import { deals as demoDeals } from '../../../config/deals.ts';

const config = dealsConfigSchema.parse(demoDeals);
const NOW = Date.UTC(2026, 11, 4, 1, 0);
const DAY = 86_400_000;

const opened = (): DealRecord => {
  const r = createOpportunity(
    emptyDeal('lead-1'),
    { actionId: 'c1', amount: 1_000_000, currency: 'JPY', expectedCloseDate: '2027-03-31' },
    config,
    NOW,
  );
  if (!r.ok) throw new Error(r.message);
  return r.value.deal;
};

describe('opportunity phases', () => {
  it('given no opportunity, when one is created, then it opens in the first configured phase with its default probability', () => {
    const deal = opened();
    expect(deal.opportunities).toHaveLength(1);
    expect(deal.opportunities[0]).toMatchObject({
      opportunityId: 'lead-1:1',
      status: 'open',
      phase: 'first_meeting',
      probability: 10,
    });
    expect(deal.version).toBe(1);
  });

  it('given an open opportunity, when another is created, then it is refused as a conflict', () => {
    const r = createOpportunity(
      opened(),
      { actionId: 'c2', amount: 1, currency: 'JPY', expectedCloseDate: '2027-03-31' },
      config,
      NOW,
    );
    expect(r).toMatchObject({ ok: false, code: 'conflict' });
  });

  it.each([
    ['proposal', 'open', 30, 'opportunity'],
    ['negotiation', 'open', 70, 'opportunity'],
    ['won', 'won', 100, 'customer'],
  ] as const)(
    'given an open opportunity, when moved to %s, then it is %s at %i%% and the lead is %s',
    (phase, status, probability, stage) => {
      const r = moveOpportunityPhase(opened(), 'opportunity', { actionId: 'm', phase }, config, NOW);
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      expect(r.value.opportunity).toMatchObject({ status, phase, probability });
      expect(r.value.stage).toBe(stage);
      expect(r.value.opportunity.phaseHistory.map((h) => [h.from, h.to])).toEqual([
        [null, 'first_meeting'],
        ['first_meeting', phase],
      ]);
    },
  );

  it('given an open opportunity, when lost with a reason, then it closes lost, the lead is recycled and nurture waits the configured days', () => {
    const r = moveOpportunityPhase(
      opened(),
      'opportunity',
      { actionId: 'l', phase: 'lost', reason: ' 予算凍結 ', competitor: '競合A社' },
      config,
      NOW,
    );
    expect(r).toMatchObject({
      ok: true,
      value: {
        stage: 'recycled',
        nurtureAt: NOW + 90 * DAY,
        opportunity: { status: 'lost', lostReason: '予算凍結', competitor: '競合A社', probability: 0 },
      },
    });
  });

  it('given an opportunity, when lost without a reason or moved to an unknown phase, then the field is named', () => {
    expect(
      moveOpportunityPhase(opened(), 'opportunity', { actionId: 'x', phase: 'lost' }, config, NOW),
    ).toMatchObject({
      ok: false,
      code: 'invalid',
      field: 'reason',
    });
    expect(
      moveOpportunityPhase(opened(), 'opportunity', { actionId: 'x', phase: 'closing' }, config, NOW),
    ).toMatchObject({
      ok: false,
      code: 'invalid',
      field: 'phase',
    });
  });

  it('given a won or lost opportunity or none, when a phase move comes, then it is a conflict', () => {
    const won = moveOpportunityPhase(opened(), 'opportunity', { actionId: 'w', phase: 'won' }, config, NOW);
    if (!won.ok) throw new Error('won refused');
    for (const deal of [won.value.deal, emptyDeal('lead-1')]) {
      expect(
        moveOpportunityPhase(deal, 'customer', { actionId: 'p', phase: 'proposal' }, config, NOW),
      ).toMatchObject({
        ok: false,
        code: 'conflict',
      });
    }
  });

  it('given a lost opportunity, when the lead converts again later, then a second opportunity opens and the first stays in the history', () => {
    const lost = moveOpportunityPhase(
      opened(),
      'opportunity',
      { actionId: 'l', phase: 'lost', reason: '時期' },
      config,
      NOW,
    );
    if (!lost.ok) throw new Error('lost refused');
    const again = createOpportunity(
      lost.value.deal,
      { actionId: 'c2', amount: 2, currency: 'JPY', expectedCloseDate: '2027-09-30', phase: 'proposal' },
      config,
      NOW + DAY,
    );
    expect(again).toMatchObject({ ok: true, value: { opportunity: { n: 2, phase: 'proposal' } } });
    if (again.ok) expect(again.value.deal.opportunities.map((o) => o.status)).toEqual(['lost', 'open']);
  });
});

describe('BANTCH', () => {
  it('given the demo requirement, when items are missing or blank, then exactly those are named in order', () => {
    expect(missingBantch({ budget: '500万円', needs: '  ' }, config.requiredForSql)).toEqual([
      'authority',
      'needs',
      'timing',
    ]);
    expect(
      missingBantch({ budget: 'a', authority: 'b', needs: 'c', timing: 'd' }, config.requiredForSql),
    ).toEqual([]);
    expect(missingBantch(undefined, [])).toEqual([]);
  });

  it('given BANTCH kept from an earlier qualify, when a new one gives some items, then the others are kept', () => {
    expect(
      mergeBantch({ budget: '500万円', competitor: 'A社' }, { budget: '800万円', timing: '下期' }),
    ).toEqual({
      budget: '800万円',
      competitor: 'A社',
      timing: '下期',
    });
  });

  it('given a SAL lead, when qualify lacks required BANTCH, then 422-material names the fields; a MQL lead is refused by the transition first', () => {
    const lead = { leadId: 'lead-1', stage: 'sal' as const, channel: 'event' as const };
    const action = { action: 'qualify' as const, actionId: 'q', bant: { budget: '500万円' } };
    const cfg = { deals: config, recycle: { nurtureAfterDays: 30, sequenceId: 'recycle-nurture' } };
    expect(decideDealAction(lead, emptyDeal('lead-1'), action, cfg, NOW)).toMatchObject({
      ok: false,
      code: 'bantch_incomplete',
      missing: ['authority', 'needs', 'timing'],
    });
    expect(decideDealAction({ ...lead, stage: 'mql' }, emptyDeal('lead-1'), action, cfg, NOW)).toMatchObject({
      ok: false,
      code: 'invalid_transition',
    });
  });

  it('given a config naming won as a phase or a duplicate, when parsed, then it is rejected', () => {
    expect(
      dealsConfigSchema.safeParse({ phases: [{ id: 'won', label: '受注', probability: 100 }] }).success,
    ).toBe(false);
    expect(
      dealsConfigSchema.safeParse({
        phases: [
          { id: 'a', label: 'A', probability: 1 },
          { id: 'a', label: 'B', probability: 2 },
        ],
      }).success,
    ).toBe(false);
  });
});

describe('CRM sync coalescing rules', () => {
  it('given changes sales cares about, when the lead is handed off, then they trigger; before the hand-off or other events, not', () => {
    const handedOff = { handoff: {} as never };
    for (const t of [
      'Lead Stage Changed',
      'Lead Assigned',
      'Lead Temperature Changed',
      'Lead Unsubscribed',
      'Opportunity Phase Changed',
    ])
      expect(crmSyncWanted(t, handedOff)).toBe(true);
    expect(crmSyncWanted('Lead Stage Changed', {})).toBe(false);
    expect(crmSyncWanted('Lead Stage Changed', undefined)).toBe(false);
    expect(crmSyncWanted('Lead Captured', handedOff)).toBe(false);
  });

  it('given the default interval, when a change happens, then the update is due 15 minutes later', () => {
    expect(crmSyncDueAt(NOW, config)).toBe(NOW + 15 * 60_000);
    expect(dealsConfigSchema.parse({ phases: config.phases }).crmSyncIntervalMinutes).toBe(15);
  });
});
