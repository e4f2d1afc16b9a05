import { createHmac } from 'node:crypto';

/**
 * The one-way fingerprint of an erased address: HMAC-SHA-256 of the normalized e-mail key, with a key
 * derived from the signing secret for this purpose only (so the fingerprint cannot be recomputed without
 * the secret, and a token signature can never collide with it). Pure: the caller passes the secret.
 */
export function addressHash(emailKey: string, signingSecret: string): string {
  return createHmac('sha256', purposeKey(signingSecret, 'leadloop/erasure-suppression/v1'))
    .update(emailKey)
    .digest('base64url');
}

/** A key for one purpose only, derived from the signing secret (so no two uses of the secret can collide). */
const purposeKey = (signingSecret: string, purpose: string): Buffer =>
  createHmac('sha256', signingSecret).update(purpose).digest();

/**
 * The one-way key of a rate-limit subject (an e-mail key, a source IP) for the quota items: HMAC-SHA-256
 * under a key derived from the signing secret for this purpose only, cut to 22 characters. A plain hash of
 * an address or an IPv4 could be recomputed from a guess (every IPv4 in minutes) by anyone who reads the
 * table; this one cannot without the secret.
 */
export function quotaSubjectKey(scope: string, subject: string, signingSecret: string): string {
  return createHmac('sha256', purposeKey(signingSecret, 'leadloop/quota-subject/v1'))
    .update(`${scope}|${subject}`)
    .digest('base64url')
    .slice(0, 22);
}
