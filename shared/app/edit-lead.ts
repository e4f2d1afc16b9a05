import { now as clockNow } from '#adapters/clock';
import { countMetric } from '#adapters/metrics';
import { replayOf } from '#app/action-replay';
import { erasedAddressGuard, isErasedAddress } from '#app/erased-address';
import { settings } from '#config/settings';
import { crmSyncDueAt } from '#domain/deals/crm-sync';
import { decideEdit, EDIT_ACTION, type LeadEditRequest, type LeadEditView } from '#domain/lead/edit';
import { crmChangeUpdate } from '#store/deals';
import { readSalesActionRecord, salesActionRecordPut, salesActionRefPut } from '#store/idempotency';
import { emailClaimMove, findLeadIdByEmail, getLead, writeLead } from '#store/leads';
import { CONFLICT, retryOnConflict } from '#store/retry';

export { leadEditGate } from '#domain/lead/edit-gate';

export type EditLeadOutcome =
  | { status: 'applied' | 'replayed' | 'unchanged'; result: LeadEditView }
  | { status: 'not_found' }
  | { status: 'action_id_reused'; message: string }
  /** The new address is another lead's, or was erased on request (only the person may bring it back). */
  | { status: 'email_taken' | 'address_erased'; message: string }
  | { status: 'invalid'; field: string; message: string };

/**
 * Sales edits a lead's details (`POST /v1/ops/leads/{leadId}/attributes`, see `#domain/lead/edit`): in ONE
 * version-checked write, the profile (its company and phone search keys move with it), the state when the
 * fit moved (with its stage and temperature announcements, the report counters and the decay timer), the
 * edit's timeline line, the idempotency record, and, for a lead already handed off, the CRM sync (so the CRM
 * gets the corrected details as `Lead Updated` after the sync interval). A concurrent change (a form post, a
 * tracked event) makes the write fail and the edit decide again on the new lead, so nothing is lost on either
 * side. A corrected address moves the lead's e-mail claim in that write, refused when the address is another
 * lead's or erased (checked before, and held by the write's conditions against a lead created or an erase
 * committed meanwhile). Idempotent on `actionId`: a replay answers the first result.
 */
export async function editLead(
  leadId: string,
  request: LeadEditRequest,
  by: string,
): Promise<EditLeadOutcome> {
  const now = clockNow();
  const action = { actionId: request.actionId, action: EDIT_ACTION };
  return retryOnConflict(`edit ${request.actionId} of lead ${leadId}`, async () => {
    // The lead first, then the record: they commit together, so a concurrent duplicate is either seen here
    // or makes our write fail.
    const lead = await getLead(leadId);
    const replay = replayOf(await readSalesActionRecord<LeadEditView>(request.actionId), leadId, action);
    if (replay) return replay;
    if (!lead) return { status: 'not_found' } as const;
    const decided = decideEdit(lead, request, by, settings.scoring, now);
    if (!decided.ok) return { status: 'invalid', field: decided.field, message: decided.message } as const;
    if (decided.kind === 'unchanged') return { status: 'unchanged', result: decided.view } as const;
    const move = decided.emailChange;
    if (move) {
      const owner = await findLeadIdByEmail(move.toKey);
      if (owner !== undefined && owner !== leadId) {
        return { status: 'email_taken', message: 'another lead has this e-mail address' } as const;
      }
      if (await isErasedAddress(decided.profile.email)) {
        return {
          status: 'address_erased',
          message: 'this address was erased on request; only the person can bring it back (a form post)',
        } as const;
      }
    }
    const claim = move
      ? [...emailClaimMove(leadId, move.fromKey, move.toKey, now), await erasedAddressGuard(move.toKey)]
      : [];
    const saved = await writeLead(
      { profile: lead.profile.version, state: lead.state.version },
      {
        previous: lead,
        profile: decided.profile,
        ...(decided.state ? { state: decided.state } : {}),
        timeline: [{ ...decided.entry, baseVersion: lead.state.version, recordedAt: now }],
        events: decided.events,
        ...(decided.decay !== undefined ? { decayTimerAt: decided.decay } : {}),
        extra: [
          salesActionRecordPut(request.actionId, { leadId, ...action, result: decided.view }, now),
          salesActionRefPut(leadId, request.actionId, now),
          ...(lead.state.handoff ? [crmChangeUpdate(leadId, now, crmSyncDueAt(now, settings.deals))] : []),
          ...claim,
        ],
        at: now,
      },
    );
    if (saved !== 'saved') return CONFLICT;
    countMetric('LeadEdited', {});
    return { status: 'applied', result: decided.view } as const;
  });
}
