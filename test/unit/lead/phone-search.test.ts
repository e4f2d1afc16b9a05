import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  PHONE_DIGITS_MAX,
  PHONE_SEARCH_MIN_DIGITS,
  phoneSearchDigits,
  reversedDigits,
} from '#domain/lead/phone-search';
import { phoneIndexKeys } from '#store/lead-items';

const FULL_WIDTH = (s: string) =>
  s.replace(/[0-9()+-]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));

describe('phone search digits', () => {
  it('given the ways one Tokyo number is written (hyphens, brackets, full width, spaces, +81 with or without the trunk 0, 0081, an extension), then they share one key, in national form', () => {
    const forms = [
      '03-1234-5678',
      '03(1234)5678',
      '(03) 1234-5678',
      '０３－１２３４－５６７８',
      '０３（１２３４）５６７８',
      '03 1234 5678',
      '03.1234.5678',
      '+81-3-1234-5678',
      '+81 (0)3 1234 5678',
      '＋８１ ３ １２３４ ５６７８',
      '0081 3 1234 5678',
      '03-1234-5678 内線 123',
      '03-1234-5678（内線123）',
      '03-1234-5678 ext. 45',
      '03-1234-5678 x45',
      '0312345678',
    ];
    expect(new Set(forms.map(phoneSearchDigits))).toEqual(new Set(['0312345678']));
  });

  it('given a mobile, a toll-free and a foreign number, then a mobile and toll-free keep their national form and a foreign one its country code (never starting with 0, so it never meets a national number)', () => {
    expect(phoneSearchDigits('090-1234-5678')).toBe('09012345678');
    expect(phoneSearchDigits('+81 90 1234 5678')).toBe('09012345678');
    expect(phoneSearchDigits('0120-123-456')).toBe('0120123456');
    expect(phoneSearchDigits('+81 120 123 456')).toBe('0120123456');
    expect(phoneSearchDigits('+1 (415) 555-0100')).toBe('14155550100');
    expect(phoneSearchDigits('+44 20 7946 0958')).toBe('442079460958');
  });

  it('given fewer than four digits, no digits, or a run longer than a phone number, then nothing to search', () => {
    for (const written of ['', '123', '不明', '―', '3-12', '1234567890123456'])
      expect(phoneSearchDigits(written), written).toBeUndefined();
    expect(phoneSearchDigits('5678')).toBe('5678');
  });

  it('given any national number and any of its writings, then the key is its digits, a search of any of its last 4+ digits is a prefix of its reversed key in the same partition, and a search that is not its suffix is not', () => {
    const digit = fc.constantFrom(...'0123456789');
    // A national number: 0, a digit other than 0 (00… is an international prefix), 8 or 9 more digits.
    const national = fc
      .tuple(fc.constantFrom(...'123456789'), fc.array(digit, { minLength: 8, maxLength: 9 }))
      .map(([first, rest]) => `0${first}${rest.join('')}`);
    const writing = fc.constantFrom<(d: string) => string>(
      (d) => d,
      (d) => `${d.slice(0, 3)}-${d.slice(3, 6)}-${d.slice(6)}`,
      (d) => FULL_WIDTH(`${d.slice(0, 2)}(${d.slice(2, 6)})${d.slice(6)}`),
      (d) => `+81 ${d.slice(1, 3)} ${d.slice(3)}`,
      (d) => `+81 (0)${d.slice(1)}`,
      (d) => `${d} 内線 12`,
    );
    fc.assert(
      fc.property(
        national,
        writing,
        fc.nat(),
        fc.array(digit, { minLength: 4, maxLength: 8 }),
        (d, write, n, other) => {
          const key = phoneSearchDigits(write(d));
          expect(key).toBe(d);
          const suffix = d.slice(-(PHONE_SEARCH_MIN_DIGITS + (n % (d.length - PHONE_SEARCH_MIN_DIGITS + 1))));
          const search = phoneSearchDigits(suffix) ?? '';
          // The stored number's index keys and the search's: same partition, the search's key a prefix.
          const stored = phoneIndexKeys(d);
          const searched = phoneIndexKeys(search);
          expect(stored.phoneKey.startsWith(searched.phoneKey)).toBe(true);
          expect(searched.phoneTail).toBe(stored.phoneTail);
          const typed = other.join('');
          expect(reversedDigits(d).startsWith(reversedDigits(typed))).toBe(d.endsWith(typed));
        },
      ),
      { numRuns: 1_000 },
    );
  });

  it('given any string, then the key, when there is one, is 4 to 15 ASCII digits', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (s) => {
        const key = phoneSearchDigits(s);
        if (key !== undefined) {
          expect(key).toMatch(/^[0-9]+$/);
          expect(key.length).toBeGreaterThanOrEqual(PHONE_SEARCH_MIN_DIGITS);
          expect(key.length).toBeLessThanOrEqual(PHONE_DIGITS_MAX);
        }
      }),
      { numRuns: 1_000 },
    );
  });
});
