import { createHash } from 'node:crypto';
import { now as clock } from '#adapters/clock';
import { dealSummary } from '#app/deal-view';
import { settings } from '#config/settings';
import { type ConsentLedgerEntry, consentHistory } from '#domain/capture/consent-ledger';
import { emailKey } from '#domain/capture/email-address';
import { availableLeadActions } from '#domain/handoff/owner-actions';
import type { HandoffState } from '#domain/handoff/sla';
import { isoAt } from '#domain/lead/events';
import { type Lead, marketingAllowed, scoringOf } from '#domain/lead/lead';
import type { Consent, EpochMs } from '#domain/lead/types';
import { summarize, temperatureFor } from '#domain/scoring/scoring';
import { getConsentEntries } from '#store/consent-ledger';
import { getDeal } from '#store/deals';
import { findLeadIdByEmail, getLead, getTimelinePage, type StoredTimelineEntry } from '#store/leads';

export type ViewLeadOutcome =
  | { kind: 'found'; lead: LeadView }
  | { kind: 'not_found' }
  /** Neither a lead id nor an e-mail was given. */
  | { kind: 'missing_key' }
  | { kind: 'invalid_email' }
  /** `timelineCursor` is not one this API issued for this lead. */
  | { kind: 'invalid_cursor' };

/** Timeline entries per page of the lead view. */
export const TIMELINE_PAGE = 200;

const TIMELINE_AT = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z#[^#]{1,200}$/;
const cursorCheck = (leadId: string, at: string): string =>
  createHash('sha256').update(`timeline\n${leadId}\n${at}`).digest('hex').slice(0, 12);

/** Opaque `timelineCursor`: the position in this lead's timeline plus a checksum binding it to the lead. */
export function encodeTimelineCursor(leadId: string, at: string): string {
  return Buffer.from(`${cursorCheck(leadId, at)}|${at}`).toString('base64url');
}

export function decodeTimelineCursor(leadId: string, cursor: string): string | undefined {
  if (cursor.length > 400) return undefined;
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const bar = text.indexOf('|');
  const at = text.slice(bar + 1);
  return bar > 0 && TIMELINE_AT.test(at) && text.slice(0, bar) === cursorCheck(leadId, at) ? at : undefined;
}

export type LeadView = ReturnType<typeof leadView> & {
  consentHistory: ReturnType<typeof consentView>;
  /** Older timeline entries: pass as `?timelineCursor=`; null when the timeline shown is complete. */
  timelineCursor: string | null;
  /** BANTCH and opportunities (deals); null before sales qualified or converted the lead. */
  deal: ReturnType<typeof dealSummary>;
};

/**
 * One lead as the ops API shows it, found by id or by e-mail (through the e-mail index, never a scan): who,
 * where in the funnel, the score as of now (behaviour decayed), and an explainable timeline: each event
 * with the points it earned and the rule that gave them, and the consent ledger (`consentHistory`).
 */
export async function viewLead(query: {
  leadId?: string;
  email?: string;
  timelineCursor?: string;
}): Promise<ViewLeadOutcome> {
  let leadId = query.leadId;
  if (!leadId) {
    if (!query.email) return { kind: 'missing_key' };
    const key = emailKey(query.email);
    if (!key) return { kind: 'invalid_email' };
    leadId = await findLeadIdByEmail(key);
  }
  if (!leadId || leadId.length > 64) return { kind: 'not_found' };
  let after: string | undefined;
  if (query.timelineCursor !== undefined) {
    after = decodeTimelineCursor(leadId, query.timelineCursor);
    if (!after) return { kind: 'invalid_cursor' };
  }
  const lead = await getLead(leadId);
  if (!lead) return { kind: 'not_found' };
  const now = clock();
  // Only the newest page of the timeline (a descending index query with a limit), never the whole history.
  const [page, consentEntries, deal] = await Promise.all([
    getTimelinePage(leadId, { limit: TIMELINE_PAGE, ...(after ? { after } : {}) }),
    getConsentEntries(leadId),
    getDeal(leadId),
  ]);
  return {
    kind: 'found',
    lead: {
      ...leadView(lead, after ? page.entries : withPending(page.entries, lead.state.timelinePending), now),
      timelineCursor: page.next ? encodeTimelineCursor(leadId, page.next) : null,
      consentHistory: consentView(consentHistory(consentEntries, lead.profile.consent)),
      deal: dealSummary(deal),
    },
  };
}

/**
 * The first page with the entries whose points are in the state but whose timeline item a failed write left
 * unwritten (`timelinePending`, until the next write puts it), newest first.
 */
function withPending(
  entries: readonly StoredTimelineEntry[],
  pending: readonly StoredTimelineEntry[] | undefined,
): StoredTimelineEntry[] {
  const missing = (pending ?? []).filter((p) => !entries.some((e) => e.eventId === p.eventId));
  if (missing.length === 0) return [...entries];
  return [...entries, ...missing].sort((a, b) => b.occurredAt - a.occurredAt).slice(0, TIMELINE_PAGE);
}

/** The consent history (the ledger's entries and its head), oldest first, times as ISO strings. */
function consentView(entries: readonly ConsentLedgerEntry[]) {
  return entries.map(({ entryId: _id, ...entry }) => ({ ...entry, at: isoAt(entry.at) }));
}

/** The current consent as shown: where it stands in the ledger is storage, not something to show. */
function withoutHeadMark({ ledgerHead: _head, ...consent }: Consent): Omit<Consent, 'ledgerHead'> {
  return consent;
}

function leadView(lead: Lead, timeline: readonly StoredTimelineEntry[], now: EpochMs) {
  const score = summarize(scoringOf(lead), now, settings.scoring);
  const { profile, state } = lead;
  return {
    leadId: profile.leadId,
    email: profile.email,
    attributes: profile.attributes,
    timeZone: profile.timeZone ?? null,
    stage: state.stage,
    temperature: temperatureFor(score.total, settings.scoring),
    grade: state.grade,
    score,
    fitBreakdown: profile.fitBreakdown,
    stageHistory: state.stageHistory.map((t) => ({ ...t, at: isoAt(t.at) })),
    owner: state.handoff && !state.handoff.closedAt ? state.handoff.owner : null,
    handoff: state.handoff ? handoffTimes(state.handoff) : null,
    /** The lead actions its stage and hand-off allow (`availableLeadActions`). */
    availableActions: availableLeadActions(state),
    consent: profile.consent ? withoutHeadMark(profile.consent) : null,
    /** Attribute changes unverified form posts proposed, waiting for confirmation or sales. */
    proposedAttributes: profile.proposedAttributes
      ? { ...profile.proposedAttributes, at: isoAt(profile.proposedAttributes.at) }
      : null,
    marketing: { ...profile.marketing, allowed: marketingAllowed(profile).ok },
    attribution: profile.attribution ?? null,
    channel: profile.channel,
    createdAt: isoAt(profile.createdAt),
    lastActivityAt: isoAt(state.lastActivityAt),
    timeline: timeline.map((e) => ({
      eventId: e.eventId,
      type: e.type,
      occurredAt: isoAt(e.occurredAt),
      points: e.points,
      rule: e.rule,
      ...(e.url ? { url: e.url } : {}),
      ...(e.title ? { title: e.title } : {}),
      ...(e.properties ? { properties: e.properties } : {}),
    })),
  };
}

/**
 * The hand-off with every time as ISO-8601 (accept and first-contact deadlines, when each was met or breached,
 * the planned follow-up).
 */
function handoffTimes(handoff: HandoffState): Record<string, unknown> {
  const out: Record<string, unknown> = { ...handoff };
  for (const key of HANDOFF_TIMES) {
    const at = handoff[key];
    if (at !== undefined) out[key] = isoAt(at);
  }
  if (handoff.followUp)
    out.followUp = {
      ...handoff.followUp,
      at: isoAt(handoff.followUp.at),
      setAt: isoAt(handoff.followUp.setAt),
    };
  return out;
}
const HANDOFF_TIMES = [
  'startedAt',
  'dueAt',
  'acceptedAt',
  'closedAt',
  'breachedAt',
  'lastBreachedDueAt',
  'firstContactDueAt',
  'firstContactAt',
  'firstContactBreachedAt',
  'lastFirstContactBreachedDueAt',
] as const satisfies readonly (keyof HandoffState)[];
