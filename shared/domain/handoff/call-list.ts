/**
 * The call list: warm and hot leads nobody in sales has yet (a recycled one only once it is active again),
 * best first, for outbound calls. Hot before warm; inside each, by score band (`SCORE_BAND` points, highest
 * first): the index moves a lead only when it changes band, so the order inside a band is the index's own
 * (stable while paging), not the exact score.
 * Pure: which leads qualify and what a line shows; the use case reads the sparse index.
 */
import { isoAt } from '#domain/lead/events';
import type { EpochMs, LeadAttributes, Stage } from '#domain/lead/types';

/** Hot leads first, then warm. */
export const CALL_LIST_TEMPERATURES = ['hot', 'warm'] as const;
/** Not yet with sales: sales owns sal and beyond; disqualified leads are not called. */
export const CALL_LIST_STAGES: readonly Stage[] = ['subscriber', 'lead', 'mql', 'recycled'];
/**
 * Is this lead waiting for sales (on the call list)? Warm or hot, in a stage before sales, no open hand-off,
 * and, when recycled (a lost deal, a `recycle`), some activity since it was recycled: the temperature it kept
 * is what sales already acted on, so a prospect who just chose a competitor is not called again the next day;
 * a new visit, form, click or logged activity puts it back (as a trigger event from before the hand-off
 * closed is spent, a new one counts). A rule of the state alone, so the store gives exactly these leads the
 * sparse `callList` index key with every state write (the key is dropped by the write that recycles, and the
 * write that records the new activity adds it again), and the call list reads nothing it would throw away.
 */
export function waitsForSales(state: {
  stage: string;
  temperature: string;
  handoff?: { closedAt?: number | undefined } | undefined;
  stageHistory?: readonly { to: string; at: number }[] | undefined;
  lastActivityAt?: number | undefined;
}): boolean {
  return (
    (CALL_LIST_TEMPERATURES as readonly string[]).includes(state.temperature) &&
    (CALL_LIST_STAGES as readonly string[]).includes(state.stage) &&
    !(state.handoff && !state.handoff.closedAt) &&
    !quietSinceRecycled(state)
  );
}

/**
 * A recycled lead with no activity since it was recycled (the last move into `recycled`, else the close of
 * its hand-off). A recycled lead whose recycling time is unknown counts as active.
 */
function quietSinceRecycled(state: {
  stage: string;
  handoff?: { closedAt?: number | undefined } | undefined;
  stageHistory?: readonly { to: string; at: number }[] | undefined;
  lastActivityAt?: number | undefined;
}): boolean {
  if (state.stage !== 'recycled') return false;
  const recycledAt = state.stageHistory?.findLast((t) => t.to === 'recycled')?.at ?? state.handoff?.closedAt;
  return recycledAt !== undefined && (state.lastActivityAt ?? 0) <= recycledAt;
}

/** What the call list needs of a lead (its state item and index row). */
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
