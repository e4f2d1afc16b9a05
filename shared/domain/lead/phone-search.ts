/**
 * Phone-number search: a lead found by the number a rep types, or the caller's number a phone system (CTI)
 * passes on an incoming call, however either was written. 「03-1234-5678」, 「03(1234)5678」, 「０３－１２３４－５６７８」,
 * `+81 3-1234-5678` and `+81 (0)3 1234 5678` are one number; so are `090-1234-5678` and `+81 90 1234 5678`.
 * The last digits alone (「5678」, 「1234-5678」 without the area code) find it too, since a rep often has no
 * more than that, and a company's main line (代表電話) finds every lead who gave it.
 *
 * The search digits of a number: NFKC (full-width digits and signs to ASCII), an extension set aside (内線 12,
 * ext. 12, x12), then its digits, in the national form of Japan when it is written in international form
 * (`+81`, or `0081` before a whole number; a trunk `(0)` taken as written): 0312345678. Any other
 * international number keeps its country code without the `+` (14155550100); a national number always starts
 * with 0 and a country code never does, so the two forms never meet. A search matches the numbers that END
 * with its digits. Pure.
 */

/** A search gives at least this many digits (and a stored number with fewer is not searchable). */
export const PHONE_SEARCH_MIN_DIGITS = 4;

/** At most this many digits: E.164 allows 15; a longer run of digits is not one phone number. */
export const PHONE_DIGITS_MAX = 15;

/**
 * An extension written after the number, bracketed or not (after NFKC): 内線 12, (内線12), ext. 12, x 12, # 12.
 * 内線 as \u escapes, so a bundle stays ASCII (see "pure ASCII" in test/infra/bundling.test.ts).
 */
const EXTENSION = /\(?\s*(?:\u5185\u7dda|ext\.?|extension|x|#)\s*[:.]?\s*\d+\s*\)?\s*$/iu;

/**
 * The search digits of a phone number as written (a profile's `phone`, or what a rep typed), or undefined when
 * it holds fewer than `PHONE_SEARCH_MIN_DIGITS` or more than `PHONE_DIGITS_MAX` digits.
 */
export function phoneSearchDigits(written: string): string | undefined {
  const text = written.normalize('NFKC').replace(EXTENSION, '').trim();
  let digits = text.replace(/\D/g, '');
  // International form: `+…`, or Japan's own number dialled from abroad (0081 and at least 8 digits more); any
  // other leading 00 is left as typed, since a search of a number's last digits may well start with 00.
  const international = text.startsWith('+') ? digits : /^0081\d{8}/.test(digits) ? digits.slice(2) : null;
  if (international !== null) {
    // Japan's own numbers in national form: +81 3… and +81 (0)3… are 03…
    digits = international.startsWith('81') ? `0${international.slice(2).replace(/^0/, '')}` : international;
  }
  return digits.length >= PHONE_SEARCH_MIN_DIGITS && digits.length <= PHONE_DIGITS_MAX ? digits : undefined;
}

/**
 * The index sort key of a number's search digits: reversed, so the numbers that end with a search's digits are
 * the keys that begin with the reversed search (one `begins_with` query).
 */
export const reversedDigits = (digits: string): string => Array.from(digits).reverse().join('');
