import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { advanceClock, now } from '#adapters/clock';
import { createSweeper, TIMER_PROCESSORS } from '#app/sweep-due-timers';
import { findLeadIdByEmail } from '#store/leads';
import { pendingEvents } from '#store/pending-events';
import { CLAIM_LEASE_MS } from '#store/timers';
import { type Api, loadApi } from '../support/http-harness.ts';

/**
 * Guarantee: exact scores under concurrency. The same 20 events
 * reach one lead as 9 concurrent batches that overlap and replay each other (each event arrives about 4 times, in any order); the lead ends with the
 * score and timeline of a control lead that got each event once, in order. A 503 (contention outlasting the
 * retry budget) is retried by the client, as the snippet does; the retry must not count twice either. Events
 * parked under contention (202) are scored by the sweeper, through the same exact path.
 */

let api: Api;
beforeAll(async () => {
  api = await loadApi();
});

const newLead = async () => {
  const email = `concurrent-${randomBytes(5).toString('hex')}@example.co.jp`;
  const response = await api.call({
    method: 'POST',
    url: '/v1/forms/whitepaper',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({
      email,
      lastName: '佐藤',
      firstName: '花子',
      company: '株式会社テスト製作所',
      employees: '1-49',
      consent: true,
      _startedAt: now() - 60_000,
    }),
  });
  expect(response.status).toBe(201);
  return {
    leadId: (await findLeadIdByEmail(email)) ?? '',
    identity: (JSON.parse(response.body) as { identity: string }).identity,
  };
};

/** Post a batch; retry on 503 like the snippet (same eventIds), at most 5 times. Returns the retries used. */
const track = async (events: object[]): Promise<number> => {
  for (let attempt = 0; attempt < 5; attempt++) {
    const response = await api.call({
      method: 'POST',
      url: '/v1/track',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ events }),
    });
    if (response.status === 202) return attempt;
    expect(response.status, response.body).toBe(503);
  }
  throw new Error('still unavailable after 5 attempts');
};

const view = async (leadId: string) => {
  const response = await api.call({
    method: 'GET',
    url: `/v1/ops/leads/${leadId}`,
    headers: { authorization: `Bearer ${api.opsToken}` },
  });
  return JSON.parse(response.body) as { score: unknown; timeline: { eventId: string }[] };
};

/** A deterministic shuffle (xorshift), so a failure replays the same batches. */
const shuffled = <T>(items: readonly T[], seed: number): T[] => {
  let x = seed || 1;
  const next = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
};

describe('exact scores under concurrency', () => {
  it('given 20 events sent as 9 concurrent, overlapping batches with replays, then the score and timeline equal a lead that got each event once', async () => {
    // Arrange
    const [control, raced] = [await newLead(), await newLead()];
    const kinds = ['download', 'page_view', 'webinar_registered', 'custom_event'];
    const events = (identity: string) =>
      Array.from({ length: 20 }, (_, i) => ({
        eventId: `race-event-${String(i).padStart(4, '0')}`,
        type: kinds[i % kinds.length],
        identity,
        url: `https://www.example.co.jp/${i % 3 === 0 ? 'pricing' : `docs/${i}`}`,
      }));
    await track(events(control.identity)); // one batch: the events are applied one after the other
    const all = events(raced.identity);
    const batches = Array.from({ length: 8 }, (_, b) => shuffled(all, b + 7).slice(0, 8));
    batches.push(shuffled(all, 99)); // every event at least once

    // Act
    const retries = await Promise.all(batches.map((batch) => track(batch)));

    // Contention beyond the live budget parks events (202) for the sweeper: let it score them, as the
    // schedule would (a claim interrupted under load comes back after its lease).
    const sweep = createSweeper(TIMER_PROCESSORS, { sendRatePerSecond: 10_000 });
    for (let i = 0; i < 20 && (await pendingEvents(raced.leadId)).length > 0; i++) {
      await sweep({});
      if (i % 4 === 3) advanceClock(CLAIM_LEASE_MS + 1_000);
    }

    // Assert
    expect(await pendingEvents(raced.leadId)).toEqual([]);
    const [expected, actual] = [await view(control.leadId), await view(raced.leadId)];
    expect(actual.score).toEqual(expected.score);
    const raceEntries = (timeline: { eventId: string }[]) =>
      timeline.map((e) => e.eventId).filter((id) => id.startsWith('race-event-'));
    expect(raceEntries(actual.timeline)).toHaveLength(20);
    expect(raceEntries(actual.timeline).sort()).toEqual(raceEntries(expected.timeline).sort());
    expect(actual.timeline).toHaveLength(expected.timeline.length);
    expect(retries.every((n) => n < 5)).toBe(true);
  });
});
