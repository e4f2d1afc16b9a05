import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { emailKey, normalizeEmail } from '#domain/capture/email-address';

describe('normalizeEmail', () => {
  it('given a mixed-case domain, when normalized, then the domain is lower-cased and the local part kept', () => {
    // Act
    const result = normalizeEmail('  Taro.Yamada@Example.CO.JP ');

    // Assert
    expect(result).toEqual({
      ok: true,
      email: 'Taro.Yamada@example.co.jp',
      key: 'taro.yamada@example.co.jp',
    });
  });

  it('given a full-width ＠ and full-width letters, when normalized, then NFKC turns them into ASCII', () => {
    expect(normalizeEmail('ｔａｒｏ＠ｅｘａｍｐｌｅ．ｃｏ．ｊｐ')).toEqual({
      ok: true,
      email: 'taro@example.co.jp',
      key: 'taro@example.co.jp',
    });
  });

  it('given a Japanese IDN domain, when normalized, then it is converted to punycode', () => {
    expect(normalizeEmail('info@例え.jp')).toEqual({
      ok: true,
      email: 'info@xn--r8jz45g.jp',
      key: 'info@xn--r8jz45g.jp',
    });
  });

  it('given an ideographic full stop between labels, when normalized, then it acts as a dot', () => {
    expect(normalizeEmail('info@例え。jp')).toMatchObject({ ok: true, email: 'info@xn--r8jz45g.jp' });
  });

  it('given a legacy Japanese mobile address with consecutive dots, when normalized, then it is accepted', () => {
    expect(normalizeEmail('taro..yamada.@docomo.ne.jp')).toMatchObject({ ok: true });
  });

  it.each([
    ['', 'empty'],
    ['   ', 'empty'],
    ['taro.example.co.jp', 'missing_at'],
    ['taro@@example.co.jp', 'invalid_local_part'],
    ['ta ro@example.co.jp', 'invalid_characters'],
    ['taro@example.co.jp\r\nBcc: x@evil.example', 'invalid_characters'],
    ['taro\u200b@example.co.jp', 'invalid_characters'],
    ['@example.co.jp', 'invalid_local_part'],
    ['.taro@example.co.jp', 'invalid_local_part'],
    [`${'a'.repeat(65)}@example.co.jp`, 'invalid_local_part'],
    ['"taro"@example.co.jp', 'invalid_local_part'],
    ['taro@localhost', 'invalid_domain'],
    ['taro@example.', 'invalid_domain'],
    ['taro@-example.co.jp', 'invalid_domain'],
    ['taro@192.168.0.1', 'invalid_domain'],
    ['taro@[192.168.0.1]', 'invalid_domain'],
    [`${'x'.repeat(64)}@${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(60)}.jp`, 'too_long'],
    ['x'.repeat(2000), 'too_long'],
  ])('given %j, when normalized, then it fails with %s', (input, error) => {
    expect(normalizeEmail(input)).toEqual({ ok: false, error });
  });

  it('given an address at the 254-character limit, when normalized, then it is accepted', () => {
    const domain = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(58)}.jp`;
    const address = `${'x'.repeat(64)}@${domain}`;

    expect(address.length).toBe(254);
    expect(normalizeEmail(address).ok).toBe(true);
  });

  it('given a valid and an invalid address, when keyed, then emailKey returns the key or null', () => {
    expect(emailKey('Taro@Example.JP')).toBe('taro@example.jp');
    expect(emailKey('nope')).toBeNull();
  });
});

describe('normalizeEmail properties', () => {
  const label = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,10}[a-z0-9])?$/);
  const japaneseLabel = fc.constantFrom('例え', 'サンプル', '日本語', 'テスト');
  const address = fc.record({
    local: fc.stringMatching(/^[A-Za-z0-9_+-][A-Za-z0-9_.+-]{0,20}$/),
    labels: fc.array(fc.oneof(label, japaneseLabel), { minLength: 1, maxLength: 3 }),
    tld: fc.constantFrom('jp', 'com', 'co.jp', 'ne.jp', 'Jp', 'COM'),
  });

  it('given any valid address, when normalized twice, then the second pass changes nothing (idempotent)', () => {
    fc.assert(
      fc.property(address, ({ local, labels, tld }) => {
        const first = normalizeEmail(`${local}@${labels.join('.')}.${tld}`);
        if (!first.ok) return; // only valid addresses are in scope
        expect(normalizeEmail(first.email)).toEqual(first);
      }),
    );
  });

  it('given any valid address, when its domain case changes, then the dedupe key stays the same', () => {
    fc.assert(
      fc.property(
        address,
        fc.array(fc.boolean(), { minLength: 64, maxLength: 64 }),
        ({ local, labels, tld }, flips) => {
          const domain = `${labels.join('.')}.${tld}`;
          const recased = [...domain]
            .map((c, i) => (flips[i % flips.length] ? c.toUpperCase() : c.toLowerCase()))
            .join('');
          const original = normalizeEmail(`${local}@${domain}`);
          const changed = normalizeEmail(`${local}@${recased}`);
          expect(changed.ok).toBe(original.ok);
          if (original.ok && changed.ok) expect(changed.key).toBe(original.key);
        },
      ),
    );
  });

  it('given any string, when normalized successfully, then the result has one @, no whitespace and fits 254', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (input) => {
        const result = normalizeEmail(input);
        if (!result.ok) return;
        expect(result.email.split('@')).toHaveLength(2);
        expect(result.email).not.toMatch(/\s/);
        expect(result.email.length).toBeLessThanOrEqual(254);
        expect(result.key).toBe(result.email.toLowerCase());
      }),
    );
  });
});
