import { settings } from '#config/settings';
import {
  type DealRecord,
  type Opportunity,
  openOpportunity,
  opportunityRef,
} from '#domain/deals/opportunity';
import { isoAt, type OpportunityRef } from '#domain/lead/events';

// The views live here, not with the deal action (deal-action.ts), so the lead view does not bundle the
// action's validator and writes.

/** The opportunity as a deal action answers it: as events carry it, plus its state (times as ISO strings). */
export interface OpportunityView extends OpportunityRef {
  status: Opportunity['status'];
  account?: Opportunity['account'];
  contact?: Opportunity['contact'];
  createdAt: string;
  closedAt?: string;
  lostReason?: string;
  competitor?: string;
  phaseHistory: { from: string | null; to: string; at: string }[];
}

export function opportunityView(o: Opportunity): OpportunityView {
  const { opportunityId, ...ref } = opportunityRef(o, settings.deals);
  return {
    opportunityId,
    status: o.status,
    ...ref,
    ...(o.account ? { account: o.account } : {}),
    ...(o.contact ? { contact: o.contact } : {}),
    createdAt: isoAt(o.createdAt),
    ...(o.closedAt === undefined ? {} : { closedAt: isoAt(o.closedAt) }),
    ...(o.lostReason === undefined ? {} : { lostReason: o.lostReason }),
    ...(o.competitor === undefined ? {} : { competitor: o.competitor }),
    phaseHistory: o.phaseHistory.map((h) => ({ from: h.from, to: h.to, at: isoAt(h.at) })),
  };
}

/**
 * The deal as the lead view shows it: BANTCH as kept, the open opportunity (if any) and every opportunity,
 * newest last, with its phase history. Null when nothing was recorded yet.
 */
export function dealSummary(deal: DealRecord | undefined) {
  if (!deal) return null;
  const open = openOpportunity(deal);
  return {
    bantch: deal.bantch ?? null,
    openOpportunity: open ? opportunityView(open) : null,
    opportunities: deal.opportunities.map(opportunityView),
    updatedAt: isoAt(deal.updatedAt),
  };
}
