import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '#local/runtime';
import { startTestRuntime, uniqueEmail } from '../support/runtime.ts';
import { api, detailOf, eventsOf, getItem, makeHotLead } from './handoff-support.ts';

let runtime: Runtime;
beforeAll(async () => {
  runtime = await startTestRuntime();
});
afterAll(async () => {
  await runtime.stop();
});

const stateOf = async (leadId: string) => getItem((await import('#store/keys')).keys.state(leadId));
const slaTimerOf = async (leadId: string) => getItem((await import('#store/keys')).keys.timer(leadId, 'sla'));

const act = async (leadId: string, action: string, body: unknown) => {
  const response = await api(runtime).opsPost(`/v1/ops/leads/${leadId}/${action}`, body);
  return {
    status: response.status,
    replay: response.headers.get('idempotent-replay'),
    body: (await response.json()) as Record<string, unknown> & {
      error?: { code: string; message: string; errors?: { field: string }[] };
    },
  };
};

describe('sales actions through the ops API', () => {
  it('given an open hand-off, when sales accepts, then the lead is SAL, the accept clock stops (the timer waits for first contact only) and the SLA counts as met', async () => {
    // Arrange: accepted by the owner the round-robin picked (a colleague who accepts takes the lead over and
    // gets a first-contact clock of their own, which in business hours ends later than the hand-off's).
    const leadId = await makeHotLead(runtime, uniqueEmail('accept'));
    const handedOff = detailOf<{ firstContactDueAt: string; owner: { email: string } }>(
      eventsOf(runtime, leadId, 'Lead Handed Off')[0],
    );
    const { readSlaCounters, reportPeriod } = await import('#app/sla-counting');
    const { now } = await import('#adapters/clock');
    const metBefore = (await readSlaCounters(reportPeriod(now()))).met;

    // Act
    const by = handedOff.owner.email;
    const result = await act(leadId, 'accept', { actionId: `a-${leadId}`, by });
    await runtime.settle();

    // Assert
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({ leadId, action: 'accept', from: 'mql', stage: 'sal' });
    expect((result.body.handoff as { acceptedAt?: string }).acceptedAt).toBeDefined();
    expect((await slaTimerOf(leadId))?.dueAt).toBe(handedOff.firstContactDueAt);
    expect(detailOf(eventsOf(runtime, leadId, 'Lead Accepted')[0])).toMatchObject({
      withinSla: true,
      handoffNumber: 1,
      by,
    });
    expect(eventsOf(runtime, leadId, 'Lead Assigned')).toHaveLength(1);
    expect(eventsOf(runtime, leadId, 'Lead Stage Changed').some((e) => detailOf(e).to === 'sal')).toBe(true);
    expect((await readSlaCounters(reportPeriod(now()))).met).toBe(metBefore + 1);
  });

  it('given an applied action, when the same actionId is sent again (even five at once), then the first result comes back and nothing changes', async () => {
    // Arrange
    const leadId = await makeHotLead(runtime, uniqueEmail('replay'));
    const body = { actionId: `a-${leadId}` };

    // Act
    const results = await Promise.all(Array.from({ length: 5 }, () => act(leadId, 'accept', body)));
    const version = (await stateOf(leadId))?.version;
    const later = await act(leadId, 'accept', body);
    const reused = await act(leadId, 'disqualify', { ...body, reason: '重複' });
    await runtime.settle();

    // Assert
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    for (const r of results) expect(r.body).toEqual(results[0]?.body);
    expect(results.filter((r) => r.replay === 'true')).toHaveLength(4);
    expect(later).toMatchObject({ status: 200, replay: 'true', body: results[0]?.body });
    expect(reused.status).toBe(409);
    expect(reused.body.error?.code).toBe('action_id_reused');
    expect((await stateOf(leadId))?.version).toBe(version);
    expect(eventsOf(runtime, leadId, 'Lead Accepted')).toHaveLength(1);
    expect(eventsOf(runtime, leadId, 'Lead Disqualified')).toHaveLength(0);
  });

  it('given an accepted lead, when sales qualifies and converts twice, then it becomes SQL, an opportunity, then a customer with the deal announced', async () => {
    // Arrange
    const leadId = await makeHotLead(runtime, uniqueEmail('convert'));
    await act(leadId, 'accept', { actionId: `a-${leadId}` });

    // Act
    const qualified = await act(leadId, 'qualify', {
      actionId: `q-${leadId}`,
      bant: { budget: '年間500万円', authority: '情報システム部長', needs: 'MA導入', timing: '下期' },
    });
    const opportunity = await act(leadId, 'convert', {
      actionId: `c1-${leadId}`,
      amount: 4_800_000,
      expectedCloseDate: '2025-09-30',
    });
    const customer = await act(leadId, 'convert', {
      actionId: `c2-${leadId}`,
      to: 'customer',
      amount: 5_000_000,
      currency: 'JPY',
      expectedCloseDate: '2025-10-31',
    });
    await runtime.settle();

    // Assert
    expect([qualified.body.stage, opportunity.body.stage, customer.body.stage]).toEqual([
      'sql',
      'opportunity',
      'customer',
    ]);
    expect(detailOf(eventsOf(runtime, leadId, 'Lead Qualified')[0])).toMatchObject({
      bant: { budget: '年間500万円', needs: 'MA導入' },
    });
    const converted = eventsOf(runtime, leadId, 'Lead Converted').map((e) => detailOf(e));
    expect(converted).toEqual([
      expect.objectContaining({
        to: 'opportunity',
        amount: 4_800_000,
        currency: 'JPY',
        expectedCloseDate: '2025-09-30',
      }),
      expect.objectContaining({ to: 'customer', amount: 5_000_000 }),
    ]);
    expect((customer.body.handoff as { closedAt?: string }).closedAt).toBeDefined();
  });

  it('given a lead in MQL, when sales tries to qualify before accepting, then 409 explains why and nothing changes', async () => {
    // Arrange
    const leadId = await makeHotLead(runtime, uniqueEmail('refuse'));
    const before = await stateOf(leadId);

    // Act
    const refused = await act(leadId, 'qualify', { actionId: `q-${leadId}`, bant: { budget: '未定' } });
    const convert = await act(leadId, 'convert', {
      actionId: `c-${leadId}`,
      amount: 1,
      expectedCloseDate: '2025-09-30',
    });

    // Assert
    expect(refused.status).toBe(409);
    expect(refused.body.error).toEqual({
      code: 'invalid_transition',
      message: "cannot qualify a lead in stage 'mql'",
    });
    expect(convert.status).toBe(409);
    expect((await stateOf(leadId))?.version).toBe(before?.version);
    // A refused action leaves its actionId free for a valid action later.
    expect((await act(leadId, 'accept', { actionId: `q-${leadId}` })).status).toBe(200);
  });

  it('given invalid bodies, when posted, then 400 names the fields and nothing changes', async () => {
    // Arrange
    const leadId = await makeHotLead(runtime, uniqueEmail('invalid'));
    const before = await stateOf(leadId);

    // Act
    const badDeal = await act(leadId, 'convert', { actionId: 'x-1', expectedCloseDate: '2025-02-30' });
    const strayField = await act(leadId, 'accept', { actionId: 'x-2', owner: 'me' });
    const mismatch = await act(leadId, 'accept', { actionId: 'x-3', action: 'disqualify' });
    const notJson = await api(runtime).opsPost(`/v1/ops/leads/${leadId}/accept`, 'actionId=x');
    const badId = await act(leadId, 'accept', { actionId: 'has spaces and <tags>' });

    // Assert
    expect(badDeal.status).toBe(400);
    expect(badDeal.body.error?.errors?.map((e) => e.field).sort()).toEqual(['amount', 'expectedCloseDate']);
    expect(strayField.status).toBe(400);
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.error?.errors?.[0]?.field).toBe('action');
    expect(notJson.status).toBe(400);
    expect(badId.status).toBe(400);
    expect((await stateOf(leadId))?.version).toBe(before?.version);
  });

  it('given an unknown lead or action, when posted, then 404; without the ops token, 403', async () => {
    const unknownLead = await act('no-such-lead', 'accept', { actionId: 'u-1' });
    const unknownAction = await act('no-such-lead', 'approve', { actionId: 'u-2' });
    const anonymous = await fetch(`${runtime.apiUrl}/v1/ops/leads/x/accept`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"actionId":"u-3"}',
    });
    expect(unknownLead.status).toBe(404);
    expect(unknownAction.status).toBe(404);
    expect(anonymous.status).toBe(401);
  });

  it('given an open hand-off, when sales disqualifies the lead, then the hand-off closes and its SLA timer is removed', async () => {
    const leadId = await makeHotLead(runtime, uniqueEmail('dq'));
    const result = await act(leadId, 'disqualify', {
      actionId: `d-${leadId}`,
      reason: '学生・個人の情報収集',
    });
    await runtime.settle();
    expect(result.body).toMatchObject({ stage: 'disqualified', handoff: { closedAt: expect.any(String) } });
    expect(await slaTimerOf(leadId)).toBeUndefined();
    expect(detailOf(eventsOf(runtime, leadId, 'Lead Disqualified')[0])).toMatchObject({
      reason: '学生・個人の情報収集',
    });
  });
});

describe('sales actions from the CRM (bus events)', () => {
  const crmEvent = (detail: Record<string, unknown>) => ({
    Source: 'leadloop.crm',
    DetailType: 'CRM Sales Action',
    EventBusName: 'leadloop-local-leads',
    Detail: JSON.stringify(detail),
  });

  it('given a CRM accept naming the lead by e-mail, when it reaches the bus, then the lead is accepted once even if redelivered', async () => {
    // Arrange
    const email = uniqueEmail('crm');
    const leadId = await makeHotLead(runtime, email);
    const detail = { email: email.toUpperCase(), action: 'accept', actionId: 'sf-00Q5g00000XYZ-accept' };

    // Act
    runtime.router.putEvents([crmEvent(detail)]);
    await runtime.settle();
    runtime.router.putEvents([crmEvent(detail)]);
    await runtime.settle();

    // Assert
    expect((await stateOf(leadId))?.stage).toBe('sal');
    expect(eventsOf(runtime, leadId, 'Lead Accepted')).toHaveLength(1);
    expect(runtime.router.failedDeliveries()).toHaveLength(0);
  });

  it('given BANTCH a rep noted in the CRM, when its bantch event reaches the bus (twice), then the items are saved on the deal once, the stage stays, and qualify then needs only the rest', async () => {
    // Arrange: an accepted lead (SAL), as sales works it
    const email = uniqueEmail('crm-bantch');
    const leadId = await makeHotLead(runtime, email);
    expect((await act(leadId, 'accept', { actionId: `a-${leadId}` })).status).toBe(200);
    await runtime.settle();
    const detail = {
      email,
      action: 'bantch',
      actionId: 'sf-00Q5g00000BNT-bantch-1',
      bant: { budget: '年間300万円', authority: '情報システム部長', needs: 'MAとSFAの連携' },
      by: 'sf-user-0055g000',
    };

    // Act
    runtime.router.putEvents([crmEvent(detail)]);
    await runtime.settle();
    runtime.router.putEvents([crmEvent(detail)]);
    await runtime.settle();

    // Assert
    expect(runtime.router.failedDeliveries()).toHaveLength(0);
    expect((await stateOf(leadId))?.stage).toBe('sal');
    const view = (await (await api(runtime).opsGet(`/v1/ops/leads/${leadId}`)).json()) as {
      deal: { bantch: Record<string, string> | null } | null;
      timeline: { type: string }[];
    };
    expect(view.deal?.bantch).toMatchObject(detail.bant);
    expect(view.timeline.filter((e) => e.type === 'bantch_recorded')).toHaveLength(1);
    // The items the CRM gave count for SQL: qualify names only what is still missing.
    const qualify = await act(leadId, 'qualify', { actionId: `q-${leadId}`, bant: {} });
    expect(qualify.status).toBe(422);
    const missing = (qualify.body as { error: { errors: { field: string }[] } }).error.errors.map(
      (e) => e.field,
    );
    expect(missing).not.toContain('bant.budget');
    expect(missing).toContain('bant.timing');
  });

  it('given CRM events that are invalid, unknown or refused, when delivered, then they are dropped without retries and nothing changes', async () => {
    // Arrange
    const leadId = await makeHotLead(runtime, uniqueEmail('crmbad'));
    const before = await stateOf(leadId);

    // Act
    runtime.router.putEvents([
      crmEvent({ leadId, action: 'accept' }),
      crmEvent({ email: 'nobody@example.co.jp', action: 'accept', actionId: 'sf-unknown' }),
      crmEvent({ leadId, action: 'qualify', actionId: 'sf-early', bant: {} }),
    ]);
    await runtime.settle();

    // Assert
    expect(runtime.router.failedDeliveries()).toHaveLength(0);
    expect((await stateOf(leadId))?.version).toBe(before?.version);
  });
});
