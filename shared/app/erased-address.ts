import { signingSecret } from '#adapters/secrets';
import { emailKey } from '#domain/capture/email-address';
import { addressHash } from '#domain/privacy/address-hash';
import { isSuppressed, suppressionDelete } from '#store/lead-items-all';
import type { TransactItem } from '#store/leads';

/**
 * The suppression list of erased addresses, for the doors that create leads. The rule (README, "Privacy
 * and retention"): a form post is the person coming back by their own act, so it creates a NEW lead and
 * lifts the suppression in the same transaction (`liftErasedAddress`); an import or an ops/CRM event that
 * names an erased address is refused (`isErasedAddress`), so an old list can never silently re-create them.
 */
export async function isErasedAddress(email: string): Promise<boolean> {
  const key = emailKey(email);
  return key !== null && isSuppressed(addressHash(key, signingSecret));
}

/** The transaction item that lifts the suppression (a no-op when the address was never erased). */
export function liftErasedAddress(normalizedKey: string): TransactItem {
  return suppressionDelete(addressHash(normalizedKey, signingSecret));
}
