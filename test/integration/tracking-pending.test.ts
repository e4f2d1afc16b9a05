import { beforeEach, describe, expect, it } from 'vitest';
import { now as clock } from '#adapters/clock';
import { recordActivities } from '#app/record-activity';
import { viewLead } from '#app/view-lead';
import { eventHash } from '#domain/lead/lead';
import { dynamodb } from '#store/dynamodb';
import { getLead, getStateForEvents, getTimeline, mutateLead, writeScoredEvents } from '#store/leads';
import { trackingTable } from './tracking-support.ts';

/**
 * The tracking write path without a transaction (`writeScoredEvents`' steady state): the state write is the
 * commit and carries the new entries as `timelinePending`; the timeline items follow as plain puts. These
 * tests break the window between the two and check that points and entries still agree: the entry is
 * written by the next write, a replay in between is a duplicate, and nothing is scored twice; and a later
 * writer that read an entry as pending (packed: no URL, title or properties) never replaces the full entry.
 */
const { newLeadId, storedState } = trackingTable();

/** Fails the next plain PutItem of a timeline entry (as a throttle or a crash after the state write would). */
let failEntryPuts = 0;
let failedEntryPuts = 0;
dynamodb.middlewareStack.add(
  (next, context) => async (args) => {
    const sk = (args.input as { Item?: { sk?: string | { S?: string } } }).Item?.sk;
    const key = typeof sk === 'string' ? sk : (sk?.S ?? '');
    if (
      failEntryPuts > 0 &&
      /^Put(Item)?Command$/.test(String(context.commandName)) &&
      key.startsWith('EVT#')
    ) {
      failEntryPuts--;
      failedEntryPuts++;
      throw Object.assign(new Error('injected: entry write lost'), { name: 'InternalServerError' });
    }
    return next(args);
  },
  { step: 'initialize', name: 'failEntryPuts' },
);

const textOf = (value: unknown): string =>
  typeof value === 'string' ? value : String((value as { S?: string } | undefined)?.S ?? '');

/**
 * Holds the first timeline put of `eventId` (its own writer's, in full, right after that writer's state
 * write) until the next lead commit (a TransactWriteItems, or a PutItem of a state item), and lets it land
 * just before that commit: the order in which a writer that read the state while the entry was still
 * missing commits after the full entry is in. `held` resolves once the put is held; `commit` names the
 * commit it waited for.
 */
interface EntryGate {
  eventId: string;
  held: Promise<void>;
  commit?: string;
}
let gate:
  | (EntryGate & { holding: boolean; onHeld: () => void; release: () => void; released: Promise<void> })
  | undefined;
let landed: Promise<void> = Promise.resolve();
const holdEntryUntilNextCommit = (eventId: string): EntryGate => {
  let onHeld = () => {};
  let release = () => {};
  const held = new Promise<void>((resolve) => {
    onHeld = resolve;
  });
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  gate = { eventId, held, holding: false, onHeld, release, released };
  return gate;
};
dynamodb.middlewareStack.add(
  (next, context) => async (args) => {
    const g = gate;
    if (!g) return next(args);
    const command = String(context.commandName);
    const sk = textOf((args.input as { Item?: { sk?: unknown } }).Item?.sk);
    const isPut = /^Put(Item)?Command$/.test(command);
    if (!g.holding && isPut && sk === `EVT#${g.eventId}`) {
      g.holding = true;
      let done = () => {};
      landed = new Promise<void>((resolve) => {
        done = resolve;
      });
      g.onHeld();
      await g.released;
      try {
        return await next(args);
      } finally {
        done();
      }
    }
    if (g.holding && !g.commit && (/^TransactWrite/.test(command) || (isPut && sk === 'STATE'))) {
      g.commit = command;
      g.release();
      await landed;
    }
    return next(args);
  },
  { step: 'initialize', name: 'holdEntryUntilNextCommit' },
);

beforeEach(() => {
  failEntryPuts = 0;
  failedEntryPuts = 0;
  gate = undefined;
});

const pageView = (eventId: string) => ({
  eventId,
  type: 'page_view',
  occurredAt: clock(),
  url: 'https://www.example.co.jp/blog/dx-guide',
  title: 'DX推進ガイド',
});
const entryIds = async (leadId: string) => (await getTimeline(leadId)).map((e) => e.eventId).sort();

describe('tracking events whose timeline item is written after the state', () => {
  it('given the entry write fails after the state write, when the event is replayed and the next event comes, then it scores once and both entries are written', async () => {
    const leadId = await newLeadId();
    expect((await recordActivities(leadId, [pageView('pv-1')], clock())).get('pv-1')).toBe('applied');
    const scoreAfterFirst = (await getLead(leadId))?.state.score.total ?? 0;

    failEntryPuts = 1;
    await expect(recordActivities(leadId, [pageView('pv-2')], clock())).rejects.toThrow('injected');
    expect(failedEntryPuts).toBe(1);
    // The state committed with the event's points and keeps the entry as pending; the item is missing.
    const state = await storedState(leadId);
    // Stored packed (one JSON string of tuples, event id first).
    expect((JSON.parse(String(state.timelinePending)) as string[][]).map((t) => t[0])).toContain('pv-2');
    expect(await entryIds(leadId)).toEqual(['pv-1']);
    // The lead view shows it all the same.
    const view = await viewLead({ leadId });
    expect(view.kind === 'found' && view.lead.timeline.map((e) => e.eventId)).toContain('pv-2');
    const scoreAfterSecond = (await getLead(leadId))?.state.score.total ?? 0;
    expect(scoreAfterSecond).toBe(scoreAfterFirst + 1);

    // The client retries: a duplicate, scored nothing more.
    expect((await recordActivities(leadId, [pageView('pv-2')], clock())).get('pv-2')).toBe('duplicate');
    expect((await getLead(leadId))?.state.score.total).toBe(scoreAfterSecond);

    // The next event writes its own entry and the one left pending.
    expect((await recordActivities(leadId, [pageView('pv-3')], clock())).get('pv-3')).toBe('applied');
    expect(await entryIds(leadId)).toEqual(['pv-1', 'pv-2', 'pv-3']);
    // The repaired entry keeps what scoring decided; the page's description was in the lost write only.
    const repaired = (await getTimeline(leadId)).find((e) => e.eventId === 'pv-2');
    expect(repaired).toMatchObject({ type: 'page_view', points: 1, rule: 'page-view' });
    expect(repaired?.url).toBeUndefined();
    expect((await getLead(leadId))?.state.score.total).toBe(scoreAfterSecond + 1);
    // A read confirms the written entries: the next write leaves none pending but its own.
    expect((await getLead(leadId))?.state.timelinePending).toBeUndefined();
  });

  it('given an entry left pending, when another use case writes the lead (a transaction), then that write puts the entry and the state carries no pending entry', async () => {
    const leadId = await newLeadId();
    await recordActivities(leadId, [pageView('pv-a')], clock());
    failEntryPuts = 1;
    await expect(recordActivities(leadId, [pageView('pv-b')], clock())).rejects.toThrow('injected');
    expect(await entryIds(leadId)).toEqual(['pv-a']);

    const updated = await mutateLead(leadId, (lead) => ({
      write: { state: { ...lead.state, version: lead.state.version + 1 }, at: clock() },
      result: true,
    }));
    expect(updated.found).toBe(true);
    expect(await entryIds(leadId)).toEqual(['pv-a', 'pv-b']);
    expect((await storedState(leadId)).timelinePending).toBeUndefined();
  });

  it.each([
    [
      'the next tracking event, a steady write',
      /^Put/,
      (leadId: string) => recordActivities(leadId, [pageView('pv-next')], clock()),
    ],
    [
      'a tracking write with a decay timer, a transaction',
      /^TransactWrite/,
      async (leadId: string) => {
        const { state } = await getStateForEvents(leadId, []);
        if (!state) throw new Error('no state');
        expect(state.timelinePending?.map((e) => e.eventId)).toEqual(['pv-full']);
        const written = await writeScoredEvents(state, {
          state: { ...state, version: state.version + 1 },
          timeline: [],
          events: [],
          decayTimerAt: clock() + 3_600_000,
          at: clock(),
        });
        expect(written).toBe('saved');
      },
    ],
    [
      'another use case, a transaction',
      /^TransactWrite/,
      (leadId: string) =>
        mutateLead(leadId, (lead) => ({
          write: { state: { ...lead.state, version: lead.state.version + 1 }, at: clock() },
          result: true,
        })),
    ],
  ])(
    'given a writer that read an entry as pending and commits after the full entry landed (%s), then the entry keeps its URL, title and properties',
    async (_label, commit, write) => {
      // Arrange
      const leadId = await newLeadId();
      await recordActivities(leadId, [pageView('pv-warm')], clock());
      const entryGate = holdEntryUntilNextCommit('pv-full');
      // The event's state write commits (the entry pending on it); its full entry put is held.
      const first = recordActivities(
        leadId,
        [{ ...pageView('pv-full'), properties: { section: 'blog' } }],
        clock(),
      );
      await entryGate.held;

      // Act
      await write(leadId);
      expect((await first).get('pv-full')).toBe('applied');

      // Assert
      expect(entryGate.commit).toMatch(commit);
      const entry = (await getTimeline(leadId)).find((e) => e.eventId === 'pv-full');
      expect(entry).toMatchObject({
        type: 'page_view',
        points: 1,
        url: 'https://www.example.co.jp/blog/dx-guide',
        title: 'DX推進ガイド',
        properties: { section: 'blog' },
      });
      expect((await getLead(leadId))?.state.timelinePending).toBeUndefined();
    },
  );

  it('given an event replayed after 40 later events (its hash long gone from the state), then its entry still names it a duplicate', async () => {
    const leadId = await newLeadId();
    await recordActivities(leadId, [pageView('old-1')], clock());
    const score = (await getLead(leadId))?.state.score.total ?? 0;
    for (let i = 0; i < 40; i += 10)
      await recordActivities(
        leadId,
        Array.from({ length: 10 }, (_, j) => ({ ...pageView(`later-${i + j}`), type: 'scroll' })),
        clock(),
      );
    const before = (await getLead(leadId))?.state;
    expect(before?.recentEvents).not.toContain(eventHash('old-1'));
    expect((await recordActivities(leadId, [pageView('old-1')], clock())).get('old-1')).toBe('duplicate');
    expect((await getLead(leadId))?.state.score.total).toBe(before?.score.total);
    expect(before?.score.total).toBeGreaterThanOrEqual(score);
  });

  it('given 24 single events for one lead posted at once, then each is scored once and each has its entry', async () => {
    const leadId = await newLeadId();
    const ids = Array.from({ length: 24 }, (_, i) => `burst-${String(i).padStart(2, '0')}`);
    const results = await Promise.all(ids.map((id) => recordActivities(leadId, [pageView(id)], clock())));
    expect(results.map((r) => [...r.values()][0])).toEqual(ids.map(() => 'applied'));
    expect(await entryIds(leadId)).toEqual(ids);
    const lead = await getLead(leadId);
    // page_view: 1 point each, capped at 10 a day; the entries' points add up to the score's behaviour part.
    const timeline = await getTimeline(leadId);
    expect(timeline.reduce((n, e) => n + e.points, 0)).toBe(10);
    expect(lead?.state.version).toBe(1 + 24);
  });
});
