import type { ConsentLedgerEntry } from '#domain/capture/consent-ledger';

/**
 * A lead's whole consent history as the lead view shows it (the ledger's entries and its head, the profile's
 * grant), with the entries' ids and epoch times. The store's modules are imported when called: they read the
 * environment the test's runtime sets.
 */
export async function consentHistoryOf(leadId: string): Promise<ConsentLedgerEntry[]> {
  const [{ getConsentEntries }, { consentHistory }, { getLead }] = await Promise.all([
    import('#store/consent-ledger'),
    import('#domain/capture/consent-ledger'),
    import('#store/leads'),
  ]);
  const [entries, lead] = await Promise.all([getConsentEntries(leadId), getLead(leadId)]);
  return consentHistory(entries, lead?.profile.consent);
}
