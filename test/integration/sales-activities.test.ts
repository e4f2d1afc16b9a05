import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '#local/runtime';
import { startTestRuntime, uniqueEmail } from '../support/runtime.ts';
import { api, contactForm, detailOf, eventsOf, getItem, makeHotLead } from './handoff-support.ts';

let runtime: Runtime;
beforeAll(async () => {
  runtime = await startTestRuntime();
});
afterAll(async () => {
  await runtime.stop();
});

const clockNow = async (): Promise<number> => (await import('#adapters/clock')).now();
/** The report day (Asia/Tokyo) of an instant. */
const dayOf = (at: number) =>
  new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Tokyo' }).format(new Date(at));

interface HandedOff {
  handoffNumber: number;
  owner: { ownerId: string; team: string };
  slaDueAt: string;
  firstContactDueAt?: string;
  trigger?: string;
  stage: string;
}

const handedOff = (leadId: string): HandedOff[] =>
  eventsOf(runtime, leadId, 'Lead Handed Off').map((e) => detailOf<HandedOff>(e));

const logActivity = (leadId: string, body: Record<string, unknown>) =>
  api(runtime).opsPost(`/v1/ops/leads/${leadId}/activities`, body);

const activity = async (overrides: Record<string, unknown>) => ({
  activityId: `act-${Math.random().toString(36).slice(2)}`,
  type: 'call',
  outcome: 'connected',
  occurredAt: new Date(await clockNow()).toISOString(),
  durationSeconds: 300,
  note: '課題ヒアリング済み',
  ...overrides,
});

const stateOf = async (leadId: string) => {
  const { keys } = await import('#store/keys');
  return getItem(keys.state(leadId));
};

describe('activities: POST /v1/ops/leads/{leadId}/activities', () => {
  it('given a hot lead with an inside-sales owner, when the owner logs a connected call twice, then it is recorded, scored and counted once and the replay gets the same answer', async () => {
    // Arrange
    const leadId = await makeHotLead(runtime, uniqueEmail('act-replay'));
    const [first] = handedOff(leadId);
    expect(first?.owner.team).toBe('inside-sales');
    // makeHotLead posts the contact form (an inquiry: the fast lane) and a webinar (hot): whichever arrives
    // first opens the one hand-off, both routed to inside sales.
    expect(['inquiry', 'hot']).toContain(first?.trigger);
    expect(handedOff(leadId)).toHaveLength(1);
    const before = await stateOf(leadId);
    const body = await activity({ by: first?.owner.ownerId });

    // Act
    const recorded = await logActivity(leadId, body);
    const replayed = await logActivity(leadId, body);
    await runtime.settle();

    // Assert
    expect(recorded.status).toBe(201);
    expect(replayed.status).toBe(200);
    expect(replayed.headers.get('idempotent-replay')).toBe('true');
    const answer = await recorded.json();
    expect(await replayed.json()).toEqual(answer);
    expect(answer).toMatchObject({ leadId, points: 5, firstContact: true, stage: 'mql', handoff: null });
    const after = await stateOf(leadId);
    expect(after?.version).toBe((before?.version as number) + 1);
    const totalOf = (state: Record<string, unknown> | undefined) =>
      (state?.score as { total: number } | undefined)?.total ?? Number.NaN;
    expect(totalOf(after)).toBe(totalOf(before) + 5);
    const { keys } = await import('#store/keys');
    const entry = await getItem(keys.timelineEvent(leadId, `activity:${body.activityId}`));
    expect(entry).toMatchObject({ type: 'sales_activity', points: 5, rule: 'sales-connect' });
    const contacted = eventsOf(runtime, leadId, 'Lead First Contacted');
    expect(contacted).toHaveLength(1);
    expect(detailOf(contacted[0])).toMatchObject({
      handoffNumber: 1,
      activityId: body.activityId,
      withinSla: true,
      dueAt: first?.firstContactDueAt,
    });
    // Not accepted yet: the timer now waits for the accept deadline only.
    const timer = await getItem(keys.timer(leadId, 'sla'));
    expect(timer?.dueAt).toBe(first?.slaDueAt);
    // The SLA report counts the first contact (per owner), once.
    const day = dayOf(await clockNow());
    const sla = (await (
      await api(runtime).opsGet(`/v1/ops/reports/sla?from=${day}&to=${day}&groupBy=owner`)
    ).json()) as { rows: { group: string; firstContacted: number; firstContactWithinSla: number }[] };
    expect(sla.rows.find((r) => r.group === first?.owner.ownerId)).toMatchObject({
      firstContacted: 1,
      firstContactWithinSla: 1,
    });
  });

  it('given a call logged right after the hand-off, when the caller’s device clock is two minutes behind, then a stated time does not count as the first contact and a call without a time (stamped by the server) does', async () => {
    // Arrange
    const leadId = await makeHotLead(runtime, uniqueEmail('act-skew'));
    const [first] = handedOff(leadId);
    const by = first?.owner.ownerId;
    const skewed = new Date((await clockNow()) - 2 * 60_000).toISOString();
    const { occurredAt: _stated, ...untimed } = await activity({ by });

    // Act
    const behind = await logActivity(
      leadId,
      await activity({ by, outcome: 'no_answer', occurredAt: skewed }),
    );
    const stamped = await logActivity(leadId, untimed);
    await runtime.settle();

    // Assert
    expect(behind.status).toBe(201);
    expect(await behind.json()).toMatchObject({ firstContact: false });
    expect(stamped.status).toBe(201);
    expect(await stamped.json()).toMatchObject({ firstContact: true });
    const { keys } = await import('#store/keys');
    const entry = await getItem(keys.timelineEvent(leadId, `activity:${untimed.activityId}`));
    expect(Math.abs((entry?.occurredAt as number) - (await clockNow()))).toBeLessThan(60_000);
    const contacted = eventsOf(runtime, leadId, 'Lead First Contacted');
    expect(contacted.map((e) => detailOf<{ activityId: string }>(e).activityId)).toEqual([
      untimed.activityId,
    ]);
  });

  it('given bad bodies, when posted, then 400 names the field and nothing is stored; an unknown lead is 404; an activityId reused on another lead is 409', async () => {
    // Arrange
    const leadId = await makeHotLead(runtime, uniqueEmail('act-bad'));
    const otherId = await makeHotLead(runtime, uniqueEmail('act-bad-other'));
    const before = await stateOf(leadId);
    const good = await activity({ by: 'kobayashi' });
    const future = new Date((await clockNow()) + 3_600_000).toISOString();
    const cases: [Record<string, unknown>, string][] = [
      [{ ...good, type: 'fax' }, 'type'],
      [{ ...good, outcome: 'maybe' }, 'outcome'],
      [{ ...good, occurredAt: 'yesterday' }, 'occurredAt'],
      [{ ...good, occurredAt: future }, 'occurredAt'],
      [{ ...good, by: '' }, 'by'],
      [{ ...good, durationSeconds: -1 }, 'durationSeconds'],
      [{ ...good, activityId: 'has space' }, 'activityId'],
      [{ ...good, type: 'note', outcome: 'appointment_set' }, 'outcome'],
      [{ ...good, extra: 1 }, ''],
    ];

    // Act + Assert
    for (const [body, field] of cases) {
      const response = await logActivity(leadId, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      const problem = (await response.json()) as { error: { errors?: { field: string }[] } };
      const fields = problem.error.errors?.map((e) => e.field) ?? [];
      if (field) expect(fields).toContain(field);
      else expect(fields.length).toBeGreaterThan(0);
    }
    expect((await stateOf(leadId))?.version).toBe(before?.version);
    expect((await logActivity('no-such-lead', good)).status).toBe(404);
    expect((await logActivity(leadId, good)).status).toBe(201);
    const reused = await logActivity(otherId, good);
    expect(reused.status).toBe(409);
    expect(await reused.json()).toMatchObject({ error: { code: 'activity_id_reused' } });
  });
});

describe("activities and the lead's hourly event bound", () => {
  it("given a lead whose browser sent its hour's bound of page views (a page left reloading), when the owner logs the call they just made, then it is recorded and stops the first-contact clock instead of a 429 that loses it", async () => {
    // Arrange: the hand-off is open; 300 page views (MAX_EVENTS_PER_LEAD_HOUR) arrive in this hour.
    const { MAX_EVENTS_PER_LEAD_HOUR } = await import('#domain/tracking/activity');
    const leadId = await makeHotLead(runtime, uniqueEmail('act-flood'));
    const [first] = handedOff(leadId);
    for (let batch = 0; batch * 20 < MAX_EVENTS_PER_LEAD_HOUR; batch++) {
      const events = Array.from({ length: 20 }, (_, i) => ({
        type: 'page_view',
        leadId,
        eventId: `flood-${leadId}-${batch * 20 + i}`,
        url: `https://www.example.co.jp/news?reload=${batch * 20 + i}`,
      }));
      const tracked = await api(runtime).opsPost('/v1/ops/events', { events });
      expect(tracked.status).toBe(202);
    }
    const refused = await api(runtime).opsPost('/v1/ops/events', {
      events: [
        { type: 'page_view', leadId, eventId: `flood-${leadId}-over`, url: 'https://www.example.co.jp/' },
      ],
    });
    expect(await refused.json()).toMatchObject({ accepted: 0, rejected: [{ reason: 'rate_limited' }] });

    // Act
    const call = await logActivity(leadId, await activity({ by: first?.owner.ownerId }));

    // Assert
    expect(call.status).toBe(201);
    expect(await call.json()).toMatchObject({ leadId, points: 5, firstContact: true });
  });
});

describe('first-contact SLA', () => {
  it('given a demo request handed off at once (accept within 30 business minutes, first contact within 1 business hour), when nobody accepts in time, then Lead SLA Breached {clock: accept} reassigns once, and only the new owner’s call counts, within their fresh deadline', async () => {
    // Arrange: a warm lead (contact form only), handed off at capture by the fast lane (trigger inquiry)
    const email = uniqueEmail('accept-breach');
    const posted = await api(runtime).postForm('contact', contactForm(email));
    expect(posted.status).toBe(201);
    await runtime.settle();
    const lead = (await (
      await api(runtime).opsGet(`/v1/ops/leads?email=${encodeURIComponent(email)}`)
    ).json()) as {
      leadId: string;
    };
    // (the contact form is an inquiry form: the fast lane opened the hand-off already)
    const [first] = handedOff(lead.leadId);
    expect(first).toMatchObject({ trigger: 'inquiry', owner: { team: 'inside-sales' } });
    const acceptDue = Date.parse(first?.slaDueAt ?? '');
    // The demo's order: a person takes the request first, then calls.
    expect(acceptDue).toBeLessThan(Date.parse(first?.firstContactDueAt ?? ''));
    const { readSlaCounters, reportPeriod } = await import('#app/sla-counting');
    // The month the breach is counted in: the deadline's (after a weekend, holidays or 年末年始, it may be
    // the next month's).
    const period = reportPeriod(acceptDue + 60_000);
    const countersBefore = await readSlaCounters(period);
    // Other leads of this file (inquiries too) may breach on the same clock move: count every breach event.
    const breachEvents = (clock: string) =>
      runtime
        .events()
        .filter(
          (e) => e['detail-type'] === 'Lead SLA Breached' && (e.detail as { clock?: string }).clock === clock,
        ).length;
    const acceptBreachesBefore = breachEvents('accept');

    // Act: just past the accept deadline (before the first-contact one), twice
    await runtime.advanceClock(acceptDue - (await clockNow()) + 60_000);
    await runtime.sweep();
    await runtime.sweep();

    // Assert
    const breaches = eventsOf(runtime, lead.leadId, 'Lead SLA Breached').map((e) =>
      detailOf<{ clock: string; escalation: { action: string; reassignTo?: { ownerId: string } } }>(e),
    );
    expect(breaches).toHaveLength(1);
    expect(breaches[0]).toMatchObject({ clock: 'accept', escalation: { action: 'reassign' } });
    const newOwner = breaches[0]?.escalation.reassignTo?.ownerId;
    expect(newOwner).toBeDefined();
    expect(newOwner).not.toBe(first?.owner.ownerId);
    const counters = await readSlaCounters(period);
    // Each breach is counted exactly once: the counter moved by the breaches published (ours among them).
    const published = breachEvents('accept') - acceptBreachesBefore;
    expect(published).toBeGreaterThanOrEqual(1);
    expect(counters.breached - countersBefore.breached).toBe(published);

    // The old owner's call no longer counts; the new owner's does (met against the new deadline).
    const late = await logActivity(lead.leadId, await activity({ by: first?.owner.ownerId }));
    expect(await late.json()).toMatchObject({ firstContact: false });
    const day = dayOf(await clockNow());
    const slaOf = async (owner: string | undefined) =>
      (
        (await (
          await api(runtime).opsGet(`/v1/ops/reports/sla?from=${day}&to=${day}&groupBy=owner`)
        ).json()) as {
          rows: { group: string; firstContactWithinSla: number; firstContactBreached: number }[];
        }
      ).rows.find((r) => r.group === owner) ?? { firstContactWithinSla: 0, firstContactBreached: 0 };
    const newOwnerBefore = await slaOf(newOwner);
    const met = await logActivity(lead.leadId, await activity({ by: newOwner }));
    expect(await met.json()).toMatchObject({ firstContact: true });
    await runtime.settle();
    const contacted = eventsOf(runtime, lead.leadId, 'Lead First Contacted');
    expect(contacted).toHaveLength(1);
    // The clocks are the holder's: the reassignment restarted both for the new owner, who called within
    // their own fresh first-contact deadline, so the contact is within SLA and counts as met, for them.
    expect(detailOf(contacted[0])).toMatchObject({ withinSla: true, owner: { ownerId: newOwner } });
    const final = await readSlaCounters(reportPeriod(await clockNow()));
    const sameMonth = reportPeriod(await clockNow()) === period;
    if (sameMonth) expect(final.breached).toBe(counters.breached);
    expect(final.firstContactMet).toBe((sameMonth ? countersBefore.firstContactMet : 0) + 1);
    const newOwnerAfter = await slaOf(newOwner);
    expect({
      withinSla: newOwnerAfter.firstContactWithinSla - newOwnerBefore.firstContactWithinSla,
      breached: newOwnerAfter.firstContactBreached - newOwnerBefore.firstContactBreached,
    }).toEqual({ withinSla: 1, breached: 0 });
  });

  it('given a hot lead whose owner accepts but does not call, when the first-contact deadline passes, then a first_contact breach notifies (no reassignment) and a late call counts as breached once', async () => {
    // Arrange
    const leadId = await makeHotLead(runtime, uniqueEmail('fc-accepted'));
    const [first] = handedOff(leadId);
    const accepted = await api(runtime).opsPost(`/v1/ops/leads/${leadId}/accept`, {
      actionId: `acc-${leadId}`,
      by: first?.owner.ownerId,
    });
    expect(accepted.status).toBe(200);
    const { keys } = await import('#store/keys');
    // Accepting left the timer armed for the first-contact clock.
    expect((await getItem(keys.timer(leadId, 'sla')))?.dueAt).toBe(first?.firstContactDueAt);

    // Act
    await runtime.advanceClock(Date.parse(first?.firstContactDueAt ?? '') - (await clockNow()) + 60_000);
    await runtime.sweep();
    const late = await logActivity(
      leadId,
      await activity({ by: first?.owner.ownerId, type: 'email', outcome: undefined }),
    );
    await runtime.settle();

    // Assert
    const breaches = eventsOf(runtime, leadId, 'Lead SLA Breached').map((e) => detailOf(e));
    expect(breaches).toEqual([
      expect.objectContaining({
        clock: 'first_contact',
        escalation: { action: 'notify' },
        owner: first?.owner,
      }),
    ]);
    expect(late.status).toBe(201);
    expect(detailOf(eventsOf(runtime, leadId, 'Lead First Contacted')[0])).toMatchObject({
      withinSla: false,
    });
    expect(await getItem(keys.timer(leadId, 'sla'))).toBeUndefined();
  });

  it('given an accepted hand-off whose first-contact breach the sweeper counted, when the owner finally calls and books the appointment (appointment_set → TQL, hand-off #2 in the same write), then the SLA report counts the late contact but not the breach again', async () => {
    // Arrange: accepted (a breach notifies, no reassignment), then the first-contact deadline passes
    const leadId = await makeHotLead(runtime, uniqueEmail('fc-tql-late'));
    const [first] = handedOff(leadId);
    const owner = first?.owner.ownerId ?? '';
    const from = dayOf(await clockNow());
    const accepted = await api(runtime).opsPost(`/v1/ops/leads/${leadId}/accept`, {
      actionId: `acc-${leadId}`,
      by: owner,
    });
    expect(accepted.status).toBe(200);
    await runtime.advanceClock(Date.parse(first?.firstContactDueAt ?? '') - (await clockNow()) + 60_000);
    await runtime.sweep();
    await runtime.settle();
    expect(eventsOf(runtime, leadId, 'Lead SLA Breached').map((e) => detailOf(e))).toEqual([
      expect.objectContaining({ clock: 'first_contact', handoffNumber: 1 }),
    ]);
    const to = dayOf(await clockNow());
    const { readSlaCounters, reportPeriod } = await import('#app/sla-counting');
    const period = reportPeriod(await clockNow());
    const monthlyBefore = await readSlaCounters(period);
    const slaRow = async () => {
      const response = await api(runtime).opsGet(`/v1/ops/reports/sla?from=${from}&to=${to}&groupBy=owner`);
      expect(response.status).toBe(200);
      const { rows } = (await response.json()) as { rows: (Record<string, number> & { group: string })[] };
      return rows.find((r) => r.group === owner);
    };
    const before = await slaRow();
    // The sweeper's breach is in the report already (other leads of this owner may add to it).
    expect(before?.firstContactBreached).toBeGreaterThanOrEqual(1);

    // Act: the late call books the appointment: first contact of #1 and hand-off #2 in one write
    const logged = await logActivity(leadId, await activity({ by: owner, outcome: 'appointment_set' }));
    expect(logged.status).toBe(201);
    expect(await logged.json()).toMatchObject({
      firstContact: true,
      stage: 'tql',
      handoff: { handoffNumber: 2 },
    });
    await runtime.settle();

    // Assert: one late contact; the breach stays counted once, in the report as in the monthly counters
    expect(eventsOf(runtime, leadId, 'Lead First Contacted').map((e) => detailOf(e))).toEqual([
      expect.objectContaining({ handoffNumber: 1, withinSla: false }),
    ]);
    expect((await readSlaCounters(period)).firstContactBreached).toBe(monthlyBefore.firstContactBreached);
    const after = await slaRow();
    expect({
      firstContacted: (after?.firstContacted ?? 0) - (before?.firstContacted ?? 0),
      firstContactWithinSla: (after?.firstContactWithinSla ?? 0) - (before?.firstContactWithinSla ?? 0),
      firstContactBreached: (after?.firstContactBreached ?? 0) - (before?.firstContactBreached ?? 0),
    }).toEqual({ firstContacted: 1, firstContactWithinSla: 0, firstContactBreached: 0 });
  });
});

describe('first contact: what counts', () => {
  it('given an accepted hand-off, when the owner logs a note and a wrong-number call, then the first-contact clock keeps running (no event, no counter), and a call not answered then stops it', async () => {
    // Arrange
    const leadId = await makeHotLead(runtime, uniqueEmail('fc-note'));
    const [first] = handedOff(leadId);
    const by = first?.owner.ownerId;
    const accepted = await api(runtime).opsPost(`/v1/ops/leads/${leadId}/accept`, {
      actionId: `acc-${leadId}`,
      by,
    });
    expect(accepted.status).toBe(200);
    const { keys } = await import('#store/keys');
    const { readSlaCounters, reportPeriod } = await import('#app/sla-counting');
    const period = reportPeriod(await clockNow());
    const countersBefore = await readSlaCounters(period);

    // Act
    const note = await logActivity(
      leadId,
      await activity({ by, type: 'note', outcome: undefined, note: '後で電話する' }),
    );
    const wrongNumber = await logActivity(leadId, await activity({ by, outcome: 'wrong_number' }));
    await runtime.settle();
    const afterNote = await readSlaCounters(period);
    const timerAfterNote = await getItem(keys.timer(leadId, 'sla'));
    const contactedAfterNote = eventsOf(runtime, leadId, 'Lead First Contacted').length;
    const noAnswer = await logActivity(leadId, await activity({ by, outcome: 'no_answer' }));
    await runtime.settle();

    // Assert: the note and the wrong number touched nobody; the clock ran on
    expect(note.status).toBe(201);
    expect(await note.json()).toMatchObject({ firstContact: false });
    expect(wrongNumber.status).toBe(201);
    expect(await wrongNumber.json()).toMatchObject({ firstContact: false });
    expect(contactedAfterNote).toBe(0);
    expect(afterNote.firstContactMet).toBe(countersBefore.firstContactMet);
    expect(timerAfterNote?.dueAt).toBe(first?.firstContactDueAt);
    // ...the call attempt stopped it, within the SLA
    expect(noAnswer.status).toBe(201);
    const answered = (await noAnswer.json()) as { activityId: string };
    expect(answered).toMatchObject({ firstContact: true });
    const contacted = eventsOf(runtime, leadId, 'Lead First Contacted');
    expect(contacted.map((e) => detailOf(e))).toEqual([
      expect.objectContaining({ activityId: answered.activityId, outcome: 'no_answer', withinSla: true }),
    ]);
    expect((await readSlaCounters(period)).firstContactMet).toBe(countersBefore.firstContactMet + 1);
    expect(await getItem(keys.timer(leadId, 'sla'))).toBeUndefined();
  });
});

describe('TQL: appointment_set hands the lead to field sales', () => {
  it('given an inside-sales hand-off in Osaka, when the owner logs a call with appointment_set, then the lead becomes a TQL with a second hand-off to the Kansai team, its own SLA timer and events', async () => {
    // Arrange
    const leadId = await makeHotLead(runtime, uniqueEmail('tql'), { prefecture: '大阪府' });
    const [first] = handedOff(leadId);
    const body = await activity({ by: first?.owner.ownerId, outcome: 'appointment_set' });

    // Act
    const response = await logActivity(leadId, body);
    const replay = await logActivity(leadId, body);
    await runtime.settle();

    // Assert
    expect(response.status).toBe(201);
    const answer = (await response.json()) as {
      stage: string;
      handoff: { handoffNumber: number; team: string };
    };
    expect(answer).toMatchObject({
      stage: 'tql',
      firstContact: true,
      points: 20,
      handoff: { handoffNumber: 2, team: 'kansai', trigger: 'appointment_set' },
    });
    expect(await replay.json()).toEqual(answer);
    const offs = handedOff(leadId);
    expect(['inquiry', 'hot']).toContain(offs[0]?.trigger); // fast lane and hot trigger race on the bus
    expect(offs.map((h) => [h.handoffNumber, h.owner.team, h.trigger, h.stage])).toEqual([
      [1, 'inside-sales', 'inquiry', 'mql'],
      [2, 'kansai', 'appointment_set', 'tql'],
    ]);
    expect(offs[1]?.firstContactDueAt).toBeDefined();
    const stageChanges = eventsOf(runtime, leadId, 'Lead Stage Changed').map((e) => detailOf(e));
    expect(stageChanges.at(-1)).toMatchObject({ from: 'mql', to: 'tql', reason: 'appointment_set' });
    expect(eventsOf(runtime, leadId, 'Lead Assigned').map((e) => detailOf(e).handoffNumber)).toEqual([1, 2]);
    const { keys } = await import('#store/keys');
    const timer = await getItem(keys.timer(leadId, 'sla'));
    expect(timer).toMatchObject({ handoffNumber: 2, dueAt: offs[1]?.slaDueAt });
    const view = (await (await api(runtime).opsGet(`/v1/ops/leads/${leadId}`)).json()) as {
      stage: string;
      owner: { team: string };
    };
    expect(view).toMatchObject({ stage: 'tql', owner: { team: 'kansai' } });

    // Field sales accepts the TQL: it becomes a SAL.
    const accepted = await api(runtime).opsPost(`/v1/ops/leads/${leadId}/accept`, {
      actionId: `acc-tql-${leadId}`,
    });
    expect(accepted.status).toBe(200);
    expect(await accepted.json()).toMatchObject({ stage: 'sal' });
  });

  it('given activities logged today, when the activity report is read by owner, then calls, connects and appointments are counted per owner', async () => {
    // Arrange
    const leadId = await makeHotLead(runtime, uniqueEmail('act-report'));
    const owner = handedOff(leadId)[0]?.owner.ownerId ?? '';
    const day = dayOf(await clockNow());
    const read = async () =>
      (await (
        await api(runtime).opsGet(`/v1/ops/reports/activities?from=${day}&to=${day}&groupBy=owner`)
      ).json()) as { rows: { group: string; counts: Record<string, number> }[] };
    const zero = { activities: 0, calls: 0, connects: 0, meetings: 0, appointments: 0 };
    const before = (await read()).rows.find((r) => r.group === owner)?.counts ?? zero;

    // Act
    for (const overrides of [
      { outcome: 'no_answer' },
      { outcome: 'connected' },
      { type: 'meeting', outcome: 'appointment_set' },
    ]) {
      expect((await logActivity(leadId, await activity({ by: owner, ...overrides }))).status).toBe(201);
    }

    // Assert
    const after = (await read()).rows.find((r) => r.group === owner)?.counts;
    expect(after).toEqual({
      activities: before.activities + 3,
      calls: before.calls + 2,
      connects: before.connects + 1,
      meetings: before.meetings + 1,
      appointments: before.appointments + 1,
    });
    const bad = await api(runtime).opsGet('/v1/ops/reports/activities?from=2026-13-01&to=2026-12-01');
    expect(bad.status).toBe(400);
  });
});

describe('follow-ups (次回連絡予定) planned with an activity', () => {
  interface View {
    handoff: { followUp?: { at: string; by: string; setAt: string } } | null;
    owner: { ownerId: string } | null;
  }
  const viewOf = async (leadId: string) =>
    (await (await api(runtime).opsGet(`/v1/ops/leads/${leadId}`)).json()) as View;
  const listedFollowUp = async (leadId: string, ownerId: string) => {
    const page = (await (await api(runtime).opsGet(`/v1/ops/leads?owner=${ownerId}&limit=200`)).json()) as {
      items: { leadId: string; followUpAt: string | null }[];
    };
    return page.items.find((i) => i.leadId === leadId)?.followUpAt;
  };

  it('given a call not answered, when the owner plans to call again tomorrow, then the lead page and the owner’s list show it; the next call made without planning another marks it done', async () => {
    // Arrange
    const leadId = await makeHotLead(runtime, uniqueEmail('act-follow-up'));
    const owner = (await viewOf(leadId)).owner?.ownerId ?? '';
    expect(owner).not.toBe('');
    const tomorrow = new Date((await clockNow()) + 24 * 3_600_000).toISOString();

    // Act 1: no answer, call again tomorrow
    const planned = await logActivity(
      leadId,
      await activity({ outcome: 'no_answer', by: owner, followUpAt: tomorrow, note: '不在。明日再架電' }),
    );

    // Assert 1
    expect(planned.status).toBe(201);
    expect((await viewOf(leadId)).handoff?.followUp).toMatchObject({ at: tomorrow, by: owner });
    // The call keeps what it planned on the timeline.
    const { activityId } = (await planned.json()) as { activityId: string };
    const { keys } = await import('#store/keys');
    const entry = await getItem(keys.timelineEvent(leadId, `activity:${activityId}`));
    expect(entry?.properties).toMatchObject({ outcome: 'no_answer', followUpAt: tomorrow });
    expect(await listedFollowUp(leadId, owner)).toBe(tomorrow);

    // Act 2: a note changes nothing; the call made the next day is the follow-up done
    await logActivity(leadId, await activity({ type: 'note', outcome: undefined, by: owner }));
    expect((await viewOf(leadId)).handoff?.followUp?.at).toBe(tomorrow);
    await runtime.advanceClock(24 * 3_600_000);
    expect((await logActivity(leadId, await activity({ outcome: 'connected', by: owner }))).status).toBe(201);

    // Assert 2
    expect((await viewOf(leadId)).handoff?.followUp).toBeUndefined();
    expect(await listedFollowUp(leadId, owner)).toBeNull();
  });

  it('given a planned call, when its time comes, then Lead Follow-up Due names the owner and the time, once however often the sweeper runs; a call made before its time, or a plan replaced, announces nothing for it', async () => {
    // Arrange: three leads, each with a call planned in two hours
    const [due, done, replaced] = await Promise.all(
      ['act-due', 'act-done', 'act-replaced'].map((n) => makeHotLead(runtime, uniqueEmail(n))),
    );
    const ids = [due, done, replaced] as string[];
    const owners = await Promise.all(ids.map(async (id) => (await viewOf(id)).owner?.ownerId ?? ''));
    // Accepted, so no accept deadline passes during the hours below and moves a lead to another owner (in
    // Tokyo business hours a demo request's is 30 minutes away).
    for (const [i, id] of ids.entries())
      expect(
        (
          await api(runtime).opsPost(`/v1/ops/leads/${id}/accept`, {
            actionId: `accept-${id}`,
            by: owners[i],
          })
        ).status,
      ).toBe(200);
    const inTwoHours = new Date((await clockNow()) + 2 * 3_600_000).toISOString();
    for (const [i, id] of ids.entries())
      expect(
        (
          await logActivity(
            id,
            await activity({ outcome: 'no_answer', by: owners[i], followUpAt: inTwoHours }),
          )
        ).status,
      ).toBe(201);
    // An hour on: one lead is called (the follow-up done), one gets its call moved to the next day.
    await runtime.advanceClock(3_600_000);
    await logActivity(ids[1] ?? '', await activity({ outcome: 'connected', by: owners[1] }));
    const nextDay = new Date((await clockNow()) + 24 * 3_600_000).toISOString();
    await logActivity(
      ids[2] ?? '',
      await activity({ outcome: 'voicemail', by: owners[2], followUpAt: nextDay }),
    );

    // Act: past the planned time, the sweeper runs twice
    await runtime.advanceClock(2 * 3_600_000);
    await runtime.sweep();
    await runtime.sweep();
    await runtime.settle();

    // Assert
    const announced = (id: string) =>
      eventsOf(runtime, id, 'Lead Follow-up Due').map((e) =>
        detailOf<{ owner: { ownerId: string }; dueAt: string; plannedBy: string; handoffNumber: number }>(e),
      );
    expect(announced(ids[0] ?? '')).toEqual([
      expect.objectContaining({
        owner: expect.objectContaining({ ownerId: owners[0] }),
        dueAt: inTwoHours,
        plannedBy: owners[0],
        handoffNumber: 1,
      }),
    ]);
    expect(announced(ids[1] ?? '')).toEqual([]);
    expect(announced(ids[2] ?? '')).toEqual([]);
    // The moved call is announced at its own time, once.
    await runtime.advanceClock(24 * 3_600_000);
    await runtime.sweep();
    await runtime.sweep();
    await runtime.settle();
    expect(announced(ids[2] ?? '').map((d) => d.dueAt)).toEqual([nextDay]);
    expect(announced(ids[0] ?? '')).toHaveLength(1);
  });

  it('given a time not after the call, more than a year ahead, or a lead nobody owns, then 400 with the code and nothing is stored', async () => {
    // Arrange
    const owned = await makeHotLead(runtime, uniqueEmail('act-follow-up-bad'));
    const owner = (await viewOf(owned)).owner?.ownerId ?? '';
    const email = uniqueEmail('act-follow-up-unowned');
    const { phone: _phone, ...whitepaper } = contactForm(email);
    expect((await api(runtime).postForm('whitepaper', whitepaper)).status).toBe(201);
    await runtime.settle();
    const unowned = (
      (await (await api(runtime).opsGet(`/v1/ops/leads?email=${encodeURIComponent(email)}`)).json()) as {
        leadId: string;
      }
    ).leadId;
    expect((await viewOf(unowned)).owner).toBeNull();
    const now = await clockNow();
    const before = [await stateOf(owned), await stateOf(unowned)].map((s) => s?.version);
    const cases: [string, Record<string, unknown>, string][] = [
      [owned, { followUpAt: new Date(now - 60_000).toISOString() }, 'follow_up_not_after_activity'],
      [owned, { followUpAt: new Date(now + 400 * 86_400_000).toISOString() }, 'follow_up_too_far'],
      [owned, { followUpAt: 'tomorrow' }, 'invalid_format'],
      [unowned, { followUpAt: new Date(now + 86_400_000).toISOString() }, 'no_open_handoff'],
    ];

    // Act + Assert
    for (const [leadId, extra, code] of cases) {
      const response = await logActivity(
        leadId,
        await activity({ outcome: 'no_answer', by: owner, ...extra }),
      );
      expect(response.status, code).toBe(400);
      const body = (await response.json()) as { error: { errors: { field: string; code: string }[] } };
      expect(body.error.errors).toEqual([expect.objectContaining({ field: 'followUpAt', code })]);
    }
    expect([await stateOf(owned), await stateOf(unowned)].map((s) => s?.version)).toEqual(before);
  });
});
