import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '#local/runtime';
import { inbox, startTestRuntime, uniqueEmail } from '../support/runtime.ts';
import { api, contactForm, detailOf, eventsOf } from './handoff-support.ts';
import {
  enrollmentOf,
  leadIdOf,
  marketingMails,
  moveClockTo,
  nextBusinessMoment,
  sweepUntil,
  whitepaperBody,
} from './nurture-helpers.ts';

/**
 * The inquiry fast lane (issue 12, item 7): a form with `handoff: 'immediate'` hands the lead to sales at
 * once, whatever its score, through the real path (outbox → stream → bus → handoff function), and enrolls it
 * only in the sequences that form names. The demo's contact form uses it.
 */

let runtime: Runtime;
beforeAll(async () => {
  runtime = await startTestRuntime();
});
afterAll(async () => {
  await runtime.stop();
});

const stateOf = async (leadId: string) => {
  const { dynamodb, tableName } = await import('#store/dynamodb');
  const { keys } = await import('#store/keys');
  return (
    await dynamodb.send(
      new GetCommand({ TableName: tableName, Key: keys.state(leadId), ConsistentRead: true }),
    )
  ).Item;
};
const slaTimerOf = async (leadId: string) => {
  const { dynamodb, tableName } = await import('#store/dynamodb');
  const { keys } = await import('#store/keys');
  return (
    await dynamodb.send(
      new GetCommand({ TableName: tableName, Key: keys.timer(leadId, 'sla'), ConsistentRead: true }),
    )
  ).Item;
};

/** The scenario: a 部長 of a 1,000+ employee company asks for a demo on the contact form. */
const demoRequest = (email: string) =>
  contactForm(email, { employees: '1000-4999', title: '情報システム部 部長', message: 'デモを見たい' });

/** The demo routes inquiries to inside sales, who call within the hour (first-contact clock). */
const INSIDE_SALES = ['小林 直樹', '中村 あゆみ', '吉田 拓也'];

describe('inquiry fast lane: the demo contact form', () => {
  it('given a 部長 of a 1,000+ employee company who asks for a demo, when the form is posted, then the lead is handed off at once (warm, not hot): owner, SLA deadline, trigger inquiry', async () => {
    // Arrange
    const email = uniqueEmail('demo');

    // Act
    const posted = await api(runtime).postForm('contact', demoRequest(email));
    await runtime.settle();

    // Assert
    expect(posted.status).toBe(201);
    const leadId = await leadIdOf(email);
    const state = await stateOf(leadId);
    expect(state?.temperature).toBe('warm'); // scores 73: the score trigger alone would not hand it off
    expect(state?.score.total).toBeLessThan(80);
    expect(state?.stage).toBe('mql');
    expect(state?.handoff).toMatchObject({ n: 1, owner: { team: 'inside-sales' } });
    const handedOff = eventsOf(runtime, leadId, 'Lead Handed Off');
    expect(handedOff).toHaveLength(1);
    const detail = detailOf<{ trigger: string; reason: string; slaDueAt: string; owner: { name: string } }>(
      handedOff[0],
    );
    expect(detail.trigger).toBe('inquiry');
    expect(detail.reason).toContain("'contact'");
    expect(INSIDE_SALES).toContain(detail.owner.name);
    expect(Date.parse(detail.slaDueAt)).toBe(state?.handoff.dueAt);
    expect(detailOf(eventsOf(runtime, leadId, 'Lead Assigned')[0])).toMatchObject({ reason: 'handoff' });
    expect((await slaTimerOf(leadId))?.handoffNumber).toBe(1);
  });

  it('given the demo request, when it is enrolled, then only the contact form’s own sequence starts and its mail names the owner — never the whitepaper thank-you', async () => {
    // Arrange
    const email = uniqueEmail('demo-mail');
    await api(runtime).postForm('contact', demoRequest(email));
    await runtime.settle();
    const leadId = await leadIdOf(email);

    // Act
    await moveClockTo(runtime, await nextBusinessMoment());
    await sweepUntil(runtime, async () => (await marketingMails(runtime, email)).length >= 1, {
      stepMs: 10 * 60_000,
      maxMs: 2 * 3_600_000,
    });
    await runtime.settle();

    // Assert
    expect(await enrollmentOf(leadId, 'whitepaper-nurture')).toBeUndefined();
    expect(await enrollmentOf(leadId, 'inquiry-followup')).toMatchObject({ trigger: 'form' });
    const mails = await inbox(runtime.sesUrl, email);
    expect(mails.map((m) => m.subject)).not.toContain('資料ダウンロードありがとうございます');
    const marketing = await marketingMails(runtime, email);
    expect(marketing.map((m) => m.subject)).toEqual(['担当者よりご連絡いたします']);
    // The owner at send time (the clock passed the SLA on the way to business hours, so it may be the
    // inside-sales colleague the breach reassigned it to).
    const html = marketing[0]?.body.html ?? '';
    expect(INSIDE_SALES.filter((name) => html.includes(`担当の${name}より`))).toHaveLength(1);
  });

  it('given a demo request whose owner-intro mail went out, when the same person posts the form again while the hand-off is open, then no second 担当者よりご連絡いたします mail goes out', async () => {
    // Arrange: the first post in business hours; the follow-up sent (its run completed).
    await moveClockTo(runtime, await nextBusinessMoment());
    const email = uniqueEmail('demo-resubmit');
    await api(runtime).postForm('contact', demoRequest(email));
    await runtime.settle();
    const leadId = await leadIdOf(email);
    await sweepUntil(runtime, async () => (await marketingMails(runtime, email)).length >= 1, {
      stepMs: 10 * 60_000,
      maxMs: 2 * 3_600_000,
    });
    expect(await enrollmentOf(leadId, 'inquiry-followup')).toMatchObject({ status: 'completed', run: 1 });

    // Act: the person is unsure it went through and posts again ten minutes later.
    await runtime.advanceClock(10 * 60_000);
    await api(runtime).postForm('contact', demoRequest(email));
    await runtime.settle();
    await sweepUntil(runtime, async () => false, { stepMs: 10 * 60_000, maxMs: 3_600_000 });

    // Assert: the rep who has the inquiry is introduced once.
    const marketing = await marketingMails(runtime, email);
    expect(marketing.map((m) => m.subject)).toEqual(['担当者よりご連絡いたします']);
    expect(await enrollmentOf(leadId, 'inquiry-followup')).toMatchObject({ run: 1 });
  });

  it('given a demo request, when the same person posts again and the capture event is delivered twice, then there is still one hand-off, one owner and one set of events', async () => {
    // Arrange
    const email = uniqueEmail('demo-twice');
    await api(runtime).postForm('contact', demoRequest(email));
    await runtime.settle();
    const leadId = await leadIdOf(email);
    const before = await stateOf(leadId);

    // Act
    const again = await api(runtime).postForm('contact', demoRequest(email));
    await runtime.settle();
    const { openHandoff } = await import('#app/open-handoff');
    const replay = await openHandoff({
      id: 'replayed',
      detailType: 'Lead Captured',
      leadId,
      formId: 'contact',
    });

    // Assert
    expect(again.status).toBe(201);
    expect(replay?.status).toBe('not_triggered');
    const after = await stateOf(leadId);
    expect(after?.handoff).toEqual(before?.handoff);
    expect(eventsOf(runtime, leadId, 'Lead Handed Off')).toHaveLength(1);
    expect(eventsOf(runtime, leadId, 'Lead Assigned')).toHaveLength(1);
    expect(eventsOf(runtime, leadId, 'Lead Captured')).toHaveLength(2);
  });

  it('given a form without the fast lane, when a low-scoring lead posts it, then no hand-off opens (the score trigger still decides)', async () => {
    // Arrange
    const email = uniqueEmail('wp');

    // Act
    await api(runtime).postForm('whitepaper', whitepaperBody(email));
    await runtime.settle();

    // Assert
    const leadId = await leadIdOf(email);
    expect((await stateOf(leadId))?.handoff).toBeUndefined();
    expect(eventsOf(runtime, leadId, 'Lead Handed Off')).toHaveLength(0);
    expect(await enrollmentOf(leadId, 'whitepaper-nurture')).toBeDefined();
    const { openHandoff } = await import('#app/open-handoff');
    const forced = await openHandoff({ id: 'x', detailType: 'Lead Captured', leadId, formId: 'whitepaper' });
    expect(forced?.status).toBe('not_triggered');
    expect((await stateOf(leadId))?.handoff).toBeUndefined();
  });

  it('given a lead that turns hot without an inquiry form (whitepaper, webinar, download, pricing pages), when it turns hot, then the score trigger still hands it off (trigger score)', async () => {
    // Arrange
    const email = uniqueEmail('hot-no-inquiry');
    const { postForm, opsPost } = api(runtime);
    const { phone: _phone, message: _message, ...body } = demoRequest(email) as Record<string, unknown>;
    await postForm('whitepaper', body);
    await runtime.settle();
    const leadId = await leadIdOf(email);
    expect((await stateOf(leadId))?.handoff).toBeUndefined();

    // Act
    const tracked = await opsPost('/v1/ops/events', {
      events: [
        { type: 'webinar_registered', email, eventId: `reg-${email}` },
        { type: 'webinar_attended', email, eventId: `att-${email}` },
        { type: 'download', email, eventId: `dl-${email}`, url: 'https://www.example.co.jp/downloads/a.pdf' },
        { type: 'page_view', email, eventId: `pv1-${email}`, url: 'https://www.example.co.jp/pricing' },
        { type: 'page_view', email, eventId: `pv2-${email}`, url: 'https://www.example.co.jp/product' },
      ],
    });
    await runtime.settle();

    // Assert
    expect(tracked.status).toBe(202);
    expect((await stateOf(leadId))?.temperature).toBe('hot');
    const handedOff = eventsOf(runtime, leadId, 'Lead Handed Off');
    expect(handedOff).toHaveLength(1);
    expect(detailOf(handedOff[0])).toMatchObject({ trigger: 'hot' });
    expect(detailOf(handedOff[0]).reason).toBeUndefined();
  });
});
