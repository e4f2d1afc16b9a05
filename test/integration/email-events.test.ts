import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '#local/runtime';
import { consentHistoryOf } from '../support/consent.ts';
import { startTestRuntime, uniqueEmail } from '../support/runtime.ts';
import {
  emailKpiCount,
  enrollmentOf,
  eventsOfType,
  leadIdOf,
  marketingMails,
  moveClockTo,
  nextBusinessMoment,
  postForm,
  sesFixture,
  sweepUntil,
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

/** A whitepaper lead after the first step mail; returns its SES message id. */
const nurturedLead = async (label: string) => {
  const email = uniqueEmail(label);
  await moveClockTo(runtime, await nextBusinessMoment());
  expect((await postForm(runtime, 'whitepaper', whitepaperBody(email))).status).toBe(201);
  await runtime.settle();
  await runtime.sweep();
  const leadId = await leadIdOf(email);
  const sent = (await enrollmentOf(leadId, SEQUENCE))?.history.find((h) => h.outcome === 'sent');
  if (!sent?.messageId) throw new Error('first step not sent');
  return { email, leadId, messageId: sent.messageId };
};

const invoke = (event: Record<string, unknown>) =>
  runtime.invoke('email-events', event) as Promise<{ result: string }>;

const profileOf = async (leadId: string) => {
  const { getLead } = await import('#store/leads');
  return (await getLead(leadId))?.profile;
};

describe('SES engagement events', () => {
  it('given a nurtured lead, when a permanent bounce arrives (twice), then the address is suppressed, the sequence ends, no more mail goes out and it counts once', async () => {
    // Arrange
    const { email, leadId, messageId } = await nurturedLead('hard-bounce');
    const { emailKpiDay: kpiDay } = await import('#app/email-kpis');
    const { now } = await import('#adapters/clock');
    const day = kpiDay(now());
    const bouncedBefore = await emailKpiCount('bounced', day);
    const fixture = sesFixture('bounce-permanent', { leadId, messageId });

    // Act
    const first = await invoke(fixture);
    const replay = await invoke(fixture);
    await sweepUntil(runtime, async () => false, { stepMs: 12 * HOUR, maxMs: 8 * DAY });

    // Assert
    expect(first.result).toBe('suppressed');
    expect(replay.result).toBe('duplicate');
    expect((await profileOf(leadId))?.marketing).toMatchObject({ suppressionReason: 'bounce' });
    expect(await enrollmentOf(leadId, SEQUENCE)).toMatchObject({
      status: 'exited',
      exitReason: 'suppressed',
    });
    expect(await marketingMails(runtime, email)).toHaveLength(1);
    expect(await emailKpiCount('bounced', day)).toBe(bouncedBefore + 1);
  });

  it('given a nurtured lead, when a complaint arrives (twice), then the withdrawal of consent is in the consent ledger once, with its method', async () => {
    // Arrange
    const { leadId, messageId } = await nurturedLead('complaint-ledger');
    const fixture = sesFixture('complaint', { leadId, messageId });

    // Act
    await invoke(fixture);
    await invoke(fixture);

    // Assert
    const history = await consentHistoryOf(leadId);
    expect(history.map((e) => e.kind)).toEqual(['granted', 'withdrawn']);
    expect(history[1]).toMatchObject({ purpose: 'marketing_email', method: 'complaint' });
    expect((await profileOf(leadId))?.marketing.unsubscribedAt).toBe(history[1]?.at);
  });

  it('given a nurtured lead, when a complaint arrives, then the address is suppressed, the lead unsubscribed and Lead Unsubscribed (complaint) published', async () => {
    // Arrange
    const { leadId, messageId } = await nurturedLead('complaint');

    // Act
    const result = await invoke(sesFixture('complaint', { leadId, messageId }));
    await runtime.settle();

    // Assert
    expect(result.result).toBe('suppressed');
    const marketing = (await profileOf(leadId))?.marketing;
    expect(marketing).toMatchObject({ suppressionReason: 'complaint', unsubscribeMethod: 'complaint' });
    expect(marketing?.unsubscribedAt).toBeTypeOf('number');
    expect(eventsOfType(runtime, 'Lead Unsubscribed', leadId).map((e) => e.detail)).toEqual([
      expect.objectContaining({ how: 'complaint' }),
    ]);
    expect(await enrollmentOf(leadId, SEQUENCE)).toMatchObject({
      status: 'exited',
      exitReason: 'unsubscribed',
    });
  });

  it('given soft bounces, when they reach the limit (3) with a replay among them, then each counts once and the third suppresses', async () => {
    // Arrange
    const { leadId, messageId } = await nurturedLead('soft-bounce');
    const bounce = (n: number) =>
      sesFixture('bounce-transient', { leadId, messageId, feedbackId: `soft-${n}-${randomUUID()}` });
    const one = bounce(1);

    // Act
    const results = [
      await invoke(one),
      await invoke(one), // redelivered
      await invoke(bounce(2)),
    ];
    const afterTwo = (await profileOf(leadId))?.marketing;
    results.push(await invoke(bounce(3)));

    // Assert
    expect(results.map((r) => r.result)).toEqual(['counted', 'duplicate', 'counted', 'suppressed']);
    expect(afterTwo).toMatchObject({ transientBounces: 2 });
    expect(afterTwo?.suppressedAt).toBeUndefined();
    expect((await profileOf(leadId))?.marketing).toMatchObject({
      transientBounces: 3,
      suppressionReason: 'transient_bounces',
    });
    expect(await enrollmentOf(leadId, SEQUENCE)).toMatchObject({
      status: 'exited',
      exitReason: 'suppressed',
    });
  });

  it('given a soft bounce, when a delivery follows, then the soft-bounce count starts again', async () => {
    // Arrange
    const { leadId, messageId } = await nurturedLead('soft-then-delivered');
    await invoke(sesFixture('bounce-transient', { leadId, messageId, feedbackId: randomUUID() }));

    // Act
    const delivered = await invoke(sesFixture('delivery', { leadId, messageId }));

    // Assert
    expect(delivered.result).toBe('applied');
    expect((await profileOf(leadId))?.marketing.transientBounces).toBe(0);
  });

  it('given a delivery event, when EventBridge delivers it twice, then it counts as delivered once', async () => {
    // Arrange
    const { leadId, messageId } = await nurturedLead('delivered-twice');
    const { emailKpiDay: kpiDay } = await import('#app/email-kpis');
    const { now } = await import('#adapters/clock');
    const day = kpiDay(now());
    const before = await emailKpiCount('delivered', day);
    const fixture = sesFixture('delivery', { leadId, messageId });

    // Act
    const first = await invoke(fixture);
    const replay = await invoke(fixture);

    // Assert
    expect(first.result).toBe('applied');
    expect(replay.result).toBe('duplicate');
    expect(await emailKpiCount('delivered', day)).toBe(before + 1);
  });

  it('given an open and a click on a step mail, when the events arrive (and are redelivered), then each is scored once and remembered on the enrollment', async () => {
    // Arrange
    const { leadId, messageId } = await nurturedLead('engaged');
    const { now } = await import('#adapters/clock');
    const open = sesFixture('open', { leadId, messageId, at: now() - 60_000 });
    const click = sesFixture('click', { leadId, messageId, at: now() - 30_000 });

    // Act
    const results = [await invoke(open), await invoke(open), await invoke(click), await invoke(click)];

    // Assert
    expect(results.map((r) => r.result)).toEqual(['applied', 'duplicate', 'applied', 'duplicate']);
    const { getTimeline } = await import('#store/leads');
    const timeline = await getTimeline(leadId);
    expect(timeline.filter((e) => e.type === 'email_open')).toEqual([
      expect.objectContaining({ points: 3, rule: 'email-open', eventId: `ses:${messageId}:open` }),
    ]);
    expect(timeline.filter((e) => e.type === 'email_click')).toEqual([
      expect.objectContaining({
        points: 5,
        url: 'https://www.example.co.jp/case-studies?utm_source=nurture',
      }),
    ]);
    const enrollment = await enrollmentOf(leadId, SEQUENCE);
    expect([...(enrollment?.opened ?? [])]).toEqual([messageId]);
    expect([...(enrollment?.clicked ?? [])]).toEqual([messageId]);
  });

  it('given a step mail prefetched by Apple Mail Privacy Protection (user agent "Mozilla/5.0"), when its open arrives, then it is not scored, not counted as opened and does not count as opened for step conditions', async () => {
    // Arrange
    const { leadId, messageId } = await nurturedLead('apple-mpp');
    const { emailKpiDay: kpiDay } = await import('#app/email-kpis');
    const { now } = await import('#adapters/clock');
    const day = kpiDay(now());
    const openedBefore = await emailKpiCount('opened', day);
    const prefetch = sesFixture('open', { leadId, messageId, at: now() - 60_000 });
    const open = (prefetch.detail as { open: { userAgent: string; ipAddress: string } }).open;
    open.userAgent = 'Mozilla/5.0';
    open.ipAddress = '17.58.101.12';

    // Act
    const result = await invoke(prefetch);

    // Assert
    expect(result.result).toBe('ignored');
    const { getTimeline } = await import('#store/leads');
    expect((await getTimeline(leadId)).some((e) => e.type === 'email_open')).toBe(false);
    expect(await emailKpiCount('opened', day)).toBe(openedBefore);
    expect([...((await enrollmentOf(leadId, SEQUENCE))?.opened ?? [])]).toEqual([]);
  });

  it('given a step mail read with images blocked (a click, no open event), when the click arrives and a late open follows, then it counts as opened once and clicked once', async () => {
    // Arrange
    const { leadId, messageId } = await nurturedLead('images-blocked');
    const { emailKpiDay: kpiDay } = await import('#app/email-kpis');
    const { now } = await import('#adapters/clock');
    const day = kpiDay(now());
    const before = {
      opened: await emailKpiCount('opened', day),
      clicked: await emailKpiCount('clicked', day),
    };

    // Act
    await invoke(sesFixture('click', { leadId, messageId, at: now() - 60_000 }));
    const afterClick = await emailKpiCount('opened', day);
    await invoke(sesFixture('open', { leadId, messageId, at: now() - 30_000 }));

    // Assert
    expect(afterClick).toBe(before.opened + 1);
    expect(await emailKpiCount('opened', day)).toBe(before.opened + 1);
    expect(await emailKpiCount('clicked', day)).toBe(before.clicked + 1);
  });

  it("given a step mail whose links a security gateway follows on arrival (Safe Links), when those clicks arrive within machineClickSeconds of the send and a reader clicks minutes later, then only the reader's click is scored and counted", async () => {
    // Arrange
    const { leadId, messageId } = await nurturedLead('safe-links');
    const { emailKpiDay: kpiDay } = await import('#app/email-kpis');
    const { now } = await import('#adapters/clock');
    const { settings } = await import('#config/settings');
    expect(settings.nurtureSettings.machineClickSeconds).toBe(30);
    const day = kpiDay(now());
    const before = {
      opened: await emailKpiCount('opened', day),
      clicked: await emailKpiCount('clicked', day),
    };
    const sentAt = now() - 10 * 60_000;
    const scan = (link: string, after: number) =>
      sesFixture('click', { leadId, messageId, sentAt, at: sentAt + after, link });

    // Act: the gateway follows both links 2 and 3 s after the send; the reader clicks one 6 minutes later.
    const scanned = [
      await invoke(scan('https://www.example.co.jp/case-studies?utm_source=nurture', 2_000)),
      await invoke(scan('https://www.example.co.jp/pricing?utm_source=nurture', 3_000)),
    ];
    const scannedTimeline = (await (await import('#store/leads')).getTimeline(leadId)).filter(
      (e) => e.type === 'email_click',
    );
    const scannedEnrollment = await enrollmentOf(leadId, SEQUENCE);
    const read = await invoke(scan('https://www.example.co.jp/pricing?utm_source=nurture', 6 * 60_000));

    // Assert
    expect(scanned.map((r) => r.result)).toEqual(['ignored', 'ignored']);
    expect(scannedTimeline).toEqual([]);
    expect([...(scannedEnrollment?.clicked ?? [])]).toEqual([]);
    expect(read.result).toBe('applied');
    const { getTimeline } = await import('#store/leads');
    expect((await getTimeline(leadId)).filter((e) => e.type === 'email_click')).toEqual([
      expect.objectContaining({ points: 5, url: 'https://www.example.co.jp/pricing?utm_source=nurture' }),
    ]);
    expect(await emailKpiCount('clicked', day)).toBe(before.clicked + 1);
    expect(await emailKpiCount('opened', day)).toBe(before.opened + 1);
  });

  it('given a click on our own unsubscribe link, when it arrives, then it is not scored as engagement', async () => {
    // Arrange
    const { leadId, messageId } = await nurturedLead('unsubscribe-click');

    // Act
    const result = await invoke(
      sesFixture('click', { leadId, messageId, link: `${runtime.apiUrl}/v1/unsubscribe?t=abc` }),
    );

    // Assert
    expect(result.result).toBe('ignored');
    const { getTimeline } = await import('#store/leads');
    expect((await getTimeline(leadId)).some((e) => e.type === 'email_click')).toBe(false);
  });

  it('given an event of another configuration set in the account, when it arrives, then it is ignored', async () => {
    // Arrange
    const { leadId, messageId } = await nurturedLead('foreign');

    // Act
    const result = await invoke(
      sesFixture('bounce-permanent', { leadId, messageId, configurationSet: 'someone-elses-set' }),
    );

    // Assert
    expect(result.result).toBe('ignored');
    expect((await profileOf(leadId))?.marketing.suppressedAt).toBeUndefined();
  });

  it('given a bounce without our lead tag, when it arrives, then the lead is found by the bounced address', async () => {
    // Arrange
    const { email, leadId, messageId } = await nurturedLead('untagged');

    // Act
    const result = await invoke(sesFixture('bounce-permanent', { recipient: email, messageId }));

    // Assert
    expect(result.result).toBe('suppressed');
    expect((await profileOf(leadId))?.marketing.suppressionReason).toBe('bounce');
  });

  it('given a malformed event, when it arrives, then it is dropped without error', async () => {
    // Act
    const result = await invoke({
      source: 'aws.ses',
      'detail-type': 'Email Bounced',
      detail: { nope: true },
    });

    // Assert
    expect(result.result).toBe('ignored');
  });
});
