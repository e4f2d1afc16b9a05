import { createHmac } from 'node:crypto';

/**
 * The one-way fingerprint of an erased address: HMAC-SHA-256 of the normalized e-mail key, with a key
 * derived from the signing secret for this purpose only (so the fingerprint cannot be recomputed without
 * the secret, and a token signature can never collide with it). Pure: the caller passes the secret.
 */
export function addressHash(emailKey: string, signingSecret: string): string {
  const key = createHmac('sha256', signingSecret).update('leadloop/erasure-suppression/v1').digest();
  return createHmac('sha256', key).update(emailKey).digest('base64url');
}
