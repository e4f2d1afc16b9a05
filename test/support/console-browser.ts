import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { type Browser, chromium, type Page } from 'playwright-core';
import type { Runtime } from '#local/runtime';

/**
 * The console's browser tests' common steps: Debian's Chromium, sign-in as a demo user of the runtime, axe
 * checks and screenshots into the git-ignored test-results/console/.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SHOTS = resolve(import.meta.dirname, '../../test-results/console');

export async function launchChromium(): Promise<Browser> {
  mkdirSync(SHOTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
}

export const demoUser = (runtime: Runtime, group: string) => {
  const found = runtime.auth.users.find((u) => u.group === group);
  if (!found) throw new Error(`no demo user ${group}`);
  return found;
};

export async function signIn(
  browser: Browser,
  runtime: Runtime,
  group: string,
  viewport = { width: 1280, height: 900 },
): Promise<Page> {
  // The console's people work in Japan: their browsers are in Tokyo time.
  const context = await browser.newContext({
    locale: 'ja-JP',
    timezoneId: 'Asia/Tokyo',
    viewport,
    acceptDownloads: true,
  });
  const page = await context.newPage();
  watchProblems(page);
  await page.goto(runtime.consoleUrl);
  await page.getByLabel('ユーザー名またはメールアドレス').fill(demoUser(runtime, group).username);
  await page.getByLabel('パスワード').fill(demoUser(runtime, group).password);
  await page.getByRole('button', { name: 'サインイン' }).click();
  await page.getByText(`サインイン中: ${demoUser(runtime, group).name}`).waitFor();
  return page;
}

const problems = new WeakMap<Page, string[]>();

/**
 * What the browser reported since the page opened: script errors, console errors and warnings, requests that
 * failed (a request cut off by leaving the page is not one). A 404 of a resource the browser asks for by
 * itself (the icon) shows only as a console error.
 */
export const browserProblems = (page: Page): readonly string[] => problems.get(page) ?? [];

function watchProblems(page: Page): void {
  const seen: string[] = [];
  problems.set(page, seen);
  page.on('pageerror', (e) => seen.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') seen.push(`${m.type()}: ${m.text()}`);
  });
  page.on('requestfailed', (r) => {
    if (r.failure()?.errorText !== 'net::ERR_ABORTED') seen.push(`failed: ${r.url()}`);
  });
}

/** Every "loading" status gone. */
export const settled = (page: Page) =>
  page.waitForFunction(() => !document.querySelector('[role=status].muted'));

/**
 * axe-core's serious and critical findings. The template preview's sandboxed frame (scripts off, so axe
 * cannot run inside it and would wait for it) is the e-mail's own HTML, not the console's: left out.
 */
export async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).exclude('iframe.mail').analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

export const shot = (page: Page, name: string, fullPage = true) =>
  page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage });
