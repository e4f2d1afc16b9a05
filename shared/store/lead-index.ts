import { createHash } from 'node:crypto';
import { BatchGetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { COMPANY_KEY_MAX } from '#domain/lead/company-search';
import type { Lead, LeadProfile } from '#domain/lead/lead';
import { PHONE_DIGITS_MAX } from '#domain/lead/phone-search';
import { dynamodb, tableName } from '#store/dynamodb';
import { keys, leadIdFromPk } from '#store/keys';
import { companyInitial, fromStateItem, phoneIndexKeys } from '#store/lead-items';
import { readProfile } from '#store/leads';
import { INDEXES } from '#store/table-design';

/**
 * Scatter-gather reads of the write-sharded list indexes (`byStage`, `byTemperature`, `callList`,
 * `byActivity`; see table-design.ts). A read names the partition key values it covers (every shard of one or
 * more values, e.g. `hot#0…7, warm#0…7`); each partition is read in its own order (sort key descending) a
 * small page at a time, and the streams are merged by sort key (ties: the earlier partition first), so the
 * merged order is total and stable while paging. The position of every partition after the last row the
 * caller TOOK is the cursor: nothing is skipped or repeated, and rows read but not taken are read again next
 * time (a small page, not a whole partition).
 */

export type ListIndexName = 'byStage' | 'byTemperature' | 'callList' | 'byActivity' | 'byOwner';

/** One row of a list index: the lead, the index's sort value and whatever the index projects. */
export interface IndexRow {
  leadId: string;
  /**
   * The sort key: score band (`byStage`, `byTemperature`, `callList`), activity day (`byActivity`) or the owner's
   * queue position (`byOwner`, `ownerQueueKey`).
   */
  sortValue: number;
  stage?: string;
  temperature?: string;
  ownerId?: string;
}

/** Where each partition (by its place in the list) stands: absent = from the top, after a row, or done. */
export type IndexPositions = Record<number, { leadId: string; sortValue: number } | 'done'>;

export interface IndexReadOptions {
  /** Projected attributes that must equal these values (a filter on the index page, e.g. `ownerId`). */
  equals?: Readonly<Record<string, string>>;
  /** Only rows whose sort value is at least this (a key condition: rows below it are never read). */
  minSortValue?: number;
  /** Rows per partition query. */
  pageSize: number;
}

interface PartitionState {
  rows: IndexRow[];
  next?: Record<string, unknown>;
  exhausted: boolean;
}

/** The merged, lazily read stream of rows over the given partitions, resumable from `positions`. */
export class IndexMerge {
  /** Queries sent so far (tests and metrics). */
  queries = 0;
  private readonly state: PartitionState[];
  private readonly pos: IndexPositions;

  constructor(
    private readonly index: ListIndexName,
    private readonly partitions: readonly string[],
    positions: IndexPositions,
    private readonly options: IndexReadOptions,
  ) {
    // A position below the key condition's lower bound can only be forged (every row read is at or above it),
    // and DynamoDB would refuse it as a start key that does not match the condition.
    const min = options.minSortValue;
    for (const p of Object.values(positions))
      if (min !== undefined && p !== 'done' && p.sortValue < min)
        throw new InvalidCursorError('position outside the query');
    this.pos = { ...positions };
    this.state = partitions.map((_, i) => ({ rows: [], exhausted: positions[i] === 'done' }));
  }

  /** The next row in merged order (and the cursor moves past it), or undefined at the end. */
  async next(): Promise<IndexRow | undefined> {
    await Promise.all(
      this.state.map((s, i) => (s.rows.length === 0 && !s.exhausted ? this.fill(i) : undefined)),
    );
    let best = -1;
    for (let i = 0; i < this.state.length; i++) {
      const head = this.state[i]?.rows[0];
      const top = this.state[best]?.rows[0];
      if (head && (!top || head.sortValue > top.sortValue)) best = i;
    }
    const chosen = this.state[best];
    const row = chosen?.rows.shift();
    if (!chosen || !row) return undefined;
    this.pos[best] =
      chosen.rows.length === 0 && chosen.exhausted
        ? 'done'
        : { leadId: row.leadId, sortValue: row.sortValue };
    return row;
  }

  /** Where to resume: every partition after the last row handed out. */
  positions(): IndexPositions {
    return { ...this.pos };
  }

  /** True when no partition has anything left. */
  done(): boolean {
    return this.state.every((_, i) => this.pos[i] === 'done');
  }

  private async fill(i: number): Promise<void> {
    const s = this.state[i];
    const partition = this.partitions[i];
    if (!s || partition === undefined) return;
    const design = INDEXES[this.index];
    const position = this.pos[i];
    let startKey =
      s.next ??
      (position && position !== 'done'
        ? {
            ...keys.state(position.leadId),
            [design.partitionKey.name]: partition,
            [design.sortKey.name]: position.sortValue,
          }
        : undefined);
    const names: Record<string, string> = { '#pk': design.partitionKey.name };
    const values: Record<string, unknown> = { ':pk': partition };
    let condition = '#pk = :pk';
    if (this.options.minSortValue !== undefined) {
      names['#sk'] = design.sortKey.name;
      values[':min'] = this.options.minSortValue;
      condition += ' AND #sk >= :min';
    }
    const filters = Object.entries(this.options.equals ?? {}).map(([attr, value], n) => {
      names[`#f${n}`] = attr;
      values[`:f${n}`] = value;
      return `#f${n} = :f${n}`;
    });
    // A filtered page may come back empty with more to read: read on until a row or the end.
    do {
      const result = await dynamodb.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: design.name,
          KeyConditionExpression: condition,
          ...(filters.length ? { FilterExpression: filters.join(' AND ') } : {}),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ScanIndexForward: false,
          Limit: this.options.pageSize,
          ExclusiveStartKey: startKey,
        }),
      );
      this.queries++;
      for (const item of result.Items ?? []) s.rows.push(toRow(item, design.sortKey.name));
      startKey = result.LastEvaluatedKey;
    } while (s.rows.length === 0 && startKey);
    s.next = startKey;
    s.exhausted = !startKey;
    if (s.rows.length === 0) this.pos[i] = 'done';
  }
}

function toRow(item: Record<string, unknown>, sortAttr: string): IndexRow {
  return {
    leadId: leadIdFromPk(String(item.pk)) ?? '',
    sortValue: Number(item[sortAttr]),
    ...(typeof item.stage === 'string' ? { stage: item.stage } : {}),
    ...(typeof item.temperature === 'string' ? { temperature: item.temperature } : {}),
    ...(typeof item.ownerId === 'string' ? { ownerId: item.ownerId } : {}),
  };
}

/**
 * What a search reads: a prefix of the sort key of a search index, in one partition, and how long a key of that
 * index can be (a cursor's position is checked against both).
 */
export interface IndexSearch {
  index: 'byCompany' | 'byPhone';
  partition: string;
  prefix: string;
  maxLength: number;
}

/** A company search (`byCompany`): the search key's first letter, and the key as the prefix. */
export const companySearch = (key: string): IndexSearch => ({
  index: 'byCompany',
  partition: companyInitial(key),
  prefix: key,
  maxLength: COMPANY_KEY_MAX,
});

/**
 * A phone search (`byPhone`): the numbers that END with these search digits, i.e. the reversed keys that begin
 * with them reversed, in the partition of their last two digits.
 */
export const phoneSearch = (digits: string): IndexSearch => {
  const { phoneTail, phoneKey } = phoneIndexKeys(digits);
  return { index: 'byPhone', partition: phoneTail, prefix: phoneKey, maxLength: PHONE_DIGITS_MAX };
};

/** Where a search stands: after this lead, whose search key (the index's sort key) is `key`. */
export interface SearchPosition {
  leadId: string;
  key: string;
}

/**
 * One page of a search: the leads whose search key starts with the search's prefix, in key order, after
 * `after`. One query in one partition. `next` is where the following page starts, absent when the partition
 * has no more.
 */
export async function readSearchIndex(
  search: IndexSearch,
  options: { limit: number; after?: SearchPosition | undefined },
): Promise<{ rows: SearchPosition[]; next?: SearchPosition }> {
  const design = INDEXES[search.index];
  const result = await dynamodb.send(
    new QueryCommand({
      TableName: tableName,
      IndexName: design.name,
      KeyConditionExpression: '#i = :i AND begins_with(#k, :k)',
      ExpressionAttributeNames: { '#i': design.partitionKey.name, '#k': design.sortKey.name },
      ExpressionAttributeValues: { ':i': search.partition, ':k': search.prefix },
      Limit: options.limit,
      ...(options.after
        ? {
            ExclusiveStartKey: {
              ...keys.profile(options.after.leadId),
              [design.partitionKey.name]: search.partition,
              [design.sortKey.name]: options.after.key,
            },
          }
        : {}),
    }),
  );
  const rows = (result.Items ?? []).map((item) => ({
    leadId: leadIdFromPk(String(item.pk)) ?? '',
    key: String(item[design.sortKey.name]),
  }));
  const last = rows.at(-1);
  return result.LastEvaluatedKey && last ? { rows, next: last } : { rows };
}

/**
 * Profiles and states of the leads on a list page (eventually consistent: 0.5 read unit per item under
 * 4 KB). Leads missing either item (erased meanwhile) are left out.
 */
export async function getListedLeads(leadIds: readonly string[]): Promise<Map<string, Lead>> {
  const profiles = new Map<string, LeadProfile>();
  const out = new Map<string, Lead>();
  const states = new Map<string, Lead['state']>();
  for (let i = 0; i < leadIds.length; i += 50) {
    const ids = leadIds.slice(i, i + 50);
    let request: Record<string, { Keys: Record<string, string>[] }> | undefined = {
      [tableName]: { Keys: ids.flatMap((id) => [keys.profile(id), keys.state(id)]) },
    };
    while (request && Object.keys(request).length) {
      const result = await dynamodb.send(new BatchGetCommand({ RequestItems: request }));
      for (const item of result.Responses?.[tableName] ?? []) {
        if (item.sk === 'STATE') {
          const state = fromStateItem(item);
          if (state) states.set(state.leadId, state);
        } else {
          const profile = readProfile(item); // in today's channel vocabulary, as the lead view reads it
          if (profile) profiles.set(profile.leadId, profile);
        }
      }
      request = result.UnprocessedKeys as typeof request;
    }
  }
  for (const id of leadIds) {
    const profile = profiles.get(id);
    const state = states.get(id);
    if (profile && state) out.set(id, { profile, state });
  }
  return out;
}

export class InvalidCursorError extends Error {
  override name = 'InvalidCursorError';
}

const MAX_CURSOR = 4_000;
const LEAD_ID = /^[\w.:-]{1,64}$/;

/** The checksum binding a cursor to its query (index, partitions, filters, sort): 16 hex characters. */
const checksum = (binding: string, payload: string): string =>
  createHash('sha256').update(`${binding}\n${payload}`).digest('hex').slice(0, 16);

/**
 * Opaque cursor: base64url of the positions plus a checksum over them and the query they belong to. A cursor
 * edited by hand, or used with other filters, fails the check (400). The checksum is an integrity check, not a
 * secret; a forged cursor that passes it can only move where the read starts inside the same index
 * partitions, never reach another partition or another item type (positions are validated strictly: a lead
 * id, a safe integer, and in IndexMerge no lower than the query's key condition), so it too is a 400, not a
 * 500 from the SDK or DynamoDB.
 */
export function encodeIndexCursor(positions: IndexPositions, binding: string): string {
  return sealCursor(
    Object.entries(positions).map(([i, v]) =>
      v === 'done' ? [Number(i)] : [Number(i), v.leadId, v.sortValue],
    ),
    binding,
  );
}

/** A cursor's text: base64url of its payload and the checksum binding it to its query. */
const sealCursor = (p: unknown[], binding: string): string =>
  Buffer.from(JSON.stringify({ p, c: checksum(binding, JSON.stringify(p)) })).toString('base64url');

/** The payload of a cursor this API issued for `binding`; InvalidCursorError otherwise. */
function openCursor(text: string, binding: string): unknown[] {
  if (text.length > MAX_CURSOR) throw new InvalidCursorError('cursor too long');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError('not a cursor this API issued');
  }
  const { p, c } = (parsed ?? {}) as { p?: unknown; c?: unknown };
  if (!Array.isArray(p) || typeof c !== 'string' || checksum(binding, JSON.stringify(p)) !== c)
    throw new InvalidCursorError('not a cursor this API issued for this query');
  return p;
}

/** A search's cursor: the position after the last row read, bound to the search and its filters. */
export function encodeSearchCursor(position: SearchPosition, binding: string): string {
  return sealCursor([position.leadId, position.key], binding);
}

/**
 * The position of a search's cursor; InvalidCursorError unless it is this search's, inside its prefix and no
 * longer than a search key can be (`maxLength` characters).
 */
export function decodeSearchCursor(text: string, binding: string, search: IndexSearch): SearchPosition {
  const p = openCursor(text, binding);
  const [leadId, key] = p;
  if (
    p.length !== 2 ||
    typeof leadId !== 'string' ||
    !LEAD_ID.test(leadId) ||
    typeof key !== 'string' ||
    !key.startsWith(search.prefix) ||
    Array.from(key).length > search.maxLength
  )
    throw new InvalidCursorError('bad position');
  return { leadId, key };
}

export function decodeIndexCursor(text: string, binding: string, partitions: number): IndexPositions {
  const p = openCursor(text, binding);
  const positions: IndexPositions = {};
  for (const entry of p) {
    if (!Array.isArray(entry)) throw new InvalidCursorError('bad position');
    const [i, leadId, sortValue] = entry as unknown[];
    if (
      !Number.isInteger(i) ||
      (i as number) < 0 ||
      (i as number) >= partitions ||
      (i as number) in positions
    )
      throw new InvalidCursorError('bad partition');
    if (entry.length === 1) positions[i as number] = 'done';
    else if (
      entry.length === 3 &&
      typeof leadId === 'string' &&
      LEAD_ID.test(leadId) &&
      Number.isSafeInteger(sortValue) // a band, a day or a queue position: never a fraction or beyond 2^53
    )
      positions[i as number] = { leadId, sortValue: sortValue as number };
    else throw new InvalidCursorError('bad position');
  }
  return positions;
}
