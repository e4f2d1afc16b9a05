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

/**
 * The one-way key of a rate-limit subject (an e-mail key, a source IP) for the quota items: HMAC-SHA-256
 * under a key derived from the signing secret for this purpose only, cut to 22 characters. A plain hash of
 * an address or an IPv4 could be recomputed from a guess (every IPv4 in minutes) by anyone who reads the
 * table; this one cannot without the secret.
 */
export function quotaSubjectKey(scope: string, subject: string, signingSecret: string): string {
  const key = createHmac('sha256', signingSecret).update('leadloop/quota-subject/v1').digest();
  return createHmac('sha256', key).update(`${scope}|${subject}`).digest('base64url').slice(0, 22);
}
