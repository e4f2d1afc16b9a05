import { beforeEach, describe, expect, it } from 'vitest';
import { advanceClock, now as clock } from '#adapters/clock';
import { recordActivities } from '#app/record-activity';
import { ENTRY_SETTLE_MS, eventHash, MAX_RECENT_EVENTS } from '#domain/lead/lead';
import { dynamodb, tableName } from '#store/dynamodb';
import { getTimeline } from '#store/leads';
import { trackingTable } from './tracking-support.ts';

/**
 * The tracking replay guard under replication lag. DynamoDB Local is always consistent, so these tests put
 * the lag back: while `lagging` is on, an eventually consistent BatchGet does not return a timeline entry
 * written less than `ENTRY_SETTLE_MS` ago (by the product's clock): the worst a replica may do under the
 * guard's assumption ("the replay guard" in `#domain/lead/lead`). Strongly consistent reads see everything.
 * A replay that neither the state's recent events, nor its pending entries, nor a strong read name would be
 * scored a second time, which each test checks by the state's version (one per applied event) and the
 * entries.
 */
const { newLeadId, storedState } = trackingTable();

const textOf = (value: unknown): string =>
  typeof value === 'string' ? value : String((value as { S?: string } | undefined)?.S ?? '');

let lagging = false;
let strongEntryReads = 0;
/** Event ids whose timeline put fails (a throttle, or a crash after the state write). */
const failingPuts = new Set<string>();
const writtenAt = new Map<string, number>();
const entryKey = (item: { pk?: unknown; sk?: unknown }) => `${textOf(item.pk)}|${textOf(item.sk)}`;

dynamodb.middlewareStack.add(
  (next, context) => async (args) => {
    const command = String(context.commandName);
    const input = args.input as {
      Item?: { pk?: unknown; sk?: unknown };
      TransactItems?: { Put?: { Item?: { pk?: unknown; sk?: unknown } } }[];
      RequestItems?: Record<string, { ConsistentRead?: boolean; Keys?: unknown[] }>;
    };
    const written = [input.Item, ...(input.TransactItems ?? []).map((t) => t.Put?.Item)].filter(
      (item): item is { pk?: unknown; sk?: unknown } => textOf(item?.sk).startsWith('EVT#'),
    );
    if (/^Put(Item)?Command$/.test(command) && input.Item) {
      const eventId = textOf(input.Item.sk).slice('EVT#'.length);
      if (failingPuts.has(eventId))
        throw Object.assign(new Error(`injected: entry write of ${eventId} lost`), {
          name: 'InternalServerError',
        });
    }
    const result = await next(args);
    for (const item of written) writtenAt.set(entryKey(item), clock());
    if (!/^BatchGet(Item)?Command$/.test(command)) return result;
    const request = input.RequestItems?.[tableName];
    const entryRead = (request?.Keys ?? []).some((k) =>
      textOf((k as { sk?: unknown }).sk).startsWith('EVT#'),
    );
    if (entryRead && request?.ConsistentRead) strongEntryReads++;
    if (!lagging || !entryRead || request?.ConsistentRead) return result;
    const output = result.output as { Responses?: Record<string, { pk?: unknown; sk?: unknown }[]> };
    const items = output.Responses?.[tableName];
    if (items)
      output.Responses = {
        ...output.Responses,
        [tableName]: items.filter(
          (item) => clock() - (writtenAt.get(entryKey(item)) ?? 0) >= ENTRY_SETTLE_MS,
        ),
      };
    return result;
  },
  { step: 'initialize', name: 'replicationLag' },
);

beforeEach(() => {
  lagging = false;
  strongEntryReads = 0;
  failingPuts.clear();
});

const scroll = (eventId: string) => ({
  eventId,
  type: 'scroll',
  occurredAt: clock(),
  url: 'https://www.example.co.jp/blog/dx-guide',
});
const record = async (leadId: string, eventIds: string[]) =>
  recordActivities(leadId, eventIds.map(scroll), clock());

describe('tracking replays while the timeline entries lag behind', () => {
  it('given a burst of 40 events of one lead (past the 32 recent events), when each is replayed within seconds, then none is scored again', async () => {
    // Arrange: the burst, each event its own request, read back as written (the state keeps no pending entry).
    const leadId = await newLeadId();
    const ids = Array.from({ length: 40 }, (_, i) => `burst-${String(i).padStart(2, '0')}`);
    for (const id of ids) expect((await record(leadId, [id])).get(id)).toBe('applied');
    const before = await storedState(leadId);
    expect(before.version).toBe(1 + ids.length);
    expect(String(before.recentEvents)).toHaveLength(MAX_RECENT_EVENTS * 8);
    expect(String(before.recentEvents)).not.toContain(eventHash('burst-00'));
    expect(before.recentOverflowAt).toBeGreaterThan(0);

    // Act: every event again, while no eventually consistent read sees the entries yet.
    lagging = true;
    const replays = [];
    for (const id of ids) replays.push((await record(leadId, [id])).get(id));
    const replayedBy = clock();

    // Assert: all duplicates; the ones the ring dropped were named by a strong read (while the burst had not
    // settled, which is the whole replay phase unless the machine took 10 s for 40 requests).
    expect(replays).toEqual(ids.map(() => 'duplicate'));
    if (replayedBy - Number(before.recentOverflowAt) < ENTRY_SETTLE_MS)
      expect(strongEntryReads).toBeGreaterThanOrEqual(ids.length - MAX_RECENT_EVENTS);
    expect((await storedState(leadId)).version).toBe(before.version);
    expect((await getTimeline(leadId)).map((e) => e.eventId).sort()).toEqual(ids);
  });

  it('given events twice the settle time apart, when replayed, then the ring holds only the events of the newest write and the entries name the older ones without a strong read', async () => {
    const leadId = await newLeadId();
    const ids = Array.from({ length: 12 }, (_, i) => `calm-${i}`);
    for (const id of ids) {
      expect((await record(leadId, [id])).get(id)).toBe('applied');
      advanceClock(2 * ENTRY_SETTLE_MS);
    }
    // The last event, and the one before, whose entry that write confirmed (it left the pending entries).
    expect(String((await storedState(leadId)).recentEvents)).toBe(
      eventHash('calm-11') + eventHash('calm-10'),
    );
    lagging = true;
    for (const id of ids) expect((await record(leadId, [id])).get(id)).toBe('duplicate');
    expect(strongEntryReads).toBe(0);
    expect((await storedState(leadId)).version).toBe(1 + ids.length);
  });

  it('given an entry put late and then found by a read, when it is replayed while a lagging replica still misses it, then the write that confirmed it kept its hash', async () => {
    // Arrange: `late`'s entry put fails after its state write, so it stays pending on the state, and 8 more
    // events follow (their request fails on the carried entry's put too, after its state write).
    const leadId = await newLeadId();
    expect((await record(leadId, ['warm'])).get('warm')).toBe('applied'); // past the first event's counting
    failingPuts.add('late');
    await expect(record(leadId, ['late'])).rejects.toThrow('injected');
    const buried = Array.from({ length: 8 }, (_, i) => `after-${i}`);
    await expect(record(leadId, buried)).rejects.toThrow('injected'); // the carried entry fails again
    failingPuts.clear();
    // Twice the settle time later, the next write starts the ring afresh (dropping `late`'s hash: it is still
    // pending, which guards it) and puts the entry.
    advanceClock(2 * ENTRY_SETTLE_MS);
    expect((await record(leadId, ['next'])).get('next')).toBe('applied');
    expect(String((await storedState(leadId)).recentEvents)).not.toContain(eventHash('late'));
    expect(String((await storedState(leadId)).timelinePending)).toContain('late');
    // A read that finds the entry (an up-to-date replica) takes it off the pending entries.
    expect((await record(leadId, ['then'])).get('then')).toBe('applied');
    const confirmed = await storedState(leadId);
    expect(String(confirmed.timelinePending ?? '')).not.toContain('late');

    // Act: the client retries `late` and a lagging replica misses its entry, written a moment ago.
    lagging = true;
    const replay = await record(leadId, ['late']);

    // Assert: the confirming write remembered the hash again, so the replay is a duplicate.
    expect(String(confirmed.recentEvents)).toContain(eventHash('late'));
    expect(replay.get('late')).toBe('duplicate');
    expect((await storedState(leadId)).version).toBe(confirmed.version);
    expect((await getTimeline(leadId)).filter((e) => e.eventId === 'late')).toHaveLength(1);
  });
});
