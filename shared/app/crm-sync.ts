import { now as clockNow } from '#adapters/clock';
import { logger } from '#adapters/logger';
import { countMetric } from '#adapters/metrics';
import { settings } from '#config/settings';
import { crmSyncDueAt, crmSyncView, crmSyncWanted, leadUpdatedEvent } from '#domain/deals/crm-sync';
import type { EpochMs } from '#domain/lead/types';
import {
  crmSyncDoneUpdate,
  getDeal,
  leadStillThere,
  noteCrmChange,
  readCrmSync,
  rearmCrmSync,
} from '#store/deals';
import { getLead, getLeadState, getTimeline, writeLead } from '#store/leads';
import type { ClaimedTimer } from '#store/timers';
import { timerLeadId } from '#store/timers';

/**
 * The CRM kept in sync after the hand-off (`Lead Updated`), coalesced per lead: see
 * shared/domain/deals/crm-sync.ts. Two halves: a bus rule notes each change sales cares about (one small
 * update, and only for handed-off leads), and the lead's `crm-sync` timer publishes the current record.
 */

export interface CrmChangeSignal {
  detailType: string;
  leadId: string;
}

/** A change on the bus: arm (or count into) the lead's sync timer. Redelivery only bumps a count. */
export async function noteCrmSync(signal: CrmChangeSignal): Promise<'noted' | 'ignored'> {
  const state = await getLeadState(signal.leadId);
  if (!crmSyncWanted(signal.detailType, state)) return 'ignored';
  const now = clockNow();
  await noteCrmChange(signal.leadId, now, crmSyncDueAt(now, settings.deals));
  return 'noted';
}

export type CrmSyncOutcome = 'published' | 'not_handed_off' | 'superseded' | 'rearmed';

const MAX_ATTEMPTS = 3;
const BUSY_RETRY_MS = 60_000;

/**
 * A due `crm-sync` timer: read the lead as it is now, publish ONE `Lead Updated` with its CRM record, and
 * take the timer off the due index in the same transaction, only if no change was noted meanwhile (then
 * read again) and the lead still exists (an erase that committed after the read must not be followed by the
 * record it had the CRM delete). A lead no longer handed off (erased, never) just loses the timer.
 */
export async function runCrmSyncTimer(timer: ClaimedTimer, now: EpochMs): Promise<CrmSyncOutcome> {
  const leadId = timerLeadId(timer) ?? '';
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const sync = await readCrmSync(leadId);
    if (!sync || sync.claimId !== timer.claimId) return 'superseded';
    const done = crmSyncDoneUpdate(leadId, { claimId: timer.claimId, changes: sync.changes });
    const lead = await getLead(leadId);
    if (!lead?.state.handoff) {
      if ((await writeLead({}, { leadId, extra: [done], at: now })) === 'saved') return 'not_handed_off';
      continue;
    }
    const [deal, recent] = await Promise.all([
      getDeal(leadId),
      getTimeline(leadId, settings.handoff.crm.mapping.summary.maxActivities),
    ]);
    const event = leadUpdatedEvent(
      crmSyncView(lead, deal, settings.deals),
      settings.handoff.crm,
      recent,
      sync.changedSince ?? now,
      now,
    );
    // Only while the lead exists: an erase committed since the read must not be followed by its record.
    const extra = [done, leadStillThere(leadId)];
    if ((await writeLead({}, { leadId, events: [event], extra, at: now })) === 'saved') {
      countMetric('LeadUpdated');
      logger.info('crm sync', { leadId, changes: sync.changes, eventId: event.detail.eventId });
      return 'published';
    }
  }
  // Changes keep arriving while we read: leave it for a moment; the next run carries them all.
  return (await rearmCrmSync(leadId, timer.claimId, now + BUSY_RETRY_MS)) ? 'rearmed' : 'superseded';
}
