import { Secret, TOTP } from 'otpauth';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '#local/runtime';
import {
  launchChromium,
  seriousViolations,
  settled,
  shot,
  signIn as signInAs,
} from '../support/console-browser.ts';
import { api, inbox, startTestRuntime, uniqueEmail } from '../support/runtime.ts';

/**
 * Signing in to the console in Chromium as people do it in AWS: an invited owner's first sign-in (temporary
 * password → a password of their own), two-step sign-in with an authenticator app (turned on by a person, and
 * required by the pool from the first sign-in), and a working day's session (the ID token renewed unseen,
 * sign-in asked again when the refresh token ends). Screenshots to test-results/console/.
 */
let runtime: Runtime;
let strict: Runtime;
let browser: Browser;

beforeAll(async () => {
  runtime = await startTestRuntime();
  strict = await startTestRuntime({ mfa: 'required' });
  // A demo request, handed to inside sales at once: the owners' call lists have something on them.
  const contact = await api(runtime).postForm('contact', {
    email: uniqueEmail('sign-in'),
    lastName: '山田',
    firstName: '太郎',
    company: '株式会社サインイン試験',
    employees: '300-999',
    consent: true,
  });
  expect(contact.status).toBe(201);
  await runtime.settle();
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await runtime?.stop();
  await strict?.stop();
});

const signIn = (group: string, viewport?: { width: number; height: number }): Promise<Page> =>
  signInAs(browser, runtime, group, viewport);

/** The code an authenticator app shows now for the key the console displayed. */
const codeOf = (secret: string) =>
  new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' }).generate();

const passwordForm = async (page: Page, url: string, username: string, password: string) => {
  await page.goto(url);
  await page.getByLabel('ユーザー名またはメールアドレス').fill(username);
  await page.getByLabel('パスワード').fill(password);
  await page.getByRole('button', { name: 'サインイン' }).click();
};

describe('signing in to the console', () => {
  it('given an owner invited with a temporary password, when they first sign in, then the console asks for a password of their own, says in Japanese what is wrong with a bad one, and signs them in to their call list', async () => {
    const owner = runtime.auth.invited.find((u) => u.email === 'n.kobayashi@example.co.jp');
    if (!owner?.temporary) throw new Error('kobayashi is not invited with a temporary password');
    const temporary = owner.password;
    const context = await browser.newContext({ locale: 'ja-JP', timezoneId: 'Asia/Tokyo' });
    const page = await context.newPage();
    await page.goto(runtime.consoleUrl);
    await page.getByLabel('ユーザー名またはメールアドレス').fill(owner.email);
    await page.getByLabel('パスワード').fill(temporary);
    await page.getByRole('button', { name: 'サインイン' }).click();
    await page.getByRole('heading', { name: '新しいパスワードの設定' }).waitFor();
    // The temporary password typed a moment ago does not show up in the new one's field.
    expect(await page.getByLabel('新しいパスワード', { exact: true }).inputValue()).toBe('');
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, 'first-sign-in');

    const choose = async (password: string, again = password) => {
      await page.getByLabel('新しいパスワード', { exact: true }).fill(password);
      await page.getByLabel('新しいパスワード(確認)').fill(again);
      await page.getByRole('button', { name: 'パスワードを設定してサインイン' }).click();
    };
    await choose('Kobayashi-2026!', 'Kobayashi-2027!');
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toBe('2つのパスワードが一致しません。');
    // Long enough for the browser, refused by the pool's policy (no upper-case letter).
    await choose('kobayashi-2026!');
    await page.getByText('パスワードが条件を満たしていません', { exact: false }).waitFor();
    await shot(page, 'first-sign-in-policy');
    expect(owner.temporary).toBe(true);

    await choose('Kobayashi-2026!');
    await page.getByText('サインイン中: 小林 直樹').waitFor();
    await page.waitForURL(/#\/calls$/);
    await settled(page);
    expect(owner).toMatchObject({ temporary: false, password: 'Kobayashi-2026!' });
    // The token is the owner's: "my leads" resolves to kobayashi.
    const token = JSON.parse(
      (await page.evaluate(() => sessionStorage.getItem('leadloop.session'))) ?? '{}',
    ) as {
      idToken: string;
    };
    const mine = await fetch(`${runtime.apiUrl}/v1/ops/leads?owner=me`, {
      headers: { authorization: `Bearer ${token.idToken}` },
    });
    expect(mine.status).toBe(200);
    await shot(page, 'first-sign-in-done');
    await context.close();

    // The temporary password is spent.
    const later = await (await browser.newContext({ locale: 'ja-JP' })).newPage();
    await later.goto(runtime.consoleUrl);
    await later.getByLabel('ユーザー名またはメールアドレス').fill(owner.email);
    await later.getByLabel('パスワード').fill(temporary);
    await later.getByRole('button', { name: 'サインイン' }).click();
    await later.getByRole('alert').waitFor();
    expect(await later.getByRole('alert').textContent()).toBe(
      'ユーザー名またはパスワードが正しくありません。',
    );
    await later.context().close();
  });

  it("given the pool leaves it optional, when a person turns on two-step sign-in on the Security page, then each sign-in asks for the app's code (a wrong one said in Japanese) until they turn it off", async () => {
    const admin = runtime.auth.users.find((u) => u.group === 'admin');
    if (!admin) throw new Error('no admin');
    const page = await signIn('admin');
    // The signed-in person's name opens their Security page.
    await page.getByRole('link', { name: 'サインイン中: 森 直人 (管理者)' }).click();
    await page.getByText('2段階認証: 無効', { exact: false }).waitFor();
    await page.getByRole('button', { name: '2段階認証を有効にする' }).click();
    const key = page.locator('code[data-secret]');
    await key.waitFor();
    const secret = (await key.getAttribute('data-secret')) ?? '';
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    await page.getByRole('img', { name: '認証アプリで読み取るQRコード' }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, 'security-setup');
    await page.getByLabel('確認コード(6桁)').fill(codeOf(secret) === '000000' ? '111111' : '000000');
    await page.getByRole('button', { name: '確認' }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toMatch(/コードが正しくありません/);
    await page.getByLabel('確認コード(6桁)').fill(codeOf(secret));
    await page.getByRole('button', { name: '確認' }).click();
    await page.getByText('2段階認証を有効にしました', { exact: false }).waitFor();
    await page.getByText('2段階認証: 有効', { exact: false }).waitFor();
    await page.getByRole('button', { name: 'サインアウト' }).click();

    await passwordForm(page, runtime.consoleUrl, admin.username, admin.password);
    await page.getByRole('heading', { name: '2段階認証' }).waitFor();
    // A fresh field: nothing typed on the password form shows in it.
    expect(await page.getByLabel('確認コード(6桁)').inputValue()).toBe('');
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, 'sign-in-code');
    await page.getByLabel('確認コード(6桁)').fill(codeOf(secret));
    await page.getByRole('button', { name: '確認' }).click();
    await page.getByText('サインイン中: 森 直人').waitFor();

    await page.goto(`${runtime.consoleUrl}#/security`);
    await page.getByRole('button', { name: '2段階認証を無効にする' }).click();
    await page.getByText('2段階認証を無効にしました。').waitFor();
    await page.getByRole('button', { name: 'サインアウト' }).click();
    await passwordForm(page, runtime.consoleUrl, admin.username, admin.password);
    await page.getByText('サインイン中: 森 直人').waitFor();
    await page.context().close();
  });

  it('given the pool requires two-step sign-in, when an invited owner first signs in, then new password, then the authenticator set up with its QR code, then signed in; later sign-ins ask for the code and it cannot be turned off', async () => {
    const owner = strict.auth.invited.find((u) => u.email === 'a.nakamura@example.co.jp');
    if (!owner) throw new Error('nakamura not invited');
    const context = await browser.newContext({ locale: 'ja-JP', timezoneId: 'Asia/Tokyo' });
    const page = await context.newPage();
    await passwordForm(page, strict.consoleUrl, owner.email, owner.password);
    await page.getByRole('heading', { name: '新しいパスワードの設定' }).waitFor();
    await page.getByLabel('新しいパスワード', { exact: true }).fill('Nakamura-2026!');
    await page.getByLabel('新しいパスワード(確認)').fill('Nakamura-2026!');
    await page.getByRole('button', { name: 'パスワードを設定してサインイン' }).click();

    await page.getByRole('heading', { name: '2段階認証の設定' }).waitFor();
    await page.getByText('2段階認証が必須です', { exact: false }).waitFor();
    const key = page.locator('code[data-secret]');
    await key.waitFor();
    const secret = (await key.getAttribute('data-secret')) ?? '';
    await page.getByRole('img', { name: '認証アプリで読み取るQRコード' }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, 'first-sign-in-mfa-setup');
    await page.getByLabel('確認コード(6桁)').fill(codeOf(secret));
    await page.getByRole('button', { name: '確認' }).click();
    await page.getByText('サインイン中: 中村 あゆみ').waitFor();
    await page.waitForURL(/#\/calls$/);

    await page.goto(`${strict.consoleUrl}#/security`);
    await page.getByText('2段階認証: 有効', { exact: false }).waitFor();
    await page.getByText('2段階認証は管理者の設定により必須です。').waitFor();
    expect(await page.getByRole('button', { name: '2段階認証を無効にする' }).count()).toBe(0);
    await page.getByRole('button', { name: 'サインアウト' }).click();

    await passwordForm(page, strict.consoleUrl, owner.email, 'Nakamura-2026!');
    await page.getByRole('heading', { name: '2段階認証' }).waitFor();
    await page.getByLabel('確認コード(6桁)').fill(codeOf(secret));
    await page.getByRole('button', { name: '確認' }).click();
    await page.getByText('サインイン中: 中村 あゆみ').waitFor();
    await context.close();
  });

  it('given a forgotten password, when marketing asks for a code on the sign-in page, then the mail brings it, a wrong code is said in Japanese, and the new password signs them in', async () => {
    const context = await browser.newContext({ locale: 'ja-JP', timezoneId: 'Asia/Tokyo' });
    const page = await context.newPage();
    await page.goto(runtime.consoleUrl);
    await page.getByRole('button', { name: 'パスワードを忘れた場合' }).click();
    await page.getByRole('heading', { name: 'パスワードの再設定' }).waitFor();
    await page.getByLabel('ユーザー名またはメールアドレス').fill('m.nakajima@example.co.jp');
    await page.getByRole('button', { name: '確認コードを送る' }).click();
    await page.getByLabel('確認コード(メールの6桁)').waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, 'password-reset');
    const mails = await inbox(runtime.sesUrl, 'm.nakajima@example.co.jp');
    const mail = mails.filter((m) => m.subject.includes('パスワード再設定')).at(-1);
    const code = /<b>(\d{6})<\/b>/.exec(mail?.body.html ?? '')?.[1] ?? '';
    expect(code).toMatch(/^\d{6}$/);

    const submit = async (c: string) => {
      await page.getByLabel('確認コード(メールの6桁)').fill(c);
      await page.getByLabel('新しいパスワード', { exact: true }).fill('Nakajima-2026!');
      await page.getByLabel('新しいパスワード(確認)').fill('Nakajima-2026!');
      await page.getByRole('button', { name: 'パスワードを再設定する' }).click();
    };
    await submit(code === '000000' ? '111111' : '000000');
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toMatch(/確認コードが正しくありません/);
    await submit(code);
    await page.getByText('パスワードを再設定しました。', { exact: false }).waitFor();
    await page.getByLabel('ユーザー名またはメールアドレス').fill('marketing');
    await page.getByLabel('パスワード').fill('Nakajima-2026!');
    await page.getByRole('button', { name: 'サインイン' }).click();
    await page.getByText('サインイン中: 中島 美穂').waitFor();
    await context.close();
  });

  // Last: it moves the runtime's clock by hours.
  it('given a sales rep working all day, when the ID token ends, then the console renews it unseen; when the refresh token ends, it asks to sign in again and goes back to the same page', async () => {
    const page = await signIn('sales');
    await page.waitForURL(/#\/calls$/);
    await settled(page);
    const token = async () =>
      JSON.parse((await page.evaluate(() => sessionStorage.getItem('leadloop.session'))) ?? '{}') as {
        idToken?: string;
        refreshToken?: string;
        expiresAt?: number;
      };
    const first = await token();
    expect(first.refreshToken).toBeTruthy();

    // The browser sees its token near its end: renewed before the call.
    await page.evaluate(() => {
      const s = JSON.parse(sessionStorage.getItem('leadloop.session') ?? '{}') as { expiresAt: number };
      sessionStorage.setItem('leadloop.session', JSON.stringify({ ...s, expiresAt: Date.now() + 60_000 }));
    });
    await page.goto(`${runtime.consoleUrl}#/leads`);
    await settled(page);
    const renewed = await token();
    expect(renewed.idToken).not.toBe(first.idToken);
    expect(renewed.refreshToken).toBe(first.refreshToken);
    expect(await page.getByRole('alert').count()).toBe(0);

    // Two hours on, the API refuses the token the browser still takes for good: renewed after the 401.
    await runtime.advanceClock(2 * 3_600_000);
    await page.goto(`${runtime.consoleUrl}#/calls`);
    await settled(page);
    await page.getByRole('heading', { name: 'コールリスト' }).waitFor();
    expect(await page.getByRole('alert').count()).toBe(0);
    expect((await token()).idToken).not.toBe(renewed.idToken);

    // After the working day the refresh token is refused: sign in again, then back on the same page.
    await runtime.advanceClock(12 * 3_600_000);
    await page.goto(`${runtime.consoleUrl}#/leads`);
    await page.getByRole('button', { name: 'サインイン' }).waitFor();
    expect(await page.getByRole('alert').textContent()).toMatch(/有効期限が切れました/);
    await shot(page, 'session-ended');
    expect(await token()).toEqual({});
    const sales = runtime.auth.users.find((u) => u.group === 'sales');
    await page.getByLabel('ユーザー名またはメールアドレス').fill(sales?.username ?? '');
    await page.getByLabel('パスワード').fill(sales?.password ?? '');
    await page.getByRole('button', { name: 'サインイン' }).click();
    await page.getByText('サインイン中: 佐藤 健').waitFor();
    expect(page.url()).toMatch(/#\/leads$/);
    await settled(page);
    expect(await page.getByRole('alert').count()).toBe(0);

    // Signing out revokes the refresh token: it renews nothing afterwards.
    const refreshToken = (await token()).refreshToken ?? '';
    await page.getByRole('button', { name: 'サインアウト' }).click();
    await page.getByRole('button', { name: 'サインイン' }).waitFor();
    const refused = await fetch(runtime.auth.cognitoEndpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'AWSCognitoIdentityProviderService.InitiateAuth',
      },
      body: JSON.stringify({
        AuthFlow: 'REFRESH_TOKEN_AUTH',
        ClientId: 'leadloop-console-local',
        AuthParameters: { REFRESH_TOKEN: refreshToken },
      }),
    });
    expect(((await refused.json()) as { __type: string }).__type).toBe('NotAuthorizedException');
    await page.context().close();
  });
});
