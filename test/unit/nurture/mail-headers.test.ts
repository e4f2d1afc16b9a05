import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  assertHeaderValue,
  buildListUnsubscribeHeaders,
  encodeHeaderDisplayName,
  formatAddress,
  HeaderInjectionError,
  InvalidHeaderError,
} from '#domain/nurture/mail-headers';

/** Decodes RFC 2047 B-encoded words back to text (test oracle). */
const decodeEncodedWords = (value: string): string =>
  value
    .split(' ')
    .map((word) => {
      const m = /^=\?UTF-8\?B\?([A-Za-z0-9+/=]+)\?=$/.exec(word);
      if (!m?.[1]) throw new Error(`not an encoded word: ${word}`);
      return m[1];
    })
    .map((b64) => Buffer.from(b64, 'base64'))
    .reduce((text, bytes) => text + bytes.toString('utf8'), '');

describe('List-Unsubscribe (RFC 8058)', () => {
  it('given an https unsubscribe URL, when headers are built, then both one-click headers are present', () => {
    // Act
    const headers = buildListUnsubscribeHeaders('https://example.co.jp/u/abc?t=1');
    // Assert
    expect(headers).toEqual([
      { name: 'List-Unsubscribe', value: '<https://example.co.jp/u/abc?t=1>' },
      { name: 'List-Unsubscribe-Post', value: 'List-Unsubscribe=One-Click' },
    ]);
  });

  it('given a mailto fallback, when headers are built, then it follows the https URI', () => {
    const [list] = buildListUnsubscribeHeaders('https://example.co.jp/u/abc', 'unsubscribe@example.co.jp');
    expect(list?.value).toBe(
      '<https://example.co.jp/u/abc>, <mailto:unsubscribe@example.co.jp?subject=unsubscribe>',
    );
  });

  it.each(['https://example.co.jp/u\r\nBcc: x@example.com', 'https://example.co.jp/u\nX: y'])(
    'given a URL with CR/LF (%j), when headers are built, then it is rejected as injection',
    (url) => {
      expect(() => buildListUnsubscribeHeaders(url)).toThrow(HeaderInjectionError);
    },
  );

  it('given a mailto with CR/LF, when headers are built, then it is rejected', () => {
    expect(() => buildListUnsubscribeHeaders('https://ex.com/u', 'a@ex.com\r\nBcc: b@ex.com')).toThrow(
      HeaderInjectionError,
    );
  });

  it.each(['http://example.co.jp/u', 'javascript:alert(1)', '/relative/u', 'ftp://example.co.jp/u'])(
    'given a non-https URL %s, when headers are built, then it is refused',
    (url) => {
      expect(() => buildListUnsubscribeHeaders(url)).toThrow(InvalidHeaderError);
    },
  );

  it('given the local runtime on localhost, when headers are built, then plain http is allowed', () => {
    expect(buildListUnsubscribeHeaders('http://localhost:3000/u/abc')[0]?.value).toBe(
      '<http://localhost:3000/u/abc>',
    );
  });

  it('given characters that would break the angle-bracket list, when built, then they are percent-encoded', () => {
    expect(buildListUnsubscribeHeaders('https://ex.com/u?a=<b>,c d')[0]?.value).toBe(
      '<https://ex.com/u?a=%3Cb%3E%2Cc%20d>',
    );
  });

  it('given any string with a line break, when checked as a header value, then it is rejected', () => {
    fc.assert(
      fc.property(fc.string(), fc.constantFrom('\r', '\n', '\r\n'), fc.string(), (a, br, b) => {
        expect(() => assertHeaderValue('X-Test', `${a}${br}${b}`)).toThrow(HeaderInjectionError);
      }),
    );
  });
});

describe('display names', () => {
  it('given a Japanese sender name, when encoded, then it is an RFC 2047 encoded-word that decodes back', () => {
    // Act
    const encoded = encodeHeaderDisplayName('株式会社サンプル');
    // Assert
    expect(encoded).toMatch(/^=\?UTF-8\?B\?[A-Za-z0-9+/=]+\?=$/);
    expect(decodeEncodedWords(encoded)).toBe('株式会社サンプル');
  });

  it('given a plain ASCII name, when encoded, then it is left as is', () => {
    expect(encodeHeaderDisplayName('Sample Marketing')).toBe('Sample Marketing');
  });

  it('given an ASCII name with specials, when encoded, then it is a quoted string', () => {
    expect(encodeHeaderDisplayName('Sample, Inc. "Sales"')).toBe('"Sample, Inc. \\"Sales\\""');
  });

  it('given a name with CR/LF, when encoded, then it is rejected', () => {
    expect(() => encodeHeaderDisplayName('株式会社サンプル\r\nBcc: x@example.com')).toThrow(
      HeaderInjectionError,
    );
  });

  it('given any non-ASCII name, when encoded, then every word fits 75 characters and decoding restores it', () => {
    fc.assert(
      fc.property(
        fc.string({
          unit: fc.constantFrom('株', '式', '会', '社', 'サ', 'ン', 'プ', 'ル', ' ', 'A', '😀', 'é'),
          minLength: 1,
          maxLength: 80,
        }),
        (raw) => {
          const name = `株${raw}`.trim();
          const encoded = encodeHeaderDisplayName(name);
          for (const word of encoded.split(' ')) expect(word.length).toBeLessThanOrEqual(75);
          expect(decodeEncodedWords(encoded)).toBe(name);
        },
      ),
    );
  });

  it('given an address and a Japanese name, when formatted, then the name is encoded before the address', () => {
    const from = formatAddress('marketing@example.co.jp', '株式会社サンプル');
    expect(from).toMatch(/^=\?UTF-8\?B\?.+\?= <marketing@example\.co\.jp>$/);
    expect(formatAddress('marketing@example.co.jp')).toBe('marketing@example.co.jp');
    expect(() => formatAddress('a@ex.com>\r\nBcc: b@ex.com', 'x')).toThrow(HeaderInjectionError);
  });
});
