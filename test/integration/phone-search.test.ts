import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '#local/runtime';
import { startTestRuntime } from '../support/runtime.ts';
import { api, contactForm } from './handoff-support.ts';
import { eraseOnRequest, leadIdByEmail, searchPage, walkPages } from './search-support.ts';

/**
 * The phone search (GET /v1/ops/leads?phone=…) on DynamoDB Local through the real handlers: a company's main
 * line (代表電話) given on the contact form and on a card entered for an owner, however each was written, a
 * mobile number with the same last eight digits, and an imported row are found by the number a rep types or a
 * phone system passes (full, in international form, or its last digits); the other filters still apply; pages
 * walk every match once; an erased lead is gone from it; bad searches are 400s and change nothing.
 */
let runtime: Runtime;
// Four digits of this run, so the numbers are this file's own in a shared table.
const R = String(1000 + Math.floor(Math.random() * 9000));
const FULL_WIDTH = (s: string) => s.replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d)));
const ids: Record<string, string> = {};

const search = (query: string) => searchPage(runtime, query);
const found = async (phone: string) => {
  const { status, body } = await search(`phone=${encodeURIComponent(phone)}`);
  expect(status, phone).toBe(200);
  return body.items.map((i) => i.leadId).sort();
};
const sorted = (...keys: string[]) => keys.map((k) => ids[k] ?? k).sort();

beforeAll(async () => {
  runtime = await startTestRuntime();
  const { postForm, opsPost } = api(runtime);
  // The main line 03-R-0001 from the contact form (full width, brackets) and on a card for 佐藤 (international
  // form); a mobile number ending in the same eight digits; an imported row of another number.
  expect(
    (await postForm('contact', contactForm(`a-${R}@example.co.jp`, { phone: FULL_WIDTH(`03(${R})0001`) })))
      .status,
  ).toBe(201);
  expect(
    (
      await opsPost('/v1/ops/leads', {
        email: `b-${R}@example.co.jp`,
        attributes: { name: '鈴木 一郎', company: '株式会社電話検索', phone: `+81 3 ${R} 0001` },
        channel: 'event',
        source: '展示会',
        consentBasis: 'business_card',
        ownerId: 'sato',
      })
    ).status,
  ).toBe(201);
  expect(
    (
      await opsPost('/v1/ops/leads', {
        email: `d-${R}@example.co.jp`,
        attributes: { name: '田中 花子', phone: `090-${R}-0001` },
        channel: 'event',
        source: '展示会',
        consentBasis: 'business_card',
      })
    ).status,
  ).toBe(201);
  const imported = await opsPost('/v1/ops/imports', {
    csv: [
      '会社名,氏名,メールアドレス,電話番号',
      `株式会社電話検索,高橋 花子,c-${R}@example.co.jp,06-${R}-0002`,
    ].join('\n'),
    channel: 'event',
    source: '展示会',
    consent: 'business_card',
  });
  expect(imported.status).toBe(200);
  await runtime.settle();
  for (const k of ['a', 'b', 'c', 'd']) ids[k] = await leadIdByEmail(runtime, `${k}-${R}@example.co.jp`);
}, 60_000);

afterAll(async () => {
  await runtime?.stop();
});

describe('the phone search', () => {
  it('given a main line written three ways, when a rep or a phone system searches it however it is written, then both leads that gave it are found, and the mobile number only by its last digits', async () => {
    for (const typed of [`03-${R}-0001`, `+81-3-${R}-0001`, `0081 3 ${R} 0001`, FULL_WIDTH(`03${R}0001`)])
      expect(await found(typed), typed).toEqual(sorted('a', 'b'));
    expect(await found(`${R}-0001`)).toEqual(sorted('a', 'b', 'd'));
    expect(await found(`090 ${R} 0001`)).toEqual(sorted('d'));
    expect(await found(`06-${R}-0002`)).toEqual(sorted('c'));
    // Digits that no number ends with: nothing, not the numbers that merely contain them.
    expect(await found(`${R}000`)).toEqual([]);
  });

  it('given the other list filters, then they apply to the matches (佐藤’s own card only), and each row shows the number as it was given', async () => {
    const { body } = await search(`phone=${R}0001&owner=sato`);
    expect(body.items.map((i) => [i.leadId, i.ownerId, i.phone])).toEqual([
      [ids.b, 'sato', `+81 3 ${R} 0001`],
    ]);
  });

  it('given pages of one lead, then the cursors walk the three matches once each, and a cursor of another search is a 400', async () => {
    const seen = await walkPages(runtime, `phone=${R}0001`);
    expect(seen.sort()).toEqual(sorted('a', 'b', 'd'));

    const first = await search(`phone=${R}0001&limit=1`);
    const other = await search(
      `phone=${R}0002&limit=1&cursor=${encodeURIComponent(first.body.cursor ?? '')}`,
    );
    expect(other.status).toBe(400);
  });

  it('given fewer than four digits, letters only, or a phone and a company search at once, then 400 naming the phone field', async () => {
    for (const query of ['phone=123', 'phone=%E4%B8%8D%E6%98%8E', `phone=${R}&company=abc`]) {
      const response = await api(runtime).opsGet(`/v1/ops/leads?${query}`);
      expect(response.status, query).toBe(400);
      expect(JSON.stringify(await response.json()), query).toContain('"field":"phone"');
    }
  });

  it('given a lead erased on request, then the search no longer finds it', async () => {
    expect(await eraseOnRequest(runtime, ids.a ?? '')).toBe(200);
    expect(await found(`03-${R}-0001`)).toEqual(sorted('b'));
  });
});
