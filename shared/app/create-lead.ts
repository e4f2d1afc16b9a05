import { randomUUID } from 'node:crypto';
import { now as clock } from '#adapters/clock';
import { countMetric } from '#adapters/metrics';
import { upsertLead } from '#app/capture-upsert';
import { isErasedAddress } from '#app/erased-address';
import { applyLeadAction } from '#app/lead-action';
import { handOffLead } from '#app/open-handoff';
import { settings } from '#config/settings';
import type { EntryAssignment } from '#domain/capture/entry-rules';
import {
  ENTRY_HANDOFF_REASON,
  type EntryOrigin,
  entryFacts,
  IMPORT_HANDOFF_REASON,
  type LeadEntry,
  leadEntryGate,
} from '#domain/capture/manual-entry';
import { isoAt } from '#domain/lead/events';
import type { EpochMs } from '#domain/lead/types';
import { getLead, getTimelineEntry } from '#store/leads';

/** The body of `POST /v1/ops/leads`, checked (the contract is `leadEntrySchema`, #domain/capture/entry-schema). */
export const createLeadRequestGate = leadEntryGate;
export type { EntryAssignment, LeadEntry };

/** A hand-off's deadlines as an entry's answer names them (ISO). */
const deadlines = (h: { dueAt: EpochMs; firstContactDueAt?: EpochMs | undefined }) => ({
  dueAt: isoAt(h.dueAt),
  ...(h.firstContactDueAt === undefined ? {} : { firstContactDueAt: isoAt(h.firstContactDueAt) }),
});

export type EntryOutcome =
  | { kind: 'created'; leadId: string; assignment: EntryAssignment }
  | { kind: 'updated'; leadId: string; assignment: EntryAssignment }
  /**
   * This entry (an import row, a keyed manual entry offered again) is already on the lead: nothing changed.
   * `createdByIt`: for a keyed manual entry, whether this entry made the lead (its first answer was 201).
   */
  | { kind: 'unchanged'; leadId: string; assignment: EntryAssignment; createdByIt?: boolean }
  /** The address was erased on request: refused, nothing stored. */
  | { kind: 'erased' }
  /** `ownerId` names no configured owner: refused before anything is stored. */
  | { kind: 'unknown_owner'; ownerId: string };

/** Whether `ownerId` is a configured owner (config/handoff.ts → owners). */
export function isKnownOwner(ownerId: string): boolean {
  return settings.handoff.owners.some((o) => o.ownerId === ownerId);
}

/**
 * Gives an entered lead to the entry's owner through the manual hand-off path (`applyLeadAction` handoff:
 * owner, round-robin mark, clocks, SLA timer, `Lead Assigned`/`Lead Handed Off` with trigger `manual`).
 * `actionId` is derived from the entry, so running an import row again replays instead of opening twice.
 */
async function assignEntryOwner(
  leadId: string,
  ownerId: string,
  origin: EntryOrigin,
  by: string | undefined,
): Promise<EntryAssignment> {
  const outcome = await applyLeadAction(leadId, {
    action: 'handoff',
    actionId: entryActionId(origin),
    ownerId,
    reason: origin.kind === 'import' ? IMPORT_HANDOFF_REASON : ENTRY_HANDOFF_REASON,
    ...(by === undefined ? {} : { by }),
  });
  if (outcome.status === 'applied' || outcome.status === 'replayed') {
    const h = outcome.result.handoff;
    return h
      ? {
          handoffNumber: h.n,
          ownerId: h.ownerId,
          dueAt: h.dueAt,
          ...(h.firstContactDueAt === undefined ? {} : { firstContactDueAt: h.firstContactDueAt }),
        }
      : { skipped: 'no hand-off opened' };
  }
  return { skipped: 'message' in outcome ? outcome.message : outcome.status };
}

/**
 * Hands an entered inquiry (`inquiry: true`: a phone inquiry, a demo asked for at a booth) off as an inquiry
 * form's capture would be: trigger `inquiry`, so the inquiry route's clocks run (the demo: accept within 30
 * business minutes, first contact within the hour), to the named owner or else the route's team. The entry's
 * time is the trigger's: a keyed entry offered again after its hand-off closed opens no second one. When the
 * lead already has an open hand-off (this entry's, offered again, or a colleague's), the answer names it.
 */
async function assignInquiry(
  leadId: string,
  ownerId: string | undefined,
  enteredAt: EpochMs,
  now: EpochMs,
  offeredAgain: boolean,
): Promise<EntryAssignment> {
  const owner =
    ownerId === undefined ? undefined : settings.handoff.owners.find((o) => o.ownerId === ownerId);
  const outcome = await handOffLead(
    leadId,
    now,
    { trigger: 'inquiry', reason: 'inquiry entered by ops', ...(owner ? { owner } : {}) },
    enteredAt,
  );
  if (outcome.status === 'handed_off')
    return { handoffNumber: outcome.handoffNumber, ownerId: outcome.ownerId, ...deadlines(outcome) };
  const open = (await getLead(leadId))?.state.handoff;
  if (open && open.closedAt === undefined)
    return {
      handoffNumber: open.n,
      ownerId: open.owner.ownerId,
      ...deadlines(open),
      // Offered again, the entry answers as it did the first time: it opened this hand-off.
      ...(offeredAgain ? {} : { already: true as const }),
    };
  return { skipped: outcome.message ?? outcome.status };
}

/**
 * One lead entered by ops (manual entry or one import row) through capture's write path (`upsertLead`):
 * de-duplicated on the normalized e-mail, an existing lead updated with a timeline entry, consent recorded
 * per `consentBasis`, `Lead Captured` in the outbox. An erased address is refused (the suppression list is
 * lifted only by the person's own form post, see `#app/erased-address`): by the read here, and by the
 * creating transaction's check when an erase commits after that read.
 */
export async function enterLead(
  entry: LeadEntry,
  origin: EntryOrigin,
  now: EpochMs,
  by?: string,
): Promise<EntryOutcome> {
  if (entry.ownerId !== undefined && !isKnownOwner(entry.ownerId))
    return { kind: 'unknown_owner', ownerId: entry.ownerId };
  if (await isErasedAddress(entry.email)) return { kind: 'erased' };
  const facts = entryFacts(entry, origin, now);
  const upserted = await upsertLead(facts);
  // Erased between the read above and the write: the write's own check refused it (nothing stored).
  if ('erased' in upserted) return { kind: 'erased' };
  const { lead, created, replayed } = upserted;
  const leadId = lead.profile.leadId;
  // A keyed manual entry offered again: its first attempt's timeline entry (when it was entered).
  const first =
    replayed && origin.kind === 'manual'
      ? await getTimelineEntry(leadId, facts.formEvent.eventId)
      : undefined;
  const assignment =
    entry.inquiry && origin.kind === 'manual'
      ? await assignInquiry(leadId, entry.ownerId, first?.occurredAt ?? now, now, first !== undefined)
      : entry.ownerId
        ? await assignEntryOwner(leadId, entry.ownerId, origin, by)
        : null;
  if (created) return { kind: 'created', leadId, assignment };
  if (!replayed) return { kind: 'updated', leadId, assignment };
  if (origin.kind !== 'manual') return { kind: 'unchanged', leadId, assignment };
  // It made the lead when its timeline entry is the lead's creation (same instant).
  return {
    kind: 'unchanged',
    leadId,
    assignment,
    createdByIt: first !== undefined && first.occurredAt === lead.profile.createdAt,
  };
}

const entryActionId = (origin: EntryOrigin): string =>
  origin.kind === 'manual' ? `entry:${origin.entryId}` : `import:${origin.importId}:${origin.line}`;

/**
 * `POST /v1/ops/leads`: a lead typed in by sales (201 created, 200 updated, 404 unknown owner, 409 erased).
 * With the client's `idempotencyKey` the entry is named by it: the same key again (a retry after a 503, whose
 * entry may have committed without its hand-off, or after a lost answer) finds the entry on the lead, completes
 * the hand-off once (its actionId is the entry's) and changes nothing else (`unchanged`).
 */
export async function createLeadManually(
  entry: LeadEntry,
  options: { idempotencyKey?: string; by?: string } = {},
): Promise<EntryOutcome> {
  const key = options.idempotencyKey;
  const origin: EntryOrigin =
    key === undefined
      ? { kind: 'manual', entryId: randomUUID() }
      : { kind: 'manual', entryId: key, keyed: true };
  const outcome = await enterLead(entry, origin, clock(), options.by);
  if (outcome.kind === 'created' || outcome.kind === 'updated')
    countMetric('LeadEntered', { channel: entry.channel });
  return outcome;
}
