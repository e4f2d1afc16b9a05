import { signingSecret } from '#adapters/secrets';
import { emailKey } from '#domain/capture/email-address';
import { addressHash } from '#domain/privacy/address-hash';
import { isSuppressed, suppressionAbsent, suppressionDelete } from '#store/lead-items-all';
import type { TransactItem } from '#store/leads';

/**
 * The suppression list of erased addresses, for the doors that create leads. The rule (README, "Privacy
 * and retention"): a form post is the person coming back by their own act, so it creates a NEW lead and
 * lifts the suppression in the same transaction (`liftErasedAddress`); an import or an ops/CRM event that
 * names an erased address is refused (`isErasedAddress`), so an old list can never silently re-create them.
 * The read is the cheap early answer; the refusal that holds against a racing erase is `erasedAddressGuard`,
 * in the transaction that would create the lead.
 */
export async function isErasedAddress(email: string): Promise<boolean> {
  const key = emailKey(email);
  return key !== null && isSuppressed(addressHash(key, signingSecret));
}

/**
 * The transaction items that lift the suppression: a delete when the address is on the list, nothing when it
 * is not. Read first (strongly consistent, 1 RRU) rather than always deleting in the transaction (an
 * unconditional transactional delete bills 2 WRU even when there is nothing to delete). No race is lost: a
 * new lead is created only while the address has no lead, and an erase writes the suppression in the same
 * transaction that removes the address's lead index, so it was either on the list when read or is not erased.
 */
export async function liftErasedAddress(normalizedKey: string): Promise<TransactItem[]> {
  const hash = addressHash(normalizedKey, signingSecret);
  return (await isSuppressed(hash)) ? [suppressionDelete(hash)] : [];
}

/**
 * The condition an ops entry's creating transaction carries: the address is not on the list. An erase that
 * commits between `isErasedAddress` and that transaction (it removes the lead and its e-mail claim, so the
 * entry goes on to create a new lead) makes the transaction fail on this check, and the entry is refused as
 * erased instead of re-creating the person. (An entry that updates an existing lead needs no check: its write
 * is conditioned on the versions of the profile and state it read, which an erase deletes, so it goes round
 * and meets this check on the create path.)
 */
export function erasedAddressGuard(normalizedKey: string): TransactItem {
  return suppressionAbsent(addressHash(normalizedKey, signingSecret));
}
