import {
  CALL_LIST_TEMPERATURES,
  type CallListItem,
  callListItem,
  waitsForSales,
} from '#domain/handoff/call-list';
import { allIndexKeys } from '#store/keys';
import {
  decodeIndexCursor,
  encodeIndexCursor,
  getListedLeads,
  IndexMerge,
  type IndexPositions,
  type IndexRow,
} from '#store/lead-index';

export type { CallListItem } from '#domain/handoff/call-list';
export { InvalidCursorError } from '#store/lead-index';

/** The sparse index's partitions: every shard of `hot`, then every shard of `warm` (hot first). */
const PARTITIONS = CALL_LIST_TEMPERATURES.flatMap((t) => allIndexKeys(t));
const BINDING = `callList|${PARTITIONS.join(',')}`;

export type CallListCursor = IndexPositions;

/** Check a client's cursor (throws InvalidCursorError: the handler answers 400). */
export function decodeCursor(text: string): CallListCursor {
  return decodeIndexCursor(text, BINDING, PARTITIONS.length);
}

/**
 * Warm and hot leads nobody in sales has yet, for outbound calls: read from the sparse `callList` index, which
 * only such leads carry (owned, closed, cold and sales-stage leads have no key), so no row read is thrown
 * away: read units per page are about the rows returned (a small index page per shard plus each lead's state
 * and profile). Hot first (every hot shard outranks every warm one: the index value is the temperature), then
 * by score band, highest first, in the index's stable order.
 */
export async function callList(options: {
  limit: number;
  cursor?: CallListCursor;
}): Promise<{ items: CallListItem[]; nextCursor: string | null }> {
  const items: CallListItem[] = [];
  // Temperatures in order: the hot shards are merged and drained before any warm one is read.
  let positions: IndexPositions = { ...(options.cursor ?? {}) };
  for (const [t, temperature] of CALL_LIST_TEMPERATURES.entries()) {
    const offset = t * (PARTITIONS.length / CALL_LIST_TEMPERATURES.length);
    const shards = allIndexKeys(temperature);
    const local: IndexPositions = {};
    for (let i = 0; i < shards.length; i++) {
      const p = positions[offset + i];
      if (p !== undefined) local[i] = p;
    }
    if (shards.every((_, i) => local[i] === 'done')) continue;
    const need = options.limit - items.length;
    if (need <= 0) break;
    const reader = new IndexMerge('callList', shards, local, {
      pageSize: Math.min(100, Math.ceil(need / shards.length) + 1),
    });
    const rows: IndexRow[] = [];
    while (rows.length < need) {
      const row = await reader.next();
      if (!row) break;
      rows.push(row);
    }
    const leads = await getListedLeads(rows.map((r) => r.leadId));
    for (const row of rows) {
      const lead = leads.get(row.leadId);
      // The index is eventually consistent: a lead taken by sales a moment ago is skipped.
      if (!lead || !waitsForSales(lead.state)) continue;
      const { state, profile } = lead;
      items.push(
        callListItem(
          {
            leadId: row.leadId,
            email: state.email,
            temperature: state.temperature,
            stage: state.stage,
            ...(state.grade ? { grade: state.grade } : {}),
            score: state.score.total,
            lastActivityAt: state.lastActivityAt,
          },
          profile.attributes,
        ),
      );
    }
    const after = reader.positions();
    positions = { ...positions };
    for (let i = 0; i < shards.length; i++) {
      const p = after[i];
      if (p !== undefined) positions[offset + i] = p;
    }
  }
  const finished = PARTITIONS.every((_, i) => positions[i] === 'done');
  return { items, nextCursor: finished ? null : encodeIndexCursor(positions, BINDING) };
}
