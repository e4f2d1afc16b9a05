import {
  CALL_LIST_STAGES,
  CALL_LIST_TEMPERATURES,
  type CallListCursor,
  type CallListItem,
  callListItem,
  encodeCursor,
  readEnough,
  skipOf,
  takePage,
} from '#domain/handoff/call-list';
import { getProfiles, queryByTemperature, type TemperatureIndexRow } from '#store/leads';

export {
  type CallListCursor,
  type CallListItem,
  decodeCursor,
  InvalidCursorError,
} from '#domain/handoff/call-list';

const INDEX_PAGE = 100;

/**
 * Warm and hot leads nobody in sales has yet, for outbound calls: read from the `byTemperature` index (score
 * descending), never a scan. The index orders by score only, so each page reads on to the end of its last
 * score group and orders the group by recent activity (see `#domain/handoff/call-list`); the cursor
 * remembers how far into a group it got.
 */
export async function callList(options: {
  limit: number;
  cursor?: CallListCursor;
}): Promise<{ items: CallListItem[]; nextCursor: string | null }> {
  const rows: TemperatureIndexRow[] = [];
  let position: CallListCursor | undefined = options.cursor ?? { t: 0 };
  while (position && rows.length < options.limit) {
    const temperature = CALL_LIST_TEMPERATURES[position.t] ?? 'hot';
    const need = options.limit - rows.length;
    const skip = skipOf(position);
    const read: TemperatureIndexRow[] = [];
    let startKey: Record<string, unknown> | undefined;
    let exhausted = false;
    for (;;) {
      const page = await queryByTemperature(temperature, {
        ...(position.s === undefined ? {} : { maxScore: position.s }),
        stages: CALL_LIST_STAGES,
        withoutOwner: true,
        limit: INDEX_PAGE,
        ...(startKey ? { startKey } : {}),
      });
      read.push(...page.rows);
      startKey = page.next;
      if (!startKey) {
        exhausted = true;
        break;
      }
      if (readEnough(read, skip, need)) break;
    }
    const taken: { rows: TemperatureIndexRow[]; next: CallListCursor | undefined } = takePage(
      read,
      position,
      need,
      exhausted,
    );
    rows.push(...taken.rows);
    position = taken.next;
  }
  const profiles = await getProfiles(rows.map((r) => r.leadId));
  const items = rows.map((r) => callListItem(r, profiles.get(r.leadId)?.attributes ?? {}));
  return { items, nextCursor: position ? encodeCursor(position) : null };
}
