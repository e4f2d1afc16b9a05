/**
 * Mail headers we build ourselves: RFC 8058 one-click unsubscribe, and From display names.
 * Every value is checked for CR/LF so lead-supplied text can never inject a header.
 */

export interface MailHeader {
  name: string;
  value: string;
}

export class HeaderInjectionError extends Error {
  override name = 'HeaderInjectionError';
}

export class InvalidHeaderError extends Error {
  override name = 'InvalidHeaderError';
}

/** Line breaks (and NUL) end a header line in SMTP; a value containing one could add headers. */
const LINE_BREAKS = /[\r\n\u2028\u2029]|\0/;

/** Returns `value` unchanged, or throws HeaderInjectionError when it contains a line break. */
export function assertHeaderValue(name: string, value: string): string {
  if (LINE_BREAKS.test(value)) throw new HeaderInjectionError(`header ${name} must not contain CR/LF`);
  return value;
}

function header(name: string, value: string): MailHeader {
  if (!/^[\x21-\x39\x3b-\x7e]+$/.test(name)) throw new InvalidHeaderError(`invalid header name "${name}"`);
  return { name, value: assertHeaderValue(name, value) };
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * The unsubscribe URL as it goes between angle brackets. RFC 8058 requires HTTPS; plain http is
 * accepted only for loopback hosts, which the local runtime uses.
 */
function unsubscribeUri(unsubscribeUrl: string): string {
  assertHeaderValue('List-Unsubscribe', unsubscribeUrl);
  if (!URL.canParse(unsubscribeUrl)) throw new InvalidHeaderError('List-Unsubscribe needs an absolute URL');
  const url = new URL(unsubscribeUrl);
  const secure = url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
  if (!secure) throw new InvalidHeaderError('List-Unsubscribe URL must be https (RFC 8058)');
  // URL serialization percent-encodes spaces, quotes and angle brackets; a comma would split the list.
  return url.href.replaceAll(',', '%2C');
}

/**
 * RFC 8058 one-click unsubscribe headers: `List-Unsubscribe: <https://…>[, <mailto:…>]` and
 * `List-Unsubscribe-Post: List-Unsubscribe=One-Click`. The URL must take a POST with that body
 * and unsubscribe without further interaction.
 */
export function buildListUnsubscribeHeaders(unsubscribeUrl: string, mailto?: string): MailHeader[] {
  const uris = [`<${unsubscribeUri(unsubscribeUrl)}>`];
  if (mailto !== undefined) {
    assertHeaderValue('List-Unsubscribe', mailto);
    if (!/^[^\s<>,@]+@[^\s<>,@]+$/.test(mailto))
      throw new InvalidHeaderError('invalid unsubscribe mailto address');
    uris.push(`<mailto:${mailto}?subject=unsubscribe>`);
  }
  return [
    header('List-Unsubscribe', uris.join(', ')),
    header('List-Unsubscribe-Post', 'List-Unsubscribe=One-Click'),
  ];
}

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

/** Longest encoded-word allowed by RFC 2047 (75), minus "=?UTF-8?B?" and "?=" leaves 63 base64 chars. */
const MAX_ENCODED_BYTES = 45;

/**
 * A display name ready for a From/Reply-To header. Printable ASCII becomes a quoted string when it
 * has specials; anything else (e.g. 「株式会社サンプル」) becomes RFC 2047 encoded-words
 * (`=?UTF-8?B?…?=`), split on character boundaries so no word exceeds 75 characters.
 */
export function encodeHeaderDisplayName(name: string): string {
  assertHeaderValue('display name', name);
  const trimmed = name.trim();
  if (/^[\x20-\x7e]*$/.test(trimmed)) {
    if (/^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~ ]*$/.test(trimmed)) return trimmed;
    return `"${trimmed.replace(/(["\\])/g, '\\$1')}"`;
  }
  const encoder = new TextEncoder();
  const words: string[] = [];
  let chunk = '';
  for (const ch of trimmed) {
    if (encoder.encode(chunk + ch).length > MAX_ENCODED_BYTES) {
      words.push(chunk);
      chunk = '';
    }
    chunk += ch;
  }
  if (chunk) words.push(chunk);
  return words.map((w) => `=?UTF-8?B?${toBase64(encoder.encode(w))}?=`).join(' ');
}

/** `Display Name <address>` for From / Reply-To, with the name encoded when needed. */
export function formatAddress(address: string, displayName?: string): string {
  assertHeaderValue('address', address);
  if (!/^[^\s<>",@]+@[^\s<>",@]+$/.test(address)) throw new InvalidHeaderError('invalid email address');
  if (!displayName?.trim()) return address;
  return `${encodeHeaderDisplayName(displayName)} <${address}>`;
}
