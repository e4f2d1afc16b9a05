import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '#local/runtime';
import { startTestRuntime, uniqueEmail } from '../support/runtime.ts';
import { api, contactForm, detailOf, eventsOf, getItem } from './handoff-support.ts';
import { leadIdOf } from './nurture-helpers.ts';

/**
 * Manual hand-off, reassignment and accept-opens-a-hand-off through `POST /v1/ops/leads/{leadId}/{action}`
 * (issue 12, item 9), on DynamoDB Local with the real handlers and the local bus.
 */

let runtime: Runtime;
beforeAll(async () => {
  runtime = await startTestRuntime();
});
afterAll(async () => {
  await runtime.stop();
});

const stateOf = async (leadId: string) => getItem((await import('#store/keys')).keys.state(leadId));
const slaTimerOf = async (leadId: string) => getItem((await import('#store/keys')).keys.timer(leadId, 'sla'));
/**
 * After an accept only the first-contact clock still runs: the SLA timer (if any) waits for that deadline,
 * never for the accept deadline that was just met.
 */
const expectTimerOnlyForFirstContact = async (leadId: string) => {
  const handoff = (await stateOf(leadId))?.handoff as { firstContactDueAt?: number } | undefined;
  const timer = await slaTimerOf(leadId);
  if (handoff?.firstContactDueAt === undefined) expect(timer).toBeUndefined();
  else expect(timer?.dueAt).toBe(new Date(handoff.firstContactDueAt).toISOString());
};

const act = async (leadId: string, action: string, body: unknown) => {
  const response = await api(runtime).opsPost(`/v1/ops/leads/${leadId}/${action}`, body);
  return {
    status: response.status,
    replay: response.headers.get('idempotent-replay'),
    body: (await response.json()) as Record<string, unknown> & {
      handoff?: { n: number; ownerId: string; dueAt: string; acceptedAt?: string } | null;
      error?: { code: string; message: string; errors?: { field: string }[] };
    },
  };
};

/**
 * A warm MQL that is not with sales, as the call list shows it: the whitepaper (fit 21 + 10) and a webinar
 * attended (+20) = 51: MQL, warm, below the hot trigger; the whitepaper form has no fast lane.
 */
const warmMql = async (label: string): Promise<string> => {
  const email = uniqueEmail(label);
  const { postForm, opsPost } = api(runtime);
  const { phone: _phone, ...body } = contactForm(email);
  expect((await postForm('whitepaper', body)).status).toBe(201);
  const tracked = await opsPost('/v1/ops/events', {
    events: [{ type: 'webinar_attended', email, eventId: `webinar-${email}` }],
  });
  expect(tracked.status).toBe(202);
  await runtime.settle();
  const leadId = await leadIdOf(email);
  const state = await stateOf(leadId);
  expect(state).toMatchObject({ stage: 'mql', temperature: 'warm' });
  expect(state?.handoff).toBeUndefined();
  return leadId;
};

describe('manual hand-off from the call list', () => {
  it('given a warm MQL, when sales hands it off without an owner, then the rules pick one, with the automatic hand-off’s events (trigger manual), an SLA timer, and a replay changes nothing', async () => {
    // Arrange
    const leadId = await warmMql('manual');
    const body = { actionId: `h-${leadId}`, reason: '電話で温度感が高い', by: 'inside-sales' };

    // Act
    const first = await act(leadId, 'handoff', body);
    const replay = await act(leadId, 'handoff', body);
    const again = await act(leadId, 'handoff', { ...body, actionId: `h2-${leadId}` });
    await runtime.settle();

    // Assert
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ action: 'handoff', from: 'mql', stage: 'mql', handoff: { n: 1 } });
    expect(['suzuki', 'takahashi']).toContain(first.body.handoff?.ownerId); // 300-999 employees: SMB team
    expect(replay).toMatchObject({ status: 200, replay: 'true', body: first.body });
    expect(again.status).toBe(409);
    expect(again.body.error?.message).toMatch(/already has an open hand-off/);
    expect(detailOf(eventsOf(runtime, leadId, 'Lead Handed Off')[0])).toMatchObject({
      trigger: 'manual',
      reason: '電話で温度感が高い',
      handoffNumber: 1,
    });
    expect(eventsOf(runtime, leadId, 'Lead Handed Off')).toHaveLength(1);
    expect(eventsOf(runtime, leadId, 'Lead Assigned').map((e) => detailOf(e).reason)).toEqual(['manual']);
    expect((await slaTimerOf(leadId))?.handoffNumber).toBe(1);
  });

  it('given a warm MQL, when sales hands it to a named owner, then that owner has it; unknown owner 404, bad input 400 and a disqualified lead 409 change nothing', async () => {
    // Arrange
    const leadId = await warmMql('named');
    const other = await warmMql('dq');
    expect((await act(other, 'disqualify', { actionId: `d-${other}`, reason: '競合' })).status).toBe(200);
    const version = (await stateOf(leadId))?.version;

    // Act
    const unknown = await act(leadId, 'handoff', { actionId: `u-${leadId}`, ownerId: 'nobody', reason: 'x' });
    const noReason = await act(leadId, 'handoff', { actionId: `r-${leadId}`, ownerId: 'tanaka' });
    const noLead = await act('no-such-lead', 'handoff', { actionId: 'nl-1', reason: 'x' });
    const disqualified = await act(other, 'handoff', { actionId: `hd-${other}`, reason: 'x' });
    const unchanged = (await stateOf(leadId))?.version;
    const named = await act(leadId, 'handoff', {
      actionId: `n-${leadId}`,
      ownerId: 'tanaka',
      reason: '関西の案件',
    });
    await runtime.settle();

    // Assert
    expect(unknown.status).toBe(404);
    expect(unknown.body.error?.errors?.map((e) => e.field)).toEqual(['ownerId']);
    expect(noReason.status).toBe(400);
    expect(noReason.body.error?.errors?.map((e) => e.field)).toEqual(['reason']);
    expect(noLead.status).toBe(404);
    expect(disqualified.status).toBe(409);
    expect(disqualified.body.error?.message).toMatch(/stage 'disqualified'/);
    expect(unchanged).toBe(version);
    expect(named.status).toBe(200);
    expect(named.body.handoff?.ownerId).toBe('tanaka');
    expect(detailOf(eventsOf(runtime, leadId, 'Lead Assigned')[0])).toMatchObject({
      reason: 'manual',
      owner: { ownerId: 'tanaka' },
    });
    expect(eventsOf(runtime, other, 'Lead Handed Off')).toHaveLength(0);
  });
});

describe('reassignment', () => {
  it('given an open hand-off, when sales reassigns it to a colleague and then lets the rules pick, then each owner change is a Lead Assigned (reassigned) with a fresh SLA deadline; same owner or no hand-off is 409', async () => {
    // Arrange
    const leadId = await warmMql('reassign');
    const bare = await warmMql('bare');
    const opened = await act(leadId, 'handoff', { actionId: `h-${leadId}`, ownerId: 'suzuki', reason: 'x' });
    expect(opened.status).toBe(200);

    // Act
    const same = await act(leadId, 'reassign', { actionId: `s-${leadId}`, ownerId: 'suzuki', reason: 'x' });
    const toIto = await act(leadId, 'reassign', {
      actionId: `r1-${leadId}`,
      ownerId: 'ito',
      reason: '大型案件',
    });
    const replay = await act(leadId, 'reassign', {
      actionId: `r1-${leadId}`,
      ownerId: 'ito',
      reason: '大型案件',
    });
    const picked = await act(leadId, 'reassign', { actionId: `r2-${leadId}`, reason: '不在のため' });
    const none = await act(bare, 'reassign', { actionId: `r-${bare}`, reason: 'x' });
    await runtime.settle();

    // Assert
    expect(same.status).toBe(409);
    expect(same.body.error?.message).toMatch(/already owned by 'suzuki'/);
    expect(toIto.status).toBe(200);
    expect(toIto.body.handoff).toMatchObject({ n: 1, ownerId: 'ito' });
    expect(replay).toMatchObject({ status: 200, replay: 'true', body: toIto.body });
    expect(picked.status).toBe(200);
    expect(picked.body.handoff?.ownerId).not.toBe('ito');
    expect(none.status).toBe(409);
    expect(none.body.error?.message).toMatch(/no open hand-off to reassign/);
    const assigned = eventsOf(runtime, leadId, 'Lead Assigned').map((e) =>
      detailOf<{ reason: string; owner: { ownerId: string }; previousOwner: { ownerId: string } | null }>(e),
    );
    expect(assigned.map((a) => a.reason)).toEqual(['manual', 'manual', 'manual']);
    expect(assigned[1]).toMatchObject({ owner: { ownerId: 'ito' }, previousOwner: { ownerId: 'suzuki' } });
    expect(eventsOf(runtime, leadId, 'Lead Handed Off')).toHaveLength(1);
    const state = await stateOf(leadId);
    expect(state?.handoff).toMatchObject({ reassignments: 2, previousOwnerIds: ['suzuki', 'ito'] });
    expect(Date.parse(picked.body.handoff?.dueAt ?? '')).toBe(state?.handoff.dueAt);
    // The SLA timer follows the last owner's fresh deadline.
    expect((await slaTimerOf(leadId))?.dueAt).toBe(picked.body.handoff?.dueAt);
  });
});

describe('SLA per owner across a reassignment', () => {
  it('given an owner whose accept and first-contact deadlines passed before the sweeper saw them, when the lead is reassigned and the new owner accepts and calls in time, then the breaches count once against the first owner and the new owner is within SLA', async () => {
    // Arrange: a hand-off by hand to suzuki (no route: the default clocks, accept and first contact)
    const leadId = await warmMql('sla-owner');
    const opened = await act(leadId, 'handoff', {
      actionId: `h-${leadId}`,
      ownerId: 'suzuki',
      reason: '展示会',
    });
    expect(opened.status).toBe(200);
    const held = (await stateOf(leadId))?.handoff as { dueAt: number; firstContactDueAt: number };
    const { now } = await import('#adapters/clock');
    const dayOf = (at: number) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Tokyo' }).format(at);
    const lastDeadline = Math.max(held.dueAt, held.firstContactDueAt);
    const range = `from=${dayOf(now())}&to=${dayOf(lastDeadline + 14 * 86_400_000)}`;
    type Row = Record<string, number | string | null> & { group: string };
    const slaRows = async (): Promise<Row[]> =>
      (
        (await (await api(runtime).opsGet(`/v1/ops/reports/sla?${range}&groupBy=owner`)).json()) as {
          rows: Row[];
        }
      ).rows;
    const rowOf = (rows: Row[], owner: string, metric: string) =>
      Number(rows.find((r) => r.group === owner)?.[metric] ?? 0);
    const before = await slaRows();

    // Act: both deadlines pass with no sweep (a lagging sweeper), then sales reassigns to a colleague
    await runtime.advanceClock(lastDeadline - now() + 60_000);
    const moved = await act(leadId, 'reassign', {
      actionId: `r-${leadId}`,
      ownerId: 'takahashi',
      reason: '不在',
    });
    const accepted = await act(leadId, 'accept', { actionId: `a-${leadId}`, by: 'takahashi' });
    const called = await api(runtime).opsPost(`/v1/ops/leads/${leadId}/activities`, {
      activityId: `call-${leadId}`,
      type: 'call',
      outcome: 'connected',
      by: 'takahashi',
    });
    await runtime.settle();
    // The counters of this lead's writes alone (no sweep ran: other leads' timers have not fired).
    const after = await slaRows();
    // Later sweeps (past the new owner's deadlines too) find nothing left to breach on this lead.
    const fresh = (await stateOf(leadId))?.handoff as { dueAt: number; firstContactDueAt: number };
    await runtime.advanceClock(Math.max(fresh.dueAt, fresh.firstContactDueAt) - now() + 60_000);
    await runtime.sweep();
    await runtime.sweep();

    // Assert
    expect(moved.status).toBe(200);
    expect(accepted.status).toBe(200);
    expect(called.status).toBe(201);
    const breaches = eventsOf(runtime, leadId, 'Lead SLA Breached').map((e) =>
      detailOf<{
        clock: string;
        owner: { ownerId: string };
        escalation: { action: string; reassignTo?: { ownerId: string } };
      }>(e),
    );
    expect(breaches.map((b) => b.clock).sort()).toEqual(['accept', 'first_contact']);
    for (const breach of breaches) {
      expect(breach).toMatchObject({
        owner: { ownerId: 'suzuki' },
        escalation: { action: 'reassign', reassignTo: { ownerId: 'takahashi' } },
      });
    }
    expect(detailOf(eventsOf(runtime, leadId, 'Lead Accepted')[0])).toMatchObject({
      ownerId: 'takahashi',
      withinSla: true,
    });
    expect(detailOf(eventsOf(runtime, leadId, 'Lead First Contacted')[0])).toMatchObject({
      owner: { ownerId: 'takahashi' },
      withinSla: true,
    });
    const delta = (owner: string, metric: string) =>
      rowOf(after, owner, metric) - rowOf(before, owner, metric);
    expect({
      breached: delta('suzuki', 'breached'),
      firstContactBreached: delta('suzuki', 'firstContactBreached'),
      reassignedIn: delta('suzuki', 'reassignedIn'),
    }).toEqual({
      breached: 1,
      firstContactBreached: 1,
      reassignedIn: 0,
    });
    expect({
      // Where takahashi's accepted hand-off came from: a colleague's, not one opened for them.
      handoffs: delta('takahashi', 'handoffs'),
      reassignedIn: delta('takahashi', 'reassignedIn'),
      accepted: delta('takahashi', 'accepted'),
      acceptedWithinSla: delta('takahashi', 'acceptedWithinSla'),
      breached: delta('takahashi', 'breached'),
      firstContacted: delta('takahashi', 'firstContacted'),
      firstContactWithinSla: delta('takahashi', 'firstContactWithinSla'),
      firstContactBreached: delta('takahashi', 'firstContactBreached'),
    }).toEqual({
      handoffs: 0,
      reassignedIn: 1,
      accepted: 1,
      acceptedWithinSla: 1,
      breached: 0,
      firstContacted: 1,
      firstContactWithinSla: 1,
      firstContactBreached: 0,
    });
  });
});

describe('SLA of a hand-off that closes or is replaced after a deadline the sweeper has not seen', () => {
  const breachesOf = (leadId: string) =>
    eventsOf(runtime, leadId, 'Lead SLA Breached').map((e) =>
      detailOf<{ clock: string; owner: { ownerId: string }; escalation: { action: string } }>(e),
    );

  it('given an owner whose accept and first-contact deadlines passed unseen, when sales recycles the lead, then both breaches are published and counted against that owner once, and later sweeps add nothing', async () => {
    // Arrange
    const leadId = await warmMql('sla-close');
    expect(
      (await act(leadId, 'handoff', { actionId: `h-${leadId}`, ownerId: 'suzuki', reason: '展示会' })).status,
    ).toBe(200);
    const held = (await stateOf(leadId))?.handoff as { dueAt: number; firstContactDueAt: number };
    const { now } = await import('#adapters/clock');
    const { readSlaCounters, reportPeriod } = await import('#app/sla-counting');

    // Act: both deadlines pass with no sweep, then the lead is recycled
    await runtime.advanceClock(Math.max(held.dueAt, held.firstContactDueAt) - now() + 60_000);
    const before = await readSlaCounters(reportPeriod(now()));
    const recycled = await act(leadId, 'recycle', { actionId: `rc-${leadId}`, reason: '予算は来期' });
    const after = await readSlaCounters(reportPeriod(now()));
    await runtime.settle();
    await runtime.sweep();

    // Assert
    expect(recycled.status).toBe(200);
    expect(breachesOf(leadId).map((b) => b.clock)).toEqual(['accept', 'first_contact']);
    for (const breach of breachesOf(leadId)) {
      expect(breach).toMatchObject({ owner: { ownerId: 'suzuki' }, escalation: { action: 'notify' } });
    }
    expect(after.breached - before.breached).toBe(1);
    expect(after.firstContactBreached - before.firstContactBreached).toBe(1);
    expect(await slaTimerOf(leadId)).toBeUndefined();
  });

  it('given an inside-sales owner who let the accept deadline pass unseen, when they call and book the appointment, then their accept breach is published with the TQL hand-off to field sales', async () => {
    // Arrange
    const leadId = await warmMql('sla-tql');
    expect(
      (await act(leadId, 'handoff', { actionId: `h-${leadId}`, ownerId: 'kobayashi', reason: '架電' }))
        .status,
    ).toBe(200);
    const held = (await stateOf(leadId))?.handoff as { dueAt: number; firstContactDueAt: number };
    expect(held.firstContactDueAt).toBeGreaterThan(held.dueAt);
    const { now } = await import('#adapters/clock');

    // Act: past the accept deadline only (first contact still in time), no sweep
    await runtime.advanceClock(held.dueAt - now() + 60_000);
    const called = await api(runtime).opsPost(`/v1/ops/leads/${leadId}/activities`, {
      activityId: `call-${leadId}`,
      type: 'call',
      outcome: 'appointment_set',
      by: 'kobayashi',
    });
    await runtime.settle();

    // Assert
    expect(called.status).toBe(201);
    expect(await called.json()).toMatchObject({
      firstContact: true,
      stage: 'tql',
      handoff: { handoffNumber: 2 },
    });
    expect(breachesOf(leadId)).toEqual([
      expect.objectContaining({ clock: 'accept', owner: expect.objectContaining({ ownerId: 'kobayashi' }) }),
    ]);
    expect(detailOf(eventsOf(runtime, leadId, 'Lead First Contacted')[0])).toMatchObject({ withinSla: true });
  });
});

describe('accept without an open hand-off', () => {
  it('given a warm MQL from the call list, when its owner accepts it, then one step opens the hand-off for them and accepts it (SAL, SLA met), and a later automatic hand-off is a no-op', async () => {
    // Arrange
    const leadId = await warmMql('accept-open');
    const { readSlaCounters, reportPeriod } = await import('#app/sla-counting');
    const { now } = await import('#adapters/clock');
    const before = await readSlaCounters(reportPeriod(now()));

    // Act
    const nobody = await act(leadId, 'accept', { actionId: `a0-${leadId}` });
    const accepted = await act(leadId, 'accept', { actionId: `a-${leadId}`, by: 'K.Sato@example.co.jp' });
    const { handOffLead } = await import('#app/open-handoff');
    const automatic = await handOffLead(leadId, now(), { trigger: 'inquiry', reason: 'late bus delivery' });
    await runtime.settle();

    // Assert
    expect(nobody.status).toBe(409);
    expect(nobody.body.error?.message).toMatch(/no open hand-off to accept; name the accepting owner/);
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ from: 'mql', stage: 'sal', handoff: { n: 1, ownerId: 'sato' } });
    expect(accepted.body.handoff?.acceptedAt).toBeDefined();
    expect(automatic.status).toBe('not_triggered');
    expect(detailOf(eventsOf(runtime, leadId, 'Lead Handed Off')[0])).toMatchObject({ trigger: 'accept' });
    expect(eventsOf(runtime, leadId, 'Lead Handed Off')).toHaveLength(1);
    expect(detailOf(eventsOf(runtime, leadId, 'Lead Accepted')[0])).toMatchObject({
      ownerId: 'sato',
      withinSla: true,
    });
    await expectTimerOnlyForFirstContact(leadId);
    const after = await readSlaCounters(reportPeriod(now()));
    expect(after.started - before.started).toBe(1);
    expect(after.met - before.met).toBe(1);
  });

  it('given a field rep took a warm MQL with accept, when they log the appointment they booked, then the lead stays theirs: no TQL hand-off, hand-off 1, stage sal', async () => {
    // Arrange
    const leadId = await warmMql('accept-field-appointment');
    const accepted = await act(leadId, 'accept', { actionId: `a-${leadId}`, ownerId: 'sato' });
    expect(accepted.body).toMatchObject({ stage: 'sal', handoff: { n: 1, ownerId: 'sato' } });

    // Act
    const logged = await act(leadId, 'activities', {
      activityId: `appt-${leadId}`,
      type: 'meeting',
      outcome: 'appointment_set',
      by: 'sato',
    });
    await runtime.settle();

    // Assert
    expect(logged.status).toBe(201);
    expect(logged.body).toMatchObject({ stage: 'sal', handoff: null });
    const state = await stateOf(leadId);
    expect(state).toMatchObject({
      stage: 'sal',
      handoff: { n: 1, trigger: 'accept', owner: { ownerId: 'sato' } },
    });
    expect(eventsOf(runtime, leadId, 'Lead Handed Off')).toHaveLength(1);
    expect(eventsOf(runtime, leadId, 'Lead Assigned')).toHaveLength(1);
    expect(eventsOf(runtime, leadId, 'Lead Stage Changed').map((e) => detailOf(e).to)).not.toContain('tql');
  });

  /** A demo request whose automatic hand-off is still in the outbox (the stream is not polled until settle). */
  const inquiryOnItsWay = async (label: string): Promise<string> => {
    const email = uniqueEmail(label);
    expect((await api(runtime).postForm('contact', contactForm(email))).status).toBe(201);
    return leadIdOf(email);
  };

  const expectOneHandoffOwnedBy = async (leadId: string, ownerId: string) => {
    const state = await stateOf(leadId);
    expect(state).toMatchObject({ stage: 'sal', handoff: { n: 1, owner: { ownerId } } });
    expect(state?.handoff.acceptedAt).toBeDefined();
    expect(eventsOf(runtime, leadId, 'Lead Handed Off')).toHaveLength(1);
    expect(eventsOf(runtime, leadId, 'Lead Accepted')).toHaveLength(1);
    await expectTimerOnlyForFirstContact(leadId);
  };

  it('given the automatic hand-off still on the bus, when the accept arrives first, then the accept opens the hand-off and the bus hand-off changes nothing', async () => {
    // Arrange
    const leadId = await inquiryOnItsWay('race-accept-first');

    // Act
    const accepted = await act(leadId, 'accept', { actionId: `a-${leadId}`, ownerId: 'ito' });
    await runtime.settle();

    // Assert
    expect(accepted.status).toBe(200);
    await expectOneHandoffOwnedBy(leadId, 'ito');
    expect(detailOf(eventsOf(runtime, leadId, 'Lead Handed Off')[0])).toMatchObject({ trigger: 'accept' });
    expect(eventsOf(runtime, leadId, 'Lead Assigned')).toHaveLength(1);
  });

  it('given the automatic hand-off delivered first, when the accept names its owner, then the owner takes it over (reassigned) and accepts it in one step', async () => {
    // Arrange
    const leadId = await inquiryOnItsWay('race-bus-first');

    // Act
    await runtime.settle();
    const accepted = await act(leadId, 'accept', { actionId: `a-${leadId}`, ownerId: 'ito' });
    await runtime.settle();

    // Assert
    expect(accepted.status).toBe(200);
    await expectOneHandoffOwnedBy(leadId, 'ito');
    expect(detailOf(eventsOf(runtime, leadId, 'Lead Handed Off')[0])).toMatchObject({ trigger: 'inquiry' });
    expect(eventsOf(runtime, leadId, 'Lead Assigned').map((e) => detailOf(e).reason)).toEqual([
      'handoff',
      'manual',
    ]);
  });

  it('given the automatic hand-off on the bus, when it and the accept run at the same time (five leads), then each lead has exactly one hand-off, owned and accepted by the caller', async () => {
    // Arrange
    const leadIds = await Promise.all([1, 2, 3, 4, 5].map((i) => inquiryOnItsWay(`race-${i}`)));

    // Act
    const [, ...results] = await Promise.all([
      runtime.settle(),
      ...leadIds.map((leadId) => act(leadId, 'accept', { actionId: `a-${leadId}`, ownerId: 'ito' })),
    ]);
    await runtime.settle();

    // Assert
    expect(results.map((r) => (r as { status: number }).status)).toEqual([200, 200, 200, 200, 200]);
    for (const leadId of leadIds) await expectOneHandoffOwnedBy(leadId, 'ito');
  });
});
