import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { settings } from '#config/settings';
import { nextMorningListAt } from '#domain/handoff/owner-digest';
import type { Runtime } from '#local/runtime';
import { inbox, startTestRuntime } from '../support/runtime.ts';
import { api } from './handoff-support.ts';

/**
 * The morning list on the real local engines: a card entered for 佐藤 opens his accept clock, and on the next
 * business morning the `owner-morning-list` function (the handler EventBridge Scheduler runs) reads his queue
 * and mails him the lead once; the owners with nothing due get nothing; a weekend morning sends nothing.
 */

let runtime: Runtime;
const RUN = Math.random().toString(36).slice(2, 8);
const ses = () => inject('sesEndpoint');
const SATO = 'k.sato@example.co.jp';
const window = settings.handoff.sla.window;
const MORNING = settings.handoff.ownerAlerts.morningList?.time ?? '08:30';

beforeAll(async () => {
  runtime = await startTestRuntime();
}, 60_000);

afterAll(async () => {
  await runtime?.stop();
});

const morningLists = async () =>
  (await inbox(ses(), SATO)).filter(
    (m) => m.subject.startsWith('【本日の対応予定】') && m.body.text?.includes(RUN),
  );

/** The runtime's clock (in this process: the one every handler reads). */
const nowOf = async (): Promise<number> => (await import('#adapters/clock')).now();

const runList = () =>
  runtime.invoke('owner-morning-list', { source: 'local.scheduler', time: new Date().toISOString() });

describe('the morning list', () => {
  it('given a card entered for 佐藤 yesterday, when the next business morning’s list runs, then 佐藤 gets one mail naming the lead, its phone and its deadline; a second run sends nothing more; owners with nothing due get none', async () => {
    // Arrange
    const entered = await api(runtime).opsPost('/v1/ops/leads', {
      email: `morning-${RUN}@example.co.jp`,
      attributes: { name: '山田 太郎', company: `株式会社朝${RUN}`, phone: '03-5555-0101' },
      channel: 'event',
      source: '展示会 2030 東京',
      consentBasis: 'business_card',
      ownerId: 'sato',
    });
    expect(entered.status).toBe(201);
    await runtime.settle();
    const now = await nowOf();
    await runtime.advanceClock(nextMorningListAt(now + 60_000, MORNING, window) - now);

    // Act
    const first = await runList();
    const second = await runList();

    // Assert
    const owners = (first as { owners: { ownerId: string; mail: string }[] }).owners;
    expect(owners.find((o) => o.ownerId === 'sato')?.mail).toBe('sent');
    expect(owners.filter((o) => o.ownerId !== 'sato').map((o) => o.mail)).toEqual(
      settings.handoff.owners.filter((o) => o.ownerId !== 'sato').map(() => 'nothing_due'),
    );
    expect((second as { owners: { ownerId: string; mail: string }[] }).owners).toContainEqual({
      ownerId: 'sato',
      mail: 'already_sent',
    });
    const mails = await morningLists();
    expect(mails).toHaveLength(1);
    expect(mails[0]?.subject).toMatch(/^【本日の対応予定】(期限超過|本日期限) 1件$/);
    expect(mails[0]?.body.text).toContain(`・株式会社朝${RUN} 山田 太郎 様 / 03-5555-0101(受諾期限 `);
    expect(mails[0]?.body.text).toContain(`${runtime.apiUrl}/console/#/leads`);
  });

  it('given an import that hands 鈴木 more leads than one page of her queue, when the list runs, then her mail counts every one of them', async () => {
    // Arrange: five cards for 鈴木 read two at a time (the function reads 200 at a time).
    const rows = Array.from(
      { length: 5 },
      (_, i) => `株式会社頁${i}${RUN},山田 ${i}郎,page-${i}-${RUN}@example.co.jp,03-5555-020${i}`,
    );
    const imported = await api(runtime).opsPost('/v1/ops/imports', {
      csv: ['会社名,氏名,メールアドレス,電話番号', ...rows].join('\n'),
      channel: 'event',
      source: '展示会 2030 大阪',
      consent: 'business_card',
      ownerId: 'suzuki',
    });
    expect(imported.status).toBe(200);
    await runtime.settle();
    const now = await nowOf();
    await runtime.advanceClock(nextMorningListAt(now + 60_000, MORNING, window) - now);
    const { sendMorningLists } = await import('#app/send-morning-lists');

    // Act
    const outcome = await sendMorningLists({ pageSize: 2 });

    // Assert
    expect(outcome).toMatchObject({ outcome: 'done' });
    const mails = (await inbox(ses(), 'h.suzuki@example.co.jp')).filter(
      (m) => m.subject.startsWith('【本日の対応予定】') && m.body.text?.includes(RUN),
    );
    expect(mails).toHaveLength(1);
    expect(mails[0]?.subject).toMatch(/^【本日の対応予定】(期限超過|本日期限) 5件$/);
    for (let i = 0; i < 5; i++) expect(mails[0]?.body.text).toContain(`株式会社頁${i}${RUN}`);
  });

  it('given a Saturday morning, when the list runs, then it sends nothing (not a business day of the hand-off clocks)', async () => {
    // Arrange: the next Saturday at the list's time.
    let at = await nowOf();
    const day = 24 * 3_600_000;
    do at += day;
    while (new Date(at + 9 * 3_600_000).getUTCDay() !== 6);

    // Act
    await runtime.advanceClock(at - (await nowOf()));
    const outcome = await runList();

    // Assert
    expect(outcome).toEqual({ outcome: 'not_a_business_day' });
  });
});
