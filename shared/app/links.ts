import { randomBytes, randomUUID } from 'node:crypto';
import { signingSecret } from '#adapters/secrets';
import { env } from '#config/env';
import {
  CONFIRM_TOKEN_TTL_MS,
  IDENTITY_TOKEN_TTL_MS,
  openToken,
  SEALED_IV_BYTES,
  type SealedKind,
  type SealedMail,
  sealToken,
  type TokenPurpose,
  verifyToken,
} from '#domain/capture/tokens';
import type { EpochMs } from '#domain/lead/types';

/**
 * Links and tokens: the browser identity a form response returns, the double opt-in link and the one-click
 * unsubscribe link. Every token is sealed (AES-256-GCM, key from the signing secret via HKDF; see
 * `shared/domain/capture/tokens.ts`): opaque to whoever holds it, and a forged one does not open.
 */
const base = env().PUBLIC_BASE_URL;

const seal = (purpose: TokenPurpose, kind: SealedKind, sub: string, exp?: EpochMs, mail?: SealedMail) =>
  sealToken(
    { purpose, kind, sub, ...(exp ? { exp } : {}), ...(mail ? { mail } : {}) },
    signingSecret,
    randomBytes(SEALED_IV_BYTES),
  );

/** The identity token of a lead the post created: tracking may attribute the browser's events to it. */
export function identityToken(leadId: string, now: EpochMs): string {
  return seal('identity', 'lead', leadId, now + IDENTITY_TOKEN_TTL_MS);
}

/**
 * An identity token that names no lead: returned when a post named an address that already had a lead
 * (nothing proves the poster owns it) and to bots. Same shape as `identityToken`; tracking reads it as the
 * visitor's anonymous id (`anonymousIdFromToken`), so it cannot send events to the lead. The id is fresh,
 * or the visitor's own anonymous id when they sent one.
 */
export function unboundIdentityToken(now: EpochMs, anonymousId: string = randomUUID()): string {
  return seal('identity', 'anon', anonymousId, now + IDENTITY_TOKEN_TTL_MS);
}

export function confirmUrl(leadId: string, now: EpochMs): string {
  return `${base}/v1/confirm?t=${seal('confirm', 'lead', leadId, now + CONFIRM_TOKEN_TTL_MS)}`;
}

/**
 * The unsubscribe link of a mail. No expiry: an unsubscribe link in a years-old mail must still work. A step
 * mail's link also names the mail (`mail`: its sequence and step), so an unsubscribe through it is counted
 * under them in the e-mail report; ids too long to seal (config allows none) leave the link unattributed.
 */
export function unsubscribeUrl(leadId: string, mail?: SealedMail): string {
  let token: string;
  try {
    token = seal('unsubscribe', 'lead', leadId, undefined, mail);
  } catch (error) {
    if (!(mail && error instanceof RangeError)) throw error;
    token = seal('unsubscribe', 'lead', leadId);
  }
  return `${base}/v1/unsubscribe?t=${token}`;
}

/**
 * What an unsubscribe token names: the lead, and the step mail it was sent in when the token says (links
 * mailed before tokens named their mail, and legacy v1 links, name the lead alone). Undefined when the token
 * is not a valid unsubscribe token of ours.
 */
export function unsubscribeTarget(
  token: string | undefined,
  now: EpochMs,
): { leadId: string; mail?: SealedMail } | undefined {
  if (!token) return undefined;
  const sealed = openToken(token, 'unsubscribe', signingSecret, now);
  if (sealed.ok) {
    const { kind, sub, mail } = sealed.payload;
    return kind === 'lead' ? { leadId: sub, ...(mail ? { mail } : {}) } : undefined;
  }
  const leadId = leadIdFromToken(token, 'unsubscribe', now);
  return leadId ? { leadId } : undefined;
}

/**
 * The lead id a token names, or undefined when it is not ours, expired, for another purpose, or names no
 * lead (an unbound identity token). Legacy v1 signed tokens are still accepted for `confirm` and
 * `unsubscribe` (links already in inboxes), never for `identity`: v1 identity tokens were handed to whoever
 * posted an address, so they are retired.
 */
export function leadIdFromToken(
  token: string | undefined,
  purpose: TokenPurpose,
  now: EpochMs,
): string | undefined {
  if (!token) return undefined;
  const sealed = openToken(token, purpose, signingSecret, now);
  if (sealed.ok) return sealed.payload.kind === 'lead' ? sealed.payload.sub : undefined;
  if (purpose === 'identity' || !token.includes('.')) return undefined;
  const legacy = verifyToken(token, purpose, signingSecret, now);
  return legacy.ok ? legacy.sub : undefined;
}

/** The anonymous id an unbound identity token stands for (tracking treats the visitor as anonymous). */
export function anonymousIdFromToken(token: string | undefined, now: EpochMs): string | undefined {
  if (!token) return undefined;
  const sealed = openToken(token, 'identity', signingSecret, now);
  return sealed.ok && sealed.payload.kind === 'anon' ? sealed.payload.sub : undefined;
}
