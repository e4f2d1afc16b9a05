/**
 * v1 (legacy, still verified for confirm and unsubscribe links already mailed; no longer issued): signed
 * tokens for links and the browser: the `identity` token a form response returns (the tracking
 * snippet keeps it to attribute later events to the lead), the double-opt-in `confirm` link and the
 * `unsubscribe` link.
 *
 * Format: `base64url(JSON payload) "." base64url(HMAC-SHA256(secret, "v1." + encoded payload))`.
 * The payload is readable by anyone holding the token, so it carries only opaque ids (the lead id is a random
 * id): never the email address. `purpose` is inside the signed payload so a token minted for one use is
 * refused for another. HMAC is deterministic, so this module stays pure; `now` is an argument.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import type { EpochMs } from '#domain/lead/types';

export const TOKEN_PURPOSES = ['identity', 'confirm', 'unsubscribe'] as const;
export type TokenPurpose = (typeof TOKEN_PURPOSES)[number];

export interface TokenPayload {
  purpose: TokenPurpose;
  /** Subject: the lead id. */
  sub: string;
  /** Expiry (epoch ms); absent means the token does not expire (unsubscribe links must keep working). */
  exp?: EpochMs;
  [k: string]: string | number | undefined;
}

export type VerifyResult =
  | { ok: true; sub: string; payload: TokenPayload }
  | { ok: false; reason: 'malformed' | 'bad_signature' | 'expired' | 'wrong_purpose' };

/** Double-opt-in links stay valid for a week. */
export const CONFIRM_TOKEN_TTL_MS = 7 * 24 * 60 * 60 * 1000;
/** Identity tokens live as long as browsers keep a first-party cookie (400 days in Chromium). */
export const IDENTITY_TOKEN_TTL_MS = 400 * 24 * 60 * 60 * 1000;
/** Longer tokens are refused before any decoding: bounds the work an attacker can cause. */
export const MAX_TOKEN_LENGTH = 1024;
/** Secrets shorter than this are refused: HMAC-SHA256 wants at least 256 bits of key. */
export const MIN_SECRET_LENGTH = 32;

const SIGNATURE_BYTES = 32;
const VERSION = 'v1';
const BASE64URL = /^[A-Za-z0-9_-]+$/;

export class TokenSecretError extends Error {
  override readonly name = 'TokenSecretError';
}

function hmac(encodedPayload: string, secret: string): Buffer {
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new TokenSecretError(`token secret must be at least ${MIN_SECRET_LENGTH} characters`);
  }
  return createHmac('sha256', secret).update(`${VERSION}.${encodedPayload}`).digest();
}

export function signToken(payload: TokenPayload, secret: string): string {
  const encoded = Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
  const token = `${encoded}.${hmac(encoded, secret).toString('base64url')}`;
  if (token.length > MAX_TOKEN_LENGTH) {
    throw new RangeError(`token payload too large (${token.length} > ${MAX_TOKEN_LENGTH} characters)`);
  }
  return token;
}

/**
 * Checks a token. The signature is checked before anything in the payload is trusted, so `wrong_purpose` and
 * `expired` are only reported for tokens we issued. Pass several secrets to accept tokens signed with the
 * previous one during a rotation (the first is the current one).
 */
export function verifyToken(
  token: string,
  purpose: TokenPurpose,
  secret: string | readonly string[],
  now: EpochMs,
): VerifyResult {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) return { ok: false, reason: 'malformed' };
  const parts = token.split('.');
  const [encoded, signature] = parts;
  if (
    parts.length !== 2 ||
    !encoded ||
    !signature ||
    !BASE64URL.test(encoded) ||
    !BASE64URL.test(signature)
  ) {
    return { ok: false, reason: 'malformed' };
  }
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== SIGNATURE_BYTES) return { ok: false, reason: 'malformed' };
  const secrets = typeof secret === 'string' ? [secret] : secret;
  // Every secret is tried (no early exit) so timing does not tell which one matched.
  let valid = false;
  for (const s of secrets) valid = timingSafeEqual(hmac(encoded, s), given) || valid;
  if (!valid) return { ok: false, reason: 'bad_signature' };

  const payload = decodePayload(encoded);
  if (payload === null) return { ok: false, reason: 'malformed' };
  if (payload.purpose !== purpose) return { ok: false, reason: 'wrong_purpose' };
  if (payload.exp !== undefined && now >= payload.exp) return { ok: false, reason: 'expired' };
  return { ok: true, sub: payload.sub, payload };
}

function decodePayload(encoded: string): TokenPayload | null {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const record = value as Record<string, unknown>;
  const { purpose, sub, exp } = record;
  if (!(TOKEN_PURPOSES as readonly unknown[]).includes(purpose)) return null;
  if (typeof sub !== 'string' || sub === '') return null;
  if (exp !== undefined && (typeof exp !== 'number' || !Number.isFinite(exp))) return null;
  const isScalar = (v: unknown) => typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v));
  if (!Object.values(record).every(isScalar)) return null;
  return record as TokenPayload;
}

// ---------------------------------------------------------------------------------------------------------
// Sealed (encrypted) tokens, v2

/**
 * v2 tokens are opaque: `base64url(iv ‖ AES-256-GCM(payload) ‖ tag)`, no dot, with the key derived from the
 * signing secret by HKDF-SHA256 (`info` "lead-loop token v2"). GCM authenticates as well as hides, so a
 * forged or altered token fails to open, and nobody holding a token can read what it names: a bot's
 * identity token looks exactly like a person's (same length, same alphabet, no verdict inside).
 *
 * What a token names (`kind`):
 * - `lead`: a lead id (a new lead's identity token, confirm and unsubscribe links);
 * - `anon`: an id that names NO lead: the identity token returned for a submission to an address that
 *   already had a lead (the post proves nothing about who is posting), and for a bot. Tracking treats it as
 *   the visitor's anonymous id, so it cannot be used to send events to somebody else's lead.
 *
 * A token may also name the mail it was sent in (`mail`: sequence and step, the e-mail report's keys): the
 * unsubscribe link of a step mail does, so an unsubscribe through it is counted under that sequence and step.
 *
 * The payload is padded to a fixed size, so tokens of one purpose and shape all have the same length: 96
 * bytes (166 characters), or 224 (336 characters) for a token that names a mail, room for the longest ids
 * config allows (64 characters each). Both sizes open; unsubscribe links mailed before tokens named a mail
 * are the short ones and keep working (unattributed). The IV is an argument (12 random bytes from the
 * caller), which keeps this module pure.
 */
export const SEALED_IV_BYTES = 12;
const SEALED_TAG_BYTES = 16;
const SEALED_PAYLOAD_BYTES = 96;
const SEALED_MAIL_PAYLOAD_BYTES = 224;
const SEALED_AAD = Buffer.from('lead-loop token v2', 'utf8');
export type SealedKind = 'lead' | 'anon';

/** The step mail a token was sent in (sequence and step ids; the template follows from the sequence). */
export interface SealedMail {
  sequenceId: string;
  stepId: string;
}

export interface SealedPayload {
  purpose: TokenPurpose;
  kind: SealedKind;
  sub: string;
  exp?: EpochMs;
  mail?: SealedMail;
}

const sealedLength = (payloadBytes: number): number =>
  Math.ceil(((SEALED_IV_BYTES + payloadBytes + SEALED_TAG_BYTES) * 4) / 3);
const SEALED_LENGTHS = new Set([sealedLength(SEALED_PAYLOAD_BYTES), sealedLength(SEALED_MAIL_PAYLOAD_BYTES)]);

export type OpenResult =
  | { ok: true; payload: SealedPayload }
  | { ok: false; reason: 'malformed' | 'bad_signature' | 'expired' | 'wrong_purpose' };

const derivedKeys = new Map<string, Buffer>();
function sealingKey(secret: string): Buffer {
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new TokenSecretError(`token secret must be at least ${MIN_SECRET_LENGTH} characters`);
  }
  let key = derivedKeys.get(secret);
  if (!key) {
    key = Buffer.from(hkdfSync('sha256', secret, 'lead-loop', 'lead-loop token v2', 32));
    if (derivedKeys.size > 8) derivedKeys.clear();
    derivedKeys.set(secret, key);
  }
  return key;
}

export function sealToken(payload: SealedPayload, secret: string, iv: Uint8Array): string {
  if (iv.length !== SEALED_IV_BYTES) throw new RangeError(`iv must be ${SEALED_IV_BYTES} bytes`);
  const compact = JSON.stringify({
    p: payload.purpose,
    k: payload.kind,
    s: payload.sub,
    e: payload.exp ?? 0,
    ...(payload.mail ? { q: payload.mail.sequenceId, t: payload.mail.stepId } : {}),
  });
  const plain = Buffer.from(compact, 'utf8');
  const size = payload.mail ? SEALED_MAIL_PAYLOAD_BYTES : SEALED_PAYLOAD_BYTES;
  if (plain.length > size) {
    throw new RangeError(`token payload too large (${plain.length} > ${size} bytes)`);
  }
  const padded = Buffer.concat([plain, Buffer.alloc(size - plain.length, 0x20)]);
  const cipher = createCipheriv('aes-256-gcm', sealingKey(secret), iv);
  cipher.setAAD(SEALED_AAD);
  const body = Buffer.concat([cipher.update(padded), cipher.final()]);
  return Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
}

/** Opens a sealed token; several secrets are tried (rotation), the first is the current one. */
export function openToken(
  token: string,
  purpose: TokenPurpose,
  secret: string | readonly string[],
  now: EpochMs,
): OpenResult {
  if (typeof token !== 'string' || !SEALED_LENGTHS.has(token.length) || !BASE64URL.test(token))
    return { ok: false, reason: 'malformed' };
  const raw = Buffer.from(token, 'base64url');
  const iv = raw.subarray(0, SEALED_IV_BYTES);
  const tag = raw.subarray(raw.length - SEALED_TAG_BYTES);
  const body = raw.subarray(SEALED_IV_BYTES, raw.length - SEALED_TAG_BYTES);
  let plain: Buffer | undefined;
  for (const s of typeof secret === 'string' ? [secret] : secret) {
    try {
      const decipher = createDecipheriv('aes-256-gcm', sealingKey(s), iv);
      decipher.setAAD(SEALED_AAD);
      decipher.setAuthTag(tag);
      plain = Buffer.concat([decipher.update(body), decipher.final()]);
      break;
    } catch {
      // not this secret (or forged): try the next
    }
  }
  if (!plain) return { ok: false, reason: 'bad_signature' };
  let value: unknown;
  try {
    value = JSON.parse(plain.toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const { p, k, s, e, q, t } = (value ?? {}) as Record<string, unknown>;
  const named = (v: unknown) => typeof v === 'string' && v !== '';
  if (
    !(TOKEN_PURPOSES as readonly unknown[]).includes(p) ||
    (k !== 'lead' && k !== 'anon') ||
    typeof s !== 'string' ||
    s === '' ||
    typeof e !== 'number' ||
    ((q !== undefined || t !== undefined) && !(named(q) && named(t)))
  )
    return { ok: false, reason: 'malformed' };
  if (p !== purpose) return { ok: false, reason: 'wrong_purpose' };
  if (e !== 0 && now >= e) return { ok: false, reason: 'expired' };
  return {
    ok: true,
    payload: {
      purpose: p as TokenPurpose,
      kind: k,
      sub: s,
      ...(e ? { exp: e } : {}),
      ...(named(q) && named(t) ? { mail: { sequenceId: q as string, stepId: t as string } } : {}),
    },
  };
}
