import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { containsKeyword, emailDomain } from '#domain/scoring/fit';
import { computeFit, parseEmployees } from '#domain/scoring/scoring';
import { configWith, defaultConfig } from './helpers.ts';

describe('fit score (default config)', () => {
  it('given 「営業部 部長」 at a 500-employee company with a company address, then fit is 21, grade B', () => {
    // Act
    const result = computeFit(
      { title: '営業部 部長', employees: '500', email: 'taro.yamada@example.co.jp' },
      defaultConfig,
    );

    // Assert
    expect(result).toEqual({
      fit: 21,
      grade: 'B',
      breakdown: { 'company-size': 8, title: 8, 'email-domain': 5 },
    });
  });

  it('given the same 部長 with a gmail address, then the free-mail rule takes 10 and the grade drops to C', () => {
    // Act
    const result = computeFit(
      { title: '営業部 部長', employees: '500', email: 'taro.yamada@gmail.com' },
      defaultConfig,
    );

    // Assert
    expect(result.breakdown['email-domain']).toBe(-10);
    expect(result.fit).toBe(6);
    expect(result.grade).toBe('C');
  });

  it('given a 代表取締役 of a 1,000名以上 manufacturer, then fit reaches the 30 maximum and grade A', () => {
    // Act
    const result = computeFit(
      { title: '代表取締役社長', employees: '1,000名以上', industry: '製造業', email: 'ceo@example.co.jp' },
      defaultConfig,
    );

    // Assert
    expect(result).toEqual({
      fit: 30,
      grade: 'A',
      breakdown: { 'company-size': 10, title: 10, industry: 5, 'email-domain': 5 },
    });
  });

  it('given a student at a tiny company with a yahoo.co.jp address, then fit is negative and grade D', () => {
    // Act
    const result = computeFit(
      { title: '学生', employees: '1-9名', email: 'hanako@yahoo.co.jp' },
      defaultConfig,
    );

    // Assert
    expect(result.fit).toBe(-25);
    expect(result.grade).toBe('D');
  });

  it('given a university or school address (ac.jp, ed.jp), then it is not scored as a company address: students and researchers are not buyers', () => {
    for (const email of ['taro@g.ecc.u-tokyo.ac.jp', 'hanako@kyoto-u.ac.jp', 'sensei@example.ed.jp']) {
      // Act
      const result = computeFit({ email }, defaultConfig);

      // Assert
      expect(result.breakdown['email-domain'], email).toBeLessThan(0);
    }
    expect(computeFit({ email: 'taro@example.co.jp' }, defaultConfig).breakdown['email-domain']).toBe(5);
  });

  it('given 都道府県 海外 on the contact form, then the company is outside every sales territory and its fit is lower than in 東京都', () => {
    // Arrange
    const lead = { title: '営業部 部長', employees: '500', email: 'taro.yamada@example.co.jp' };

    // Act
    const overseas = computeFit({ ...lead, prefecture: '海外' }, defaultConfig);
    const tokyo = computeFit({ ...lead, prefecture: '東京都' }, defaultConfig);

    // Assert
    expect(tokyo.fit).toBe(21);
    expect(overseas.fit).toBeLessThan(tokyo.fit);
    expect(overseas.breakdown.region).toBeLessThan(0);
  });

  it('given no attributes, then no rule applies and fit is 0', () => {
    // Act
    const result = computeFit({}, defaultConfig);

    // Assert
    expect(result).toEqual({ fit: 0, grade: 'D', breakdown: {} });
  });

  it('given a competitor domain (also on a subdomain), then the competitor tier applies before free mail', () => {
    // Arrange
    const config = configWith({
      fit: {
        rules: [
          {
            id: 'email-domain',
            kind: 'emailDomain',
            tiers: [
              { domains: ['rival.co.jp'], points: -30 },
              { domains: ['gmail.com'], points: -10 },
            ],
            otherwise: 5,
          },
        ],
      },
    });

    // Act
    const fits = ['a@rival.co.jp', 'a@sales.rival.co.jp', 'a@notrival.co.jp'].map((email) =>
      computeFit({ email }, config),
    );

    // Assert: fit is clamped at the default minimum of -30.
    expect(fits.map((f) => f.fit)).toEqual([-30, -30, 5]);
  });

  it('given rules summing past the maximum, then fit is clamped but the breakdown keeps each rule', () => {
    // Arrange
    const config = configWith({
      fit: {
        max: 30,
        rules: [
          { id: 'a', kind: 'keywords', attribute: 'title', tiers: [{ keywords: ['部長'], points: 25 }] },
          { id: 'b', kind: 'keywords', attribute: 'industry', tiers: [{ keywords: ['製造'], points: 25 }] },
        ],
      },
    });

    // Act
    const result = computeFit({ title: '部長', industry: '製造業' }, config);

    // Assert
    expect(result.fit).toBe(30);
    expect(result.breakdown).toEqual({ a: 25, b: 25 });
  });

  it('property: fit always lies within [min, max] whatever the attributes', () => {
    fc.assert(
      fc.property(
        fc.record({
          title: fc.string(),
          employees: fc.string(),
          industry: fc.string(),
          email: fc.string(),
        }),
        (attributes) => {
          const { fit } = computeFit(attributes, defaultConfig);
          expect(fit).toBeGreaterThanOrEqual(defaultConfig.fit.min);
          expect(fit).toBeLessThanOrEqual(defaultConfig.fit.max);
        },
      ),
    );
  });
});

describe('employee counts', () => {
  it.each([
    ['120', { min: 120, max: 120 }],
    ['100-499', { min: 100, max: 499 }],
    ['100〜499名', { min: 100, max: 499 }],
    ['１００～４９９人', { min: 100, max: 499 }],
    ['1000+', { min: 1000, max: Number.POSITIVE_INFINITY }],
    ['1,000名以上', { min: 1000, max: Number.POSITIVE_INFINITY }],
    ['1万人以上', { min: 10_000, max: Number.POSITIVE_INFINITY }],
    ['5,001人〜', { min: 5001, max: Number.POSITIVE_INFINITY }],
    ['10名未満', { min: 0, max: 9 }],
    ['300名以下', { min: 0, max: 300 }],
    ['less than 50', { min: 0, max: 49 }],
    ['約300名', { min: 300, max: 300 }],
    ['5k', { min: 5000, max: 5000 }],
    ['未回答', null],
  ])('given "%s", when parsed, then the range is %o', (raw, expected) => {
    // Act / Assert
    expect(parseEmployees(raw)).toEqual(expected);
  });

  it('given "100-499", then it is a 100+ company but not yet a 300+ one', () => {
    // Act
    const result = computeFit({ employees: '100-499' }, defaultConfig);

    // Assert
    expect(result.breakdown['company-size']).toBe(5);
  });

  it('given "300名以下", then the size is too vague to call the company tiny', () => {
    // Act
    const result = computeFit({ employees: '300名以下' }, defaultConfig);

    // Assert
    expect(result.breakdown['company-size']).toBeUndefined();
  });
});

describe('title keywords', () => {
  it.each([
    ['営業部部長', '部長', true],
    ['Director of Sales', 'director', true],
    ['ＶＰ Marketing', 'VP', true],
    ['Director', 'CTO', false],
    ['Headquarters staff', 'Head', false],
    ['Head of IT', 'Head', true],
    ['MVP', 'VP', false],
    ['CEO/Founder', 'Founder', true],
    ['Sr.Manager', 'Manager', true],
  ])('given title "%s" and keyword "%s", then the match is %s', (title, keyword, expected) => {
    // Act / Assert
    expect(containsKeyword(title, keyword)).toBe(expected);
  });

  it.each([
    ['General Manager', 8],
    ['執行役員 CTO', 10],
    ['マーケティング部 課長', 5],
    ['Head of Marketing', 8],
    // Heads of a site or unit are department heads too; in a manufacturer the plant head decides.
    ['第二工場 工場長', 8],
    ['大阪支店 支店長', 8],
    ['中央研究所 所長', 8],
    ['ゼネラルマネージャー', 8],
    ['ゼネラルマネジャー', 8],
    ['担当', undefined],
  ])('given title "%s", then the title rule gives %s', (title, expected) => {
    // Act
    const result = computeFit({ title }, defaultConfig);

    // Assert
    expect(result.breakdown.title).toBe(expected);
  });

  it('given e-mail addresses, then the domain is read after the last @, lower-cased', () => {
    // Act / Assert
    expect(emailDomain('Taro@Example.CO.JP')).toBe('example.co.jp');
    expect(emailDomain('no-at-sign')).toBeNull();
  });
});
