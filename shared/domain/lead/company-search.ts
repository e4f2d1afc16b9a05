/**
 * Company-name search: a lead found by the company a rep types, the way a Japanese B2B team writes it.
 * 「サンプル」 finds 株式会社サンプル商事, サンプル商事株式会社, (株)サンプル商事, ㈱サンプル商事 and ｻﾝﾌﾟﾙ商事 alike,
 * and 「sample」 finds Sample Trading Co., Ltd.
 *
 * The search key of a name: NFKC (half-width kana to full width, full-width letters and digits to ASCII,
 * ㈱ to (株)), the legal form dropped wherever it stands (株式会社, (株), 有限会社, 合同会社, 一般社団法人 …; a
 * trailing Co., Ltd., Inc., Corp., LLC, K.K. …), letters lower-cased, and everything but letters and digits
 * removed (spaces, 「・」, punctuation). A search matches the leads whose key starts with the search's key. Pure.
 */

/** Japanese legal forms, after NFKC (so （株） and ㈱ are both `(株)`). Longest first. */
const LEGAL_FORMS_JA = [
  '特定非営利活動法人',
  '地方独立行政法人',
  '一般社団法人',
  '一般財団法人',
  '公益社団法人',
  '公益財団法人',
  '社会福祉法人',
  '独立行政法人',
  '国立大学法人',
  '医療法人社団',
  '医療法人財団',
  '株式会社',
  '有限会社',
  '合同会社',
  '合資会社',
  '合名会社',
  '相互会社',
  '医療法人',
  '学校法人',
  '宗教法人',
  'NPO法人',
  '(株)',
  '(有)',
  '(同)',
  '(資)',
  '(名)',
  '(社)',
  '(財)',
  '(医)',
  '(学)',
  '(福)',
  '(特非)',
] as const;

/** Latin legal forms, as the last words of a name (`Co., Ltd.`, `Inc.`): never inside a word (Costco). */
const LEGAL_WORDS_EN =
  /^(co|ltd|inc|corp|corporation|company|limited|incorporated|llc|llp|plc|kk|gk|gmbh|sa|ag)$/;

/** A search key's length at most (a sort key of an index holds 1,024 bytes; a kanji is 3). */
export const COMPANY_KEY_MAX = 100;

/** The search key of a company name, or undefined when nothing searchable is left (「株式会社」 alone). */
export function companySearchKey(name: string): string | undefined {
  let text = name.normalize('NFKC');
  for (const form of LEGAL_FORMS_JA) text = text.split(form).join(' ');
  const words = text
    .toLowerCase()
    .split(/[\s,]+/u)
    .filter(Boolean);
  // Latin legal forms count only as trailing words ("Sample Trading Co., Ltd." → "sample trading").
  while (words.length > 1 && LEGAL_WORDS_EN.test((words.at(-1) ?? '').replace(/\./g, ''))) words.pop();
  const letters = Array.from(words.join('').replace(/[^\p{L}\p{N}]/gu, ''));
  return letters.length ? letters.slice(0, COMPANY_KEY_MAX).join('') : undefined;
}
