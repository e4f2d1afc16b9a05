import { AsyncLocalStorage } from 'node:async_hooks';
import {
  type AttributeValue,
  type DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type {
  BuildHandler,
  BuildHandlerArguments,
  BuildHandlerOutput,
  HandlerExecutionContext,
  MiddlewareStack,
} from '@smithy/types';
import { ALL_INDEXES, type IndexDesign, TABLE_KEYS } from '#store/table-design';

/**
 * Capacity accounting by AWS's on-demand billing rules, computed from the requests (DynamoDB Local's
 * `ReturnConsumedCapacity` under-reports transactions and index writes, so it cannot be the source).
 * Attach it to a client with `attachCapacityAccounting(client)` in benches and tests; nothing in the
 * deployed functions attaches it (it pre-reads items to know their old image).
 *
 * Rules (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html,
 * …/provisioned-capacity-mode.html#HowItWorks.ProvisionedThroughput.Manual, …/GSI.html#GSI.ThroughputConsiderations,
 * read 2026-12-04):
 * - Item size = Σ attribute name bytes + value bytes (S: UTF-8 bytes; N: ⌈significant digits / 2⌉ + 1;
 *   B: bytes; BOOL/NULL: 1; M/L: 3 + per element 1 + (name +) value).
 * - Write: 1 WRU per started 1 KB of the larger of the item before and after (PutItem, UpdateItem), of the
 *   deleted item (DeleteItem); minimum 1. A write whose condition fails still costs (size of the item as it
 *   is, minimum 1). BatchWriteItem: per item. TransactWriteItems: ×2 per item, ConditionCheck included;
 *   a cancelled transaction is charged for every item (a conservative reading of the docs).
 * - Read: 1 RRU per started 4 KB strongly consistent, 0.5 eventually consistent, transactional ×2;
 *   GetItem of a missing item still costs the minimum. Query/Scan: the total size of the items READ (before
 *   any filter or projection), rounded up to 4 KB once per request. BatchGetItem: per item.
 * - Each global secondary index the item is or becomes part of (sparse: both index key attributes present):
 *   1 write of the projected item when only projected attributes change, 2 (delete + put) when the index
 *   key changes, 1 put / 1 delete when the item enters / leaves the index, 0 when it stays out of it or
 *   nothing projected changes. Index writes are not doubled by transactions.
 */

export type Item = Record<string, AttributeValue>;

const KB = 1024;
const FOUR_KB = 4 * KB;

/** Bytes of one attribute value by DynamoDB's size rules. */
export function valueSize(value: AttributeValue): number {
  if (value.S !== undefined) return Buffer.byteLength(value.S);
  if (value.N !== undefined) return numberSize(value.N);
  if (value.B !== undefined) return value.B.byteLength;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS) return value.SS.reduce((n, s) => n + Buffer.byteLength(s), 0);
  if (value.NS) return value.NS.reduce((n, s) => n + numberSize(s), 0);
  if (value.BS) return value.BS.reduce((n, b) => n + b.byteLength, 0);
  if (value.L) return 3 + value.L.reduce((n, v) => n + 1 + valueSize(v), 0);
  if (value.M)
    return 3 + Object.entries(value.M).reduce((n, [k, v]) => n + 1 + Buffer.byteLength(k) + valueSize(v), 0);
  return 0;
}

function numberSize(n: string): number {
  const digits = n
    .replace(/^-/, '')
    .replace(/[eE].*$/, '')
    .replace('.', '')
    .replace(/^0+/, '');
  return Math.ceil(digits.replace(/0+$/, '').length / 2) + 1;
}

/** Bytes of an item: attribute names plus values. */
export function itemSize(item: Item | undefined): number {
  if (!item) return 0;
  return Object.entries(item).reduce((n, [k, v]) => n + Buffer.byteLength(k) + valueSize(v), 0);
}

/** Write request units of one item write (before ×2 for transactions). */
export function writeUnits(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / KB));
}

/** Read request units of `bytes` read at once (one item, or one Query/Scan page). */
export function readUnits(bytes: number, consistent: boolean): number {
  const units = Math.max(1, Math.ceil(bytes / FOUR_KB));
  return consistent ? units : units / 2;
}

const inIndex = (index: IndexDesign, item: Item | undefined): item is Item =>
  !!item && item[index.partitionKey.name] !== undefined && item[index.sortKey.name] !== undefined;

const same = (a: AttributeValue | undefined, b: AttributeValue | undefined) =>
  JSON.stringify(a) === JSON.stringify(b);

/** The index item: table keys, index keys and the included attributes. */
export function projectedItem(index: IndexDesign, item: Item): Item {
  const names = [
    TABLE_KEYS.partitionKey,
    TABLE_KEYS.sortKey,
    index.partitionKey.name,
    index.sortKey.name,
    ...index.include,
  ];
  return Object.fromEntries(names.flatMap((n) => (item[n] === undefined ? [] : [[n, item[n]]])));
}

/** Write units one index takes for an item going from `before` to `after` (either may be absent). */
export function indexWriteUnits(
  index: IndexDesign,
  before: Item | undefined,
  after: Item | undefined,
): number {
  const wasIn = inIndex(index, before);
  const isIn = inIndex(index, after);
  if (!wasIn && !isIn) return 0;
  if (!wasIn) return writeUnits(itemSize(projectedItem(index, after as Item)));
  if (!isIn) return writeUnits(itemSize(projectedItem(index, before)));
  const keyChanged =
    !same(before[index.partitionKey.name], after[index.partitionKey.name]) ||
    !same(before[index.sortKey.name], after[index.sortKey.name]);
  const old = projectedItem(index, before);
  const next = projectedItem(index, after);
  if (keyChanged) return writeUnits(itemSize(old)) + writeUnits(itemSize(next));
  const changed = index.include.some((n) => !same(old[n], next[n]));
  return changed ? writeUnits(itemSize(next)) : 0;
}

export interface Units {
  read: number;
  write: number;
  /** Write units by index name (included in `write`). */
  indexes: Record<string, number>;
  calls: number;
}

const emptyUnits = (): Units => ({ read: 0, write: 0, indexes: {}, calls: 0 });

/** What one item write costs, table and indexes, given its images (the middleware's unit of work). */
export function itemWriteCost(
  before: Item | undefined,
  after: Item | undefined,
  options: { transactional?: boolean; succeeded?: boolean; indexes?: readonly IndexDesign[] } = {},
): Units {
  const units = emptyUnits();
  const table = writeUnits(Math.max(itemSize(before), itemSize(after)));
  units.write = table * (options.transactional ? 2 : 1);
  if (options.succeeded === false) return units;
  for (const index of options.indexes ?? ALL_INDEXES) {
    const w = indexWriteUnits(index, before, after);
    if (w > 0) {
      units.indexes[index.name] = (units.indexes[index.name] ?? 0) + w;
      units.write += w;
    }
  }
  return units;
}

// -------------------------------------------------------------------------------------------------------
// The middleware

/** The product's document client or a plain client: both share one middleware stack. */
type MiddlewareClient = DynamoDBClient | DynamoDBDocumentClient;

export interface CapacityMeter {
  /** Run `fn` and charge everything it sends to `label` (nested labels charge the innermost). */
  measure: <T>(label: string, fn: () => Promise<T>) => Promise<T>;
  /** Units by label ('unlabelled' for calls outside `measure`). */
  byLabel: () => Record<string, Units>;
  /** Units by command name (PutItemCommand, …). */
  byCommand: () => Record<string, Units>;
  total: () => Units;
  reset: () => void;
}

const skip = new AsyncLocalStorage<true>();
const labels = new AsyncLocalStorage<string>();

/**
 * Attaches the accounting middleware (build step: the input is already marshalled, the output not yet
 * unmarshalled) to a DynamoDB client or document client. Writes pre-read the item's old image (and
 * updates post-read the new one) through the same client, outside the accounting; Query, Scan and GetItem
 * with a filter or projection are re-read without it to know the size read. Benches and tests only: this
 * doubles the calls sent.
 */
export function attachCapacityAccounting(
  client: MiddlewareClient,
  options: { indexes?: readonly IndexDesign[] } = {},
): CapacityMeter {
  const indexes = options.indexes ?? ALL_INDEXES;
  let perLabel: Record<string, Units> = {};
  let perCommand: Record<string, Units> = {};
  const charge = (command: string, units: Units) => {
    const label = labels.getStore() ?? 'unlabelled';
    perLabel[label] ??= emptyUnits();
    perCommand[command] ??= emptyUnits();
    for (const bucket of [perLabel[label], perCommand[command]]) {
      bucket.read += units.read;
      bucket.write += units.write;
      bucket.calls += units.calls;
      for (const [k, v] of Object.entries(units.indexes)) bucket.indexes[k] = (bucket.indexes[k] ?? 0) + v;
    }
  };
  const quiet = <T>(fn: () => Promise<T>) => skip.run(true, fn);
  // Low-level commands (raw AttributeValues in and out), sent through the same client and stack.
  const send = (command: GetItemCommand | QueryCommand | ScanCommand) =>
    (client as DynamoDBClient).send(command as GetItemCommand) as Promise<{ Item?: Item; Items?: Item[] }>;
  const getItem = async (TableName: string, Key: Item): Promise<Item | undefined> =>
    (await quiet(() => send(new GetItemCommand({ TableName, Key, ConsistentRead: true })))).Item as
      | Item
      | undefined;

  const accountWrite = async (
    next: () => Promise<BuildHandlerOutput<object>>,
    items: { table: string; key: Item; put?: Item; kind: 'put' | 'update' | 'delete' | 'check' }[],
    transactional: boolean,
  ) => {
    const before = await Promise.all(items.map((i) => getItem(i.table, i.key)));
    let succeeded = true;
    let result: BuildHandlerOutput<object> | undefined;
    let failure: unknown;
    try {
      result = await next();
    } catch (error) {
      succeeded = false;
      failure = error;
    }
    const units = emptyUnits();
    units.calls = 1;
    for (const [n, item] of items.entries()) {
      let after: Item | undefined;
      if (item.kind === 'put') after = item.put;
      else if (item.kind === 'update') after = succeeded ? await getItem(item.table, item.key) : before[n];
      else if (item.kind === 'check') after = before[n];
      const cost = itemWriteCost(before[n], succeeded ? after : item.kind === 'put' ? after : undefined, {
        transactional,
        succeeded: succeeded && item.kind !== 'check',
        indexes,
      });
      units.write += cost.write;
      for (const [k, v] of Object.entries(cost.indexes)) units.indexes[k] = (units.indexes[k] ?? 0) + v;
    }
    return { units, result, failure };
  };

  (client.middlewareStack as MiddlewareStack<object, object>).add(
    (next: BuildHandler<object, object>, context: HandlerExecutionContext) =>
      async (args: BuildHandlerArguments<object>): Promise<BuildHandlerOutput<object>> => {
        if (skip.getStore()) return next(args);
        const command = context.commandName ?? 'unknown';
        // biome-ignore lint/suspicious/noExplicitAny: the marshalled input of whichever command this is
        const input = args.input as any;
        const units = emptyUnits();
        units.calls = 1;
        const keyOf = (table: string, item: Item): Item => {
          void table;
          return {
            [TABLE_KEYS.partitionKey]: item[TABLE_KEYS.partitionKey],
            [TABLE_KEYS.sortKey]: item[TABLE_KEYS.sortKey],
          } as Item;
        };
        const write = async (
          items: Parameters<typeof accountWrite>[1],
          transactional: boolean,
        ): Promise<BuildHandlerOutput<object>> => {
          const done = await accountWrite(() => next(args), items, transactional);
          charge(command, done.units);
          if (done.failure !== undefined) throw done.failure;
          return done.result as BuildHandlerOutput<object>;
        };
        switch (command) {
          case 'PutItemCommand':
            return write(
              [
                {
                  table: input.TableName,
                  key: keyOf(input.TableName, input.Item),
                  put: input.Item,
                  kind: 'put',
                },
              ],
              false,
            );
          case 'UpdateItemCommand':
            return write([{ table: input.TableName, key: input.Key, kind: 'update' }], false);
          case 'DeleteItemCommand':
            return write([{ table: input.TableName, key: input.Key, kind: 'delete' }], false);
          case 'TransactWriteItemsCommand':
            return write(
              // biome-ignore lint/suspicious/noExplicitAny: marshalled transact items
              input.TransactItems.map((t: any) => {
                if (t.Put)
                  return {
                    table: t.Put.TableName,
                    key: keyOf(t.Put.TableName, t.Put.Item),
                    put: t.Put.Item,
                    kind: 'put',
                  };
                if (t.Update) return { table: t.Update.TableName, key: t.Update.Key, kind: 'update' };
                if (t.Delete) return { table: t.Delete.TableName, key: t.Delete.Key, kind: 'delete' };
                return { table: t.ConditionCheck.TableName, key: t.ConditionCheck.Key, kind: 'check' };
              }),
              true,
            );
          case 'BatchWriteItemCommand': {
            const items = Object.entries(
              input.RequestItems as Record<
                string,
                { PutRequest?: { Item: Item }; DeleteRequest?: { Key: Item } }[]
              >,
            ).flatMap(([table, requests]) =>
              requests.map((r) =>
                r.PutRequest
                  ? {
                      table,
                      key: keyOf(table, r.PutRequest.Item),
                      put: r.PutRequest.Item,
                      kind: 'put' as const,
                    }
                  : { table, key: r.DeleteRequest?.Key as Item, kind: 'delete' as const },
              ),
            );
            return write(items, false);
          }
          case 'GetItemCommand': {
            // The output may be unmarshalled already (document client): size the item from a raw re-read,
            // which also sizes the whole item when a projection was asked for.
            const result = await next(args);
            const item = await getItem(input.TableName, input.Key);
            units.read = readUnits(itemSize(item), input.ConsistentRead === true);
            charge(command, units);
            return result;
          }
          case 'BatchGetItemCommand': {
            const result = await next(args);
            const keys = Object.entries(
              input.RequestItems as Record<string, { Keys: Item[]; ConsistentRead?: boolean }>,
            );
            for (const [table, request] of keys)
              for (const key of request.Keys)
                units.read += readUnits(itemSize(await getItem(table, key)), request.ConsistentRead === true);
            charge(command, units);
            return result;
          }
          case 'TransactGetItemsCommand': {
            const result = await next(args);
            // biome-ignore lint/suspicious/noExplicitAny: marshalled transact items
            for (const t of input.TransactItems as any[])
              units.read += 2 * readUnits(itemSize(await getItem(t.Get.TableName, t.Get.Key)), true);
            charge(command, units);
            return result;
          }
          case 'QueryCommand':
          case 'ScanCommand': {
            const result = await next(args);
            // The same page, raw and without filter or projection: what DynamoDB read to answer.
            {
              const {
                FilterExpression: _f,
                ProjectionExpression: _p,
                Select: _s,
                ...rest
              } = input as Record<string, unknown>;
              const names = rest.ExpressionAttributeNames as Record<string, string> | undefined;
              const used = JSON.stringify([rest.KeyConditionExpression ?? '']);
              if (names) rest.ExpressionAttributeNames = pickUsed(names, used);
              const values = rest.ExpressionAttributeValues as Item | undefined;
              if (values) rest.ExpressionAttributeValues = pickUsed(values, used);
              if (rest.ExpressionAttributeNames && Object.keys(rest.ExpressionAttributeNames).length === 0)
                delete rest.ExpressionAttributeNames;
              if (rest.ExpressionAttributeValues && Object.keys(rest.ExpressionAttributeValues).length === 0)
                delete rest.ExpressionAttributeValues;
              const shadow = await quiet(() =>
                send(
                  command === 'QueryCommand'
                    ? new QueryCommand(rest as never)
                    : new ScanCommand(rest as never),
                ),
              );
              units.read = readUnits(
                ((shadow.Items ?? []) as Item[]).reduce((n, i) => n + itemSize(i), 0),
                input.ConsistentRead === true,
              );
            }
            charge(command, units);
            return result;
          }
          default:
            return next(args);
        }
      },
    { step: 'build', name: 'capacityAccounting', override: true },
  );

  return {
    measure: (label, fn) => labels.run(label, fn),
    byLabel: () => structuredClone(perLabel),
    byCommand: () => structuredClone(perCommand),
    total: () => {
      const t = emptyUnits();
      for (const u of Object.values(perLabel)) {
        t.read += u.read;
        t.write += u.write;
        t.calls += u.calls;
        for (const [k, v] of Object.entries(u.indexes)) t.indexes[k] = (t.indexes[k] ?? 0) + v;
      }
      return t;
    },
    reset: () => {
      perLabel = {};
      perCommand = {};
    },
  };
}

function pickUsed<T>(map: Record<string, T>, expression: string): Record<string, T> {
  const used = (k: string) =>
    new RegExp(`${k.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![A-Za-z0-9_])`).test(expression);
  return Object.fromEntries(Object.entries(map).filter(([k]) => used(k)));
}
