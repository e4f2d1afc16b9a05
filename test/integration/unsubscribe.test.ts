import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '#local/runtime';
import { consentHistoryOf } from '../support/consent.ts';
import { inbox, startTestRuntime, uniqueEmail } from '../support/runtime.ts';
import {
  enrollmentItem,
  enrollmentOf,
  eventsOfType,
  leadIdOf,
  marketingMails,
  moveClockTo,
  nextBusinessMoment,
  postForm,
  sweepUntil,
  unsubscribeUrlOf,
  whitepaperBody,
} from './nurture-helpers.ts';

let runtime: Runtime;
beforeAll(async () => {
  runtime = await startTestRuntime();
});
afterAll(async () => {
  await runtime.stop();
});

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const SEQUENCE = 'whitepaper-nurture';

/** A whitepaper lead who has received the first step mail. */
const leadAfterFirstStep = async (label: string) => {
  const email = uniqueEmail(label);
  await moveClockTo(runtime, await nextBusinessMoment());
  expect((await postForm(runtime, 'whitepaper', whitepaperBody(email))).status).toBe(201);
  await runtime.settle();
  await runtime.sweep();
  const mails = await marketingMails(runtime, email);
  expect(mails).toHaveLength(1);
  const [first] = mails;
  if (!first) throw new Error('no first mail');
  return { email, leadId: await leadIdOf(email), url: unsubscribeUrlOf(first) };
};

const oneClick = (url: string) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'List-Unsubscribe=One-Click',
  });

describe('unsubscribe', () => {
  it('given a lead between steps, when the mailbox provider posts one-click, then 200, the next step never goes out, the sequence ends and Lead Unsubscribed is published once', async () => {
    // Arrange
    const { email, leadId, url } = await leadAfterFirstStep('one-click');

    // Act
    const response = await oneClick(url);
    const replay = await oneClick(url);
    await runtime.settle();
    await sweepUntil(runtime, async () => false, { stepMs: 12 * HOUR, maxMs: 9 * DAY });

    // Assert
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('配信を停止しました');
    expect(replay.status).toBe(200);
    expect(await marketingMails(runtime, email)).toHaveLength(1);
    expect(await enrollmentOf(leadId, SEQUENCE)).toMatchObject({
      status: 'exited',
      exitReason: 'unsubscribed',
    });
    expect((await enrollmentItem(leadId, SEQUENCE))?.dueShard).toBeUndefined();
    const published = eventsOfType(runtime, 'Lead Unsubscribed', leadId);
    expect(published).toHaveLength(1);
    expect(published[0]?.detail).toMatchObject({ leadId, how: 'one_click', version: 1 });
    const { getLead } = await import('#store/leads');
    expect((await getLead(leadId))?.profile.marketing).toMatchObject({ unsubscribeMethod: 'one_click' });
  });

  it('given an unsubscribe link, when it is only fetched with GET (a link scanner), then a page with a confirm button is shown and nothing changes', async () => {
    // Arrange
    const { leadId, url } = await leadAfterFirstStep('scanner');

    // Act
    const response = await fetch(url);
    const body = await response.text();

    // Assert
    expect(response.status).toBe(200);
    expect(body).toContain('<form method="post"');
    expect(body).toContain('配信を停止する');
    const { getLead } = await import('#store/leads');
    expect((await getLead(leadId))?.profile.marketing.unsubscribedAt).toBeUndefined();
    expect(await enrollmentOf(leadId, SEQUENCE)).toMatchObject({ status: 'active' });
  });

  it('given the confirmation page, when its button is pressed (empty POST), then the lead is unsubscribed by page', async () => {
    // Arrange
    const { leadId, url } = await leadAfterFirstStep('page');

    // Act
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    await runtime.settle();

    // Assert
    expect(response.status).toBe(200);
    expect(eventsOfType(runtime, 'Lead Unsubscribed', leadId)[0]?.detail).toMatchObject({ how: 'page' });
  });

  it('given a provider that posts one-click as multipart/form-data, when posted, then it counts as one-click', async () => {
    // Arrange
    const { leadId, url } = await leadAfterFirstStep('multipart');
    const form = new FormData();
    form.set('List-Unsubscribe', 'One-Click');

    // Act
    const response = await fetch(url, { method: 'POST', body: form });
    await runtime.settle();

    // Assert
    expect(response.status).toBe(200);
    expect(eventsOfType(runtime, 'Lead Unsubscribed', leadId)[0]?.detail).toMatchObject({ how: 'one_click' });
  });

  it.each([
    ['a forged token', '?t=eyJmb28iOiJiYXIifQ.c2lnbmF0dXJl'],
    ['no token', ''],
    ['garbage', '?t=%3Cscript%3E'],
  ])('given %s, when posted, then a plain 400 page that reveals nothing', async (_label, query) => {
    // Act
    const response = await fetch(`${runtime.apiUrl}/v1/unsubscribe${query}`, { method: 'POST' });
    const body = await response.text();

    // Assert
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('text/html');
    expect(body).toContain('リンクが無効です');
    expect(body).not.toContain('<script');
    expect(body).not.toMatch(/stack|Error|leadId/);
  });

  it('given an oversized body, when posted, then 413 and the lead is untouched', async () => {
    // Arrange
    const { leadId, url } = await leadAfterFirstStep('big');

    // Act
    const response = await fetch(url, { method: 'POST', body: 'x'.repeat(10_000) });

    // Assert
    expect(response.status).toBe(413);
    const { getLead } = await import('#store/leads');
    expect((await getLead(leadId))?.profile.marketing.unsubscribedAt).toBeUndefined();
  });

  it('given an unsubscribed lead, when they download another paper, then the transactional auto-reply still arrives but no sequence starts', async () => {
    // Arrange
    const { email, leadId, url } = await leadAfterFirstStep('transactional');
    await oneClick(url);
    await runtime.settle();
    const before = (await inbox(runtime.sesUrl, email)).length;

    // Act
    await postForm(runtime, 'whitepaper', whitepaperBody(email));
    await runtime.settle();
    await runtime.sweep();

    // Assert
    const mails = await inbox(runtime.sesUrl, email);
    expect(mails).toHaveLength(before + 1);
    expect(mails.at(-1)?.headers?.some((h) => h.name === 'List-Unsubscribe') ?? false).toBe(false);
    expect(await enrollmentOf(leadId, SEQUENCE)).toMatchObject({ status: 'exited', run: 1 });
  });
});

describe('an opt-out asked for by phone or reply (POST /v1/ops/leads/{leadId}/unsubscribe)', () => {
  const record = (leadId: string, body: unknown) =>
    fetch(`${runtime.apiUrl}/v1/ops/leads/${encodeURIComponent(leadId)}/unsubscribe`, {
      method: 'POST',
      headers: { authorization: `Bearer ${runtime.opsToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('given a lead between steps, when sales records the opt-out the person asked for on a call, then the next step never goes out, the sequence ends, and the ledger and timeline keep who took it and how; recorded again, nothing changes', async () => {
    // Arrange
    const { email, leadId } = await leadAfterFirstStep('ops-opt-out');
    const note = '12/4 電話で本人より「今後の案内メールは不要」との依頼';

    // Act
    const response = await record(leadId, { note, by: 'sato' });
    const again = await record(leadId, { note: 'もう一度', by: 'suzuki' });
    await runtime.settle();
    await sweepUntil(runtime, async () => false, { stepMs: 12 * HOUR, maxMs: 9 * DAY });

    // Assert
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ leadId, unsubscribed: true });
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ leadId, unsubscribed: true, alreadyUnsubscribed: true });
    expect(await marketingMails(runtime, email)).toHaveLength(1);
    expect(await enrollmentOf(leadId, SEQUENCE)).toMatchObject({
      status: 'exited',
      exitReason: 'unsubscribed',
    });
    const published = eventsOfType(runtime, 'Lead Unsubscribed', leadId);
    expect(published).toHaveLength(1);
    expect(published[0]?.detail).toMatchObject({ leadId, how: 'ops' });
    const withdrawn = (await consentHistoryOf(leadId)).filter((e) => e.kind === 'withdrawn');
    expect(withdrawn).toEqual([
      expect.objectContaining({ purpose: 'marketing_email', method: 'ops', recordedBy: 'sato', note }),
    ]);
    const view = (await (
      await fetch(`${runtime.apiUrl}/v1/ops/leads/${leadId}`, {
        headers: { authorization: `Bearer ${runtime.opsToken}` },
      })
    ).json()) as { marketing: { allowed: boolean }; timeline: { type: string; properties?: object }[] };
    expect(view.marketing.allowed).toBe(false);
    expect(view.timeline.filter((e) => e.type === 'unsubscribed')).toEqual([
      expect.objectContaining({ properties: expect.objectContaining({ how: 'ops', by: 'sato', note }) }),
    ]);
  });

  it('given no note, an empty one or an unknown lead, then 400 naming the note, or 404, and nothing changes', async () => {
    // Arrange
    const { leadId } = await leadAfterFirstStep('ops-opt-out-bad');
    const { getLead } = await import('#store/leads');
    const before = JSON.stringify(await getLead(leadId));

    // Act
    const missing = await record(leadId, {});
    const blank = await record(leadId, { note: '   ' });
    const unknown = await record('no-such-lead', { note: '電話で依頼' });

    // Assert
    expect(missing.status).toBe(400);
    expect(JSON.stringify(await missing.json())).toContain('"field":"note"');
    expect(blank.status).toBe(400);
    expect(JSON.stringify(await blank.json())).toContain('say how the person asked');
    expect(unknown.status).toBe(404);
    expect(JSON.stringify(await getLead(leadId))).toBe(before);
    expect(eventsOfType(runtime, 'Lead Unsubscribed', leadId)).toHaveLength(0);
  });
});
