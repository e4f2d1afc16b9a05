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
 * `shared/domain/capture/tokens.ts`): opaque to whoever holds it, and a forged one does not open. Each one
 * awaits the signing key (`#adapters/secrets`): when it cannot be read, they reject with the store's error.
 */
const base = env().PUBLIC_BASE_URL;

const seal = async (
  purpose: TokenPurpose,
  kind: SealedKind,
  sub: string,
  exp?: EpochMs,
  mail?: SealedMail,
): Promise<string> =>
  sealToken(
    { purpose, kind, sub, ...(exp ? { exp } : {}), ...(mail ? { mail } : {}) },
    await signingSecret(),
    randomBytes(SEALED_IV_BYTES),
  );

/** The identity token of a lead the post created: tracking may attribute the browser's events to it. */
export function identityToken(leadId: string, now: EpochMs): Promise<string> {
  return seal('identity', 'lead', leadId, now + IDENTITY_TOKEN_TTL_MS);
}

/**
 * An identity token that names no lead: returned when a post named an address that already had a lead
 * (nothing proves the poster owns it) and to bots. Same shape as `identityToken`; tracking reads it as the
 * visitor's anonymous id (`anonymousIdFromToken`), so it cannot send events to the lead. The id is fresh,
 * or the visitor's own anonymous id when they sent one.
 */
export function unboundIdentityToken(now: EpochMs, anonymousId: string = randomUUID()): Promise<string> {
  return seal('identity', 'anon', anonymousId, now + IDENTITY_TOKEN_TTL_MS);
}

export async function confirmUrl(leadId: string, now: EpochMs): Promise<string> {
  return `${base}/v1/confirm?t=${await seal('confirm', 'lead', leadId, now + CONFIRM_TOKEN_TTL_MS)}`;
}

/**
 * The unsubscribe link of a mail. No expiry: an unsubscribe link in a years-old mail must still work. A step
 * mail's link also names the mail (`mail`: its sequence and step), so an unsubscribe through it is counted
 * under them in the e-mail report; ids too long to seal (config allows none) leave the link unattributed.
 */
export async function unsubscribeUrl(leadId: string, mail?: SealedMail): Promise<string> {
  let token: string;
  try {
    token = await seal('unsubscribe', 'lead', leadId, undefined, mail);
  } catch (error) {
    if (!(mail && error instanceof RangeError)) throw error;
    token = await seal('unsubscribe', 'lead', leadId);
  }
  return `${base}/v1/unsubscribe?t=${token}`;
}

/**
 * What an unsubscribe token names: the lead, and the step mail it was sent in when the token says (links
 * mailed before tokens named their mail, and legacy v1 links, name the lead alone). Undefined when the token
 * is not a valid unsubscribe token of ours.
 */
export async function unsubscribeTarget(
  token: string | undefined,
  now: EpochMs,
): Promise<{ leadId: string; mail?: SealedMail } | undefined> {
  if (!token) return undefined;
  const sealed = openToken(token, 'unsubscribe', await signingSecret(), now);
  if (sealed.ok) {
    const { kind, sub, mail } = sealed.payload;
    return kind === 'lead' ? { leadId: sub, ...(mail ? { mail } : {}) } : undefined;
  }
  const leadId = await leadIdFromToken(token, 'unsubscribe', now);
  return leadId ? { leadId } : undefined;
}

/**
 * The lead id a token names, or undefined when it is not ours, expired, for another purpose, or names no
 * lead (an unbound identity token). Legacy v1 signed tokens are still accepted for `confirm` and
 * `unsubscribe` (links already in inboxes), never for `identity`: v1 identity tokens were handed to whoever
 * posted an address, so they are retired.
 */
export async function leadIdFromToken(
  token: string | undefined,
  purpose: TokenPurpose,
  now: EpochMs,
): Promise<string | undefined> {
  if (!token) return undefined;
  const secret = await signingSecret();
  const sealed = openToken(token, purpose, secret, now);
  if (sealed.ok) return sealed.payload.kind === 'lead' ? sealed.payload.sub : undefined;
  if (purpose === 'identity' || !token.includes('.')) return undefined;
  const legacy = verifyToken(token, purpose, secret, now);
  return legacy.ok ? legacy.sub : undefined;
}

/** The anonymous id an unbound identity token stands for (tracking treats the visitor as anonymous). */
export async function anonymousIdFromToken(
  token: string | undefined,
  now: EpochMs,
): Promise<string | undefined> {
  if (!token) return undefined;
  const sealed = openToken(token, 'identity', await signingSecret(), now);
  return sealed.ok && sealed.payload.kind === 'anon' ? sealed.payload.sub : undefined;
}
