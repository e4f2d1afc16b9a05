import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '#local/runtime';
import { startTestRuntime } from '../support/runtime.ts';
import { api, contactForm } from './handoff-support.ts';
import { eraseOnRequest, leadIdByEmail, type SearchPage, searchPage, walkPages } from './search-support.ts';

/**
 * The company search (GET /v1/ops/leads?company=…) on DynamoDB Local through the real handlers: leads that
 * came in by a form, by a card entered for an owner and by an import are found by the way a rep types the
 * company (legal form, width and spaces aside), in name order, page by page; the other filters still apply;
 * an erased lead is gone from it; bad searches are 400s.
 */
let runtime: Runtime;
// Lower-case letters only: the search key lower-cases Latin letters.
const RUN = Math.random()
  .toString(36)
  .slice(2, 8)
  .replace(/[^a-z]/g, 'q');
const ids: Record<string, string> = {};

const search = (query: string) => searchPage(runtime, query);
const companies = (page: SearchPage) => page.items.map((i) => i.company);

beforeAll(async () => {
  runtime = await startTestRuntime();
  const { postForm, opsPost } = api(runtime);
  // A form lead, a card entered for 佐藤, an imported row, and one of another company.
  expect(
    (
      await postForm(
        'whitepaper',
        contactForm(`a-${RUN}@example.co.jp`, { company: `株式会社サンプル${RUN}商事` }),
      )
    ).status,
  ).toBe(201);
  expect(
    (
      await opsPost('/v1/ops/leads', {
        email: `b-${RUN}@example.co.jp`,
        attributes: { name: '鈴木 一郎', company: `サンプル${RUN}物産株式会社` },
        channel: 'event',
        source: '展示会',
        consentBasis: 'business_card',
        ownerId: 'sato',
      })
    ).status,
  ).toBe(201);
  const imported = await opsPost('/v1/ops/imports', {
    csv: ['会社名,氏名,メールアドレス', `（株）サンプル${RUN},高橋 花子,c-${RUN}@example.co.jp`].join('\n'),
    channel: 'event',
    source: '展示会',
    consent: 'business_card',
  });
  expect(imported.status).toBe(200);
  expect(
    (await postForm('whitepaper', contactForm(`d-${RUN}@example.co.jp`, { company: `株式会社ほか${RUN}` })))
      .status,
  ).toBe(201);
  await runtime.settle();
  for (const k of ['a', 'b', 'c', 'd']) ids[k] = await leadIdByEmail(runtime, `${k}-${RUN}@example.co.jp`);
}, 60_000);

afterAll(async () => {
  await runtime?.stop();
});

describe('the company search', () => {
  it('given leads of サンプル from a form, a card and an import, when a rep types the name however it is written, then all three are found in name order, and no other company', async () => {
    const all = [`（株）サンプル${RUN}`, `サンプル${RUN}物産株式会社`, `株式会社サンプル${RUN}商事`];
    for (const typed of [`サンプル${RUN}`, `ｻﾝﾌﾟﾙ${RUN.toUpperCase()}`, `株式会社 サンプル${RUN}`]) {
      const { status, body } = await search(`company=${encodeURIComponent(typed)}`);
      expect(status, typed).toBe(200);
      // Keys: サンプル<run>, サンプル<run>商事, サンプル<run>物産 (商 U+5546 before 物 U+7269).
      expect(companies(body), typed).toEqual([all[0], all[2], all[1]]);
    }
    const one = await search(`company=${encodeURIComponent(`㈱サンプル${RUN}商`)}`);
    expect(one.body.items.map((i) => i.leadId)).toEqual([ids.a]);
  });

  it('given the other list filters, then they apply to the matches (佐藤’s own card only)', async () => {
    const { body } = await search(`company=${encodeURIComponent(`サンプル${RUN}`)}&owner=sato`);
    expect(body.items.map((i) => [i.leadId, i.ownerId])).toEqual([[ids.b, 'sato']]);
  });

  it('given pages of one lead, then the cursors walk the three matches once each, and a cursor of another search is a 400', async () => {
    const seen = await walkPages(runtime, `company=${encodeURIComponent(`サンプル${RUN}`)}`);
    expect(seen).toEqual([ids.c, ids.a, ids.b]);

    const first = await search(`company=${encodeURIComponent(`サンプル${RUN}`)}&limit=1`);
    const other = await search(
      `company=${encodeURIComponent(`ほか${RUN}`)}&limit=1&cursor=${encodeURIComponent(first.body.cursor ?? '')}`,
    );
    expect(other.status).toBe(400);
  });

  it('given a search of a legal form alone or of nothing, then 400 naming the company field', async () => {
    for (const typed of ['株式会社', '（株）', ' ']) {
      const response = await api(runtime).opsGet(`/v1/ops/leads?company=${encodeURIComponent(typed)}`);
      expect(response.status, typed).toBe(400);
      expect(JSON.stringify(await response.json())).toContain('"field":"company"');
    }
  });

  it('given a lead erased on request, then the search no longer finds it', async () => {
    expect(await eraseOnRequest(runtime, ids.c ?? '')).toBe(200);
    const { body } = await search(`company=${encodeURIComponent(`サンプル${RUN}`)}`);
    expect(body.items.map((i) => i.leadId)).toEqual([ids.a, ids.b]);
  });
});
