import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { COMPANY_KEY_MAX, companySearchKey } from '#domain/lead/company-search';

describe('company search keys', () => {
  it('given the ways one company is written (legal form before or after, (株), ㈱, full-width brackets, half-width kana, spaces, 「・」), then they share one key', () => {
    const forms = [
      '株式会社サンプル商事',
      'サンプル商事株式会社',
      '(株)サンプル商事',
      '（株）サンプル商事',
      '㈱サンプル商事',
      'ｻﾝﾌﾟﾙ商事',
      '株式会社 サンプル 商事',
      'サンプル・商事',
      '株式会社　サンプル商事　',
    ];
    expect(new Set(forms.map(companySearchKey))).toEqual(new Set(['サンプル商事']));
  });

  it('given Latin names, then case, width and a trailing Co., Ltd. / Inc. / K.K. are set aside, but never inside a word', () => {
    expect(companySearchKey('Sample Trading Co., Ltd.')).toBe('sampletrading');
    expect(companySearchKey('SAMPLE TRADING CO.,LTD.')).toBe('sampletrading');
    expect(companySearchKey('Ｓａｍｐｌｅ Trading Inc.')).toBe('sampletrading');
    expect(companySearchKey('Sample K.K.')).toBe('sample');
    expect(companySearchKey('Costco')).toBe('costco');
    expect(companySearchKey('Co')).toBe('co');
    expect(companySearchKey('AT&T Japan LLC')).toBe('attjapan');
  });

  it('given other legal forms (有限会社, 合同会社, 一般社団法人, 医療法人社団, NPO法人), then they are set aside too', () => {
    expect(companySearchKey('有限会社山田工務店')).toBe('山田工務店');
    expect(companySearchKey('合同会社ミライ')).toBe('ミライ');
    expect(companySearchKey('一般社団法人日本マーケティング協会')).toBe('日本マーケティング協会');
    expect(companySearchKey('医療法人社団 青葉会')).toBe('青葉会');
    expect(companySearchKey('ＮＰＯ法人ひまわり')).toBe('ひまわり');
  });

  it('given nothing but a legal form or punctuation, then there is no key', () => {
    for (const name of ['株式会社', '（株）', ' ', '・・', '株式会社・'])
      expect(companySearchKey(name), name).toBeUndefined();
  });

  it('given any name, then its key has only letters and digits, at most COMPANY_KEY_MAX of them, and a search of 株式会社 + the name finds it (generated names)', () => {
    const letters = fc.constantFrom(...'サンプル商事山田abcXYZ０１2・ー々 （）㈱ｱｲ');
    fc.assert(
      fc.property(fc.array(letters, { minLength: 1, maxLength: 150 }), (chars) => {
        const name = chars.join('');
        const key = companySearchKey(name);
        if (key === undefined) return;
        expect(key).toMatch(/^[\p{L}\p{N}]+$/u);
        expect(Array.from(key).length).toBeLessThanOrEqual(COMPANY_KEY_MAX);
        expect(companySearchKey(`株式会社${name}`)).toBe(key);
        expect(companySearchKey(name.normalize('NFKC'))).toBe(key);
      }),
      { numRuns: 2_000 },
    );
  });
});
