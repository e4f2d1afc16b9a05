/**
 * The call list: warm and hot leads nobody in sales has yet, best first, for outbound calls. Hot before
 * warm; inside each, highest score first, then most recent activity, then lead id. The index it is read
 * from orders by score only, so a page reads on to the end of its last score group and orders the group
 * itself; the opaque cursor remembers the temperature, the score group and how many of it were shown.
 * Pure: the use case reads the index pages these rules ask for.
 */
import { z } from 'zod';
import { isoAt } from '#domain/lead/events';
import type { EpochMs, LeadAttributes, Stage } from '#domain/lead/types';

/** Hot leads first, then warm. */
export const CALL_LIST_TEMPERATURES = ['hot', 'warm'] as const;
/** Not yet with sales: sales owns sal and beyond; disqualified leads are not called. */
export const CALL_LIST_STAGES: readonly Stage[] = ['subscriber', 'lead', 'mql', 'recycled'];
/** Upper bound on index items one request reads (a page plus the rest of its last score group). */
export const MAX_READ = 2_000;

/** Where the next page starts: temperature index, and inside it a score group and how many of it were shown. */
const cursorSchema = z
  .object({
    t: z
      .number()
      .int()
      .min(0)
      .max(CALL_LIST_TEMPERATURES.length - 1),
    s: z.number().finite().optional(),
    k: z.number().int().min(0).max(MAX_READ).optional(),
  })
  .strict();
export type CallListCursor = z.output<typeof cursorSchema>;

export class InvalidCursorError extends Error {
  override name = 'InvalidCursorError';
}

/** Opaque to callers: base64url JSON. Tampering can only move where the read starts inside our own index. */
export function encodeCursor(cursor: CallListCursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

export function decodeCursor(text: string): CallListCursor {
  if (text.length > 200) throw new InvalidCursorError('cursor too long');
  try {
    return cursorSchema.parse(JSON.parse(Buffer.from(text, 'base64url').toString('utf8')));
  } catch {
    throw new InvalidCursorError('not a cursor this API issued');
  }
}

/** What the call list needs of an index row. */
export interface CallListRow {
  leadId: string;
  email: string;
  temperature: string;
  stage: string;
  grade?: string;
  score: number;
  lastActivityAt: EpochMs;
}

export interface CallListItem {
  leadId: string;
  email: string;
  lastName?: string;
  firstName?: string;
  company?: string;
  department?: string;
  title?: string;
  phone?: string;
  prefecture?: string;
  score: number;
  temperature: string;
  stage: string;
  grade?: string;
  lastActivityAt: string;
}

/** Highest score first, then most recent activity, then lead id (a total order: pages never overlap). */
export function byCallOrder(a: CallListRow, b: CallListRow): number {
  return (
    b.score - a.score ||
    b.lastActivityAt - a.lastActivityAt ||
    (a.leadId < b.leadId ? -1 : a.leadId > b.leadId ? 1 : 0)
  );
}

/** How far into the current score group a position starts (0 at the top of a temperature). */
export function skipOf(position: CallListCursor): number {
  return position.s === undefined ? 0 : (position.k ?? 0);
}

/**
 * May the index read stop here? Yes once the row that ends the page (`skip + need`-th) has a score group
 * that is complete, i.e. a lower score was read after it, or when the read bound is reached.
 */
export function readEnough(read: readonly CallListRow[], skip: number, need: number): boolean {
  const boundary = read[skip + need - 1];
  const last = read[read.length - 1];
  if (boundary && last && last.score < boundary.score) return true;
  return read.length >= MAX_READ;
}

/**
 * One temperature's page: the rows read (any order) sorted into call order, the ones to show (after `skip`,
 * at most `need`), and where the next page starts (`undefined` when the list is done).
 */
export function takePage<R extends CallListRow>(
  read: R[],
  position: CallListCursor,
  need: number,
  exhausted: boolean,
): { rows: R[]; next: CallListCursor | undefined } {
  const skip = skipOf(position);
  read.sort(byCallOrder);
  const end = Math.min(read.length, skip + need);
  const t = position.t;
  const nextTemperature: CallListCursor | undefined =
    t + 1 < CALL_LIST_TEMPERATURES.length ? { t: t + 1 } : undefined;
  // Resume after read[i]: in its score group, after the ones shown (counted from the top of the group).
  const after = (i: number): CallListCursor | undefined => {
    const row = read[i];
    if (!row || (i === read.length - 1 && exhausted)) return nextTemperature;
    return { t, s: row.score, k: read.slice(0, i + 1).filter((r) => r.score === row.score).length };
  };
  // No progress only past MAX_READ leads with one identical score: move on rather than loop.
  return { rows: read.slice(skip, end), next: end > skip ? after(end - 1) : nextTemperature };
}

/** A call-list line: the index row with the contact fields of the lead's profile. */
export function callListItem(row: CallListRow, attributes: LeadAttributes): CallListItem {
  const a = attributes;
  return {
    leadId: row.leadId,
    email: row.email,
    ...(a.lastName ? { lastName: a.lastName } : {}),
    ...(a.firstName ? { firstName: a.firstName } : {}),
    ...(a.company ? { company: a.company } : {}),
    ...(a.department ? { department: a.department } : {}),
    ...(a.title ? { title: a.title } : {}),
    ...(a.phone ? { phone: a.phone } : {}),
    ...(a.prefecture ? { prefecture: a.prefecture } : {}),
    score: row.score,
    temperature: row.temperature,
    stage: row.stage,
    ...(row.grade ? { grade: row.grade } : {}),
    lastActivityAt: isoAt(row.lastActivityAt),
  };
}
