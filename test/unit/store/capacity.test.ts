import { describe, expect, it } from 'vitest';
import {
  type Item,
  indexWriteUnits,
  itemSize,
  itemWriteCost,
  readUnits,
  valueSize,
  writeUnits,
} from '#store/capacity';
import { INDEXES } from '#store/table-design';

const s = (S: string) => ({ S });
const n = (N: string) => ({ N });
const stateItem = (over: Item = {}): Item => ({
  pk: s('LEAD#1'),
  sk: s('STATE'),
  stageKey: s('mql'),
  scoreKey: n('42'),
  email: s('yamada@example.co.jp'),
  stage: s('mql'),
  temperature: s('warm'),
  behaviour: s('x'.repeat(100)),
  ...over,
});

describe('item size by DynamoDB rules', () => {
  it('counts strings in UTF-8 bytes and attribute names', () => {
    expect(valueSize(s('山田'))).toBe(6);
    expect(itemSize({ name: s('山田') })).toBe(4 + 6);
  });
  it('counts numbers by significant digits', () => {
    expect(valueSize(n('1'))).toBe(2);
    expect(valueSize(n('12345'))).toBe(4);
    expect(valueSize(n('-1.5'))).toBe(2);
    expect(valueSize(n('1000'))).toBe(2);
  });
  it('counts maps and lists with their overhead', () => {
    expect(valueSize({ M: { a: s('b') } })).toBe(3 + 1 + 1 + 1);
    expect(valueSize({ L: [s('ab'), { BOOL: true }] })).toBe(3 + (1 + 2) + (1 + 1));
    expect(valueSize({ NULL: true })).toBe(1);
  });
});

describe('units', () => {
  it('rounds writes up per started KB, minimum 1', () => {
    expect(writeUnits(0)).toBe(1);
    expect(writeUnits(1024)).toBe(1);
    expect(writeUnits(1025)).toBe(2);
  });
  it('rounds reads per started 4 KB, halved when eventually consistent', () => {
    expect(readUnits(10, true)).toBe(1);
    expect(readUnits(10, false)).toBe(0.5);
    expect(readUnits(4097, true)).toBe(2);
    expect(readUnits(4097, false)).toBe(1);
  });
});

describe('index writes', () => {
  const byStage = INDEXES.byStage;
  it('costs nothing when the item is and stays out of the index', () => {
    const plain: Item = { pk: s('LEAD#1'), sk: s('PROFILE'), email: s('a@b.jp') };
    expect(indexWriteUnits(byStage, undefined, plain)).toBe(0);
    expect(indexWriteUnits(byStage, plain, { ...plain, email: s('c@d.jp') })).toBe(0);
  });
  it('costs nothing when no projected attribute changes', () => {
    const before = stateItem();
    expect(indexWriteUnits(byStage, before, stateItem({ behaviour: s('y'.repeat(100)) }))).toBe(0);
  });
  it('costs 1 per projected-attribute change', () => {
    expect(indexWriteUnits(byStage, stateItem(), stateItem({ temperature: s('hot') }))).toBe(1);
  });
  it('costs 2 (delete + put) when the index key changes', () => {
    expect(indexWriteUnits(byStage, stateItem(), stateItem({ scoreKey: n('43') }))).toBe(2);
    expect(indexWriteUnits(byStage, stateItem(), stateItem({ stageKey: s('sql') }))).toBe(2);
  });
  it('costs 1 to enter and 1 to leave a sparse index', () => {
    const { stageKey: _k, ...outside } = stateItem();
    expect(indexWriteUnits(byStage, outside, stateItem())).toBe(1);
    expect(indexWriteUnits(byStage, stateItem(), outside)).toBe(1);
  });
  it('sizes the index item by its projection, not the whole item', () => {
    const big = stateItem({ behaviour: s('x'.repeat(5000)), temperature: s('hot') });
    expect(indexWriteUnits(byStage, stateItem({ behaviour: s('x'.repeat(5000)) }), big)).toBe(1);
  });
});

describe('item write cost', () => {
  it('charges the larger of old and new item, table plus indexes', () => {
    const before = stateItem({ behaviour: s('x'.repeat(1500)) });
    const after = stateItem({ behaviour: s('x'.repeat(100)), scoreKey: n('50') });
    const cost = itemWriteCost(before, after);
    expect(cost.write).toBe(2 + 2 + 0);
    expect(cost.indexes).toEqual({ byStage: 2 });
  });
  it('doubles the table units in a transaction, not the index units', () => {
    const cost = itemWriteCost(stateItem(), stateItem({ temperature: s('hot') }), { transactional: true });
    expect(cost.write).toBe(2 + 1);
  });
  it('still charges a refused conditional write, without index writes', () => {
    const cost = itemWriteCost(stateItem(), stateItem({ scoreKey: n('1') }), { succeeded: false });
    expect(cost.write).toBe(1);
    expect(cost.indexes).toEqual({});
  });
  it('charges a delete by the deleted item and removes it from its indexes', () => {
    const cost = itemWriteCost(stateItem(), undefined);
    expect(cost.write).toBe(1 + 1);
  });
});
