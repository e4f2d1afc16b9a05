/**
 * README's "A week in the loop", through the HTTP API of the real local runtime: a demo request gets an
 * owner, a hand-off and a first-contact deadline; inside sales accepts and books the appointment (TQL, field
 * sales), field sales accepts, qualifies with BANTCH, converts and walks the opportunity to won; a second
 * lead is lost and comes back into nurture; leads entered and imported with an owner are handed to that
 * owner; the CRM moves a phase through the bus; the funnel counts it all. Each step is checked where a
 * newcomer would look: the answer, `/_local/events` (the runtime's delivered events) and the lead view.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '#local/runtime';
import { startTestRuntime, uniqueEmail } from '../support/runtime.ts';
import { api, contactForm, detailOf, eventsOf } from './handoff-support.ts';

let runtime: Runtime;
beforeAll(async () => {
  runtime = await startTestRuntime();
});
afterAll(async () => {
  await runtime.stop();
});

const DAY = 86_400_000;
const BANTCH = { budget: '年間500万円', authority: '情報システム部長', needs: 'MA導入', timing: '下期' };

type Body = Record<string, unknown> & {
  error?: { code: string; errors?: { field: string; code: string }[] };
};
const post = async (path: string, body: unknown) => {
  const response = await api(runtime).opsPost(path, body);
  return { status: response.status, body: (await response.json()) as Body };
};
const act = (leadId: string, action: string, body: Record<string, unknown>) =>
  post(`/v1/ops/leads/${leadId}/${action}`, body);

interface LeadView {
  leadId: string;
  stage: string;
  owner: { ownerId: string; team: string } | null;
  handoff: {
    n: number;
    trigger: string;
    dueAt: string;
    firstContactDueAt?: string;
    acceptedAt?: string;
  } | null;
  deal: { bantch: Record<string, string> | null; opportunities: { phase: string; status: string }[] } | null;
}
const view = async (ref: string): Promise<LeadView> => {
  const path = ref.includes('@') ? `/v1/ops/leads?email=${encodeURIComponent(ref)}` : `/v1/ops/leads/${ref}`;
  const response = await api(runtime).opsGet(path);
  expect(response.status).toBe(200);
  return (await response.json()) as LeadView;
};

/** The delivered events of a lead as a newcomer reads `/_local/events`: detail-type and the stage moves. */
const localEvents = async (leadId: string) => {
  const all = (await (await fetch(`${runtime.apiUrl}/_local/events`)).json()) as {
    'detail-type': string;
    detail: { leadId?: string; from?: string | null; to?: string; trigger?: string; phase?: string };
  }[];
  return all.filter((e) => e.detail.leadId === leadId);
};
const stageMoves = async (leadId: string) =>
  (await localEvents(leadId))
    .filter((e) => e['detail-type'] === 'Lead Stage Changed')
    .map((e) => `${e.detail.from}→${e.detail.to}`);

const nowIso = async () => new Date((await import('#adapters/clock')).now()).toISOString();

describe('a week in the loop (README walkthrough)', () => {
  it('given a 部長 who asks for a demo, when inside sales accepts, books the appointment and field sales qualifies, converts and wins, then every step shows in the events and the lead view', async () => {
    // Arrange
    const email = uniqueEmail('walk-won');
    const form = await api(runtime).postForm(
      'contact',
      contactForm(email, { title: '情報システム部 部長', employees: '1000-4999', message: 'デモを見たい' }),
    );
    expect(form.status).toBe(201);
    await runtime.settle();

    // Act + Assert: the fast lane gives an owner, a hand-off and a first-contact deadline at once.
    const captured = await view(email);
    const leadId = captured.leadId;
    expect(captured.stage).toBe('mql');
    expect(captured.handoff).toMatchObject({ n: 1, trigger: 'inquiry' });
    // The lead view gives every hand-off time as ISO-8601 (demo requests: accepted within 30 business
    // minutes, first contact within 1 business hour).
    expect(captured.handoff?.firstContactDueAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(Date.parse(String(captured.handoff?.dueAt))).toBeLessThan(
      Date.parse(String(captured.handoff?.firstContactDueAt)),
    );
    const insideSales = captured.owner?.ownerId ?? '';
    expect(captured.owner?.team).toBe('inside-sales');

    // Inside sales accepts its hand-off (mql → sal) and books the appointment on the first call.
    expect((await act(leadId, 'accept', { actionId: `walk-a1-${leadId}`, by: insideSales })).status).toBe(
      200,
    );
    const call = await post(`/v1/ops/leads/${leadId}/activities`, {
      activityId: `walk-call-${leadId}`,
      type: 'call',
      outcome: 'appointment_set',
      occurredAt: await nowIso(),
      by: insideSales,
    });
    expect(call.status).toBe(201);
    expect(call.body).toMatchObject({ stage: 'tql', firstContact: true, handoff: { handoffNumber: 2 } });
    await runtime.settle();
    const tql = await view(leadId);
    expect(tql.stage).toBe('tql');
    expect(tql.handoff).toMatchObject({ n: 2, trigger: 'appointment_set' });
    const fieldSales = tql.owner?.ownerId ?? '';
    expect(tql.owner?.team).toBe('enterprise');

    // Field sales accepts (tql → sal), qualifies with BANTCH (→ sql), converts (→ opportunity) and wins.
    expect((await act(leadId, 'accept', { actionId: `walk-a2-${leadId}`, by: fieldSales })).body.stage).toBe(
      'sal',
    );
    expect((await act(leadId, 'qualify', { actionId: `walk-q-${leadId}`, bant: BANTCH })).body.stage).toBe(
      'sql',
    );
    const converted = await act(leadId, 'convert', {
      actionId: `walk-c-${leadId}`,
      amount: 4_800_000,
      currency: 'JPY',
      expectedCloseDate: '2027-03-31',
      account: { name: '株式会社テスト商事', domain: 'test-shoji.co.jp' },
    });
    expect(converted.body).toMatchObject({ stage: 'opportunity', opportunity: { phase: 'first_meeting' } });
    for (const phase of ['proposal', 'quote']) {
      const moved = await act(leadId, 'opportunity', { actionId: `walk-${phase}-${leadId}`, phase });
      expect(moved.body).toMatchObject({ opportunity: { phase } });
    }
    const won = await act(leadId, 'opportunity', { actionId: `walk-won-${leadId}`, phase: 'won' });
    expect(won.body).toMatchObject({ stage: 'customer', opportunity: { status: 'won', phaseLabel: '受注' } });
    await runtime.settle();

    const customer = await view(leadId);
    expect(customer.stage).toBe('customer');
    expect(customer.deal?.bantch).toMatchObject(BANTCH);
    expect(customer.deal?.opportunities.at(-1)).toMatchObject({ phase: 'won', status: 'won' });
    expect(await stageMoves(leadId)).toEqual([
      'null→mql',
      'mql→sal',
      'sal→tql',
      'tql→sal',
      'sal→sql',
      'sql→opportunity',
      'opportunity→customer',
    ]);
    const types = (await localEvents(leadId)).map((e) => e['detail-type']);
    for (const type of [
      'Lead Handed Off',
      'Lead Accepted',
      'Lead First Contacted',
      'Lead Qualified',
      'Opportunity Created',
      'Opportunity Phase Changed',
      'Opportunity Won',
    ])
      expect(types).toContain(type);
    expect(
      eventsOf(runtime, leadId, 'Lead Handed Off').map((e) => detailOf<{ trigger: string }>(e).trigger),
    ).toEqual(['inquiry', 'appointment_set']);

    // The funnel counts the walk: a TQL, an SQL and a deal won under the lead's channel.
    const funnel = (await (await api(runtime).opsGet('/v1/ops/reports/funnel?groupBy=channel')).json()) as {
      rows: { group: string; counts: Record<string, number>; deals: { won: number } }[];
    };
    const direct = funnel.rows.find((r) => r.group === 'direct');
    expect(direct?.counts.tql).toBeGreaterThanOrEqual(1);
    expect(direct?.counts.customer).toBeGreaterThanOrEqual(1);
    expect(direct?.deals.won).toBeGreaterThanOrEqual(1);
  });

  it('given leads entered and imported with an owner, when they are stored, then each is handed off to that owner (trigger manual); an unknown owner is 404 and stores nothing', async () => {
    // Arrange
    const entered = uniqueEmail('walk-entry');
    const imported = [uniqueEmail('walk-import'), uniqueEmail('walk-import')];
    const csv = `氏名,会社名,メールアドレス\n佐藤 花子,株式会社サンプル,${imported[0]}\n鈴木 一郎,株式会社テスト,${imported[1]}\n`;
    const options = { channel: 'event', source: '展示会 2026 東京', consent: 'business_card' };

    // Act
    const unknown = await post('/v1/ops/leads', {
      email: entered,
      attributes: { lastName: '佐藤' },
      channel: 'event',
      source: '展示会',
      consentBasis: 'business_card',
      ownerId: 'nobody',
    });
    const missing = await api(runtime).opsGet(`/v1/ops/leads?email=${encodeURIComponent(entered)}`);
    const created = await post('/v1/ops/leads', {
      email: entered,
      attributes: { lastName: '佐藤', company: '株式会社サンプル' },
      channel: 'event',
      source: '展示会',
      consentBasis: 'business_card',
      ownerId: 'tanaka',
    });
    const unknownImport = await post('/v1/ops/imports', { csv, ...options, ownerId: 'nobody' });
    const firstImport = await post('/v1/ops/imports', { csv, ...options, ownerId: 'sato' });
    const again = await post('/v1/ops/imports', { csv, ...options, ownerId: 'sato' });
    await runtime.settle();

    // Assert
    expect(unknown.status).toBe(404);
    expect(unknown.body.error?.errors?.map((e) => e.field)).toEqual(['ownerId']);
    expect(missing.status).toBe(404);
    expect(created.status).toBe(201);
    expect(created.body.assignment).toMatchObject({ handoffNumber: 1, ownerId: 'tanaka' });
    const enteredView = await view(entered);
    expect(enteredView.owner?.ownerId).toBe('tanaka');
    expect(enteredView.handoff).toMatchObject({ n: 1, trigger: 'manual' });
    expect(enteredView.stage).toBe('mql');

    expect(unknownImport.status).toBe(404);
    expect(firstImport.body).toMatchObject({ created: 2, rejected: 0 });
    expect(again.body).toMatchObject({ created: 0, updated: 0, skipped: 2 });
    for (const email of imported) {
      const lead = await view(email);
      expect(lead.owner?.ownerId).toBe('sato');
      expect(eventsOf(runtime, lead.leadId, 'Lead Handed Off')).toHaveLength(1);
    }
  });

  it('given a deal in proposal, when the CRM moves its phase to lost through the bus, then the lead is recycled and comes back into nurture after the configured days', async () => {
    // Arrange
    const email = uniqueEmail('walk-lost');
    await api(runtime).postForm('contact', contactForm(email, { message: '見積がほしい' }));
    await runtime.settle();
    const leadId = (await view(email)).leadId;
    await act(leadId, 'accept', { actionId: `lost-a-${leadId}` });
    await act(leadId, 'qualify', { actionId: `lost-q-${leadId}`, bant: BANTCH });
    await act(leadId, 'convert', {
      actionId: `lost-c-${leadId}`,
      amount: 1_200_000,
      currency: 'JPY',
      expectedCloseDate: '2027-03-31',
    });
    const crm = (detail: Record<string, unknown>) => ({
      Source: 'leadloop.crm',
      DetailType: 'CRM Sales Action',
      EventBusName: 'leadloop-local-leads',
      Detail: JSON.stringify(detail),
    });
    const lost = {
      email,
      action: 'opportunity',
      actionId: 'sf-opp-lost-1',
      phase: 'lost',
      reason: '価格',
      competitor: 'A社',
    };

    // Act
    runtime.router.putEvents([
      crm({ leadId, action: 'opportunity', actionId: 'sf-opp-1', phase: 'proposal' }),
    ]);
    await runtime.settle();
    const inProposal = await view(leadId);
    runtime.router.putEvents([crm({ ...lost, reason: undefined, actionId: 'sf-opp-lost-0' }), crm(lost)]);
    await runtime.settle();
    runtime.router.putEvents([crm(lost)]); // redelivered
    await runtime.settle();
    const recycled = await view(leadId);
    await runtime.advanceClock(91 * DAY);
    await runtime.sweep();
    await runtime.settle();

    // Assert
    expect(inProposal.deal?.opportunities.at(-1)).toMatchObject({ phase: 'proposal' });
    expect(recycled.stage).toBe('recycled');
    expect(recycled.deal?.opportunities.at(-1)).toMatchObject({ status: 'lost' });
    expect(eventsOf(runtime, leadId, 'Opportunity Lost')).toHaveLength(1);
    expect(eventsOf(runtime, leadId, 'Lead Recycled')).toHaveLength(1);
    expect(runtime.router.failedDeliveries()).toHaveLength(0);
    expect(await stageMoves(leadId)).toEqual([
      'null→mql',
      'mql→sal',
      'sal→sql',
      'sql→opportunity',
      'opportunity→recycled',
    ]);
    const { GetCommand } = await import('@aws-sdk/lib-dynamodb');
    const { dynamodb, tableName } = await import('#store/dynamodb');
    const { keys } = await import('#store/keys');
    const enrollment = await dynamodb.send(
      new GetCommand({
        TableName: tableName,
        Key: keys.enrollment(leadId, 'recycle-nurture'),
        ConsistentRead: true,
      }),
    );
    expect(enrollment.Item).toBeDefined();
  });
});
