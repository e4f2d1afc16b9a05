/**
 * Keeping the CRM in sync after the hand-off: which changes sales cares about, when the coalesced update
 * is due, and the `Lead Updated` event that carries the current CRM record. Pure.
 *
 * Coalescing: the first qualifying change after a sync arms the lead's `crm-sync` timer at change time +
 * interval; later changes only count. When the timer runs it reads the lead as it is then and publishes ONE
 * `Lead Updated`; a change noted while it ran re-arms it. So a burst of any size is one update per lead per
 * interval, and two updates are never closer than the interval.
 */

import type { DealRecord, DealsConfig } from '#domain/deals/opportunity';
import { opportunityRef } from '#domain/deals/opportunity';
import type { CrmLeadView, CrmMapping } from '#domain/handoff/crm-mapping';
import { mapLeadToCrm } from '#domain/handoff/crm-mapping';
import { handoffView } from '#domain/handoff/handoff';
import {
  buildDomainEvent,
  type CrmSystem,
  type DetailType,
  type DomainEvent,
  isoAt,
} from '#domain/lead/events';
import type { Lead, LeadState } from '#domain/lead/lead';
import type { EpochMs, TimelineEntry } from '#domain/lead/types';

/** Changes that reach the CRM: stage, owner, temperature (a score crossing a threshold), deal phase, opt-out. */
export const CRM_SYNC_TRIGGERS = [
  'Lead Stage Changed',
  'Lead Assigned',
  'Lead Temperature Changed',
  'Lead Unsubscribed',
  'Opportunity Created',
  'Opportunity Phase Changed',
] as const satisfies readonly DetailType[];

/** Only handed-off leads are in the CRM: before the hand-off a change has nothing to update. */
export function crmSyncWanted(detailType: string, state: Pick<LeadState, 'handoff'> | undefined): boolean {
  return (CRM_SYNC_TRIGGERS as readonly string[]).includes(detailType) && state?.handoff !== undefined;
}

export function crmSyncDueAt(
  changedAt: EpochMs,
  config: Pick<DealsConfig, 'crmSyncIntervalMinutes'>,
): EpochMs {
  return changedAt + config.crmSyncIntervalMinutes * 60_000;
}

/** What the mapper reads about a lead in a deal: the hand-off view plus BANTCH, the latest deal, last activity. */
export function crmSyncView(
  lead: Lead,
  deal: DealRecord | undefined,
  config: Pick<DealsConfig, 'phases'>,
): CrmLeadView {
  const { state } = lead;
  const latest = deal?.opportunities.at(-1);
  const owner = state.handoff?.owner;
  // The hand-off's own view of the lead (scores, stage, attributes, channel, last UTM), without its state.
  const { handoff: _handoff, ...base } = handoffView(lead);
  return {
    ...base,
    ...(owner
      ? {
          owner: {
            ownerId: owner.ownerId,
            name: owner.name,
            email: owner.email,
            ...(owner.crmUserId ? { crmUserId: owner.crmUserId } : {}),
          },
        }
      : {}),
    ...(deal?.bantch ? { bantch: deal.bantch } : {}),
    ...(latest ? { opportunity: opportunityRef(latest, config) } : {}),
    lastActivityAt: state.lastActivityAt,
  };
}

/** The coalesced update: the CRM record as of now; its id is the sync cycle's (first change's) time. */
export function leadUpdatedEvent(
  view: CrmLeadView,
  crm: { system: CrmSystem; mapping: CrmMapping },
  recentActivity: readonly TimelineEntry[],
  changedSince: EpochMs,
  now: EpochMs,
): DomainEvent<'Lead Updated'> {
  return buildDomainEvent('Lead Updated', {
    eventId: `${view.leadId}:updated:${isoAt(changedSince)}`,
    version: 1,
    occurredAt: isoAt(now),
    leadId: view.leadId,
    crm: {
      system: crm.system,
      record: crm.system === 'none' ? {} : mapLeadToCrm(view, crm.mapping, recentActivity),
    },
    stage: view.stage,
    temperature: view.temperature,
    changedSince: isoAt(changedSince),
  });
}
