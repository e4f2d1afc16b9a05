import { describe, expect, it } from 'vitest';
import type { LeadState } from '#domain/lead/lead';
import {
  activityDay,
  allIndexKeys,
  indexShard,
  OWNER_DUE_BASE,
  ownerQueueKey,
  scoreBand,
  shardedIndexKey,
} from '#store/keys';
import {
  decodeIndexCursor,
  encodeIndexCursor,
  IndexMerge,
  type IndexPositions,
  InvalidCursorError,
} from '#store/lead-index';
import { fromStateItem, indexAttributes, stateItem } from '#store/lead-items';
import { INDEX_SHARDS, SCORE_BAND } from '#store/table-design';

/** Seeded PRNG (mulberry32): the simulation is the same on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const leadId = (n: number) => `01J${n.toString(36).padStart(10, '0')}`;

describe('sharded index keys', () => {
  it('given a lead, then its shard is stable, in range, and its keys name the value and the shard', () => {
    for (let n = 0; n < 1_000; n++) {
      const id = leadId(n);
      const shard = indexShard(id);
      expect(shard).toBe(indexShard(id));
      expect(shard).toBeGreaterThanOrEqual(0);
      expect(shard).toBeLessThan(INDEX_SHARDS);
      expect(shardedIndexKey('mql', id)).toBe(`mql#${shard}`);
      expect(allIndexKeys('mql')).toContain(shardedIndexKey('mql', id));
    }
    expect(allIndexKeys('tql')).toEqual(Array.from({ length: INDEX_SHARDS }, (_, n) => `tql#${n}`));
  });

  it('given 20,000 lead ids, then every shard holds its share within 5%', () => {
    const counts = new Array<number>(INDEX_SHARDS).fill(0);
    for (let n = 0; n < 20_000; n++) {
      const shard = indexShard(leadId(n));
      counts[shard] = (counts[shard] ?? 0) + 1;
    }
    const mean = 20_000 / INDEX_SHARDS;
    for (const c of counts) expect(Math.abs(c - mean) / mean).toBeLessThan(0.05);
  });

  it('given scores, then the band is the lower bound of its SCORE_BAND-wide band (negative scores too)', () => {
    expect(scoreBand(0)).toBe(0);
    expect(scoreBand(SCORE_BAND - 1)).toBe(0);
    expect(scoreBand(87)).toBe(80);
    expect(scoreBand(-3)).toBe(-SCORE_BAND);
    expect(activityDay(Date.UTC(2026, 11, 4, 23, 59))).toBe(activityDay(Date.UTC(2026, 11, 4, 0, 0)));
  });
});

/**
 * Load simulation over the key distribution (not a timed run): 1,000 scored events a second for 60 seconds,
 * every event assumed to MOVE the lead's index item (the worst case: in the steady state nothing moves), each
 * move costing 2 WCU (delete + put, index item under 1 KB) on the partition key of the lead's shard, all leads
 * in ONE value (`hot`). No partition key may receive more than 1,000 WCU in any second.
 */
describe('no hot index partition at 1,000 scored events a second', () => {
  const EVENTS_PER_SECOND = 1_000;
  const WCU_PER_MOVE = 2;
  const LIMIT = 1_000;

  const peakPerKey = (pickLead: () => string, seconds: number, sharded: boolean): number => {
    let peak = 0;
    for (let s = 0; s < seconds; s++) {
      const load = new Map<string, number>();
      for (let e = 0; e < EVENTS_PER_SECOND; e++) {
        const id = pickLead();
        const key = sharded ? shardedIndexKey('hot', id) : 'hot';
        load.set(key, (load.get(key) ?? 0) + WCU_PER_MOVE);
      }
      for (const v of load.values()) peak = Math.max(peak, v);
    }
    return peak;
  };

  it('given events spread over 100,000 leads, then the busiest shard key stays far under 1,000 WCU/s (one key would not)', () => {
    const random = prng(42);
    const pick = () => leadId(Math.floor(random() * 100_000));
    const peak = peakPerKey(pick, 60, true);
    expect(peak).toBeLessThanOrEqual(LIMIT / 2);
    expect(peakPerKey(pick, 1, false)).toBe(EVENTS_PER_SECOND * WCU_PER_MOVE); // unsharded: 2,000 > 1,000
    console.info(`index partition key peak: ${peak} WCU/s over ${INDEX_SHARDS} shards (limit ${LIMIT})`);
  });

  it('given a webinar burst on only 50 leads, then the busiest shard key still stays under 1,000 WCU/s', () => {
    const random = prng(7);
    const hot = Array.from({ length: 50 }, (_, n) => leadId(500_000 + n));
    const peak = peakPerKey(() => hot[Math.floor(random() * hot.length)] ?? '', 30, true);
    expect(peak).toBeLessThanOrEqual(LIMIT);
  });
});

describe('state item index attributes', () => {
  const state: LeadState = {
    leadId: 'lead-1',
    email: 'a@example.co.jp',
    stage: 'mql',
    stageHistory: [],
    temperature: 'warm',
    grade: 'B',
    fit: 20,
    behaviour: { value: 47, asOf: 0, caps: {}, once: {} },
    score: { fit: 20, behaviour: 47, total: 67 },
    recentEvents: [],
    lastActivityAt: Date.UTC(2026, 11, 4, 3),
    recentSends: [],
    version: 3,
  };

  it('given a steady-state event (same band, same day, no threshold), then no index attribute changes', () => {
    const after = {
      ...state,
      score: { ...state.score, behaviour: 49, total: 69 },
      lastActivityAt: state.lastActivityAt + 60_000,
    };
    expect(indexAttributes(after)).toEqual(indexAttributes(state));
    // The exact activity time is stored under a name no index projects.
    const item = stateItem(after) as Record<string, unknown>;
    expect(item.lastActivityAt).toBeUndefined();
    expect(item.activityAt).toBe(after.lastActivityAt);
    expect(fromStateItem(item)).toEqual(after);
  });

  it('given the stages a lead ever reached, then the state item keeps them as one small number that reads back', () => {
    const reached = { ...state, stagesReached: 0b1111111111 }; // all ten stages
    const item = stateItem(reached) as Record<string, unknown>;
    expect(item.stagesReached).toBe(1023); // about 16 bytes of the state item (name 13, number 3)
    expect(fromStateItem(item)).toEqual(reached);
  });

  it('given a lead waiting for sales, then it carries the sparse call-list key; owned, it does not', () => {
    expect(indexAttributes(state).callKey).toBe(shardedIndexKey('warm', 'lead-1'));
    const owned: LeadState = {
      ...state,
      handoff: {
        n: 1,
        owner: { ownerId: 'sato', name: '佐藤', email: 's@example.co.jp', team: 't' },
        rule: null,
        startedAt: 0,
        dueAt: 1,
        reassignments: 0,
        previousOwnerIds: [],
      },
    };
    expect(indexAttributes(owned).callKey).toBeUndefined();
    expect(indexAttributes(owned).ownerId).toBe('sato');
  });

  it('given owned leads, then the owner queue key orders them as a rep works: the nearest due time first (overdue on top), then nothing due, newest hand-off first; it stays put on a tracking event', () => {
    const NOW = Date.UTC(2026, 11, 7, 1);
    const HOUR = 3_600_000;
    const owner = { ownerId: 'sato', name: '佐藤', email: 's@example.co.jp', team: 't' };
    const handoff = (extra: Partial<NonNullable<LeadState['handoff']>>): LeadState['handoff'] => ({
      n: 1,
      owner,
      rule: null,
      startedAt: NOW - 2 * HOUR,
      dueAt: NOW + 2 * HOUR,
      reassignments: 0,
      previousOwnerIds: [],
      ...extra,
    });
    const met = { acceptedAt: NOW - HOUR, firstContactDueAt: NOW + HOUR, firstContactAt: NOW - HOUR };
    // Descending order of the key is the rep's order; each names what puts it there.
    const queue: [string, LeadState['handoff']][] = [
      [
        'a planned call two days overdue',
        handoff({ ...met, followUp: { at: NOW - 48 * HOUR, by: 'sato', setAt: NOW - 72 * HOUR } }),
      ],
      ['an accept deadline an hour ago', handoff({ dueAt: NOW - HOUR })],
      [
        'a first contact due in 30 minutes',
        handoff({ acceptedAt: NOW - HOUR, firstContactDueAt: NOW + HOUR / 2 }),
      ],
      [
        'an accept in two hours with a call planned in three (the accept first)',
        handoff({ followUp: { at: NOW + 3 * HOUR, by: 'sato', setAt: NOW } }),
      ],
      [
        'a call planned a year ahead',
        handoff({ ...met, followUp: { at: NOW + 366 * 24 * HOUR, by: 'sato', setAt: NOW } }),
      ],
      ['nothing due, handed off an hour ago', handoff({ ...met, startedAt: NOW - HOUR })],
      ['nothing due, handed off a month ago', handoff({ ...met, startedAt: NOW - 720 * HOUR })],
    ];
    const keysInOrder = queue.map(([, h]) => indexAttributes({ ...state, handoff: h }).ownerQueue as number);
    for (const key of keysInOrder) expect(Number.isSafeInteger(key)).toBe(true);
    expect(keysInOrder).toEqual([...keysInOrder].sort((a, b) => b - a));
    expect(new Set(keysInOrder).size).toBe(keysInOrder.length);
    // Far from the bound: a due time a year ahead in 2100 still sorts above a hand-off started then.
    const in2100 = Date.UTC(2100, 0, 1);
    expect(ownerQueueKey(in2100 + 366 * 24 * HOUR, 0)).toBeGreaterThan(ownerQueueKey(undefined, in2100));
    expect(OWNER_DUE_BASE).toBeGreaterThan(2 * in2100);
    // A tracking event (score, activity) leaves the key; a closed hand-off leaves the index.
    const owned = { ...state, handoff: queue[1]?.[1] };
    const scored = { ...owned, score: { ...owned.score, total: 95 }, lastActivityAt: NOW };
    expect(indexAttributes(scored).ownerQueue).toBe(indexAttributes(owned).ownerQueue);
    const closed = {
      ...owned,
      handoff: { ...(owned.handoff as NonNullable<LeadState['handoff']>), closedAt: NOW },
    };
    expect(indexAttributes(closed).ownerQueue).toBeUndefined();
    expect(indexAttributes(state).ownerQueue).toBeUndefined();
    expect(fromStateItem(stateItem(owned))).toEqual(owned);
  });

  it('given an item written before the sharded keys (lastActivityAt, unsharded keys), then it still reads back', () => {
    const legacy = {
      ...stateItem(state),
      lastActivityAt: state.lastActivityAt,
      stageKey: 'mql',
      scoreKey: 67,
    } as Record<string, unknown>;
    delete legacy.activityAt;
    expect(fromStateItem(legacy)).toEqual(state);
  });
});

describe('list cursor', () => {
  const binding = '["byStage",["mql#0","mql#1"]]';

  it('given positions, when encoded and decoded with the same query, then they round-trip', () => {
    const positions = { 0: { leadId: 'lead-1', sortValue: 80 }, 1: 'done' as const };
    expect(decodeIndexCursor(encodeIndexCursor(positions, binding), binding, 2)).toEqual(positions);
  });

  it('given a cursor of another query, an edited one, or garbage, then it is refused', () => {
    const cursor = encodeIndexCursor({ 0: { leadId: 'lead-1', sortValue: 80 } }, binding);
    const edited = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { p: unknown[][] };
    (edited.p[0] as unknown[])[2] = 990;
    const forged = (p: unknown) => {
      const text = JSON.stringify(p);
      return Buffer.from(JSON.stringify({ p, c: 'x'.repeat(16) + text.slice(0, 0) })).toString('base64url');
    };
    for (const bad of [
      Buffer.from(JSON.stringify(edited)).toString('base64url'),
      'bm9wZQ',
      '',
      'x'.repeat(5_000),
      forged([[0, 'lead-1', 80]]),
    ])
      expect(() => decodeIndexCursor(bad, binding, 2)).toThrow(InvalidCursorError);
    expect(() => decodeIndexCursor(cursor, '["byStage",["sal#0","sal#1"]]', 2)).toThrow(InvalidCursorError);
  });

  it('given a checksum-valid cursor with a bad position, then strict validation refuses it', () => {
    const cases: IndexPositions[] = [
      { 5: 'done' },
      { 0: { leadId: 'x#y', sortValue: 1 } },
      // Numbers the SDK cannot marshal (beyond 2^53) or no band or day can be.
      { 0: { leadId: 'lead-1', sortValue: 1e16 } },
      { 0: { leadId: 'lead-1', sortValue: 0.5 } },
      { 0: { leadId: 'lead-1', sortValue: 1e-200 } },
    ];
    for (const p of cases)
      expect(() => decodeIndexCursor(encodeIndexCursor(p, binding), binding, 2)).toThrow(InvalidCursorError);
  });

  it("given a checksum-valid position below the query's lower bound (updatedSince), then the merge refuses it before any read", () => {
    const positions = { 0: { leadId: 'lead-1', sortValue: 19_000 } };
    expect(
      () => new IndexMerge('byActivity', ['act#0'], positions, { minSortValue: 20_000, pageSize: 10 }),
    ).toThrow(InvalidCursorError);
    expect(
      () => new IndexMerge('byActivity', ['act#0'], positions, { minSortValue: 19_000, pageSize: 10 }),
    ).not.toThrow();
  });
});
