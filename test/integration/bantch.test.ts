/**
 * `POST /v1/ops/leads/{leadId}/bantch` through the real handler on DynamoDB Local: BANTCH saved over several
 * calls (merged into the deal, the stage unchanged, a timeline line, no event), a qualify that then needs
 * only the rest, BANTCH updated after SQL, refusals that change nothing and a replayed actionId.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '#local/runtime';
import { startTestRuntime, uniqueEmail } from '../support/runtime.ts';
import { api, detailOf, eventsOf, getItem, leadAction, makeHotLead } from './handoff-support.ts';

let runtime: Runtime;
beforeAll(async () => {
  runtime = await startTestRuntime();
});
afterAll(async () => {
  await runtime.stop();
});

const keysOf = async () => (await import('#store/keys')).keys;

const act = (leadId: string, action: string, body: unknown) => leadAction(runtime, leadId, action, body);
type TimelineLine = { eventId: string; type: string; properties?: Record<string, unknown> };
const viewOf = async (leadId: string) =>
  (await (await api(runtime).opsGet(`/v1/ops/leads/${leadId}`)).json()) as {
    stage: string;
    availableActions: string[];
    timeline: TimelineLine[];
    deal: { bantch: Record<string, string> | null; openOpportunity: Record<string, unknown> | null } | null;
  };
const recorded = async (leadId: string) =>
  (await viewOf(leadId)).timeline.filter((e) => e.type === 'bantch_recorded');
const stored = async (leadId: string) => {
  const keys = await keysOf();
  return { state: await getItem(keys.state(leadId)), deal: await getItem(keys.deal(leadId)) };
};

/** A hot lead accepted by sales: a SAL, ready to be qualified. */
const salLead = async (label: string): Promise<string> => {
  const leadId = await makeHotLead(runtime, uniqueEmail(label));
  expect((await act(leadId, 'accept', { actionId: `a-${leadId}` })).status).toBe(200);
  return leadId;
};

describe('BANTCH saved across calls', () => {
  it('given an accepted lead, when sales saves part of BANTCH on two calls, then each is merged into the deal, the stage stays sal, the timeline shows it and nothing is announced; qualify then needs only the rest', async () => {
    // Arrange
    const leadId = await salLead('bantch-calls');
    await runtime.settle();
    const eventsBefore = eventsOf(runtime, leadId).length;

    // Act: call 1 (budget, authority), call 2 (needs, and the budget corrected)
    const call1 = await act(leadId, 'bantch', {
      actionId: `b1-${leadId}`,
      bant: { budget: '未定', authority: '情報システム部長' },
      by: 'sato',
      note: '初回ヒアリング',
    });
    const call2 = await act(leadId, 'bantch', {
      actionId: `b2-${leadId}`,
      bant: { budget: '年間500万円', needs: '名刺管理とMAの統合' },
      by: 'sato',
    });
    await runtime.settle();
    const afterSaves = await stored(leadId);
    const view = await viewOf(leadId);
    const eventsAfterSaves = eventsOf(runtime, leadId).length;

    // Assert: the answers say what is kept and what SQL still needs
    expect(call1.status).toBe(200);
    expect(call1.body).toMatchObject({
      leadId,
      action: 'bantch',
      actionId: `b1-${leadId}`,
      from: 'sal',
      stage: 'sal',
      eventIds: [],
      bantch: { budget: '未定', authority: '情報システム部長' },
      missingForSql: ['needs', 'timing'],
    });
    expect(call1.body.handoff).toMatchObject({ ownerId: expect.any(String), acceptedAt: expect.any(String) });
    expect(call2.status).toBe(200);
    expect(call2.body).toMatchObject({
      stage: 'sal',
      bantch: { budget: '年間500万円', authority: '情報システム部長', needs: '名刺管理とMAの統合' },
      missingForSql: ['timing'],
    });
    // … the deal item keeps them merged, the stage is unchanged, the lead view shows them
    expect(afterSaves.deal?.bantch).toEqual({
      budget: '年間500万円',
      authority: '情報システム部長',
      needs: '名刺管理とMAの統合',
    });
    expect(afterSaves.state?.stage).toBe('sal');
    expect(view.stage).toBe('sal');
    expect(view.deal?.bantch).toEqual(afterSaves.deal?.bantch);
    expect(view.availableActions).toContain('bantch');
    // … one timeline line per save, naming the items and who
    const lines = view.timeline.filter((e) => e.type === 'bantch_recorded');
    expect(lines.map((e) => e.properties).reverse()).toEqual([
      { items: 'budget,authority', by: 'sato', note: '初回ヒアリング' },
      { items: 'budget,needs', by: 'sato' },
    ]);
    // … and no event on the bus
    expect(eventsAfterSaves).toBe(eventsBefore);

    // Act: call 3 qualifies with the one item still missing
    const qualified = await act(leadId, 'qualify', {
      actionId: `q-${leadId}`,
      bant: { timing: '2027年4月' },
    });
    await runtime.settle();

    // Assert: SQL, with the whole BANTCH kept and sent to the CRM with Lead Qualified
    const all = {
      budget: '年間500万円',
      authority: '情報システム部長',
      needs: '名刺管理とMAの統合',
      timing: '2027年4月',
    };
    expect(qualified.status).toBe(200);
    expect(qualified.body).toMatchObject({ from: 'sal', stage: 'sql', bantch: all });
    expect((await viewOf(leadId)).deal?.bantch).toEqual(all);
    expect(detailOf(eventsOf(runtime, leadId, 'Lead Qualified')[0])).toMatchObject({ bant: all });
  });

  it('given an open opportunity, when the budget is confirmed, then BANTCH is updated and the opportunity and stage stay as they were', async () => {
    // Arrange
    const leadId = await salLead('bantch-opportunity');
    const full = { budget: '年間500万円', authority: '部長', needs: '連携', timing: '下期' };
    expect((await act(leadId, 'qualify', { actionId: `q-${leadId}`, bant: full })).status).toBe(200);
    const converted = await act(leadId, 'convert', {
      actionId: `c-${leadId}`,
      amount: 4_800_000,
      expectedCloseDate: '2026-09-30',
    });
    expect(converted.status).toBe(200);
    const before = await stored(leadId);

    // Act
    const confirmed = await act(leadId, 'bantch', {
      actionId: `b-${leadId}`,
      bant: { budget: '800万円で予算確定', competitor: '競合A社' },
    });
    const after = await stored(leadId);

    // Assert
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toMatchObject({ from: 'opportunity', stage: 'opportunity', missingForSql: [] });
    expect(after.deal?.bantch).toEqual({ ...full, budget: '800万円で予算確定', competitor: '競合A社' });
    expect(after.deal?.opportunities).toEqual(before.deal?.opportunities);
    expect(after.deal?.version).toBe(Number(before.deal?.version) + 1);
    expect(after.state?.stage).toBe('opportunity');
    expect(after.state?.version).toBe(Number(before.state?.version) + 1);
  });
});

describe('bantch refused or replayed', () => {
  it('given a disqualified lead, when BANTCH is saved, then 409 invalid_transition and nothing changes', async () => {
    // Arrange
    const leadId = await makeHotLead(runtime, uniqueEmail('bantch-dq'));
    expect((await act(leadId, 'disqualify', { actionId: `d-${leadId}`, reason: '予算なし' })).status).toBe(
      200,
    );
    const before = await stored(leadId);

    // Act
    const refused = await act(leadId, 'bantch', { actionId: `b-${leadId}`, bant: { budget: '未定' } });

    // Assert
    expect(refused.status).toBe(409);
    expect(refused.body.error?.code).toBe('invalid_transition');
    expect(refused.body.error?.message).toContain("cannot record BANTCH on a lead in stage 'disqualified'");
    expect(await stored(leadId)).toEqual(before);
    expect(before.deal).toBeUndefined();
    expect(await recorded(leadId)).toEqual([]);
    expect((await viewOf(leadId)).availableActions).not.toContain('bantch');
    // … and the actionId was not spent: nothing was recorded under it
    const { readSalesActionRecord } = await import('#store/idempotency');
    expect(await readSalesActionRecord(`b-${leadId}`)).toBeUndefined();
  });

  it('given an empty bant, when saved, then 400 names bant and nothing changes', async () => {
    // Arrange
    const leadId = await salLead('bantch-empty');
    const before = await stored(leadId);

    // Act
    const empty = await act(leadId, 'bantch', { actionId: `b-${leadId}`, bant: {} });

    // Assert
    expect(empty.status).toBe(400);
    expect(empty.body.error?.errors?.map((e) => e.field)).toEqual(['bant']);
    expect(await stored(leadId)).toEqual(before);
  });

  it('given a saved BANTCH, when the same actionId comes again, then the first answer is returned as a replay and nothing is written twice; on another lead it is 409 action_id_reused', async () => {
    // Arrange
    const leadId = await salLead('bantch-replay');
    const other = await salLead('bantch-replay-other');
    const body = { actionId: `b-${leadId}`, bant: { budget: '年間500万円' } };
    const first = await act(leadId, 'bantch', body);
    const afterFirst = await stored(leadId);

    // Act
    const again = await act(leadId, 'bantch', body);
    const changed = await act(leadId, 'bantch', { ...body, bant: { budget: '別の値' } });
    const elsewhere = await act(other, 'bantch', body);

    // Assert
    expect(first.status).toBe(200);
    expect(first.replay).toBeNull();
    expect(again.status).toBe(200);
    expect(again.replay).toBe('true');
    expect(again.body).toEqual(first.body);
    // The same id with other items is the same action retried: the first answer, nothing written
    expect(changed.replay).toBe('true');
    expect(changed.body).toEqual(first.body);
    expect(await stored(leadId)).toEqual(afterFirst);
    expect(await recorded(leadId)).toHaveLength(1);
    expect(elsewhere.status).toBe(409);
    expect(elsewhere.body.error?.code).toBe('action_id_reused');
    expect((await stored(other)).deal).toBeUndefined();
  });
});
