import { describe, expect, it } from 'vitest';
import { emailFact } from '#domain/reports/counting';
import { keys } from '#store/keys';
import type { TransactItem } from '#store/leads';
import {
  counterAddItems,
  emailCountItems,
  fieldOfKinds,
  foldFields,
  mergeCounterItems,
  REPORT_SHARDS,
  shardOf,
} from '#store/report-counters';

const leadId = (n: number) => `01J${n.toString(36).padStart(10, '0')}`;
type Update = NonNullable<TransactItem['Update']>;
const updates = (items: readonly TransactItem[]): Update[] =>
  items.flatMap((i) => (i.Update ? [i.Update] : []));
/** The fields an update item ADDs, by name. */
const added = (u: Update): Record<string, number> =>
  Object.fromEntries(
    Object.entries(u.ExpressionAttributeNames ?? {}).map(([alias, name]) => [
      name,
      u.ExpressionAttributeValues?.[alias.replace('#f', ':v')] as number,
    ]),
  );

describe('report counter items', () => {
  it("given adds of several kinds on one day, when turned into transaction items, then they are ONE item per day in the lead's shard partition, every kind's fields prefixed", () => {
    // Arrange
    const id = leadId(7);
    // Act
    const items = counterAddItems(id, [
      { kind: 'f:none', period: '2026-12-04', fields: { '*|lead': 1 } },
      { kind: 'f:channel', period: '2026-12-04', fields: { 'web|lead': 1 } },
      { kind: 'c:none', period: '2026-12-04', fields: { '*|lead': 1 } },
      { kind: 'a:owner', period: '2026-12-05', fields: { 'u1|calls': 2 } },
    ]);
    // Assert
    const [day4, day5] = updates(items);
    expect(items).toHaveLength(2);
    expect(day4?.Key).toEqual({ pk: `REPORTS#${shardOf(id)}`, sk: '2026-12-04' });
    expect(day5?.Key).toEqual({ pk: `REPORTS#${shardOf(id)}`, sk: '2026-12-05' });
    expect(added(day4 as Update)).toEqual({
      'f:none/*|lead': 1,
      'f:channel/web|lead': 1,
      'c:none/*|lead': 1,
    });
    expect(added(day5 as Update)).toEqual({ 'a:owner/u1|calls': 2 });
    expect(day4?.UpdateExpression).toMatch(/^ADD /);
  });

  it('given a transaction with two counter updates of the same item, when merged, then it names the item once with the sums and keeps every other item in order', () => {
    // Arrange
    const id = leadId(3);
    const other: TransactItem = { Put: { TableName: 't', Item: { pk: 'LEAD#x', sk: 'EVT#1' } } };
    const a = counterAddItems(id, [{ kind: 'a:none', period: '2026-12-04', fields: { 'all|calls': 1 } }]);
    const b = counterAddItems(id, [
      { kind: 'a:none', period: '2026-12-04', fields: { 'all|calls': 1 } },
      { kind: 's:none', period: '2026-12-04', fields: { '*|contacted': 1 } },
    ]);
    const gauge = counterAddItems(id, [{ kind: 'g', period: 'current', fields: { 'hot|n': 1 } }]);
    // Act
    const merged = mergeCounterItems([other, ...a, ...gauge, ...b]);
    // Assert
    expect(merged[0]).toBe(other);
    const keys = updates(merged).map((u) => `${u.Key?.pk}|${u.Key?.sk}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(merged).toHaveLength(3);
    expect(added(updates(merged)[0] as Update)).toEqual({ 'a:none/all|calls': 2, 's:none/*|contacted': 1 });
    expect(added(updates(merged)[1] as Update)).toEqual({ 'g/hot|n': 1 });
  });

  it("given a write that counts on its own day, when merged with its time, then its gauge move rides on that day's item in its shard (one item fewer); another day's or no day item leaves it on `current`", () => {
    // Arrange: 2026-12-04 10:00 Tokyo
    const id = leadId(11);
    const at = Date.parse('2026-12-04T01:00:00Z');
    const day = counterAddItems(id, [{ kind: 'f:none', period: '2026-12-04', fields: { '*|lead': 1 } }]);
    const gauge = counterAddItems(id, [{ kind: 'g', period: 'current', fields: { 'stage|mql': 1 } }]);
    const otherDay = counterAddItems(id, [{ kind: 'f:none', period: '2026-12-01', fields: { '*|sal': 1 } }]);

    // Act
    const sameDay = mergeCounterItems([...gauge, ...day], at);
    const onlyOtherDay = mergeCounterItems([...gauge, ...otherDay], at);
    const withoutTime = mergeCounterItems([...gauge, ...day]);

    // Assert
    expect(updates(sameDay).map((u) => u.Key)).toEqual([{ pk: `REPORTS#${shardOf(id)}`, sk: '2026-12-04' }]);
    expect(added(updates(sameDay)[0] as Update)).toEqual({ 'g/stage|mql': 1, 'f:none/*|lead': 1 });
    expect(updates(onlyOtherDay).map((u) => u.Key?.sk)).toEqual(['current', '2026-12-01']);
    expect(updates(withoutTime).map((u) => u.Key?.sk)).toEqual(['current', '2026-12-04']);
  });

  it('given updates that cancel out, when merged, then no empty update is sent; without duplicates the items pass unchanged', () => {
    const id = leadId(5);
    const plus = counterAddItems(id, [{ kind: 'g', period: 'current', fields: { 'hot|n': 1 } }]);
    const minus = counterAddItems(id, [{ kind: 'g', period: 'current', fields: { 'hot|n': -1 } }]);
    expect(mergeCounterItems([...plus, ...minus])).toEqual([]);
    const alone = [...plus];
    expect(mergeCounterItems(alone)).toEqual(alone);
    expect(counterAddItems(id, [{ kind: 'g', period: 'current', fields: { 'hot|n': 0 } }])).toEqual([]);
  });

  it('given an e-mail fact, then its count is the fact put (guarded) and one counter item for the four e-mail dimensions', () => {
    const id = leadId(9);
    const items = emailCountItems(
      id,
      emailFact('sent', 'seq:1:s1', '2026-12-04', { sequenceId: 'seq', stepId: 's1', templateId: 'tpl' }),
    );
    expect(items).toHaveLength(2);
    expect(items[0]?.Put?.ConditionExpression).toBe('attribute_not_exists(pk)');
    const fields = Object.keys(added(updates(items)[0] as Update));
    expect(
      fields.every((f) => fieldOfKinds(f, new Set(['e:none', 'e:sequence', 'e:step', 'e:template']))),
    ).toBe(true);
    expect(new Set(fields.map((f) => f.split('/')[0])).size).toBe(4);
  });

  it('given folded field names, then the kind is the part before the first separator (values may contain it)', () => {
    expect(foldFields('f:source', { 'a/b|lead': 1 })).toEqual({ 'f:source/a/b|lead': 1 });
    expect(fieldOfKinds('f:source/a/b|lead', new Set(['f:source']))).toBe(true);
    expect(fieldOfKinds('f:sourcex/a|lead', new Set(['f:source']))).toBe(false);
  });
});

describe('report counter partition keys (load simulation over the key function)', () => {
  it('given 1,000 counted writes a second from distinct leads, each at the worst case of 3 counter items of up to 2 KB in a transaction, then no counter partition key takes more than 1,000 WCU/s', () => {
    // Worst case per counted write: the day item, the gauge item and (a sales activity) nothing more, each
    // up to 2 KB (2 WRU) and billed twice in the transaction: 3 × 2 × 2 = 12 WCU, all on the lead's shard.
    const PER_WRITE = 12;
    const perKey = new Map<string, number>();
    const perLegacyKey = new Map<string, number>();
    for (let n = 0; n < 1_000; n++) {
      const id = leadId(n * 7919);
      const pk = updates(counterAddItems(id, [{ kind: 'g', period: 'current', fields: { x: 1 } }]))[0]?.Key
        ?.pk as string;
      perKey.set(pk, (perKey.get(pk) ?? 0) + PER_WRITE);
      const legacy = keys.legacyReportCounter('f:none', '2026-12-04', shardOf(id)).pk;
      perLegacyKey.set(legacy, (perLegacyKey.get(legacy) ?? 0) + PER_WRITE);
    }
    const hottest = Math.max(...perKey.values());
    expect(perKey.size).toBeGreaterThan(REPORT_SHARDS / 2);
    expect(hottest).toBeLessThanOrEqual(1_000);
    // The earlier layout put every shard of a kind under ONE partition key: all of it on one key.
    expect([...perLegacyKey.values()]).toEqual([1_000 * PER_WRITE]);
  });
});
