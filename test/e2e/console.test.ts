import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '#local/runtime';
import { wholeWeeks } from '../../console/src/weeks.ts';
import {
  browserProblems,
  launchChromium,
  seriousViolations,
  settled,
  shot,
  signIn as signInAs,
} from '../support/console-browser.ts';
import { api, startTestRuntime, uniqueEmail } from '../support/runtime.ts';

/**
 * The web console in Chromium against the local runtime: people sign in with the demo users of `npm start`
 * (the same JWT flow as Cognito), the dashboard shows what the report routes say, a sales user is refused
 * what is not theirs, and axe-core finds no serious accessibility violation. Screenshots of every page go to
 * test-results/console/ (git-ignored) for a person to look at. The working pages (call list, the walk of a
 * lead, import) are in console-work.test.ts.
 */
let runtime: Runtime;
let browser: Browser;
const leadIds: string[] = [];

beforeAll(async () => {
  runtime = await startTestRuntime();
  const { postForm, opsGet } = api(runtime);
  for (const [i, employees] of ['300-999', '50-299', '300-999'].entries()) {
    const email = uniqueEmail(`console-${i}`);
    const response = await postForm('contact', {
      email,
      lastName: ['山田', '佐々木', '高木'][i],
      firstName: ['太郎', '花子', '一郎'][i],
      company: `株式会社コンソール試験${i}`,
      employees,
      consent: true,
    });
    expect(response.status).toBe(201);
    leadIds.push(
      (
        (await (await opsGet(`/v1/ops/leads?email=${encodeURIComponent(email)}`)).json()) as {
          leadId: string;
        }
      ).leadId,
    );
  }
  await runtime.settle();
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await runtime?.stop();
});

const signIn = (group: string, viewport?: { width: number; height: number }): Promise<Page> =>
  signInAs(browser, runtime, group, viewport);

const report = async (path: string) =>
  (await (await api(runtime).opsGet(path)).json()) as Record<string, unknown>;

describe('web console in Chromium', () => {
  it("given the marketing user, when signed in, then the dashboard shows the report routes' figures and has no serious a11y violation", async () => {
    // Arrange
    const page = await signIn('marketing');

    // Act
    await page.goto(`${runtime.consoleUrl}#/dashboard`);
    await page.getByTestId('attainment').waitFor();
    await page.getByTestId('funnel').waitFor();
    await settled(page);

    // Assert: this month's actuals and the funnel's total row equal the routes' JSON
    const month = (await report('/v1/ops/reports/leads?interval=month')) as {
      series: { actual: Record<string, number> }[];
    };
    const actual = month.series[0]?.actual ?? {};
    expect(actual.leads).toBeGreaterThanOrEqual(3);
    for (const metric of ['leads', 'mql', 'sql', 'opportunities']) {
      const cell = page.locator(`[data-testid=attainment] tr[data-metric=${metric}] td[data-actual]`);
      expect(await cell.textContent(), metric).toBe((actual[metric] ?? 0).toLocaleString('ja-JP'));
    }
    const funnel = (await report('/v1/ops/reports/funnel?groupBy=channel')) as {
      rows: { group: string; counts: { lead: number } }[];
    };
    for (const row of funnel.rows) {
      const first = page.locator(`[data-testid=funnel] tr[data-group="${row.group}"] td`).first();
      expect(await first.textContent()).toContain(String(row.counts.lead));
    }
    const scores = (await report('/v1/ops/reports/scores')) as { histogram: { count: number }[] };
    const shown = await page.locator('[data-testid=scores] tbody tr td.num').allTextContents();
    expect(shown.map(Number)).toEqual(scores.histogram.map((b) => b.count));
    expect(await seriousViolations(page)).toEqual([]);
    // In Japanese: the metrics, the funnel's stages and channels, the chart's legend (no API ids, no English)
    expect(await page.locator('[data-testid=attainment] tbody th').allTextContents()).toEqual([
      'リード',
      'MQL',
      'SQL',
      '商談',
    ]);
    expect(await page.locator('[data-testid=funnel] thead th').allTextContents()).toEqual([
      'チャネル',
      'リード',
      'MQL',
      'TQL',
      'SAL',
      'SQL',
      '商談',
      '顧客',
    ]);
    expect(await page.locator('[data-testid=funnel] tr[data-group=direct] th').textContent()).toBe(
      '直接流入',
    );
    await page.waitForSelector('.uplot');
    expect(await page.locator('.u-legend').textContent()).not.toContain('Value');
    // No second title under the card's heading (the axis' short dates are drawn on the canvas: see charts.ts)
    expect(await page.locator('.u-title').count()).toBe(0);
    // Teams and sequences by their configured names; the main menu is named in Japanese too
    await page
      .locator('[data-testid=sla] tr[data-group=inside-sales] th', { hasText: 'インサイドセールス部' })
      .waitFor();
    // Both SLA clocks of the weekly review: accepted in time and first contact in time, each from the report.
    expect(await page.locator('[data-testid=sla] thead th').allTextContents()).toEqual([
      'チーム',
      'ハンドオフ数',
      '受諾',
      '初回接触',
    ]);
    const sla = (await report('/v1/ops/reports/sla?groupBy=team')) as {
      total: { complianceRate: number | null; firstContactComplianceRate: number | null };
    };
    const percent = (rate: number | null) => (rate === null ? '—' : `${(rate * 100).toFixed(1)}%`);
    const total = page.locator('[data-testid=sla] tbody tr').last();
    expect(await total.locator('td[data-clock=accept]').textContent()).toContain(
      percent(sla.total.complianceRate),
    );
    expect(await total.locator('td[data-clock=first-contact]').textContent()).toContain(
      percent(sla.total.firstContactComplianceRate),
    );
    for (const row of await page.locator('[data-testid=email] tbody tr').all()) {
      expect(await row.locator('th').textContent()).not.toBe(await row.getAttribute('data-group'));
    }
    expect(await page.getByRole('navigation').getAttribute('aria-label')).toBe('メインメニュー');
    await shot(page, 'dashboard-marketing-ja');
    // The README's picture (docs/console-dashboard.png is copied from this one): the first screen only.
    await page.waitForSelector('.uplot');
    await shot(page, 'dashboard-readme', false);

    // The English switch
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('heading', { name: 'This month against targets' }).waitFor();
    // The chart is drawn again: its legend names the channels in English too.
    await page.locator('.u-legend', { hasText: 'Direct' }).waitFor();
    expect(await page.locator('.u-legend').textContent()).not.toContain('直接流入');
    await shot(page, 'dashboard-marketing-en');
    await page.context().close();
  });

  it('given the sales user on a phone, when signed in, then the call list opens, and the dashboard is refused with a 403 shown', async () => {
    // Arrange
    const page = await signIn('sales', { width: 390, height: 844 });

    // Assert: sales lands on the call list
    await page.getByRole('heading', { name: 'コールリスト' }).waitFor();
    await settled(page);
    expect(await seriousViolations(page)).toEqual([]);

    // Act: a page that is not theirs (reports need marketing or admin)
    await page.goto(`${runtime.consoleUrl}#/dashboard`);
    await page.locator('[data-status="403"]').first().waitFor();

    // Assert
    expect(await page.locator('[data-status="403"]').first().textContent()).toMatch(
      /権限がありません \(403\)/,
    );
    await shot(page, 'dashboard-refused-sales');
    await page.context().close();
  });

  it("given the sales user on a lead page, when an action is applied and the same one sent again from a stale tab, then only the actions the API takes are offered, the API's refusal shows, the event records them as `by` from the token, and erasure stays admin-only", async () => {
    // Arrange
    const page = await signIn('sales');
    const leadId = leadIds[0] ?? '';
    await page.goto(`${runtime.consoleUrl}#/lead/${leadId}`);
    await page.getByTestId('stage').waitFor();
    await settled(page);
    expect(await seriousViolations(page)).toEqual([]);
    // A lead short of SQL: no opportunity to open, nothing to qualify (BANTCH can only be saved); it can be
    // disqualified
    expect(await page.locator('form[data-form=convert]').count()).toBe(0);
    expect(await page.locator('form[data-form=qualify]').count()).toBe(0);
    expect(await page.locator('form[data-form=bantch] button').count()).toBe(1);
    // The same user in a second tab (the session lives in each tab's sessionStorage)
    const session = await page.evaluate(() => sessionStorage.getItem('leadloop.session') ?? '');
    const stale = await page.context().newPage();
    await stale.addInitScript((s) => sessionStorage.setItem('leadloop.session', s), session);
    await stale.goto(`${runtime.consoleUrl}#/lead/${leadId}`);
    await stale.locator('form[data-form=disqualify]').waitFor();

    // Act: disqualify with a reason, then again from the tab opened before (409 with the API's message)
    await page.locator('form[data-form=disqualify] input[name=reason]').fill('予算なし');
    await page.locator('button[data-action=disqualify]').click();
    await page.getByTestId('stage').filter({ hasText: '失格' }).waitFor();
    const again = stale.locator('form[data-form=disqualify]');
    await again.locator('input[name=reason]').fill('予算なし');
    await again.locator('button[data-action=disqualify]').click();
    await again.getByRole('alert').waitFor();
    expect(await again.getByRole('alert').textContent()).toMatch(
      /^ほかの操作で状態が変わりました。画面を再読み込みしてください \(409\): cannot disqualify a lead in stage 'disqualified'/,
    );
    await stale.close();

    // Assert: a disqualified lead offers no sales action, and no hand-off by hand
    await page.getByTestId('no-actions').waitFor();
    expect(await page.locator('section[aria-labelledby=h-actions] form').count()).toBe(0);
    expect(await page.locator('section[aria-labelledby=h-owner] form').count()).toBe(0);
    await runtime.settle();
    await shot(page, 'lead-actions-sales');

    // Assert: `by` is the signed-in owner (sato), from the token
    const events = runtime.events() as unknown as { detail: { leadId?: string; by?: string } }[];
    const mine = events.filter((e) => e.detail?.leadId === leadId && e.detail.by !== undefined);
    expect(mine.map((e) => e.detail.by)).toContain('sato');
    expect(mine.every((e) => e.detail.by === 'sato')).toBe(true);
    const token = await page.evaluate(
      () => JSON.parse(sessionStorage.getItem('leadloop.session') ?? '{}').idToken,
    );
    const erase = await fetch(`${runtime.apiUrl}/v1/ops/leads/${leadId}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ reason: '本人からの削除依頼' }),
    });
    expect(erase.status).toBe(403);
    expect(((await erase.json()) as { error: { message: string } }).error.message).toMatch(
      /needs one of the roles admin/,
    );
    await page.context().close();
  });

  it('given the marketing user on a phone, when the import, entry and settings pages open, then no form is wider than the screen', async () => {
    // Arrange
    const page = await signIn('marketing', { width: 390, height: 844 });

    for (const [route, heading] of [
      ['import', 'インポート'],
      ['new-lead', 'リードを登録'],
      ['settings', 'メールテンプレートのプレビュー'],
    ] as const) {
      // Act
      await page.goto(`${runtime.consoleUrl}#/${route}`);
      await page.getByRole('heading', { name: heading, exact: true }).first().waitFor();
      await settled(page);

      // Assert: nothing scrolls sideways (the file picker and the template select used to)
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, route).toBe(0);
      await shot(page, `${route}-phone`);
    }
    await page.context().close();
  });

  it('given an e-mail no lead has, when it is looked up on the leads page, then the 404 is said in Japanese, not as a bare status', async () => {
    // Arrange
    const page = await signIn('marketing');
    await page.goto(`${runtime.consoleUrl}#/leads`);
    await settled(page);

    // Act
    await page.getByLabel('メール', { exact: true }).fill('nobody-here@example.co.jp');
    await page.getByRole('button', { name: '開く' }).click();

    // Assert
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/^見つかりません \(404\): /);
    await shot(page, 'leads-lookup-404');
    await page.context().close();
  });

  it('given a handed-off lead, when marketing opens it in Tokyo, then the accept deadline is shown in Tokyo time, not as UTC', async () => {
    // Arrange
    const leadId = leadIds[1] ?? '';
    const view = (await report(`/v1/ops/leads/${leadId}`)) as { handoff: { dueAt: string } };
    const due = new Date(Date.parse(view.handoff.dueAt) + 9 * 3_600_000).toISOString();
    // The follow-up mail opened (as SES reports it: the run's sequence and step, no template id).
    const { putTimelineEntry } = await import('#store/leads');
    const { timelineEntry } = await import('#app/nurture-timeline');
    const { now } = await import('#adapters/clock');
    const at = now();
    await putTimelineEntry(
      leadId,
      timelineEntry(`ses:e2e-${leadId}:open`, 'email_open', at, {
        messageId: `e2e-${leadId}`,
        sequenceId: 'inquiry-followup',
        stepId: 'owner-intro',
      }),
    );
    // The run's one step, sent: its line also says the run completed.
    await putTimelineEntry(
      leadId,
      timelineEntry(`e2e-${leadId}:sent`, 'email_sent', at - 1, {
        messageId: `e2e-${leadId}`,
        sequenceId: 'inquiry-followup',
        stepId: 'owner-intro',
        completesSequence: true,
      }),
    );
    const page = await signIn('marketing');

    // Act
    await page.goto(`${runtime.consoleUrl}#/lead/${leadId}`);
    await page.getByTestId('stage').waitFor();
    await settled(page);

    // Assert
    expect(await page.locator('section[aria-labelledby=h-owner]').textContent()).toContain(
      `受諾期限: ${due.slice(0, 10)} ${due.slice(11, 16)}`,
    );
    // …and the rest of the page in Japanese: touches, stage history and timeline show labels, not API ids
    // (names come from the settings, which may arrive after the lead)
    await page.locator('section[aria-labelledby=h-lead]', { hasText: 'お問い合わせ' }).waitFor();
    const header = await page.locator('section[aria-labelledby=h-lead]').textContent();
    // (the form by its name, as marketing ops wrote it in config/forms.ts)
    expect(header).toContain('初回接点: 直接流入 · お問い合わせ · ');
    expect(header).not.toContain('channel=');
    expect(header).not.toContain('contact');
    expect(await page.getByTestId('stage-history').textContent()).toContain('購読者');
    expect(await page.getByTestId('stage-history').textContent()).not.toContain('subscriber');
    const timeline = (await page.getByTestId('timeline').textContent()) ?? '';
    expect(timeline).toContain('フォーム送信: お問い合わせ');
    // The sequence by its name, not `inquiry-followup`.
    expect(timeline).toContain('シーケンス開始: お問い合わせ後フォロー');
    // A mail by its subject, then its sequence.
    expect(timeline).toContain('メール開封: 担当者よりご連絡いたします (お問い合わせ後フォロー)');
    expect(timeline).toContain(
      'メール送信: 担当者よりご連絡いたします (お問い合わせ後フォロー) · シーケンス完了',
    );
    expect(timeline).not.toMatch(/[a-z]+_[a-z]+|inquiry-followup/);
    const consent = (await page.getByTestId('consent').textContent()) ?? '';
    expect(consent).toContain('お問い合わせ · 同意文言 ');
    await shot(page, 'lead-labels');
    await page.context().close();
  });

  it('given the admin user, when they open every page, then each renders without a serious a11y violation and without an error in the browser', async () => {
    const page = await signIn('admin');
    for (const [route, heading] of [
      ['dashboard', 'ダッシュボード'],
      ['security', 'セキュリティ'],
      ['leads', 'リード'],
      ['import', 'インポート'],
      ['new-lead', 'リードを登録'],
      ['settings', 'フォーム'],
      ['calls', 'コールリスト'],
    ] as const) {
      await page.goto(`${runtime.consoleUrl}#/${route}`);
      await page.getByRole('heading', { name: heading, exact: true }).first().waitFor();
      await settled(page);
      expect(await seriousViolations(page), route).toEqual([]);
      if (route === 'settings') {
        // Templates are listed by their subject (what marketing ops recognise), with the id beside it.
        expect(await page.locator('select[name=template] option').first().textContent()).toBe(
          '資料ダウンロードありがとうございます (nurture-thanks)',
        );
      }
      await shot(page, `${route}-admin`);
    }
    expect(browserProblems(page)).toEqual([]);
    await page.context().close();
  });

  it('given a wrong password or no token, when used, then sign-in fails visibly and the API answers 401', async () => {
    const context = await browser.newContext({ locale: 'ja-JP' });
    const page = await context.newPage();
    await page.goto(runtime.consoleUrl);
    await page.getByLabel('ユーザー名またはメールアドレス').fill('sales');
    await page.getByLabel('パスワード').fill('wrong-password');
    await page.getByRole('button', { name: 'サインイン' }).click();
    await page.getByRole('alert').waitFor();
    // Cognito's English message is said in the console's language.
    expect(await page.getByRole('alert').textContent()).toBe(
      'ユーザー名またはパスワードが正しくありません。',
    );
    expect((await fetch(`${runtime.apiUrl}/v1/ops/reports/funnel`)).status).toBe(401);
    await context.close();
  });

  // Moves the runtime's clock: keep last.
  it("given npm start's clock moved 91 days ahead (README's walkthrough), when marketing opens the dashboard, then the weekly chart asks for the weeks up to the runtime's today, the same clock as this month's figures", async () => {
    // Arrange
    await runtime.advanceClock(91 * 86_400_000);
    const { now } = await import('#adapters/clock');
    const expected = wholeWeeks(new Date(now()), 'Asia/Tokyo');
    const page = await signIn('marketing');

    // Act: marketing lands on the dashboard at sign-in, so its first request may already be gone; a reload
    // (the session stays in sessionStorage) asks again while this test listens.
    await page.goto(`${runtime.consoleUrl}#/dashboard`);
    const weekly = page.waitForRequest((r) => r.url().includes('interval=week'));
    await page.reload();
    const url = new URL((await weekly).url());

    // Assert
    expect({ from: url.searchParams.get('from'), to: url.searchParams.get('to') }).toEqual(expected);
    await page.context().close();
  });
});
