import { signingSecret } from '#adapters/secrets';
import { emailKey } from '#domain/capture/email-address';
import type { SubmissionFacts } from '#domain/capture/submission';
import type { LeadProfile } from '#domain/lead/lead';
import { addressHash } from '#domain/privacy/address-hash';
import { isSuppressed, suppressionAbsent, suppressionDelete } from '#store/lead-items-all';
import type { TransactItem } from '#store/leads';

/**
 * The suppression list of erased addresses, for the doors that create leads. The rule (README, "Privacy
 * and retention"): the person coming back by their own act brings the address back; an import or an
 * ops/CRM event that names an erased address is refused (`isErasedAddress`), so an old list can never
 * silently re-create them.
 *
 * What counts as the person's own act: a post on a form WITHOUT double opt-in creates a new lead and lifts
 * the suppression in the same transaction. A post on a double opt-in form proves nothing (anyone can type
 * anyone's address): it creates the lead, pending, marked `erasedAddressHeld`, and the suppression stays,
 * so the ops doors still refuse the address and the lead gets nothing but the confirmation request. The
 * suppression is lifted in the write that confirms the link (`liftHeldAddress`), or by a later post of
 * the address on a form without double opt-in. A lead never confirmed keeps the address suppressed.
 *
 * The read is the cheap early answer for ops entries; the refusal that holds against a racing erase is
 * `erasedAddressGuard`, in the transaction that would create the lead.
 */
export async function isErasedAddress(email: string): Promise<boolean> {
  const key = emailKey(email);
  return key !== null && isSuppressed(addressHash(key, await signingSecret()));
}

/** Is this submission the person's own act that lifts a suppression at once (no confirmation needed)? */
export const liftsAtPost = (facts: Pick<SubmissionFacts, 'byOps' | 'form'>): boolean =>
  !facts.byOps && !facts.form.doubleOptIn;

/**
 * What a new lead's submissions do to its address's suppression: `lift`, the transaction items that delete
 * it (a post without double opt-in); `held`, the lead keeps it until confirmation (only posts on double
 * opt-in forms); neither when the address is not on the list or only ops entered it.
 *
 * The list is read first (strongly consistent, 1 RRU) rather than always deleting in the transaction (an
 * unconditional transactional delete bills 2 WRU even when there is nothing to delete). No race is lost: a
 * new lead is created only while the address has no lead, and an erase writes the suppression in the same
 * transaction that removes the address's lead index, so it was either on the list when read or is not erased.
 */
export async function erasedAddressAtCreate(
  normalizedKey: string,
  batch: readonly Pick<SubmissionFacts, 'byOps' | 'form'>[],
): Promise<{ lift: TransactItem[]; held: boolean }> {
  if (batch.every((facts) => facts.byOps)) return { lift: [], held: false };
  const hash = addressHash(normalizedKey, await signingSecret());
  if (!(await isSuppressed(hash))) return { lift: [], held: false };
  return batch.some(liftsAtPost)
    ? { lift: [suppressionDelete(hash)], held: false }
    : { lift: [], held: true };
}

/**
 * The write that proves the address of a lead whose suppression was held (the double opt-in confirmation,
 * or a post on a form without it): the profile without the mark, and the suppression's delete to commit in
 * the same transaction. The lead's version condition orders it with an erase of the same lead (which puts
 * the suppression back). Null when the lead holds nothing. `secret`: the signing key, awaited by the caller
 * before its read-decide-write (`signingSecret()`), since the decision is synchronous.
 */
export function liftHeldAddress(
  profile: LeadProfile,
  secret: string,
): { profile: LeadProfile; lift: TransactItem[] } | null {
  if (!profile.erasedAddressHeld) return null;
  const { erasedAddressHeld: _lifted, ...rest } = profile;
  return { profile: rest, lift: [suppressionDelete(addressHash(profile.emailKey, secret))] };
}

/**
 * The condition an ops entry's creating transaction carries: the address is not on the list. An erase that
 * commits between `isErasedAddress` and that transaction (it removes the lead and its e-mail claim, so the
 * entry goes on to create a new lead) makes the transaction fail on this check, and the entry is refused as
 * erased instead of re-creating the person. (An entry that updates an existing lead needs no check: its write
 * is conditioned on the versions of the profile and state it read, which an erase deletes, so it goes round
 * and meets this check on the create path.)
 */
export async function erasedAddressGuard(normalizedKey: string): Promise<TransactItem> {
  return suppressionAbsent(addressHash(normalizedKey, await signingSecret()));
}
