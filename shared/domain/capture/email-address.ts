/**
 * Email address normalization: one display form we send to, one key we de-duplicate leads by.
 *
 * - NFKC first, because Japanese IMEs often produce full-width input (`ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ`).
 * - The domain is lower-cased and converted to ASCII (IDN → punycode, `例え.jp` → `xn--r8jz45g.jp`),
 *   since that is what SES and DNS take. The local part keeps its case in the display form (RFC 5321 says
 *   it may be case-sensitive) but the key lower-cases everything: in practice no provider distinguishes
 *   case, and two leads for `Taro@` and `taro@` would be a worse failure.
 * - Syntax is deliberately "sane", not full RFC 5322: no quoted local parts or comments. Dots are accepted
 *   anywhere after the first character because legacy Japanese mobile addresses (`taro..yamada.@docomo.ne.jp`)
 *   still exist; whether they can be delivered to is the mailer's call.
 */
import { domainToASCII } from 'node:url';

export const EMAIL_ERRORS = [
  'empty',
  'too_long',
  'invalid_characters',
  'missing_at',
  'invalid_local_part',
  'invalid_domain',
] as const;
export type EmailError = (typeof EMAIL_ERRORS)[number];

export type NormalizedEmail = { ok: true; email: string; key: string } | { ok: false; error: EmailError };

export const MAX_EMAIL_LENGTH = 254;
const MAX_LOCAL_LENGTH = 64;
/** Longest input worth looking at; anything longer cannot become a valid address after NFKC. */
const MAX_INPUT_LENGTH = 1024;

/** RFC 5322 atext plus dots (see the note above about dots). */
const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-][A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]*$/;
const DOMAIN_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
/** Whitespace or control characters anywhere (CR/LF would allow header injection). */
const FORBIDDEN = /[\s\p{Cc}\p{Cf}]/u;

export function normalizeEmail(input: string): NormalizedEmail {
  if (input.length > MAX_INPUT_LENGTH) return { ok: false, error: 'too_long' };
  const value = input.normalize('NFKC').trim();
  if (value === '') return { ok: false, error: 'empty' };
  if (FORBIDDEN.test(value)) return { ok: false, error: 'invalid_characters' };
  const at = value.lastIndexOf('@');
  if (at === -1) return { ok: false, error: 'missing_at' };
  const local = value.slice(0, at);
  const domainInput = value.slice(at + 1);
  if (local.length === 0 || local.length > MAX_LOCAL_LENGTH || !LOCAL_PART.test(local)) {
    return { ok: false, error: 'invalid_local_part' };
  }
  const domain = toAsciiDomain(domainInput);
  if (domain === null) return { ok: false, error: 'invalid_domain' };
  const email = `${local}@${domain}`;
  if (email.length > MAX_EMAIL_LENGTH) return { ok: false, error: 'too_long' };
  return { ok: true, email, key: email.toLowerCase() };
}

/** Lower-cased ASCII (punycode) domain with at least one dot, or null when it is not a usable host name. */
function toAsciiDomain(input: string): string | null {
  if (input === '' || input.endsWith('.') || input.startsWith('[')) return null;
  // domainToASCII applies UTS #46: case folding, 。→ ., punycode; it returns '' for invalid names.
  const ascii = domainToASCII(input.toLowerCase());
  if (ascii === '' || ascii.length > 253) return null;
  const labels = ascii.split('.');
  if (labels.length < 2 || !labels.every((label) => DOMAIN_LABEL.test(label))) return null;
  const tld = labels[labels.length - 1] ?? '';
  // A numeric TLD means an IP address literal, not a mailbox domain.
  if (!/^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/.test(tld)) return null;
  return ascii;
}

/** The de-duplication key for an address, or null when it is not a valid address. */
export function emailKey(input: string): string | null {
  const result = normalizeEmail(input);
  return result.ok ? result.key : null;
}
