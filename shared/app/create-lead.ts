import { randomUUID } from 'node:crypto';
import { now as clock } from '#adapters/clock';
import { countMetric } from '#adapters/metrics';
import { upsertLead } from '#app/capture-upsert';
import { isErasedAddress } from '#app/erased-address';
import { type EntryOrigin, entryFacts, type LeadEntry, leadEntrySchema } from '#domain/capture/manual-entry';
import type { EpochMs } from '#domain/lead/types';

/** The body of `POST /v1/ops/leads` (exported for the handler and the OpenAPI document). */
export const createLeadRequestSchema = leadEntrySchema;
export type { LeadEntry };

export type EntryOutcome =
  | { kind: 'created'; leadId: string }
  | { kind: 'updated'; leadId: string }
  /** This entry (an import row) is already on the lead: nothing changed. */
  | { kind: 'unchanged'; leadId: string }
  /** The address was erased on request: refused, nothing stored. */
  | { kind: 'erased' };

/**
 * One lead entered by ops (manual entry or one import row) through capture's write path (`upsertLead`):
 * de-duplicated on the normalized e-mail, an existing lead updated with a timeline entry, consent recorded
 * per `consentBasis`, `Lead Captured` in the outbox. An erased address is refused (the suppression list is
 * lifted only by the person's own form post, see `#app/erased-address`).
 */
export async function enterLead(entry: LeadEntry, origin: EntryOrigin, now: EpochMs): Promise<EntryOutcome> {
  if (await isErasedAddress(entry.email)) return { kind: 'erased' };
  const { lead, created, replayed } = await upsertLead(entryFacts(entry, origin, now));
  const leadId = lead.profile.leadId;
  if (created) return { kind: 'created', leadId };
  return replayed ? { kind: 'unchanged', leadId } : { kind: 'updated', leadId };
}

/** `POST /v1/ops/leads`: a lead typed in by sales (201 created, 200 updated, 409 erased). */
export async function createLeadManually(entry: LeadEntry): Promise<EntryOutcome> {
  const outcome = await enterLead(entry, { kind: 'manual', entryId: randomUUID() }, clock());
  if (outcome.kind !== 'erased') countMetric('LeadEntered', { channel: entry.channel });
  return outcome;
}
