import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '#local/runtime';
import { inbox, startTestRuntime, uniqueEmail } from '../support/runtime.ts';

/**
 * The example landing page in a real browser (Debian's Chromium) against the local runtime: a person fills
 * the form, lands on the thank-you page, and the lead and its auto-reply exist. Once with JavaScript (fetch,
 * inline errors, tracking snippet) and once without (plain form post → 303).
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

let runtime: Runtime;
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install chromium`);
  runtime = await startTestRuntime();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
});

afterAll(async () => {
  await browser?.close();
  await runtime?.stop();
});

const opsLead = async (email: string) => {
  const response = await fetch(`${runtime.apiUrl}/v1/ops/leads?email=${encodeURIComponent(email)}`, {
    headers: { authorization: `Bearer ${runtime.opsToken}` },
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

const fillContactForm = async (page: import('playwright-core').Page, email: string) => {
  await page.fill('#lastName', '山田');
  await page.fill('#firstName', '太郎');
  await page.fill('#company', '株式会社ブラウザ試験');
  await page.fill('#email', email);
  await page.selectOption('#employees', '300-999');
  await page.check('#consent');
};

describe('example landing page in Chromium', () => {
  it('given JavaScript, when a person fills and submits the form, then they land on the thank-you page and the lead, its page views and the auto-reply exist', async () => {
    // Arrange
    const email = uniqueEmail('e2e-js');
    const context = await browser.newContext({ locale: 'ja-JP' });
    const page = await context.newPage();
    await page.goto(`${runtime.apiUrl}/examples/landing-page.html?utm_source=e2e&utm_medium=web`);
    await fillContactForm(page, email);
    // A person takes a few seconds; a faster "person" is treated as a bot (minimum fill time).
    await page.waitForTimeout(3000);

    // Act
    await Promise.all([page.waitForURL(/thank-you\.html/), page.click('#submit')]);

    // Assert
    await expect.poll(async () => (await opsLead(email)).status, { timeout: 10_000 }).toBe(200);
    // Stitching runs after the response (a `stitch` timer): run the sweeper the scheduler would run.
    await runtime.sweep();
    const lead = await opsLead(email);
    expect(lead.body).toMatchObject({
      email,
      attributes: { company: '株式会社ブラウザ試験', lastName: '山田' },
      attribution: { firstTouch: { utm: { source: 'e2e', medium: 'web' } } },
    });
    // The snippet's page view (sent before the visitor was known) was stitched to the lead and scored.
    const timeline = lead.body.timeline as { type: string; url?: string }[];
    expect(timeline.map((t) => t.type)).toEqual(expect.arrayContaining(['form_submitted', 'page_view']));
    expect(
      timeline.some((t) => t.type === 'page_view' && t.url?.includes('/examples/landing-page.html')),
    ).toBe(true);
    const mails = await inbox(runtime.sesUrl, email);
    expect(mails.map((m) => m.subject)).toContain('お問い合わせありがとうございます');
    await context.close();
  });

  it('given JavaScript, when a required field is missing, then the error is shown next to the field and nothing is stored', async () => {
    const email = uniqueEmail('e2e-invalid');
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${runtime.apiUrl}/examples/landing-page.html`);
    await fillContactForm(page, email);
    // Bypass the browser's own `required` check so the server's validation answers.
    await page.evaluate(() => {
      for (const el of document.querySelectorAll('[required]')) el.removeAttribute('required');
    });
    await page.fill('#company', '');
    await page.waitForTimeout(3000);

    await page.click('#submit');

    await expect.poll(async () => page.textContent('#error-company'), { timeout: 10_000 }).toMatch(/会社名/);
    expect(page.url()).toContain('landing-page.html');
    expect((await opsLead(email)).status).toBe(404);
    await context.close();
  });

  it('given no JavaScript, when the plain form is posted, then the browser follows the 303 to the thank-you page', async () => {
    const email = uniqueEmail('e2e-nojs');
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`${runtime.apiUrl}/examples/landing-page.html`);
    await fillContactForm(page, email);

    await Promise.all([page.waitForURL(/thank-you\.html/), page.click('#submit')]);

    expect(await page.textContent('body')).toContain('ありがとうございました');
    const lead = await opsLead(email);
    expect(lead.status).toBe(200);
    expect(await inbox(runtime.sesUrl, email)).toHaveLength(1);
    await context.close();
  });
});
