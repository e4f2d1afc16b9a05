import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { now as clockNow } from '#adapters/clock';
import type { Runtime } from '#local/runtime';
import { handoff, reports, scoring, sequences, templates } from '../../config/index.ts';
import {
  launchChromium,
  SHOTS,
  seriousViolations,
  settled,
  shot,
  signIn,
} from '../support/console-browser.ts';
import { api, startTestRuntime, uniqueEmail } from '../support/runtime.ts';

/**
 * The console's working pages in Chromium against the local runtime, as sales and marketing use them: the
 * call list on a phone (leads waiting for sales and the rep's own open hand-offs, a call logged in one
 * click), a lead walked from the call list through accept → log call → BANTCH saved in part (SQL's missing
 * items shown) → qualify (the 422 first, then only the remaining items) → convert → phase move with the events checked in /_local/events, "my leads" with its CSV, a
 * CSV import with a bad row (preview, run, rejected row, error CSV), the template preview and the settings read as
 * tables (values from config/, on a desktop and a phone, in Japanese and English). axe-core on every page;
 * screenshots to test-results/console/.
 */

let runtime: Runtime;
let browser: Browser;
let waiting = { leadId: '', email: '' };
let mine = { leadId: '', email: '' };

type Event = { 'detail-type': string; detail: { leadId?: string; by?: string; [k: string]: unknown } };
const eventsOf = async (leadId: string): Promise<Event[]> => {
  await runtime.settle();
  const all = (await (await fetch(`${runtime.apiUrl}/_local/events`)).json()) as Event[];
  return all.filter((e) => e.detail?.leadId === leadId);
};

const leadIdOf = async (email: string): Promise<string> => {
  const response = await api(runtime).opsGet(`/v1/ops/leads?email=${encodeURIComponent(email)}`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { leadId: string }).leadId;
};

/** A person who downloaded the whitepaper with consent to marketing mail: a lead of its own for one test. */
const whitepaperLead = async (label: string, lastName: string, firstName: string, company: string) => {
  const email = uniqueEmail(label);
  const posted = await api(runtime).postForm('whitepaper', {
    email,
    lastName,
    firstName,
    company,
    employees: '1-49',
    consent: true,
  });
  expect(posted.status).toBe(201);
  return { email, leadId: await leadIdOf(email) };
};

beforeAll(async () => {
  runtime = await startTestRuntime();
  const { postForm, opsPost, opsGet } = api(runtime);

  // A warm lead nobody in sales has: a whitepaper download from a good-fit company (on the call list).
  waiting = { leadId: '', email: uniqueEmail('console-warm') };
  const white = await postForm('whitepaper', {
    email: waiting.email,
    lastName: '高橋',
    firstName: '誠',
    company: '株式会社ウォーク製作所',
    title: '情報システム部 部長',
    employees: '1000-4999',
    industry: '製造業',
    consent: true,
  });
  expect(white.status).toBe(201);
  waiting.leadId = await leadIdOf(waiting.email);
  // … who registers for a webinar: warm (40+), not hot, so no automatic hand-off.
  const registered = await opsPost('/v1/ops/events', {
    events: [{ email: waiting.email, type: 'webinar_registered', eventId: `e2e-webinar-${waiting.leadId}` }],
  });
  expect(registered.status).toBeLessThan(300);

  // A demo request handed off at once (inquiry), then given to the demo sales user 佐藤 (owner `sato`).
  mine = { leadId: '', email: uniqueEmail('console-mine') };
  const contact = await postForm('contact', {
    email: mine.email,
    lastName: '伊藤',
    firstName: 'さくら',
    company: '株式会社ハンドオフ商会',
    phone: '03-1234-5678',
    employees: '300-999',
    consent: true,
    message: 'デモを見たい',
  });
  expect(contact.status).toBe(201);
  mine.leadId = await leadIdOf(mine.email);
  await runtime.settle();
  const view = (await (await opsGet(`/v1/ops/leads/${mine.leadId}`)).json()) as {
    owner: { ownerId: string } | null;
  };
  if (view.owner?.ownerId !== 'sato') {
    const moved = await opsPost(`/v1/ops/leads/${mine.leadId}/reassign`, {
      actionId: `e2e-reassign-${mine.leadId}`,
      ownerId: 'sato',
      reason: 'e2e: the demo sales user works this lead',
    });
    expect(moved.status).toBe(200);
  }
  await runtime.settle();

  // The warm lead waits on the call list (the precondition of the walk below).
  const list = (await (await opsGet('/v1/ops/call-list?limit=200')).json()) as {
    items: { leadId: string }[];
  };
  const warm = (await (await opsGet(`/v1/ops/leads/${waiting.leadId}`)).json()) as Record<string, unknown>;
  expect(
    list.items.map((i) => i.leadId),
    JSON.stringify([warm.score, warm.temperature, warm.stage, warm.owner]),
  ).toContain(waiting.leadId);

  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await runtime?.stop();
});

/** A time as a datetime-local field takes it, in the browser's time zone. */
const localInput = (page: Page, at: number): Promise<string> =>
  page.evaluate((ms) => {
    const d = new Date(ms);
    const p = (n: number) => String(n).padStart(2, '0');
    return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
  }, at);

const done = (page: Page, form: string) =>
  page.locator(`form[data-form=${form}] [role=status]`).filter({ hasText: '完了しました' }).waitFor();

describe('console work pages in Chromium', () => {
  it('given the sales user on a phone, when the call list opens, then it shows the leads waiting for sales and their own open hand-offs, and one click logs a call', async () => {
    // Arrange
    const page = await signIn(browser, runtime, 'sales', { width: 390, height: 844 });
    await page.getByRole('heading', { name: 'コールリスト' }).waitFor();
    await page.locator(`[data-testid=mine] li[data-lead="${mine.leadId}"]`).waitFor();
    await settled(page);

    // Assert: both lists, no horizontal scrolling on a phone, no serious a11y violation
    expect(await page.locator(`[data-testid=waiting] li[data-lead="${waiting.leadId}"]`).count()).toBe(1);
    // The own hand-off shows its deadline (not accepted yet) and the number to call.
    const own = page.locator(`[data-testid=mine] li[data-lead="${mine.leadId}"]`);
    expect(await own.locator('a.tel').textContent()).toBe('電話: 03-1234-5678');
    expect(await own.locator('[data-due=accept]').textContent()).toMatch(
      /^対応期限: 受諾 \d{4}-\d{2}-\d{2} \d{2}:\d{2}$/,
    );
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, 'call-list-sales-phone');

    // Act: one click logs "no answer" on the own hand-off, with the next call planned in two days
    const card = page.locator(`[data-testid=mine] li[data-lead="${mine.leadId}"]`);
    await card.locator('select').selectOption('no_answer');
    const planned = await localInput(page, clockNow() + 2 * 86_400_000);
    await card.getByLabel('次回連絡予定').fill(planned);
    await card.getByRole('button', { name: '通話を記録' }).click();
    await card.getByText('完了しました: 不在').waitFor();

    // Assert: the activity is on the lead's timeline, by the signed-in owner; the next call is planned
    const lead = (await (await api(runtime).opsGet(`/v1/ops/leads/${mine.leadId}`)).json()) as {
      timeline: { type: string; properties?: { outcome?: string; by?: string } }[];
      handoff: { followUp?: { at: string; by: string } };
    };
    const calls = lead.timeline.filter((e) => e.type === 'sales_activity');
    expect(calls.map((e) => [e.properties?.outcome, e.properties?.by])).toEqual([['no_answer', 'sato']]);
    const plannedAt = await page.evaluate((v) => new Date(v).toISOString(), planned);
    expect(lead.handoff.followUp).toEqual({ at: plannedAt, by: 'sato', setAt: expect.any(String) });
    await card
      .getByTestId('follow-up')
      .filter({ hasText: /^次回連絡予定: \d{4}-\d{2}-\d{2} \d{2}:\d{2}$/ })
      .waitFor();
    // Planned once: the field is empty again, so the next call logged here does not plan it again.
    expect(await card.getByLabel('次回連絡予定').inputValue()).toBe('');
    await shot(page, 'call-list-follow-up-phone');

    // A person cannot log in another rep's name: `by` comes from the token, as for the sales actions
    const token = await page.evaluate(
      () => JSON.parse(sessionStorage.getItem('leadloop.session') ?? '{}').idToken as string,
    );
    const forged = await fetch(`${runtime.apiUrl}/v1/ops/leads/${mine.leadId}/activities`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        activityId: `e2e-forged-${mine.leadId}`,
        type: 'note',
        occurredAt: new Date(clockNow()).toISOString(),
        by: 'kobayashi',
      }),
    });
    expect(forged.status).toBe(201);
    expect(((await forged.json()) as { activityId: string }).activityId).toBe(`e2e-forged-${mine.leadId}`);
    const after = (await (await api(runtime).opsGet(`/v1/ops/leads/${mine.leadId}`)).json()) as typeof lead;
    const note = after.timeline.find(
      (e) =>
        e.properties?.by !== undefined && e.type === 'sales_activity' && e.properties.outcome === undefined,
    );
    expect(note?.properties?.by).toBe('sato');
    await page.context().close();
  });

  it('given a warm lead on the call list, when sales accepts, logs a call, saves part of BANTCH, qualifies with the rest, converts and moves the phase in the UI, then each step shows and the events are published', async () => {
    // Arrange: from the call list to the lead page
    const page = await signIn(browser, runtime, 'sales');
    await page.locator(`[data-testid=waiting] li[data-lead="${waiting.leadId}"] a`).first().click();
    await page.getByTestId('stage').waitFor();
    await settled(page);
    expect(await seriousViolations(page)).toEqual([]);
    // The owner picker names people and their team as the settings call them, not by their ids.
    const owners = await page
      .locator('form[data-form=handoff] select[name=ownerId] option')
      .allTextContents();
    expect(owners).toContain('佐藤 健（エンタープライズ営業部）');
    expect(owners.join('\n')).not.toMatch(/sato|enterprise/);
    // The score breakdown names the rules as config/scoring.ts labels them, not by their ids.
    const breakdown = await page.locator('section[aria-labelledby=h-breakdown] th').allTextContents();
    expect(breakdown.length).toBeGreaterThan(0);
    for (const row of breakdown) expect(row).toMatch(/^(属性|行動): [^a-z]+$/);

    // Act 1: accept (no hand-off yet: the accept opens one for the signed-in owner)
    await page.locator('button[data-action=accept]').click();
    await page.getByTestId('stage').filter({ hasText: /^SAL$/ }).waitFor();
    await page.locator('[data-testid=owner][data-owner=sato]').waitFor();
    // By name and team, not the id (the team's name arrives with the settings).
    await page.getByTestId('owner').filter({ hasText: '佐藤 健（エンタープライズ営業部）' }).waitFor();
    // Accepted: the page offers what comes next (qualify), no second accept and no hand-off by hand
    expect(await page.locator('form[data-form=accept]').count()).toBe(0);
    expect(await page.locator('form[data-form=qualify]').count()).toBe(1);
    expect(await page.locator('form[data-form=handoff]').count()).toBe(0);
    // The accept clock now says when it was met; the first-contact clock runs on.
    await page
      .getByTestId('accept-clock')
      .filter({ hasText: /^受諾: \d{4}-\d{2}-\d{2} / })
      .waitFor();
    expect(await page.getByTestId('first-contact-clock').textContent()).toMatch(/^初回接触期限: \d{4}-/);

    // Act 2: log a connected call
    const activity = page.locator('form[data-form=activity]');
    await activity.getByLabel('種類').selectOption('call');
    await activity.getByLabel('結果').selectOption('connected');
    await activity.getByLabel('メモ', { exact: true }).fill('課題をヒアリング。来期に予算化の予定。');
    // The owner plans the next call (in three days) with this one.
    await activity.getByLabel('次回連絡予定').fill(await localInput(page, clockNow() + 3 * 86_400_000));
    await activity.locator('button[data-action=activity]').click();
    await done(page, 'activity');
    // A connected call is the first contact: its clock is met; the planned call shows beside it.
    await page
      .getByTestId('first-contact-clock')
      .filter({ hasText: /^初回接触: \d{4}-/ })
      .waitFor();
    await page
      .getByTestId('follow-up')
      .filter({ hasText: /^次回連絡予定: \d{4}-\d{2}-\d{2} \d{2}:\d{2}$/ })
      .waitFor();

    // Act 3: save what the call told (half of BANTCH) → stored, the stage stays sal, SQL's missing items shown
    const qualify = page.locator('form[data-form=qualify]');
    await qualify.getByLabel('予算').fill('年間500万円');
    await qualify.getByLabel('決裁権').fill('情報システム部長');
    await qualify.locator('button[data-action=bantch]').click();
    await done(page, 'qualify');
    await page.getByTestId('missing').waitFor();
    expect(await page.getByTestId('missing').textContent()).toMatch(/ニーズ.*導入時期/);
    expect(await page.getByTestId('missing').getAttribute('class')).toBe('notice');
    await page.getByTestId('bantch').getByText('年間500万円').waitFor();
    // The reload that shows the saved deal keeps the form's confirmation (it once remounted the form).
    expect(await page.locator('form[data-form=qualify] [role=status]').textContent()).toContain(
      '完了しました',
    );
    expect(await page.locator('form[data-form=qualify] input[name=budget]').inputValue()).toBe('年間500万円');
    expect(await page.getByTestId('stage').textContent()).toBe('SAL');
    const saved = (await (await api(runtime).opsGet(`/v1/ops/leads/${waiting.leadId}`)).json()) as {
      stage: string;
      deal: { bantch: Record<string, string> | null } | null;
      timeline: { type: string; properties?: { items?: string; by?: string } }[];
    };
    expect(saved.stage).toBe('sal');
    expect(saved.deal?.bantch).toEqual({ budget: '年間500万円', authority: '情報システム部長' });
    expect(saved.timeline.find((e) => e.type === 'bantch_recorded')?.properties).toEqual({
      items: 'budget,authority',
      by: 'sato',
    });
    await settled(page);
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, 'lead-bantch-saved');

    // Act 4: qualify with only what was saved → the API's 422 names the missing items, nothing changes
    await qualify.locator('button[data-action=qualify]').click();
    await qualify.getByRole('alert').waitFor();
    expect(await page.getByTestId('missing').textContent()).toMatch(/ニーズ.*導入時期/);
    expect(await qualify.getByRole('alert').textContent()).toMatch(/^入力内容を確認してください \(422\): /);
    expect(await page.getByTestId('stage').textContent()).toBe('SAL');
    await shot(page, 'lead-qualify-422');

    // Act 5: on the next call, qualify with only the remaining items (the saved ones are on the deal) → SQL
    await qualify.getByLabel('予算').fill('');
    await qualify.getByLabel('決裁権').fill('');
    await qualify.getByLabel('ニーズ').fill('営業とマーケの連携');
    await qualify.getByLabel('導入時期').fill('2027年4月');
    const sent = page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith('/qualify'));
    await qualify.locator('button[data-action=qualify]').click();
    expect((await sent).postDataJSON()).toMatchObject({
      bant: { needs: '営業とマーケの連携', timing: '2027年4月' },
    });
    expect(Object.keys((await sent).postDataJSON().bant as object)).toEqual(['needs', 'timing']);
    await page.getByTestId('stage').filter({ hasText: /^SQL$/ }).waitFor();
    await page.getByTestId('bantch').getByText('2027年4月').waitFor();
    expect(await page.getByTestId('bantch').textContent()).toContain('情報システム部長');

    // Act 6: convert → opportunity (JPY, expected close date)
    const convert = page.locator('form[data-form=convert]');
    await convert.getByLabel('金額').fill('3600000');
    await convert.getByLabel('受注予定日').fill('2027-03-31');
    await convert.locator('button[data-action=convert]').click();
    await page
      .getByTestId('stage')
      .filter({ hasText: /^商談$/ })
      .waitFor();
    await page.getByTestId('opportunities').getByText('初回商談').waitFor();
    // An open opportunity is won or lost through its phase: no convert, disqualify or recycle form; BANTCH
    // can still be saved (the budget confirmed during the deal), with no qualify button
    await page.locator('form[data-form=bantch]').waitFor();
    expect(await page.locator('section[aria-labelledby=h-actions] form').count()).toBe(1);
    expect(await page.locator('section[aria-labelledby=h-actions] button[data-action=qualify]').count()).toBe(
      0,
    );
    expect(await page.getByTestId('no-actions').count()).toBe(0);
    await page.getByTestId('deal-decides').waitFor();

    // Act 7: move the opportunity to the proposal phase
    const move = page.locator('form[data-form=opportunity]');
    await move.getByLabel('フェーズ').selectOption('proposal');
    await move.locator('button[data-action=opportunity]').click();
    await page.getByTestId('opportunities').getByText('提案').waitFor();
    await settled(page);
    expect(await page.getByTestId('bantch').textContent()).toContain('年間500万円');
    // The call and the deal read in Japanese: 「電話: 通話できた」, not the API's `call: connected`; 進行中, not open.
    const timeline = (await page.getByTestId('timeline').textContent()) ?? '';
    // The call and the next contact it planned, on one line.
    expect(timeline).toMatch(/電話: 通話できた \(次回連絡予定: \d{4}-\d{2}-\d{2} \d{2}:\d{2}\)/);
    expect(timeline).not.toContain('call:');
    expect(await page.locator('[data-testid=opportunities] tr[data-status=open]').textContent()).toContain(
      '進行中',
    );
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, 'lead-walk-sales');

    // Assert: the events in /_local/events, in order, each by the signed-in owner where it names one
    const events = await eventsOf(waiting.leadId);
    const types = events.map((e) => e['detail-type']);
    const order = [
      'Lead Accepted',
      'Lead First Contacted',
      'Lead Qualified',
      'Lead Converted',
      'Opportunity Created',
      'Opportunity Phase Changed',
    ];
    const positions = order.map((type) => types.indexOf(type));
    expect(
      positions.every((p) => p >= 0),
      `${types.join(', ')}`,
    ).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(types.filter((type) => type === 'Lead Qualified')).toHaveLength(1);
    const by = events.filter((e) => order.includes(e['detail-type'])).map((e) => e.detail.by);
    expect(by.filter((b) => b !== undefined).every((b) => b === 'sato')).toBe(true);
    const created = events.find((e) => e['detail-type'] === 'Opportunity Created')?.detail as
      | { amount?: number; currency?: string }
      | undefined;
    expect(JSON.stringify(created)).toContain('3600000');
    await page.context().close();
  });

  it('given the sales user, when the leads page opens, then it lists their own leads by default and downloads them as CSV', async () => {
    // Arrange
    const page = await signIn(browser, runtime, 'sales');

    // Act
    await page.goto(`${runtime.consoleUrl}#/leads`);
    await page.getByRole('heading', { name: '自分のリード' }).waitFor();
    await page.locator(`[data-testid=leads] tr[data-lead="${mine.leadId}"]`).waitFor();
    await settled(page);

    // Assert: only the signed-in owner's leads; CSV of the same list
    const cells = page.locator('[data-testid=leads] tbody tr td[data-owner]');
    const owners = await cells.evaluateAll((tds) => tds.map((td) => td.getAttribute('data-owner')));
    expect(owners.length).toBeGreaterThan(0);
    expect(owners.every((o) => o === 'sato')).toBe(true);
    // Shown by name, and the owner filter offers 「自分」 selected, then every owner by name (the names arrive
    // with the settings, which may come after the list).
    const filter = page.getByLabel('担当者');
    await filter.locator('option', { hasText: '高橋 誠' }).waitFor({ state: 'attached' });
    expect(new Set(await cells.allTextContents())).toEqual(new Set(['佐藤 健']));
    expect(await filter.inputValue()).toBe('me');
    // As their queue: the nearest deadline or planned contact first, across all their leads (sort=due).
    expect(await page.getByLabel('並び順').inputValue()).toBe('due');
    expect(await page.getByLabel('並び順').locator('option:checked').textContent()).toBe('期限が近い順');
    expect(await filter.locator('option').allTextContents()).toEqual(
      expect.arrayContaining(['すべて', '自分', '佐藤 健', '高橋 誠']),
    );
    // The demo request is not accepted yet: its row shows the accept deadline, in the future.
    const due = page.locator(`[data-testid=leads] tr[data-lead="${mine.leadId}"] td[data-due]`);
    expect(await due.getAttribute('data-due')).toBe('accept');
    expect(await due.textContent()).toMatch(/^受諾 \d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, 'leads-mine-sales');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'CSVダウンロード' }).click(),
    ]);
    const csv = readFileSync((await download.path()) ?? '', 'utf8');
    // BOM included (without it, Excel in Japan reads the file as Shift_JIS); a sheet for people in Japanese.
    expect(csv.startsWith('\uFEFF')).toBe(true);
    expect(csv.slice(1).split(/\r?\n/)[0]).toBe(
      '"リードID","メールアドレス","氏名","会社名","電話番号","ステージ","温度感","スコア","担当者","最終活動日時","期限の種類","対応期限","次回連絡予定"',
    );
    expect(csv).toContain(`${mine.email}","伊藤 さくら","株式会社ハンドオフ商会","03-1234-5678"`);
    expect(csv).toContain('"佐藤 健"');
    await page.context().close();
  });

  it('given marketing types a company as a rep would (half-width kana, with its legal form), when the list is filtered, then the lead of that company is listed, and only companies of that name', async () => {
    // Arrange
    const page = await signIn(browser, runtime, 'marketing');
    await page.goto(`${runtime.consoleUrl}#/leads`);

    // Act
    await page.getByLabel('会社名').fill('(株)ﾊﾝﾄﾞｵﾌ');
    await page.getByRole('button', { name: '絞り込み' }).click();

    // Assert
    await page.locator(`[data-testid=leads] tr[data-lead="${mine.leadId}"]`).waitFor();
    await settled(page);
    const names = await page.locator('[data-testid=leads] tbody tr td:nth-child(2)').allTextContents();
    expect(names.length).toBeGreaterThan(0);
    expect(names.every((n) => n.includes('ハンドオフ'))).toBe(true);
    expect(await page.getByLabel('会社名').inputValue()).toBe('(株)ﾊﾝﾄﾞｵﾌ');
    expect(await page.getByTestId('company-order').textContent()).toContain('会社名順');
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, 'leads-company-search');
    await page.context().close();
  });

  it('given a caller’s number as a phone system shows it (+81, no hyphens), when a rep searches it on the leads page, then the lead who gave it is listed with a link to call it, and a company and a phone search at once are refused before sending', async () => {
    // Arrange
    const page = await signIn(browser, runtime, 'sales');
    await page.goto(`${runtime.consoleUrl}#/leads`);
    await page.getByRole('heading', { name: '自分のリード' }).waitFor();

    // Act: the owner filter cleared (any lead, not only their own), the number typed
    await page.getByLabel('担当者').selectOption('');
    await page.getByLabel('電話番号').fill('+81 3 1234 5678');
    await page.getByRole('button', { name: '絞り込み' }).click();

    // Assert
    await page.getByTestId('phone-order').waitFor();
    await page.locator(`[data-testid=leads] tr[data-lead="${mine.leadId}"]`).waitFor();
    await settled(page);
    const calls = await page
      .locator('[data-testid=leads] tbody tr a[href^="tel:"]')
      .evaluateAll((links) => links.map((a) => a.getAttribute('href') ?? ''));
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.every((href) => href.replace(/\D/g, '').endsWith('12345678'))).toBe(true);
    expect(calls).toContain('tel:03-1234-5678');
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, 'leads-phone-search');

    // Both searches at once: the page says to choose one, and the list stays as it was.
    await page.getByLabel('会社名').fill('ハンドオフ');
    await page.getByRole('button', { name: '絞り込み' }).click();
    await page.getByText('会社名と電話番号は、どちらか一方で検索してください。').waitFor();
    expect(await page.getByTestId('phone-order').isVisible()).toBe(true);
    await page.context().close();
  });

  it('given a filter matching more than one page (1,005 leads), when marketing downloads the CSV, then the file holds every lead once, under one header, and the page says how many', async () => {
    // Arrange: 1,005 disqualified leads straight into the table (no other test lists that stage).
    const { batchWrite } = await import('#store/dynamodb');
    const { leadItems } = await import('#store/lead-items');
    const { listLead } = await import('../support/fixtures.ts');
    const at = clockNow();
    const ids = Array.from({ length: 1005 }, (_, n) => `e2e-dq-${String(n).padStart(4, '0')}`);
    const items = ids.flatMap((id, n) =>
      leadItems(listLead({ id, score: n % 50, temperature: 'cold', stage: 'disqualified' }, at)),
    );
    await batchWrite(items.map((Item) => ({ PutRequest: { Item } })));
    const page = await signIn(browser, runtime, 'marketing');
    await page.goto(`${runtime.consoleUrl}#/leads`);
    await page.getByLabel('ステージ').selectOption('disqualified');
    await page.getByRole('button', { name: '絞り込み' }).click();
    await page.locator('[data-testid=leads] tr[data-lead]').first().waitFor();

    // Act
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'CSVダウンロード' }).click(),
    ]);

    // Assert
    const lines = readFileSync((await download.path()) ?? '', 'utf8')
      .split('\r\n')
      .filter(Boolean);
    expect(lines[0]).toBe(
      '\uFEFF"リードID","メールアドレス","氏名","会社名","電話番号","ステージ","温度感","スコア","担当者","最終活動日時","期限の種類","対応期限","次回連絡予定"',
    );
    const listed = lines.slice(1).map((l) => l.slice(1, l.indexOf('"', 1)));
    expect(listed).toHaveLength(1005);
    expect(new Set(listed)).toEqual(new Set(ids));
    expect(lines.slice(1).every((l) => l.includes('"失格","コールド"'))).toBe(true);
    await page.getByRole('status').filter({ hasText: '1005 件をダウンロードしました' }).waitFor();
    await page.context().close();
  });

  it('given a CSV with a bad row, when marketing previews and runs the import for an owner, then the mapping, the summary and the rejected row (line, reason) show, and only the good row is imported, handed off to that owner, who is mailed once', async () => {
    // Arrange
    const good = uniqueEmail('console-import-good');
    const file = `会社名,氏名,メールアドレス,電話番号,名刺メモ\n株式会社インポート,山本 一郎,${good},03-1234-5678,展示会で名刺交換\n株式会社エラー,田中 次郎,not-an-address,03-0000-0000,\n`;
    const page = await signIn(browser, runtime, 'marketing');
    await page.goto(`${runtime.consoleUrl}#/import`);
    await page.getByRole('heading', { name: 'インポート', exact: true }).waitFor();

    // Act 1: upload → preview (dry run)
    await page.getByLabel('CSVファイルをアップロード').setInputFiles({
      name: 'tenjikai.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(file, 'utf8'),
    });
    await page.getByLabel('チャネル').selectOption('event');
    await page.getByLabel('取得元').fill('展示会 2026 東京');
    // The owners arrive with the settings: chosen by name, grouped by team.
    await page.locator('select[name=owner] option[value=suzuki]').waitFor({ state: 'attached' });
    await page.getByLabel('担当者に割り当て').selectOption({ label: '鈴木 花子' });
    await page.getByRole('button', { name: 'プレビュー' }).click();
    await page.getByTestId('preview').waitFor();

    // Assert: the mapping, what would happen, nothing written yet
    const mapping = await page.locator('[data-testid=mapping] tbody tr').allTextContents();
    // Each column with the field it fills, in the console's words (not `email`, `company`).
    expect(mapping).toContain('メールアドレスメールアドレス');
    expect(mapping).toContain('会社名会社名');
    expect(mapping).toContain('氏名氏名');
    expect(mapping).toContain('名刺メモ取り込まない');
    expect(await page.locator('[data-testid=preview] [data-figure=created]').textContent()).toBe('1');
    expect(await page.locator('[data-testid=preview] [data-testid=rejected] tbody tr').count()).toBe(1);
    expect((await api(runtime).opsGet(`/v1/ops/leads?email=${encodeURIComponent(good)}`)).status).toBe(404);
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, 'import-preview-marketing');

    // Act 2: run
    await page.locator('button[data-action=run-import]').click();
    await page.getByTestId('summary').waitFor();

    // Assert: the summary, the rejected row with its line and reason, the good row imported
    const summary = page.getByTestId('summary');
    expect(await summary.locator('[data-figure=created]').textContent()).toBe('1');
    expect(await summary.locator('[data-figure=rejected]').textContent()).toBe('1');
    const cells = await summary.locator('[data-testid=rejected] tbody tr td').allTextContents();
    expect(cells[0]).toBe('3');
    expect(cells[1]).toBe('not-an-address');
    // In the console's words: the field at fault and what is wrong with it, not the API's English.
    expect(cells[2]).toBe('メールアドレス: 形式が正しくありません(@がありません)');
    const imported = await api(runtime).opsGet(`/v1/ops/leads?email=${encodeURIComponent(good)}`);
    expect(imported.status).toBe(200);
    expect(((await imported.json()) as { owner: { ownerId: string } | null }).owner?.ownerId).toBe('suzuki');
    // 鈴木 is told once, with the list (marketing imported it for them).
    expect(await summary.getByTestId('owner-mail').textContent()).toBe(
      '担当者に、割り当てたリードの一覧をメールで知らせました。',
    );
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      summary.getByRole('button', { name: 'エラー行をCSVでダウンロード' }).click(),
    ]);
    const errors = readFileSync((await download.path()) ?? '', 'utf8');
    expect(
      errors
        .replace(/^\uFEFF/, '')
        .split('\r\n')
        .slice(0, 2),
    ).toEqual([
      '行,メールアドレス,理由',
      `3,not-an-address,${cells[2]?.includes(',') ? `"${cells[2]}"` : cells[2]}`,
    ]);
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, 'import-summary-marketing');
    await page.context().close();
  });

  it('given a business card, when a sales rep enters it on リードを登録 (address typed full-width), then the lead is stored under its normalized address with the consent basis and handed off to the rep; the same address again updates that lead; a bad phone number never leaves the browser', async () => {
    // Arrange
    const email = uniqueEmail('console-entry');
    const fullWidth = email.replace(/[!-~]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));
    const page = await signIn(browser, runtime, 'sales');
    await page.goto(`${runtime.consoleUrl}#/leads`);
    await page.getByRole('link', { name: 'リードを登録' }).click();
    await page.getByRole('heading', { name: 'リードを登録', exact: true }).waitFor();
    // The rep's own name is the default owner once the settings arrive.
    await page.locator('select[name=owner] option[value=sato]').waitFor({ state: 'attached' });
    const fill = async (phone: string) => {
      await page.getByLabel('メールアドレス').fill(fullWidth);
      await page.getByLabel('会社名').fill('株式会社名刺交換');
      await page.getByLabel('部署').fill('情報システム部');
      await page.getByLabel('役職').fill('部長');
      await page.getByLabel('姓', { exact: true }).fill('山田');
      await page.getByLabel('名', { exact: true }).fill('花子');
      await page.getByLabel('電話番号').fill(phone);
      await page
        .getByLabel('メモ・問い合わせ内容')
        .fill('展示会ブースで名刺交換。来期に基幹システム更改の予定');
      await page.getByLabel('チャネル').selectOption('event');
      await page.getByLabel('取得元').fill('展示会 2026 東京');
      await page.getByLabel('同意の根拠').selectOption('business_card');
    };

    // Act 1: a phone number with letters in it
    await fill('03-1234-ABCD');
    await page.getByRole('button', { name: '登録', exact: true }).click();

    // Assert 1: the browser refuses it; nothing reached the API
    expect(
      await page.getByLabel('電話番号').evaluate((el) => (el as HTMLInputElement).validity.patternMismatch),
    ).toBe(true);
    expect((await api(runtime).opsGet(`/v1/ops/leads?email=${encodeURIComponent(email)}`)).status).toBe(404);

    // Act 1b: an address mistyped without its @ (the browser takes any text; the API refuses it)
    await page.getByLabel('電話番号').fill('０３－１２３４－５６７８');
    await page.getByLabel('メールアドレス').fill('meishi.example.co.jp');
    await page.getByRole('button', { name: '登録', exact: true }).click();
    const refused = page.getByRole('alert').filter({ hasText: '入力内容に誤りがあります' });
    await refused.waitFor();

    // Assert 1b: the refusal in Japanese, naming the field and what is wrong; nothing stored
    expect(await refused.textContent()).toBe('入力内容に誤りがあります (400): メールアドレス: @がありません');
    await shot(page, 'new-lead-refused-sales');

    // Act 2: the right address, the number as written on the card (full-width digits and dashes)
    await page.getByLabel('メールアドレス').fill(fullWidth);
    await page.getByRole('button', { name: '登録', exact: true }).click();
    const status = page.getByRole('status').filter({ hasText: 'リードを登録しました' });
    await status.waitFor();

    // Assert 2: stored under the normalized address, the basis recorded, handed off to the rep
    expect(await status.textContent()).toContain('佐藤 健 に割り当てました');
    const leadId = await leadIdOf(email);
    expect(await status.getAttribute('data-lead')).toBe(leadId);
    const lead = (await (await api(runtime).opsGet(`/v1/ops/leads/${leadId}`)).json()) as {
      email: string;
      stage: string;
      owner: { ownerId: string } | null;
      attributes: Record<string, string>;
      consentHistory: { basis?: string; textVersion?: string; status?: string }[];
    };
    expect(lead.email).toBe(email);
    expect(lead.owner?.ownerId).toBe('sato');
    expect(lead.attributes).toMatchObject({
      company: '株式会社名刺交換',
      lastName: '山田',
      firstName: '花子',
      phone: '０３－１２３４－５６７８',
    });
    expect(JSON.stringify(lead.consentHistory)).toContain('basis:business_card');
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, 'new-lead-sales');

    // Act 3: the same card again (the form was emptied for the next one: the choices asked for again, the rep
    // still the owner)
    expect(await page.getByLabel('メールアドレス').inputValue()).toBe('');
    expect(await page.getByLabel('同意の根拠').inputValue()).toBe('');
    expect(await page.getByLabel('チャネル').inputValue()).toBe('');
    expect(await page.locator('select[name=owner]').inputValue()).toBe('sato');
    await fill('03-1234-5678');
    await page.getByRole('button', { name: '登録', exact: true }).click();

    // Assert 3: that lead updated, no second lead
    await page.getByRole('status').filter({ hasText: 'このアドレスのリードがあったため' }).waitFor();
    expect(await leadIdOf(email)).toBe(leadId);
    await page.getByRole('link', { name: 'リードを開く' }).click();
    await page
      .getByRole('heading', { name: /山田 花子/ })
      .first()
      .waitFor();
    await page.context().close();
  });

  it("given a lead who asks on a call to stop the mails, when the rep records the opt-out on the lead page, then marketing mail stops at once and the consent ledger shows it as the person's request, taken by the rep, with their note", async () => {
    // Arrange
    const { leadId } = await whitepaperLead('console-opt-out', '小川', '直子', '株式会社配信停止');
    const page = await signIn(browser, runtime, 'sales');
    await page.goto(`${runtime.consoleUrl}#/lead/${leadId}`);
    expect(await page.getByTestId('marketing-allowed').textContent()).toBe('可');

    // Act
    await page.getByTestId('opt-out').getByText('配信停止を記録').first().click();
    await page.getByLabel('依頼の内容(いつ、どのように)').fill('電話で本人より「案内メールは不要」');
    await page.getByRole('button', { name: '配信停止を記録' }).click();

    // Assert
    await page.getByTestId('marketing-allowed').filter({ hasText: '不可' }).waitFor();
    const ledger = await page.locator('[data-testid=consent] tbody tr').allTextContents();
    expect(
      ledger.some(
        (row) =>
          row.includes('撤回') &&
          row.includes('本人の依頼(担当者が記録) · 佐藤 健 · 「電話で本人より「案内メールは不要」」'),
      ),
    ).toBe(true);
    expect(await page.getByTestId('opt-out').count()).toBe(0);
    const lead = (await (await api(runtime).opsGet(`/v1/ops/leads/${leadId}`)).json()) as {
      marketing: { allowed: boolean; unsubscribeMethod?: string };
    };
    expect(lead.marketing).toMatchObject({ allowed: false, unsubscribeMethod: 'ops' });
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, 'lead-opt-out-sales');
    await page.context().close();
  });

  it('given a lead whose size a stranger’s post proposed, when the rep applies it and corrects the title heard on the phone, then the lead shows the new details, the fit follows and the timeline says who edited what', async () => {
    // Arrange: the address posted again with a larger company: proposed, not applied (the sender is unproven).
    const { leadId, email } = await whitepaperLead('console-edit', '森', '大輔', '株式会社編集テスト');
    const again = await api(runtime).postForm('whitepaper', {
      email,
      lastName: '森',
      firstName: '大輔',
      company: '株式会社編集テスト',
      employees: '1000-4999',
      consent: true,
    });
    expect(again.status).toBe(201);
    const before = (await (await api(runtime).opsGet(`/v1/ops/leads/${leadId}`)).json()) as {
      score: { fit: number };
    };
    const page = await signIn(browser, runtime, 'sales');
    await page.goto(`${runtime.consoleUrl}#/lead/${leadId}`);
    const proposals = page.getByTestId('proposals');
    expect(await proposals.locator('tr[data-field=employees]').textContent()).toContain('1000-4999');
    await shot(page, 'lead-proposals', false);

    // Act: apply the proposal, then correct the title with a note.
    await proposals.getByRole('button', { name: '反映' }).click();
    await proposals.waitFor({ state: 'detached' });
    await page.getByTestId('edit-details').getByText('基本情報を編集').first().click();
    const form = page.locator('form[data-form=edit]');
    expect(await form.getByLabel('従業員数').inputValue()).toBe('1000-4999');
    await form.getByLabel('役職').fill('情報システム部 部長');
    await form.getByLabel('確認した方法(任意)').fill('電話で本人に確認');
    await form.getByRole('button', { name: '保存' }).click();

    // Assert
    await page.getByTestId('edit-details').getByText('保存しました: 役職').waitFor();
    await page.locator('#h-lead + p').filter({ hasText: '情報システム部 部長' }).waitFor();
    const timeline = await page.getByTestId('timeline').locator('li').allTextContents();
    expect(timeline.some((l) => l.includes('基本情報の編集: 役職') && l.includes('電話で本人に確認'))).toBe(
      true,
    );
    expect(timeline.some((l) => l.includes('基本情報の編集: 従業員数'))).toBe(true);
    const after = (await (await api(runtime).opsGet(`/v1/ops/leads/${leadId}`)).json()) as {
      attributes: Record<string, string>;
      score: { fit: number };
      proposedAttributes: unknown;
    };
    expect(after.attributes).toMatchObject({ employees: '1000-4999', title: '情報システム部 部長' });
    expect(after.proposedAttributes).toBeNull();
    expect(after.score.fit).toBeGreaterThan(before.score.fit);
    // An address another lead has: refused in Japanese, nothing changed.
    await form.getByLabel('メールアドレス').fill(waiting.email);
    await form.getByRole('button', { name: '保存' }).click();
    await page
      .getByTestId('edit-details')
      .getByText('このメールアドレスは別のリードが使っています')
      .waitFor();
    expect(await leadIdOf(email)).toBe(leadId);
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, 'lead-edit-details');
    await page.context().close();
  });

  it('given marketing records an opt-out asked for by reply, then the consent ledger names them by name, not by their address', async () => {
    // Arrange
    const { leadId } = await whitepaperLead('console-opt-out-mkt', '大野', '恵', '株式会社返信停止');
    const page = await signIn(browser, runtime, 'marketing');
    await page.goto(`${runtime.consoleUrl}#/lead/${leadId}`);

    // Act
    await page.getByTestId('opt-out').getByText('配信停止を記録').first().click();
    await page.getByLabel('依頼の内容(いつ、どのように)').fill('メールの返信で配信停止の依頼');
    await page.getByRole('button', { name: '配信停止を記録' }).click();

    // Assert
    await page.getByTestId('marketing-allowed').filter({ hasText: '不可' }).waitFor();
    const ledger = await page.locator('[data-testid=consent] tbody tr').allTextContents();
    const row = ledger.find((r) => r.includes('撤回')) ?? '';
    expect(row).toContain(' · 中島 美穂 · ');
    expect(row).not.toContain('@');
    await page.context().close();
  });

  it('given a person who asks for their data and then for its erasure, when an administrator answers both from the lead page, then the export downloads as JSON, a mistyped confirmation erases nothing, and the erasure leaves nothing but the notice', async () => {
    // Arrange
    const { email, leadId } = await whitepaperLead('console-privacy', '石井', '聡', '株式会社開示請求');
    const page = await signIn(browser, runtime, 'admin');
    await page.goto(`${runtime.consoleUrl}#/lead/${leadId}`);
    const privacy = page.getByTestId('privacy');
    await privacy.waitFor();

    // Act 1: the disclosure request
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      privacy.getByRole('button', { name: 'データを書き出す(JSON)' }).click(),
    ]);

    // Assert 1
    expect(download.suggestedFilename()).toBe(`lead-${leadId}.json`);
    const exported = JSON.parse(readFileSync((await download.path()) ?? '', 'utf8')) as {
      leadId: string;
      items: { profile: { email: string } };
    };
    expect(exported).toMatchObject({ leadId, items: { profile: { email } } });

    // Act 2: the erasure, first with the address mistyped
    await privacy.getByText('このリードを削除').first().click();
    await privacy.getByLabel('削除の理由(受付番号など)').fill('本人からの削除請求(受付 2026-0412)');
    await privacy.getByLabel('確認のため、このリードのメールアドレスを入力してください').fill(`x${email}`);
    await privacy.getByRole('button', { name: 'このリードを削除' }).click();

    // Assert 2: refused in the browser, nothing erased
    await privacy.getByRole('alert').filter({ hasText: '削除していません' }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await privacy.screenshot({ path: `${SHOTS}/lead-privacy-admin.png` });
    expect((await api(runtime).opsGet(`/v1/ops/leads/${leadId}`)).status).toBe(200);

    // Act 3: typed right
    await privacy.getByLabel('確認のため、このリードのメールアドレスを入力してください').fill(email);
    await privacy.getByRole('button', { name: 'このリードを削除' }).click();

    // Assert 3
    await page.getByTestId('erased').waitFor();
    expect(await page.getByRole('heading', { name: 'リードを削除しました' }).count()).toBe(1);
    expect((await api(runtime).opsGet(`/v1/ops/leads/${leadId}`)).status).toBe(404);
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, 'lead-erased-admin');
    // Another lead named in the address bar shows that lead, not the notice.
    await page.goto(`${runtime.consoleUrl}#/lead/${waiting.leadId}`);
    await page.getByTestId('privacy').waitFor();
    expect(await page.getByTestId('erased').count()).toBe(0);
    await page.context().close();
  });

  it("given a sales rep or marketing on a lead page, then the privacy requests (export, erase) are not offered: they are the administrators' (the API refuses them too)", async () => {
    for (const role of ['sales', 'marketing'] as const) {
      const page = await signIn(browser, runtime, role);
      await page.goto(`${runtime.consoleUrl}#/lead/${waiting.leadId}`);
      await page.getByTestId('marketing-allowed').waitFor();
      expect(await page.getByTestId('privacy').count(), role).toBe(0);
      await page.context().close();
    }
  });

  it('given an address erased on request, when marketing enters it by hand, then the refusal is said in Japanese and nothing is stored', async () => {
    // Arrange
    const email = uniqueEmail('console-entry-erased');
    const created = (await (
      await api(runtime).opsPost('/v1/ops/leads', {
        email,
        channel: 'event',
        source: 'e2e',
        consentBasis: 'business_card',
      })
    ).json()) as { leadId: string };
    const erase = await fetch(`${runtime.apiUrl}/v1/ops/leads/${created.leadId}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${runtime.opsToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ reason: '本人からの削除依頼' }),
    });
    expect(erase.status).toBe(200);
    const page = await signIn(browser, runtime, 'marketing');
    await page.goto(`${runtime.consoleUrl}#/new-lead`);
    await page.getByLabel('メールアドレス').fill(email);
    await page.getByLabel('チャネル').selectOption('outbound');
    await page.getByLabel('取得元').fill('リスト 2026');
    await page.getByLabel('同意の根拠').selectOption('none');

    // Act
    await page.getByRole('button', { name: '登録', exact: true }).click();

    // Assert
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(
      /^.+ \(409\): このアドレスは本人の削除請求で削除したため、登録できません/,
    );
    expect((await api(runtime).opsGet(`/v1/ops/leads?email=${encodeURIComponent(email)}`)).status).toBe(404);
    // Marketing enters for nobody by default (scoring and routing decide).
    expect(await page.locator('select[name=owner]').inputValue()).toBe('');
    await page.context().close();
  });

  it('given a phone inquiry taken by marketing, when entered on リードを登録 as 問い合わせ・デモ依頼 with no owner, then it goes to the inquiry team at once, with the inquiry deadlines, under the channel 電話', async () => {
    // Arrange
    const email = uniqueEmail('console-phone-inquiry');
    const page = await signIn(browser, runtime, 'marketing');
    await page.goto(`${runtime.consoleUrl}#/new-lead`);
    await page.getByLabel('メールアドレス').fill(email);
    await page.getByLabel('会社名').fill('株式会社電話問合せ');
    await page.getByLabel('姓', { exact: true }).fill('中村');
    await page.getByLabel('電話番号').fill('06-1234-5678');
    await page.getByLabel('チャネル').selectOption('inbound_phone');
    await page.getByLabel('取得元').fill('代表電話');
    await page.getByLabel('同意の根拠').selectOption('none');
    await page.getByLabel('問い合わせ・デモ依頼(至急対応)').check();

    // Act
    await page.getByRole('button', { name: '登録', exact: true }).click();
    const status = page.getByRole('status').filter({ hasText: 'リードを登録しました' });
    await status.waitFor();

    // Assert: handed off to someone of the inquiry route's team, as an inquiry (its clocks)
    const leadId = (await status.getAttribute('data-lead')) ?? '';
    const lead = (await (await api(runtime).opsGet(`/v1/ops/leads/${leadId}`)).json()) as {
      owner?: { ownerId: string; team: string };
      channel: string;
    };
    expect(lead.owner?.team).toBe('inside-sales');
    expect(lead.channel).toBe('phone');
    expect(await status.textContent()).toMatch(/(小林 直樹|中村 あゆみ|吉田 拓也) に割り当てました/);
    // Whoever took the call sees by when the owner must accept and call back.
    expect(await status.textContent()).toMatch(/受諾期限: \S.* 初回接触期限: \S/);
    const { getLead } = await import('#store/leads');
    expect((await getLead(leadId))?.state.handoff).toMatchObject({
      trigger: 'inquiry',
      clocks: { accept: { hours: 0.5 } },
    });
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, 'new-lead-inquiry-marketing');
    await page.context().close();
  });

  it('given a file without an e-mail column, when marketing previews it, then the refusal says in Japanese what to fix (no preview)', async () => {
    // Arrange
    const page = await signIn(browser, runtime, 'marketing');
    await page.goto(`${runtime.consoleUrl}#/import`);
    await page.getByLabel('CSVファイルをアップロード').setInputFiles({
      name: 'meishi.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from('会社名,氏名,電話番号\n株式会社見出し違い,山田 太郎,03-1234-5678\n', 'utf8'),
    });
    await page.getByLabel('取得元').fill('名刺 2026');

    // Act
    await page.getByRole('button', { name: 'プレビュー' }).click();

    // Assert
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toBe(
      '入力内容に誤りがあります (400): メールアドレスの列がありません。見出しを「メールアドレス」または「email」にしてください',
    );
    expect(await page.getByTestId('preview').count()).toBe(0);
    await shot(page, 'import-no-email-column-marketing');
    await page.context().close();
  });

  it('given the import page, when marketing opens the list of columns it reads and downloads the template, then every field is listed with its Japanese headers, and the template previews with every column mapped', async () => {
    // Arrange
    const page = await signIn(browser, runtime, 'marketing');
    await page.goto(`${runtime.consoleUrl}#/import`);
    const columns = page.getByTestId('columns');

    // Act
    await columns.getByText('読み込める列').click();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      columns.getByRole('button', { name: 'ひな形CSVをダウンロード' }).click(),
    ]);
    const template = readFileSync((await download.path()) ?? '', 'utf8');
    await page.getByLabel('CSVファイルをアップロード').setInputFiles({
      name: 'leads-template.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(template, 'utf8'),
    });
    await page.getByRole('button', { name: 'プレビュー' }).click();
    await page.getByTestId('preview').waitFor();

    // Assert
    expect(await columns.locator('li[data-field=email]').textContent()).toMatch(
      /^メールアドレス \(必須\): メールアドレス、/,
    );
    expect(await columns.locator('li[data-field=company]').textContent()).toContain('会社名、会社、企業名');
    expect(await page.locator('[data-testid=mapping] td[data-field=""]').count()).toBe(0);
    expect(await page.locator('[data-testid=preview] [data-figure=rejected]').textContent()).toBe('0');
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, 'import-columns-marketing');
    await page.context().close();
  });

  it('given the settings page, when a template is chosen, then the API renders its preview for the sample lead', async () => {
    // Arrange
    const page = await signIn(browser, runtime, 'marketing');

    // Act
    await page.goto(`${runtime.consoleUrl}#/settings`);
    await page.locator('[data-testid=preview-subject], [role=alert]').first().waitFor();
    expect(await page.locator('[role=alert]').allTextContents()).toEqual([]);
    await settled(page);

    // Assert: the subject as the route renders it, the HTML part in a sandboxed frame
    const templateId = await page.locator('select[name=template]').inputValue();
    const preview = (await (
      await api(runtime).opsGet(`/v1/ops/settings/templates/${templateId}/preview`)
    ).json()) as { subject: string; html: string };
    expect(await page.getByTestId('preview-subject').textContent()).toBe(preview.subject);
    expect(await page.locator('iframe.mail').getAttribute('sandbox')).toBe('');
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, 'settings-preview-marketing');
    await page.context().close();
  });
  it('given the marketing user, when the settings page opens, then scoring, sequences, forms, hand-off, targets and deals read as tables in Japanese from config/, each with its full JSON folded', async () => {
    // Arrange: what the demo config says (config/*.ts), in the words the page should use
    const capped = scoring.behaviour?.rules?.find((r) => r.label && r.cap?.per === 'day');
    if (!capped?.cap) throw new Error('the demo config has no labelled behaviour rule capped per day');
    const nurture = sequences.find((q) => q.steps.some((s) => s.delay.unit === 'days' && s.delay.value > 0));
    const step = nurture?.steps.find((s) => s.delay.unit === 'days' && s.delay.value > 0);
    const subject = templates.find((tp) => tp.id === step?.templateId)?.locales.ja?.subject;
    if (!nurture || !step || !subject) throw new Error('the demo config has no delayed step with a subject');
    const team = handoff.teams[0];
    const member = handoff.owners.find((o) => o.team === team?.teamId);
    const sla = handoff.sla;
    if (!team || !member || !sla?.hours || !sla.businessHours || !sla.firstContact?.businessHours)
      throw new Error('the demo config has no team with an owner, or no business-hours SLA');

    // Act
    const page = await signIn(browser, runtime, 'marketing');
    await page.goto(`${runtime.consoleUrl}#/settings`);
    await page.locator('[data-testid=behaviour-rules], [role=alert]').first().waitFor();
    expect(await page.locator('[role=alert]').allTextContents()).toEqual([]);
    await settled(page);

    // Assert: a behaviour rule by its Japanese label, with its points and its cap in words
    const rule = page.locator(`[data-testid=behaviour-rules] tr[data-rule="${capped.id}"]`);
    expect(await rule.locator('th').textContent()).toBe(capped.label);
    expect(await rule.locator('[data-points]').textContent()).toBe(`+${capped.points}`);
    expect(await rule.locator('[data-cap]').textContent()).toBe(`1日${capped.cap.points}点まで`);
    // … the thresholds as configured
    const thresholds = await page.getByTestId('score-thresholds').textContent();
    expect(thresholds).toContain(`ホット${scoring.temperature?.hot}点以上`);
    expect(thresholds).toContain(`MQL${scoring.stages?.mql}点以上`);
    // … a sequence's step: its delay in days and its template by subject
    const row = page.locator(`[data-sequence="${nurture.id}"] tr[data-step="${step.id}"]`);
    expect(await page.locator(`[data-sequence="${nurture.id}"] h3`).textContent()).toContain(nurture.name);
    expect(await row.locator('[data-delay]').textContent()).toBe(`${step.delay.value}日後`);
    expect(await row.locator('[data-subject]').textContent()).toBe(subject);
    // … a team with its owners by name, and the SLA clocks in business hours
    const teamRow = page.locator(`[data-testid=teams] tr[data-team="${team.teamId}"]`);
    expect(await teamRow.locator('th').textContent()).toBe(team.name);
    expect(await teamRow.locator('td').textContent()).toContain(member.name);
    // … whom the owners' alert mails go to, in words
    const handoffSection = await page.locator('section[data-section=handoff]').textContent();
    expect(handoffSection).toContain('担当者へのメール通知割り当て、再割り当て、期限超過、次回連絡予定');
    expect(handoffSection).toContain(
      '本日の対応予定メール営業日の 08:30(期限超過・本日期限・本日の次回連絡予定)',
    );
    const clocks = await page.getByTestId('sla-clocks').textContent();
    expect(clocks).toContain(`受諾期限${sla.hours}営業時間以内`);
    expect(clocks).toContain(`初回接触期限${sla.firstContact.hours}営業時間以内`);
    // … a route's clock under an hour in minutes (the demo request: accepted within 30 business minutes)
    const inquiry = handoff.routes?.find((r) => r.trigger === 'inquiry');
    if (!inquiry?.accept) throw new Error('the demo config has no inquiry route with an accept clock');
    const inquiryRow = page.locator('[data-testid=routes] tr[data-trigger=inquiry]');
    expect(await inquiryRow.textContent()).toContain(`営業時間内${inquiry.accept.hours * 60}分以内`);
    // … the monthly targets: the steady plan first, then the months that replace it
    const every = reports.targets?.everyMonth;
    if (!every?.leads) throw new Error('the demo config has no every-month lead target');
    const months = page.locator('[data-testid=targets] tbody tr[data-month]');
    expect(await months.first().getAttribute('data-month')).toBe('everyMonth');
    expect(await months.first().locator('th').textContent()).toBe('毎月(個別の月以外)');
    expect(await months.first().locator('td').first().textContent()).toBe(every.leads.toLocaleString());
    expect(await months.count()).toBe(1 + Object.keys(reports.targets?.months ?? {}).length);
    // … no raw JSON in sight: every section's JSON is folded
    const sections = page.locator('section[data-section]');
    expect(await sections.count()).toBe(6);
    expect(await page.locator('section[data-section] details.json').count()).toBe(6);
    expect(await page.locator('section[data-section] details.json[open]').count()).toBe(0);
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, 'settings-readable-marketing');

    // Act: the same page on a phone
    await page.setViewportSize({ width: 390, height: 844 });
    await settled(page);

    // Assert: the page itself does not scroll sideways (wide tables scroll in their own wrapper)
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, 'settings-readable-marketing-phone');

    // Act: the English UI
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('heading', { name: 'Behaviour rules' }).waitFor();

    // Assert: the same rule with its cap in English words; the label stays marketing ops' own
    expect(await rule.locator('th').textContent()).toBe(capped.label);
    expect(await rule.locator('[data-cap]').textContent()).toBe(`up to ${capped.cap.points} per day`);
    expect(await row.locator('[data-delay]').textContent()).toBe(`${step.delay.value} days later`);
    await page.context().close();
  });
});
