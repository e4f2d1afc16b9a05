import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { now as clockNow } from '#adapters/clock';
import { civilDateKey, isInWindow, isJapaneseHoliday, localParts } from '#domain/nurture/calendar';
import type { Runtime } from '#local/runtime';
import { batchWriteAll, consentingLeadItems } from '../support/fixtures.ts';
import { inbox, startTestRuntime, uniqueEmail } from '../support/runtime.ts';
import {
  enrollmentItem,
  enrollmentOf,
  headerOf,
  leadIdOf,
  marketingMails,
  moveClockTo,
  nextBusinessMoment,
  postForm,
  sesFixture,
  sweepUntil,
  TOKYO_WINDOW,
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
/** The subject of recycle-nurture's first step (`recycle-checkin`, Japanese). */
const CHECK_IN = '最近の取り組みはいかがですか';

/** The next weekday that is a Japanese public holiday, at least two days after `from`. */
const nextWeekdayHoliday = (from: number): number => {
  for (let t = from + 2 * DAY; t < from + 400 * DAY; t += DAY) {
    const parts = localParts(t, 'Asia/Tokyo');
    if (parts.weekday <= 5 && isJapaneseHoliday(parts)) return t;
  }
  throw new Error('no weekday holiday in the holiday data for the next 400 days');
};
const tokyoDate = (t: number) => civilDateKey(localParts(t, 'Asia/Tokyo'));

/** A `leadloop.leads` event as the bus delivers it (a fresh envelope and event id each time). */
const busEvent = (
  detailType: string,
  leadId: string,
  kind: string,
  at: number,
  detail: Record<string, unknown>,
) => ({
  version: '0',
  id: randomUUID(),
  'detail-type': detailType,
  source: 'leadloop.leads',
  account: '000000000000',
  time: new Date(at).toISOString(),
  region: 'ap-northeast-1',
  resources: [],
  detail: {
    eventId: `${leadId}:${kind}:${randomUUID()}`,
    version: 1,
    occurredAt: new Date(at).toISOString(),
    leadId,
    ...detail,
  },
});

const enrollEvent = (leadId: string, formId: string) =>
  busEvent('Lead Captured', leadId, 'captured', clockNow(), {
    email: 'x@example.co.jp',
    channel: 'inbound_web',
    formId,
    isNew: false,
  });

/** `Lead Temperature Changed` as the bus delivers it. */
const temperatureEvent = (leadId: string, to: 'hot' | 'warm' | 'cold', occurredAt: number) =>
  busEvent('Lead Temperature Changed', leadId, 'temperature', occurredAt, { from: 'warm', to });

/** `Lead Recycled` as the bus delivers it: the lead re-enters `sequenceId` at `nurtureAt`. */
const recycledEvent = (leadId: string, sequenceId: string, nurtureAt: number) =>
  busEvent('Lead Recycled', leadId, 'recycled', clockNow(), {
    sequenceId,
    nurtureAt: new Date(nurtureAt).toISOString(),
  });

/** A whitepaper download, settled (enrolled), with the `Lead Captured` event the bus delivered for it. */
const whitepaperLead = async (label: string) => {
  const email = uniqueEmail(label);
  await postForm(runtime, 'whitepaper', whitepaperBody(email));
  await runtime.settle();
  const leadId = await leadIdOf(email);
  const delivered = runtime
    .events()
    .find((e) => e['detail-type'] === 'Lead Captured' && (e.detail as { leadId: string }).leadId === leadId);
  return { email, leadId, delivered };
};

describe('step-email sequence: the whitepaper journey', () => {
  it('given a whitepaper download the evening before a weekday holiday, when the clock runs 8+ days with sweeps, then three mails arrive in order, in Tokyo business hours, holiday skipped, each with one-click unsubscribe and the footer', async () => {
    // Arrange: 18:30 Tokyo on the day before a weekday holiday (after hours, and the next day is closed).
    const { now } = await import('#adapters/clock');
    const holiday = nextWeekdayHoliday(now());
    const eve = localParts(holiday - DAY, 'Asia/Tokyo');
    const start = Date.UTC(eve.year, eve.month - 1, eve.day, 9, 30); // 18:30 JST
    await moveClockTo(runtime, start);
    const email = uniqueEmail('journey');

    // Act
    const response = await postForm(runtime, 'whitepaper', whitepaperBody(email));
    expect(response.status).toBe(201);
    await runtime.settle();
    const leadId = await leadIdOf(email);
    const enrolled = await enrollmentItem(leadId, SEQUENCE);
    await sweepUntil(runtime, async () => (await marketingMails(runtime, email)).length >= 3, {
      stepMs: 6 * HOUR,
      maxMs: 16 * DAY,
    });

    // Assert: enrolled by the Lead Captured event, first step armed at the next business-hours opening.
    expect(enrolled).toMatchObject({ status: 'active', stepIndex: 0, run: 1, timerKind: 'step' });
    expect(Date.parse(String(enrolled?.dueAt))).toBeGreaterThan(holiday - DAY);
    const mails = await marketingMails(runtime, email);
    expect(mails.map((m) => m.subject)).toEqual([
      '資料ダウンロードありがとうございます',
      '活用事例のご紹介',
      '導入相談のご案内',
    ]);
    for (const mail of mails) {
      expect(headerOf(mail, 'List-Unsubscribe')).toMatch(
        /^<http:\/\/localhost:\d+\/v1\/unsubscribe\?t=[\w.-]+>$/,
      );
      expect(headerOf(mail, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
      expect(mail.body.text).toContain('株式会社サンプル');
      expect(mail.body.text).toContain('〒100-0005 東京都千代田区丸の内1-1-1');
      expect(mail.body.text).toContain('配信停止はこちら');
      // 特定電子メール法: where complaints and questions reach the sender (the reply-to address).
      expect(mail.body.text).toContain('お問い合わせ先: sales@example.co.jp');
      expect(mail.body.html).toContain('お問い合わせ先: sales@example.co.jp');
      expect(mail.body.html).toContain('佐藤様');
    }
    const enrollment = await enrollmentOf(leadId, SEQUENCE);
    const sent = enrollment?.history.filter((h) => h.outcome === 'sent') ?? [];
    expect(sent.map((h) => h.stepId)).toEqual(['thanks', 'case-study', 'consultation']);
    for (const h of sent) {
      expect(isInWindow(h.at, TOKYO_WINDOW)).toBe(true);
      expect(h.messageId).toBeTruthy();
    }
    const [first, second, third] = sent.map((h) => h.at);
    expect(tokyoDate(first ?? 0) > tokyoDate(holiday)).toBe(true);
    expect((second ?? 0) - (first ?? 0)).toBeGreaterThanOrEqual(3 * DAY);
    expect((third ?? 0) - (second ?? 0)).toBeGreaterThanOrEqual(4 * DAY);
    expect(enrollment?.status).toBe('completed');
    const item = await enrollmentItem(leadId, SEQUENCE);
    expect(item?.dueShard).toBeUndefined();
    const { getTimeline, getLeadState } = await import('#store/leads');
    const timeline = await getTimeline(leadId);
    expect(timeline.filter((e) => e.type === 'email_sent')).toHaveLength(3);
    // The last mail's line says the run completed; no line of its own for that.
    const last = timeline.find((e) => e.type === 'email_sent');
    expect(last?.properties).toMatchObject({ stepId: 'consultation', completesSequence: true });
    expect(timeline.filter((e) => e.properties?.completesSequence === true)).toHaveLength(1);
    expect(timeline.some((e) => e.type === 'sequence_completed')).toBe(false);
    const state = await getLeadState(leadId);
    expect(state?.recentSends.length).toBeGreaterThanOrEqual(1);
    const { emailKpiDay: kpiDay } = await import('#app/email-kpis');
    const { emailKpiCount } = await import('./nurture-helpers.ts');
    expect(
      await emailKpiCount('sent', kpiDay(first ?? 0), 'sequence', 'whitepaper-nurture'),
    ).toBeGreaterThanOrEqual(1);
  });

  it('given the Lead Captured event delivered twice, when enrolling, then one enrollment run exists', async () => {
    // Arrange
    const { leadId, delivered } = await whitepaperLead('redeliver');

    // Act: EventBridge delivers the same event again; then another capture arrives while the run is active.
    const again = (await runtime.invoke('nurture-enroll', delivered)) as { results: unknown[] };
    const other = (await runtime.invoke('nurture-enroll', enrollEvent(leadId, 'whitepaper'))) as {
      results: unknown[];
    };

    // Assert
    expect(again.results).toEqual([{ sequenceId: SEQUENCE, outcome: 'duplicate' }]);
    expect(other.results).toEqual([{ sequenceId: SEQUENCE, outcome: 'not_eligible' }]);
    const enrollment = await enrollmentOf(leadId, SEQUENCE);
    expect(enrollment?.run).toBe(1); // after_exit: an active run is not restarted by a second trigger
    const { getTimeline } = await import('#store/leads');
    expect((await getTimeline(leadId)).filter((e) => e.type === 'sequence_enrolled')).toHaveLength(1);
  });

  it('given an enrollment whose invocation stopped before its timeline line, when the event is delivered again, then the line is put once and the run is unchanged', async () => {
    // Arrange: a run starts with two single writes (the enrollment, then its line); the state a crash between
    // them leaves is the run without its line.
    const { leadId, delivered } = await whitepaperLead('enroll-crash');
    const { DeleteCommand } = await import('@aws-sdk/lib-dynamodb');
    const { dynamodb, tableName } = await import('#store/dynamodb');
    const { keys } = await import('#store/keys');
    const { getTimeline } = await import('#store/leads');
    const lines = async () => (await getTimeline(leadId)).filter((e) => e.type === 'sequence_enrolled');
    const [written] = await lines();
    expect(written?.properties).toMatchObject({ sequenceId: SEQUENCE, run: 1, trigger: 'form' });
    await dynamodb.send(
      new DeleteCommand({ TableName: tableName, Key: keys.timelineEvent(leadId, written?.eventId ?? '') }),
    );
    const before = await enrollmentOf(leadId, SEQUENCE);

    // Act: the failed invocation is retried (the same event), then delivered once more.
    const retried = (await runtime.invoke('nurture-enroll', delivered)) as { results: unknown[] };
    const [repaired] = await lines();
    const again = (await runtime.invoke('nurture-enroll', delivered)) as { results: unknown[] };

    // Assert: one run (the same item), and its line is back with what the first one said; a further
    // delivery leaves it as it is.
    expect(retried.results).toEqual([{ sequenceId: SEQUENCE, outcome: 'duplicate' }]);
    expect(again.results).toEqual([{ sequenceId: SEQUENCE, outcome: 'duplicate' }]);
    expect(await enrollmentOf(leadId, SEQUENCE)).toEqual(before);
    expect(repaired?.eventId).toBe(written?.eventId);
    expect(repaired?.properties).toEqual(written?.properties);
    expect(await lines()).toEqual([repaired]);
  });

  it('given a lead that turned hot and cooled again before its next step, when the step comes due, then it never goes out: the run ended when the lead turned hot', async () => {
    // Arrange: the first mail sent, then `Lead Temperature Changed` to hot. The lead's state is not hot when
    // the next step comes due (it cooled), which is what the planner alone would see then.
    const { email, leadId } = await whitepaperLead('hot-then-cool');
    await sweepUntil(runtime, async () => (await marketingMails(runtime, email)).length >= 1, {
      stepMs: 6 * HOUR,
      maxMs: 8 * DAY,
    });
    const hot = temperatureEvent(leadId, 'hot', clockNow());

    // Act
    const ended = (await runtime.invoke('nurture-enroll', hot)) as { results: unknown[] };
    await sweepUntil(runtime, async () => false, { stepMs: 12 * HOUR, maxMs: 10 * DAY });
    const after = await enrollmentOf(leadId, SEQUENCE);
    const again = (await runtime.invoke('nurture-enroll', hot)) as { results: unknown[] };

    // Assert: one mail in all; the run exited with became_hot, off the due index, with its timeline line; a
    // redelivery changes nothing.
    expect(ended.results).toEqual([{ sequenceId: SEQUENCE, outcome: 'exited' }]);
    expect(await marketingMails(runtime, email)).toHaveLength(1);
    expect(after).toMatchObject({ status: 'exited', exitReason: 'became_hot', run: 1 });
    expect((await enrollmentItem(leadId, SEQUENCE))?.dueAt).toBeUndefined();
    const { getTimeline } = await import('#store/leads');
    const exits = (await getTimeline(leadId)).filter((e) => e.type === 'sequence_exited');
    expect(exits.map((e) => e.properties)).toEqual([{ sequenceId: SEQUENCE, reason: 'became_hot' }]);
    expect(again.results).toEqual([]);
    expect(await enrollmentOf(leadId, SEQUENCE)).toEqual(after);
  });

  it('given a whitepaper lead who then sends the contact form (handed to sales, not hot), when the next whitepaper steps come due, then they never go out: the run exits handed_off, and only the inquiry follow-up is sent', async () => {
    // Arrange: the whitepaper thank-you sent; then a demo request through the contact form (inquiry fast lane:
    // an owner at once, whatever the score). The lead stays warm, so `became_hot` never fires.
    const { email, leadId } = await whitepaperLead('handed-off');
    await sweepUntil(runtime, async () => (await marketingMails(runtime, email)).length >= 1, {
      stepMs: 6 * HOUR,
      maxMs: 8 * DAY,
    });
    const contact = { ...whitepaperBody(email), message: 'デモを見たい' };
    expect((await postForm(runtime, 'contact', contact)).status).toBe(201);
    await runtime.settle();
    const { getLead } = await import('#store/leads');
    const state = (await getLead(leadId))?.state;
    expect(state?.handoff?.closedAt).toBeUndefined();
    expect(state?.handoff?.trigger).toBe('inquiry');
    expect(state?.temperature).not.toBe('hot');

    // Act: ten days of sweeps (the case study is due on day 3, the consultation on day 7).
    await sweepUntil(runtime, async () => false, { stepMs: 12 * HOUR, maxMs: 10 * DAY });

    // Assert
    const subjects = (await marketingMails(runtime, email)).map((m) => m.subject);
    expect(subjects.filter((s) => s === '活用事例のご紹介' || s === '導入相談のご案内')).toEqual([]);
    expect(subjects).toContain('担当者よりご連絡いたします');
    expect(await enrollmentOf(leadId, SEQUENCE)).toMatchObject({
      status: 'exited',
      exitReason: 'handed_off',
    });
  });

  it('given a whitepaper lead that sales disqualifies without a hand-off (a competitor), when the next steps come due, then they never go out: the run exits disqualified', async () => {
    // Arrange: the thank-you sent; then the lead is disqualified straight from its stage.
    const { email, leadId } = await whitepaperLead('disqualified');
    await sweepUntil(runtime, async () => (await marketingMails(runtime, email)).length >= 1, {
      stepMs: 6 * HOUR,
      maxMs: 8 * DAY,
    });
    const { leadAction } = await import('./handoff-support.ts');
    const answer = await leadAction(runtime, leadId, 'disqualify', {
      actionId: `dq-${leadId}`,
      reason: '競合他社',
    });
    expect(answer.status).toBe(200);

    // Act
    await sweepUntil(runtime, async () => false, { stepMs: 12 * HOUR, maxMs: 10 * DAY });

    // Assert
    expect(await marketingMails(runtime, email)).toHaveLength(1);
    expect(await enrollmentOf(leadId, SEQUENCE)).toMatchObject({
      status: 'exited',
      exitReason: 'disqualified',
    });
  });

  it('given a sweeper died after recording an attempt, when the claim comes back interrupted, then the step is not sent again and the sequence moves on', async () => {
    // Arrange: the state a crash leaves: an uncertain attempt for step 0, a stale claim, due again.
    const email = uniqueEmail('crash');
    await moveClockTo(runtime, await nextBusinessMoment());
    await postForm(runtime, 'whitepaper', whitepaperBody(email));
    await runtime.settle();
    const leadId = await leadIdOf(email);
    const { UpdateCommand } = await import('@aws-sdk/lib-dynamodb');
    const { dynamodb, tableName } = await import('#store/dynamodb');
    const { keys, dueAtKey } = await import('#store/keys');
    const { now } = await import('#adapters/clock');
    await dynamodb.send(
      new UpdateCommand({
        TableName: tableName,
        Key: keys.enrollment(leadId, SEQUENCE),
        UpdateExpression: 'SET history = :h, claimId = :c, claimedAt = :at, dueAt = :due',
        ExpressionAttributeValues: {
          ':h': [{ stepId: 'thanks', outcome: 'uncertain', at: now() - 6 * 60_000 }],
          ':c': 'dead-sweeper',
          ':at': now() - 6 * 60_000,
          ':due': dueAtKey(now() - 60_000),
        },
      }),
    );

    // Act
    await runtime.sweep();

    // Assert
    expect(await marketingMails(runtime, email)).toHaveLength(0);
    const enrollment = await enrollmentOf(leadId, SEQUENCE);
    expect(enrollment).toMatchObject({ stepIndex: 1, status: 'active' });
    expect(enrollment?.history).toEqual([
      expect.objectContaining({ stepId: 'thanks', outcome: 'uncertain' }),
    ]);
  });
});

describe('step-email sequence: re-entry', () => {
  it('given a re-entry always sequence restarted by a second trigger, when the first trigger is delivered again, then it starts no third run: two runs, one first-step mail each', async () => {
    // Arrange: a consenting lead with no other sequence (no other mail counts against the frequency cap),
    // recycled twice in business hours, each run's first step (the check-in, due at once) swept out.
    const RECYCLE = 'recycle-nurture';
    await moveClockTo(runtime, await nextBusinessMoment());
    const email = uniqueEmail('recycle-replay');
    const leadId = randomUUID();
    const { dynamodb, tableName } = await import('#store/dynamodb');
    await batchWriteAll(dynamodb, tableName, consentingLeadItems(leadId, email, clockNow() - DAY));
    const checkIns = async () => (await marketingMails(runtime, email)).filter((m) => m.subject === CHECK_IN);
    const sweepToCheckIns = (n: number) =>
      sweepUntil(runtime, async () => (await checkIns()).length >= n, { stepMs: 10 * 60_000, maxMs: HOUR });
    const first = recycledEvent(leadId, RECYCLE, clockNow());
    const started = [(await runtime.invoke('nurture-enroll', first)) as { results: unknown[] }];
    await sweepToCheckIns(1);
    const second = recycledEvent(leadId, RECYCLE, clockNow());
    started.push((await runtime.invoke('nurture-enroll', second)) as { results: unknown[] });
    await sweepToCheckIns(2);

    // Act: the first event comes back (a retried invocation, a redriven dead letter), and the sweeper runs on.
    const replayed = (await runtime.invoke('nurture-enroll', first)) as { results: unknown[] };
    await sweepToCheckIns(3);

    // Assert
    expect(await checkIns()).toHaveLength(2);
    expect(started.map((r) => r.results)).toEqual([
      [{ sequenceId: RECYCLE, outcome: 'enrolled' }],
      [{ sequenceId: RECYCLE, outcome: 'enrolled' }],
    ]);
    expect(replayed.results).toEqual([{ sequenceId: RECYCLE, outcome: 'duplicate' }]);
    expect(await enrollmentOf(leadId, RECYCLE)).toMatchObject({
      run: 2,
      triggerEventId: second.detail.eventId,
    });
    const { getTimeline } = await import('#store/leads');
    const runs = (await getTimeline(leadId)).filter((e) => e.type === 'sequence_enrolled');
    expect(runs.map((e) => e.properties?.run).sort()).toEqual([1, 2]);
  });
});

describe('step-email sequence: conditions on engagement', () => {
  it('given a cold lead who clicked the re-engagement mail, when the next step (previous_not_clicked) is due, then it is skipped and the sequence completes', async () => {
    // Arrange: a lead, then its drop to cold starts the re-engagement sequence.
    const email = uniqueEmail('reengage');
    await postForm(runtime, 'whitepaper', whitepaperBody(email));
    await runtime.settle();
    const leadId = await leadIdOf(email);
    const event = enrollEvent(leadId, 'whitepaper');
    await runtime.invoke('nurture-enroll', {
      ...event,
      'detail-type': 'Lead Temperature Changed',
      detail: { ...event.detail, eventId: `${leadId}:temperature:9:cold`, from: 'warm', to: 'cold' },
    });
    const runDue = async () => {
      const item = await enrollmentItem(leadId, 'cold-reengage');
      await moveClockTo(runtime, Date.parse(String(item?.dueAt)) + 60_000);
      await runtime.sweep();
    };

    // Act: first step goes out (10:00–12:00 Tokyo window), the lead clicks it, the second step comes due.
    await runDue();
    const first = (await enrollmentOf(leadId, 'cold-reengage'))?.history.find((h) => h.outcome === 'sent');
    const { now } = await import('#adapters/clock');
    await runtime.invoke(
      'email-events',
      sesFixture('click', { leadId, messageId: first?.messageId, sequenceId: 'cold-reengage', at: now() }),
    );
    await runDue();

    // Assert
    const enrollment = await enrollmentOf(leadId, 'cold-reengage');
    expect(first?.stepId).toBe('still-interested');
    expect(isInWindow(first?.at ?? 0, { ...TOKYO_WINDOW, start: '10:00', end: '12:00' })).toBe(true);
    expect(enrollment?.history.at(-1)).toMatchObject({
      stepId: 'webinar-invite',
      outcome: 'skipped',
      reason: 'previous step still-interested was clicked',
    });
    expect(enrollment?.status).toBe('completed');
    const subjects = (await marketingMails(runtime, email)).map((m) => m.subject);
    expect(subjects).toContain('引き続き情報をお届けしてもよろしいでしょうか');
    expect(subjects).not.toContain('オンラインセミナーのご案内');
  });

  it('given a lead sales disqualified and a lead with sales (an open inquiry hand-off), when each goes cold, then no re-engagement run starts: no enrollment, no timeline line, no mail', async () => {
    // Arrange: a whitepaper lead disqualified by sales; a demo request (handed off at once) not yet accepted.
    const { leadAction } = await import('./handoff-support.ts');
    const lost = await whitepaperLead('cold-disqualified');
    expect(
      (
        await leadAction(runtime, lost.leadId, 'disqualify', {
          actionId: `dq-${lost.leadId}`,
          reason: '競合他社',
        })
      ).status,
    ).toBe(200);
    const inquiryEmail = uniqueEmail('cold-with-sales');
    await postForm(runtime, 'contact', { ...whitepaperBody(inquiryEmail), message: 'デモを見たい' });
    await runtime.settle();
    const withSales = await leadIdOf(inquiryEmail);
    const coldEvent = (leadId: string) => temperatureEvent(leadId, 'cold', clockNow());

    // Act
    const results = [
      await runtime.invoke('nurture-enroll', coldEvent(lost.leadId)),
      await runtime.invoke('nurture-enroll', coldEvent(withSales)),
    ];
    await sweepUntil(runtime, async () => false, { stepMs: 12 * HOUR, maxMs: 8 * DAY });

    // Assert
    expect(results).toEqual([
      { results: [{ sequenceId: 'cold-reengage', outcome: 'meets_exit' }] },
      { results: [{ sequenceId: 'cold-reengage', outcome: 'meets_exit' }] },
    ]);
    const { getTimeline } = await import('#store/leads');
    for (const leadId of [lost.leadId, withSales]) {
      expect(await enrollmentItem(leadId, 'cold-reengage')).toBeUndefined();
      const lines = (await getTimeline(leadId)).filter((e) => e.properties?.sequenceId === 'cold-reengage');
      expect(lines).toEqual([]);
    }
    for (const email of [lost.email, inquiryEmail]) {
      const subjects = (await marketingMails(runtime, email)).map((m) => m.subject);
      expect(subjects).not.toContain('引き続き情報をお届けしてもよろしいでしょうか');
    }
  });
});

describe('step-email sequence: double opt-in', () => {
  const doubleOptInLead = async (label: string) => {
    const email = uniqueEmail(label);
    const response = await postForm(runtime, 'webinar', {
      email,
      lastName: '鈴木',
      firstName: '一郎',
      company: '株式会社オプトイン',
      consent: true,
    });
    expect(response.status).toBe(201);
    await runtime.settle();
    const leadId = await leadIdOf(email);
    await runtime.invoke('nurture-enroll', enrollEvent(leadId, 'whitepaper'));
    return { email, leadId };
  };

  it('given a lead whose double opt-in is pending, when the step is due, then no marketing mail goes out and the step re-checks hourly until confirmed, then sends', async () => {
    // Arrange
    const { email, leadId } = await doubleOptInLead('doi');
    await moveClockTo(runtime, await nextBusinessMoment(0, 60 * 60_000));

    // Act 1: due, but not confirmed.
    await runtime.sweep();
    const waiting = await enrollmentItem(leadId, SEQUENCE);
    const { now } = await import('#adapters/clock');
    const atWait = now();

    // Assert 1
    expect(await marketingMails(runtime, email)).toHaveLength(0);
    expect(waiting?.lastOutcome).toMatchObject({ kind: 'delayed', reason: 'consent_pending' });
    expect(Date.parse(String(waiting?.dueAt)) - atWait).toBeLessThanOrEqual(HOUR);

    // Act 2: the lead confirms through the link in the opt-in mail; an hour later the step runs.
    const optIn = (await inbox(runtime.sesUrl, email)).find((m) => m.body.text?.includes('/v1/confirm?t='));
    const link = /(http:\/\/localhost:\d+\/v1\/confirm\?t=[\w.-]+)/.exec(optIn?.body.text ?? '')?.[1];
    expect(link).toBeTruthy();
    const confirmed = await fetch(link ?? '', { method: 'POST' });
    expect(confirmed.status).toBe(200);
    await runtime.advanceClock(HOUR + 60_000);
    await runtime.sweep();

    // Assert 2
    const mails = await marketingMails(runtime, email);
    expect(mails.map((m) => m.subject)).toEqual(['資料ダウンロードありがとうございます']);
  });

  it('given a lead who never confirms, when the confirmation link expires, then the sequence exits with no_consent and nothing was sent', async () => {
    // Arrange
    const { email, leadId } = await doubleOptInLead('doi-never');

    // Act
    await sweepUntil(runtime, async () => (await enrollmentOf(leadId, SEQUENCE))?.status === 'exited', {
      stepMs: 12 * HOUR,
      maxMs: 9 * DAY,
    });

    // Assert
    expect(await enrollmentOf(leadId, SEQUENCE)).toMatchObject({
      status: 'exited',
      exitReason: 'no_consent',
    });
    expect(await marketingMails(runtime, email)).toHaveLength(0);
  });
});
