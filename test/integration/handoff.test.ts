import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { now as clockNow } from '#adapters/clock';
import type { Runtime } from '#local/runtime';
import { startTestRuntime, uniqueEmail } from '../support/runtime.ts';
import { api, detailOf, eventsOf, getItem, HOUR, makeHotLead } from './handoff-support.ts';

let runtime: Runtime;
beforeAll(async () => {
  runtime = await startTestRuntime();
});
afterAll(async () => {
  await runtime.stop();
});

describe('hand-off: a lead that turns hot goes to sales', () => {
  it('given a strong-fit contact and a webinar, when the lead turns hot, then an owner is assigned and Lead Handed Off carries the Salesforce record', async () => {
    // Arrange
    const email = uniqueEmail('hot');

    // Act
    const leadId = await makeHotLead(runtime, email, { prefecture: '東京都' });

    // Assert
    const handedOff = eventsOf(runtime, leadId, 'Lead Handed Off');
    expect(handedOff).toHaveLength(1);
    const detail = detailOf<{
      owner: { ownerId: string; team: string };
      crm: { system: string; record: Record<string, unknown> };
      handoffNumber: number;
      slaDueAt: string;
      firstContactDueAt?: string;
    }>(handedOff[0]);
    expect(detail.handoffNumber).toBe(1);
    // Hot leads go to inside sales first (config/handoff.ts → routes).
    expect(detail.owner.team).toBe('inside-sales');
    expect(detail.crm.system).toBe('salesforce');
    expect(detail.crm.record).toMatchObject({
      FirstName: '太郎',
      LastName: '山田',
      Company: '株式会社テスト商事',
      Email: email.toLowerCase(),
      Phone: '03-1234-5678',
      Title: '営業部 部長',
      NumberOfEmployees: 300,
      Rating: 'Hot',
      LeadSource: 'Web',
      Lead_Score__c: 91,
      Grade__c: expect.any(String),
      OwnerId: expect.stringMatching(/^0055g/),
    });
    expect(String(detail.crm.record.Description)).toContain('webinar_attended');
    const assigned = eventsOf(runtime, leadId, 'Lead Assigned');
    expect(assigned).toHaveLength(1);
    expect(detailOf(assigned[0])).toMatchObject({ reason: 'handoff', previousOwner: null });

    const view = (await (await api(runtime).opsGet(`/v1/ops/leads/${leadId}`)).json()) as {
      owner: { ownerId: string };
      stage: string;
    };
    expect(view.owner.ownerId).toBe(detail.owner.ownerId);
    expect(view.stage).toBe('mql');
    const { keys } = await import('#store/keys');
    const timer = await getItem(keys.timer(leadId, 'sla'));
    // The timer fires at the earlier of the two clocks (an inquiry's first contact comes before its accept).
    const firstDeadline = [detail.slaDueAt, detail.firstContactDueAt]
      .filter((at): at is string => at !== undefined)
      .sort()[0];
    expect(timer).toMatchObject({ timerKind: 'sla', dueAt: firstDeadline, handoffNumber: 1 });
  });

  it('given an open hand-off, when the trigger event is delivered again, then nothing changes and nothing is published', async () => {
    // Arrange
    const leadId = await makeHotLead(runtime, uniqueEmail('redeliver'));
    const trigger = eventsOf(runtime, leadId, 'Lead Temperature Changed').find(
      (e) => (e.detail as { to: string }).to === 'hot',
    );
    const { keys } = await import('#store/keys');
    const before = await getItem(keys.state(leadId));
    const published = runtime.events().length;

    // Act
    await runtime.invoke('handoff', trigger);
    await runtime.invoke('handoff', trigger);
    await runtime.settle();

    // Assert
    expect((await getItem(keys.state(leadId)))?.version).toBe(before?.version);
    expect(runtime.events().length).toBe(published);
  });

  it('given a hand-off sales closed (recycled, still hot), when the old hot trigger is delivered again (a retry, a redrive), then no second hand-off opens', async () => {
    // Arrange
    const leadId = await makeHotLead(runtime, uniqueEmail('spent-trigger'));
    const trigger = eventsOf(runtime, leadId, 'Lead Temperature Changed').find(
      (e) => (e.detail as { to: string }).to === 'hot',
    );
    const recycled = await api(runtime).opsPost(`/v1/ops/leads/${leadId}/recycle`, {
      actionId: `recycle-${leadId}`,
      reason: '今期は予算なし',
    });
    expect(recycled.status).toBe(200);
    await runtime.settle();
    const { keys } = await import('#store/keys');
    const before = await getItem(keys.state(leadId));
    const handoffs = eventsOf(runtime, leadId, 'Lead Handed Off').length;

    // Act
    await runtime.invoke('handoff', trigger);
    await runtime.settle();

    // Assert: still recycled and hot, hand-off #1 closed, no new one, nothing written.
    expect(before).toMatchObject({ stage: 'recycled', temperature: 'hot', handoff: { n: 1 } });
    expect((before?.handoff as { closedAt?: number } | undefined)?.closedAt).toBeDefined();
    expect((await getItem(keys.state(leadId)))?.version).toBe(before?.version);
    expect(eventsOf(runtime, leadId, 'Lead Handed Off')).toHaveLength(handoffs);
  });

  it('given a lead in Osaka with 1,000+ employees, when inside sales sets an appointment, then the Kansai territory rule picks the field-sales team', async () => {
    const leadId = await makeHotLead(runtime, uniqueEmail('kansai'), {
      prefecture: '大阪府',
      employees: '1000-4999',
    });
    const insideSales = detailOf<{ owner: { ownerId: string; team: string } }>(
      eventsOf(runtime, leadId, 'Lead Assigned')[0],
    ).owner;
    expect(insideSales.team).toBe('inside-sales');
    const logged = await api(runtime).opsPost(`/v1/ops/leads/${leadId}/activities`, {
      activityId: `appt-${leadId}`,
      type: 'call',
      outcome: 'appointment_set',
      occurredAt: new Date((await import('#adapters/clock')).now()).toISOString(),
      by: insideSales.ownerId,
    });
    expect(logged.status).toBe(201);
    await runtime.settle();
    const detail = detailOf<{ owner: { team: string }; rule: string }>(
      eventsOf(runtime, leadId, 'Lead Assigned')[1],
    );
    expect(detail).toMatchObject({ owner: { team: 'kansai' }, rule: 'kansai-territory' });
  });

  it('given nobody in the team is available, when the lead turns hot, then no hand-off is made and the handler does not fail', async () => {
    // Arrange: the whole sales force on leave (the settings object the handlers read).
    const { settings } = await import('#config/settings');
    const owners = settings.handoff.owners;
    (settings.handoff as { owners: typeof owners }).owners = owners.map((o) => ({ ...o, available: false }));
    try {
      // Act
      const leadId = await makeHotLead(runtime, uniqueEmail('noowner'));

      // Assert
      expect(eventsOf(runtime, leadId, 'Lead Temperature Changed').length).toBeGreaterThan(0);
      expect(eventsOf(runtime, leadId, 'Lead Handed Off')).toHaveLength(0);
      expect(runtime.router.failedDeliveries()).toHaveLength(0);
    } finally {
      (settings.handoff as { owners: typeof owners }).owners = owners;
    }
  });
});

describe('SLA: sales must accept in time', () => {
  it('given a hand-off nobody accepts, when the clock passes the accept deadline and the sweeper runs, then Lead SLA Breached is published and the lead goes to the next owner, once', async () => {
    // Arrange: this test is about the accept clock. makeHotLead's contact form is an inquiry (first contact
    // within 1 business hour) racing the hot trigger (1 business day); give the inquiry route the hot
    // route's first-contact clock so that, whichever opens the hand-off, accept is the first deadline.
    const { settings } = await import('#config/settings');
    const routes = settings.handoff.routes as { trigger: string; firstContact?: unknown }[];
    const inquiry = routes.find((r) => r.trigger === 'inquiry');
    const hot = routes.find((r) => r.trigger === 'hot');
    const saved = inquiry?.firstContact;
    if (inquiry) inquiry.firstContact = hot?.firstContact ?? settings.handoff.sla.firstContact;
    let leadId: string;
    try {
      leadId = await makeHotLead(runtime, uniqueEmail('sla'));
    } finally {
      if (inquiry) inquiry.firstContact = saved;
    }
    const first = detailOf<{ owner: { ownerId: string }; slaDueAt: string }>(
      eventsOf(runtime, leadId, 'Lead Handed Off')[0],
    );
    const { readSlaCounters, reportPeriod } = await import('#app/sla-counting');
    const { now } = await import('#adapters/clock');

    // Act: the demo's accept clock is 4 Tokyo business hours; go just past the deadline
    await runtime.advanceClock(Date.parse(first.slaDueAt) - now() + 60_000);
    await runtime.sweep();
    await runtime.sweep(); // a second sweep (or a re-fired timer) changes nothing

    // Assert
    const breached = eventsOf(runtime, leadId, 'Lead SLA Breached');
    expect(breached).toHaveLength(1);
    const breach = detailOf<{
      owner: { ownerId: string };
      clock: string;
      escalation: { action: string; reassignTo: { ownerId: string; team: string } };
    }>(breached[0]);
    expect(breach.clock).toBe('accept');
    expect(breach.owner.ownerId).toBe(first.owner.ownerId);
    expect(breach.escalation.action).toBe('reassign');
    expect(breach.escalation.reassignTo.ownerId).not.toBe(first.owner.ownerId);
    // A colleague in inside sales (the hot lead's route), not the field rep the assignment rules would pick.
    expect(breach.escalation.reassignTo.team).toBe('inside-sales');
    const reassigned = eventsOf(runtime, leadId, 'Lead Assigned').filter(
      (e) => (e.detail as { reason: string }).reason === 'sla_reassign',
    );
    expect(reassigned).toHaveLength(1);
    expect(detailOf(reassigned[0])).toMatchObject({
      owner: { ownerId: breach.escalation.reassignTo.ownerId },
      previousOwner: { ownerId: first.owner.ownerId },
    });

    // The second owner does not accept either: one more breach, notify only (maxReassignments 1).
    const { keys } = await import('#store/keys');
    const state = await getItem(keys.state(leadId));
    const handoff = state?.handoff as { dueAt: number; firstContactDueAt: number };
    await runtime.advanceClock(handoff.dueAt - now() + 60_000);
    await runtime.sweep();
    const again = eventsOf(runtime, leadId, 'Lead SLA Breached');
    expect(again).toHaveLength(2);
    expect(detailOf(again[1])).toMatchObject({
      clock: 'accept',
      escalation: { action: 'notify' },
      reassignments: 1,
    });
    // The first-contact clock of the second owner still runs: the timer waits for it.
    const timer = await getItem(keys.timer(leadId, 'sla'));
    expect(timer?.dueAt).toBe(new Date(handoff.firstContactDueAt).toISOString());
    const counters = await readSlaCounters(reportPeriod(now()));
    expect(counters.breached).toBeGreaterThanOrEqual(1);
    expect(counters.reassigned).toBeGreaterThanOrEqual(1);
  });

  it('given a hot lead, when sales accepts, calls and later recycles it, then no breach follows and the lead goes back to nurture', async () => {
    // Arrange
    const leadId = await makeHotLead(runtime, uniqueEmail('accept'));
    const { opsPost } = api(runtime);
    const owner = detailOf<{ owner: { ownerId: string } }>(
      eventsOf(runtime, leadId, 'Lead Handed Off')[0],
    ).owner;

    // Act: accepted and contacted in time, so neither clock breaches
    const accepted = await opsPost(`/v1/ops/leads/${leadId}/accept`, { actionId: `acc-${leadId}` });
    const called = await opsPost(`/v1/ops/leads/${leadId}/activities`, {
      activityId: `call-${leadId}`,
      type: 'call',
      outcome: 'connected',
      occurredAt: new Date((await import('#adapters/clock')).now()).toISOString(),
      by: owner.ownerId,
    });
    expect(called.status).toBe(201);
    await runtime.advanceClock(25 * HOUR);
    await runtime.sweep();
    const recycled = await opsPost(`/v1/ops/leads/${leadId}/recycle`, {
      actionId: `rec-${leadId}`,
      reason: '予算確保は来期',
    });
    await runtime.settle();

    // Assert
    expect(accepted.status).toBe(200);
    expect(await accepted.json()).toMatchObject({ stage: 'sal', from: 'mql' });
    expect(eventsOf(runtime, leadId, 'Lead Accepted')).toHaveLength(1);
    expect(detailOf(eventsOf(runtime, leadId, 'Lead Accepted')[0])).toMatchObject({ withinSla: true });
    expect(eventsOf(runtime, leadId, 'Lead SLA Breached')).toHaveLength(0);
    expect(recycled.status).toBe(200);
    const recycledEvent = detailOf<{ nurtureAt: string; sequenceId: string }>(
      eventsOf(runtime, leadId, 'Lead Recycled')[0],
    );
    expect(recycledEvent.sequenceId).toBe('recycle-nurture');
    expect(Date.parse(recycledEvent.nurtureAt)).toBeGreaterThan(clockNow() + 29 * 24 * HOUR);
    const { keys } = await import('#store/keys');
    expect(await getItem(keys.enrollment(leadId, 'recycle-nurture'))).toBeDefined();
    const view = (await (await api(runtime).opsGet(`/v1/ops/leads/${leadId}`)).json()) as {
      stage: string;
      owner: unknown;
    };
    expect(view).toMatchObject({ stage: 'recycled', owner: null });
  });
});
