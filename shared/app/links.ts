import { signingSecret } from '#adapters/secrets';
import { env } from '#config/env';
import {
  CONFIRM_TOKEN_TTL_MS,
  IDENTITY_TOKEN_TTL_MS,
  signToken,
  type TokenPurpose,
  verifyToken,
} from '#domain/capture/tokens';
import type { EpochMs } from '#domain/lead/types';

/**
 * Signed links and tokens: the browser identity a form response returns, the double opt-in link and the
 * one-click unsubscribe link. Tokens carry only the opaque lead id; the signature proves we issued them.
 */
const base = env().PUBLIC_BASE_URL;

export function identityToken(leadId: string, now: EpochMs): string {
  return signToken({ purpose: 'identity', sub: leadId, exp: now + IDENTITY_TOKEN_TTL_MS }, signingSecret);
}

export function confirmUrl(leadId: string, now: EpochMs): string {
  return `${base}/v1/confirm?t=${signToken({ purpose: 'confirm', sub: leadId, exp: now + CONFIRM_TOKEN_TTL_MS }, signingSecret)}`;
}

/** No expiry: an unsubscribe link in a years-old mail must still work. */
export function unsubscribeUrl(leadId: string): string {
  return `${base}/v1/unsubscribe?t=${signToken({ purpose: 'unsubscribe', sub: leadId }, signingSecret)}`;
}

/** The lead id a token names, or undefined when it is not ours, expired, or for another purpose. */
export function leadIdFromToken(
  token: string | undefined,
  purpose: TokenPurpose,
  now: EpochMs,
): string | undefined {
  if (!token) return undefined;
  const result = verifyToken(token, purpose, signingSecret, now);
  return result.ok ? result.sub : undefined;
}
