/**
 * `bantch`: BANTCH items recorded across several calls, merged into the deal, the stage unchanged; a later
 * qualify needs only the items still missing. The decision (decideDealAction), the body's schema and the
 * replay rule the use case answers a repeated actionId with.
 */
import { describe, expect, it } from 'vitest';
import { replayOf } from '#app/action-replay';
import { dealsConfigSchema } from '#config/deals';
import { type DealLead, decideDealAction } from '#domain/deals/deal-actions';
import { type DealRecord, emptyDeal } from '#domain/deals/opportunity';
import type { HandoffState } from '#domain/handoff/sla';
import {
  ACTION_SCHEMAS,
  type BantchAction,
  bantchActionSchema,
  leadActionSchema,
} from '#domain/lead/actions';
import { STAGES } from '#domain/lead/types';
import { deals as demoDeals } from '../../../config/deals.ts';

const NOW = Date.UTC(2026, 11, 4, 1, 0);
const cfg = {
  deals: dealsConfigSchema.parse(demoDeals),
  recycle: { nurtureAfterDays: 30, sequenceId: 'recycle-nurture' },
};
const accepted: HandoffState = {
  n: 1,
  owner: { ownerId: 'sato', name: '佐藤 健', email: 'k.sato@example.co.jp', team: 'enterprise' },
  rule: null,
  startedAt: NOW - 3_600_000,
  dueAt: NOW + 3_600_000,
  acceptedAt: NOW - 1_800_000,
  reassignments: 0,
  previousOwnerIds: [],
};
const sal: DealLead = { leadId: 'lead-1', stage: 'sal', channel: 'direct', handoff: accepted };
const bantch = (bant: BantchAction['bant'], extra: Partial<BantchAction> = {}): BantchAction => ({
  action: 'bantch',
  actionId: 'b-1',
  bant,
  ...extra,
});
const dealWith = (kept: DealRecord['bantch']): DealRecord => ({
  ...emptyDeal('lead-1'),
  ...(kept ? { bantch: kept } : {}),
  updatedAt: NOW - 86_400_000,
  version: 3,
});

describe('bantch: the decision', () => {
  it('given BANTCH from an earlier call, when sales records some items, then they are merged over it, the stage and hand-off stay, nothing is announced and SQL still lacks the rest', () => {
    // Arrange
    const deal = dealWith({ budget: '未定', competitor: 'A社' });

    // Act
    const decided = decideDealAction(
      sal,
      deal,
      bantch({ budget: '年間500万円', authority: '情報システム部長' }, { by: 'sato', note: '2回目の電話' }),
      cfg,
      NOW,
    );

    // Assert
    expect(decided).toMatchObject({ ok: true, stage: 'sal', handoff: accepted, events: [] });
    if (!decided.ok) throw new Error(decided.message);
    expect(decided.transition).toBeUndefined();
    expect(decided.deal).toEqual({
      ...deal,
      bantch: { budget: '年間500万円', authority: '情報システム部長', competitor: 'A社' },
      updatedAt: NOW,
      version: 4,
    });
    expect(decided.missingForSql).toEqual(['needs', 'timing']);
    expect(decided.timeline).toEqual([
      {
        eventId: 'lead-1:bantch:b-1',
        type: 'bantch_recorded',
        occurredAt: NOW,
        points: 0,
        rule: null,
        properties: { items: 'budget,authority', by: 'sato', note: '2回目の電話' },
      },
    ]);
  });

  it('given BANTCH saved on earlier calls, when sales qualifies with only the missing items, then the lead is SQL with all of them', () => {
    // Arrange: call 1 and call 2 record, each on the deal the one before left
    const first = decideDealAction(sal, emptyDeal('lead-1'), bantch({ budget: '500万円' }), cfg, NOW);
    if (!first.ok) throw new Error(first.message);
    const second = decideDealAction(
      sal,
      first.deal,
      bantch({ authority: '部長', needs: '連携' }, { actionId: 'b-2' }),
      cfg,
      NOW,
    );
    if (!second.ok) throw new Error(second.message);

    // Act
    const qualified = decideDealAction(
      sal,
      second.deal,
      { action: 'qualify', actionId: 'q-1', bant: { timing: '2027年4月' } },
      cfg,
      NOW,
    );

    // Assert
    expect(first.missingForSql).toEqual(['authority', 'needs', 'timing']);
    expect(second.missingForSql).toEqual(['timing']);
    const all = { budget: '500万円', authority: '部長', needs: '連携', timing: '2027年4月' };
    expect(qualified).toMatchObject({ ok: true, stage: 'sql', deal: { bantch: all } });
    // The CRM gets the whole BANTCH with Lead Qualified, not only the item this qualify gave
    if (!qualified.ok) throw new Error(qualified.message);
    const event = qualified.events.find((e) => e.detailType === 'Lead Qualified');
    expect(event?.detail).toMatchObject({ bant: all });
  });

  it('given every required item recorded, then nothing is missing for SQL (and the stage still stays)', () => {
    const decided = decideDealAction(
      sal,
      dealWith({ budget: 'a', authority: 'b', needs: 'c' }),
      bantch({ timing: 'd' }),
      cfg,
      NOW,
    );
    expect(decided).toMatchObject({ ok: true, stage: 'sal', missingForSql: [] });
  });

  const WORKED = ['subscriber', 'lead', 'mql', 'tql', 'sal', 'sql', 'opportunity', 'recycled'];
  it.each(STAGES)('given a lead in %s, then bantch is taken only while the lead is worked', (stage) => {
    // Act
    const decided = decideDealAction(
      { ...sal, stage },
      dealWith({ budget: '未定' }),
      bantch({ timing: '下期' }),
      cfg,
      NOW,
    );

    // Assert
    if (WORKED.includes(stage)) {
      expect(decided).toMatchObject({
        ok: true,
        stage,
        deal: { bantch: { budget: '未定', timing: '下期' } },
      });
    } else {
      expect(decided).toEqual({
        ok: false,
        code: 'invalid_transition',
        message: expect.stringContaining(`cannot record BANTCH on a lead in stage '${stage}'`),
      });
    }
  });
});

describe('bantch: the body', () => {
  const parse = (body: unknown) => bantchActionSchema().safeParse(body);

  it('given one item or several, when parsed, then they are kept trimmed and the others stay undefined', () => {
    const parsed = parse({ action: 'bantch', actionId: 'b-1', bant: { budget: ' 500万円 ' }, by: 'sato' });
    expect(parsed.success).toBe(true);
    expect(parsed.data).toEqual({
      action: 'bantch',
      actionId: 'b-1',
      bant: { budget: '500万円' },
      by: 'sato',
    });
  });

  it.each([
    ['an empty bant', { bant: {} }, 'bant'],
    ['no bant', {}, 'bant'],
    ['an unknown item', { bant: { budjet: '1' } }, 'bant'],
    ['a blank item', { bant: { timing: '   ' } }, 'bant.timing'],
    ['an item too long', { bant: { needs: 'x'.repeat(501) } }, 'bant.needs'],
  ])('given %s, when parsed, then it is refused naming %s', (_name, body, field) => {
    // Act
    const parsed = parse({ action: 'bantch', actionId: 'b-1', ...body });

    // Assert
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.path.join('.'))).toEqual([field]);
    expect(parsed.error?.issues).toHaveLength(1);
  });

  it('given an empty bant, then the message says what to give', () => {
    expect(parse({ action: 'bantch', actionId: 'b-1', bant: {} }).error?.issues[0]?.message).toMatch(
      /at least one BANTCH item/,
    );
  });

  it("given bantch bodies, when the route parses them with its action alone, then the answer is the union's", () => {
    for (const body of [
      { action: 'bantch', actionId: 'b', bant: { competitor: 'B社' } },
      { action: 'bantch', actionId: 'b', bant: {} },
      { action: 'bantch', actionId: 'b', bant: { humanResources: '' } },
    ]) {
      const one = ACTION_SCHEMAS.bantch().safeParse(body);
      expect(one).toEqual(leadActionSchema().safeParse(body));
      expect(leadActionSchema().safeParse(body).success).toBe(body.bant.competitor !== undefined);
    }
  });
});

describe('bantch: a repeated actionId', () => {
  const record = {
    leadId: 'lead-1',
    action: 'bantch',
    result: { leadId: 'lead-1', action: 'bantch', stage: 'sal', missingForSql: ['timing'] },
  };
  const action = bantch({ budget: '500万円' });

  it('given the first result stored, when the same bantch comes again, then the first answer is returned', () => {
    expect(replayOf(record, 'lead-1', action)).toEqual({ status: 'replayed', result: record.result });
  });

  it('given the id used on another lead or for another action, then it is refused as reused', () => {
    expect(replayOf(record, 'lead-2', action)).toMatchObject({ status: 'action_id_reused' });
    expect(replayOf(record, 'lead-1', { action: 'qualify', actionId: 'b-1' })).toMatchObject({
      status: 'action_id_reused',
    });
  });
});
