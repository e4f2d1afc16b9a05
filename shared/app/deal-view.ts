import { opportunityView } from '#app/deal-action';
import { type DealRecord, openOpportunity } from '#domain/deals/opportunity';
import { isoAt } from '#domain/lead/events';

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
