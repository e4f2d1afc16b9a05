import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LeadState } from '#domain/lead/lead';
import type { Runtime } from '#local/runtime';
import { startTestRuntime, uniqueEmail } from '../support/runtime.ts';

/**
 * Temperature decay through the real sweeper on DynamoDB Local. Demo config: behaviour halves every 30 days
 * in whole days (Asia/Tokyo midnight). The lead: fit 23 + inquiry 50 + webinar attendance 20 = 93, hot. Nine
 * days on, 23 + 70 × 0.5^(9/30) = 79.9 < 80: warm.
 */
let runtime: Runtime;
let getLeadState: (leadId: string) => Promise<LeadState | undefined>;
let clockNow: () => number;
beforeAll(async () => {
  runtime = await startTestRuntime();
  ({ getLeadState } = await import('#store/leads'));
  ({ now: clockNow } = await import('#adapters/clock'));
});
afterAll(async () => {
  await runtime.stop();
});

const DAY = 86_400_000;

const track = async (events: unknown[]) => {
  const response = await fetch(`${runtime.apiUrl}/v1/track`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body: JSON.stringify({ events }),
  });
  expect(response.status).toBe(202);
  return (await response.json()) as { accepted: number };
};

const download = (identity: string) => ({
  eventId: randomUUID(),
  type: 'download',
  identity,
  url: `https://www.example.co.jp/downloads/${randomUUID()}.pdf`,
  occurredAt: new Date(clockNow()).toISOString(),
});

/**
 * A hot lead (93): the inquiry form, then webinar attendance reported by the webinar platform. One event makes
 * it hot, so its decay timer is armed exactly at the hot → warm drop (two smaller steps would arm it at the
 * first step's earlier drop, and it would fire early and re-arm).
 */
const hotLead = async (label: string) => {
  const email = uniqueEmail(label);
  const form = await fetch(`${runtime.apiUrl}/v1/forms/contact`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({
      email,
      lastName: '鈴木',
      firstName: '一郎',
      company: '株式会社サンプル製作所',
      title: '製造部 部長',
      employees: '1000-4999',
      consent: true,
    }),
  });
  expect(form.status).toBe(201);
  const { identity } = (await form.json()) as { identity: string };
  const webinar = await fetch(`${runtime.apiUrl}/v1/ops/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${runtime.opsToken}` },
    body: JSON.stringify({
      events: [{ eventId: `webinar:${randomUUID()}`, type: 'webinar_attended', email }],
    }),
  });
  expect(await webinar.json()).toEqual({ accepted: 1, rejected: [] });
  const lookup = await fetch(`${runtime.apiUrl}/v1/ops/leads?email=${encodeURIComponent(email)}`, {
    headers: { authorization: `Bearer ${runtime.opsToken}` },
  });
  const { leadId } = (await lookup.json()) as { leadId: string };
  const state = await getLeadState(leadId);
  expect(state?.temperature).toBe('hot');
  expect(state?.score.total).toBe(93);
  await runtime.settle();
  return { leadId, identity, state: state as LeadState };
};

const temperatureEvents = (leadId: string) =>
  runtime
    .events()
    .filter((e) => e['detail-type'] === 'Lead Temperature Changed')
    .map((e) => e.detail as { leadId: string; from: string | null; to: string })
    .filter((d) => d.leadId === leadId);

/** Move the local clock to just after `at`. */
const advanceTo = async (at: number, slackMs = 60_000) => {
  const delta = at - clockNow() + slackMs;
  if (delta > 0) await runtime.advanceClock(delta);
};

describe('decay timer: a hot lead cools down when nothing happens', () => {
  it('given a hot lead, when the clock passes the drop time and the sweeper runs, then it turns warm with one event, keeps its stage, and the timer re-arms', async () => {
    // Arrange
    const { leadId, state } = await hotLead('decay');
    const dropAt = state.decayCheckAt ?? 0;
    expect(dropAt - clockNow()).toBeGreaterThan(8 * DAY);
    expect(dropAt - clockNow()).toBeLessThan(10 * DAY);

    // Act 1: an hour before the drop, nothing happens.
    await advanceTo(dropAt, -3_600_000);
    await runtime.sweep();
    const before = await getLeadState(leadId);
    // Act 2: just after the drop.
    await advanceTo(dropAt);
    await runtime.sweep();
    const after = await getLeadState(leadId);
    // Act 3: the sweeper runs again.
    await runtime.sweep();
    const again = await getLeadState(leadId);

    // Assert
    expect(before?.temperature).toBe('hot');
    expect(before?.decayCheckAt).toBe(dropAt);
    expect(after?.temperature).toBe('warm');
    expect(after?.score.total).toBe(79.9);
    expect(after?.stage).toBe(state.stage);
    expect(temperatureEvents(leadId)).toEqual([
      expect.objectContaining({ from: null, to: 'warm' }),
      expect.objectContaining({ from: 'warm', to: 'hot' }),
      expect.objectContaining({ from: 'hot', to: 'warm' }),
    ]);
    // Re-armed at the next drop (warm → cold, about two months later).
    expect((after?.decayCheckAt ?? 0) - clockNow()).toBeGreaterThan(30 * DAY);
    // Other capabilities (hand-off SLA timers) may write the lead meanwhile; decay itself does nothing more.
    expect(again?.temperature).toBe('warm');
    expect(again?.decayCheckAt).toBe(after?.decayCheckAt);
    expect(temperatureEvents(leadId)).toHaveLength(3);
  });

  it('given new activity after the timer was armed, when the timer fires early, then it only re-arms at the later drop', async () => {
    // Arrange
    const { leadId, identity, state } = await hotLead('decay-early');
    const firstDrop = state.decayCheckAt ?? 0;
    await runtime.advanceClock(5 * DAY);
    await track([download(identity)]);
    const refreshed = await getLeadState(leadId);

    // Act
    await advanceTo(firstDrop);
    await runtime.sweep();
    const after = await getLeadState(leadId);

    // Assert
    expect(refreshed?.decayCheckAt).toBe(firstDrop); // an armed earlier timer is kept; it fires early
    expect(after?.temperature).toBe('hot');
    expect(after?.decayCheckAt ?? 0).toBeGreaterThan(clockNow());
    expect(temperatureEvents(leadId).filter((d) => d.from === 'hot')).toHaveLength(0);
  });

  it('given a decay timer claim that already completed, when it runs again, then it changes nothing', async () => {
    // Arrange
    const { claimTimer } = await import('#store/timers');
    const { dueAtKey, keys } = await import('#store/keys');
    const { runDecayTimer } = await import('#app/run-decay-timer');
    const { leadId, state } = await hotLead('decay-refire');
    const dropAt = state.decayCheckAt ?? 0;
    await advanceTo(dropAt);
    const claimed = await claimTimer(
      { ...keys.timer(leadId, 'decay'), dueAt: dueAtKey(dropAt), timerKind: 'decay' },
      clockNow(),
    );
    if (!claimed) throw new Error('the decay timer should be claimable');

    // Act
    const first = await runDecayTimer(claimed, clockNow());
    const cooled = await getLeadState(leadId);
    const second = await runDecayTimer(claimed, clockNow());
    await runtime.settle();
    const after = await getLeadState(leadId);

    // Assert
    expect(first).toBe('cooled');
    expect(second).toBe('superseded');
    expect(after?.version).toBe(cooled?.version);
    expect(temperatureEvents(leadId).filter((d) => d.from === 'hot')).toHaveLength(1);
  });
});
