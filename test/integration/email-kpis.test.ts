import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '#local/runtime';
import { startTestRuntime, uniqueEmail } from '../support/runtime.ts';
import type { SdkClientLike } from '../support/sdk-faults.ts';
import {
  emailKpiCount,
  enrollmentOf,
  leadIdOf,
  marketingMails,
  moveClockTo,
  nextBusinessMoment,
  postForm,
  sesFixture,
  unsubscribeUrlOf,
  whitepaperBody,
} from './nurture-helpers.ts';

/**
 * E-mail KPIs are exactly once: the count commits in the transaction that records the mail event (the step
 * send record; SES events' own records). A failure injected around the send record's transaction leaves the
 * counters equal to the records: both or neither. Replayed and concurrent SES events count once.
 */

let runtime: Runtime;
beforeAll(async () => {
  runtime = await startTestRuntime();
});
afterAll(async () => {
  await runtime.stop();
});

const SEQUENCE = 'whitepaper-nurture';

interface Args {
  input?: unknown;
}
type Next = (args: Args) => Promise<unknown>;

/**
 * Fail the DynamoDB call that carries the step's `sent` record (recognised by the e-mail fact on its timeline
 * entry, in a transaction), once: `before` it reaches the table (nothing written), or `after` it committed (the
 * answer lost, as in a crash right after the write).
 */
async function failSendRecord(when: 'before' | 'after') {
  const { dynamodb } = await import('#store/dynamodb');
  const name = `fail-send-record-${randomUUID()}`;
  let fired = 0;
  const client = dynamodb as unknown as SdkClientLike;
  client.middlewareStack.add(
    (next: Next) => async (args: Args) => {
      const body = JSON.stringify(args.input ?? '');
      if (fired > 0 || !body.includes('TransactItems') || !body.includes('"emailFact"')) return next(args);
      fired++;
      if (when === 'after') await next(args);
      throw Object.assign(new Error('Runtime exited'), { name: 'Runtime.ExitError' });
    },
    { step: 'build', name, priority: 'low' },
  );
  return {
    fired: () => fired,
    remove: () => client.middlewareStack.remove(name),
  };
}

/** What the store holds for a lead's sends: `email_sent` timeline lines and `sent` e-mail facts. */
async function sendRecords(leadId: string) {
  const { getTimeline } = await import('#store/leads');
  const { readLeadFacts } = await import('#store/report-counters');
  const timeline = (await getTimeline(leadId)).filter((e) => e.type === 'email_sent');
  const facts = (await readLeadFacts(leadId)).filter((f) => f.scope === 'email' && f.metrics.sent);
  return { timeline: timeline.length, facts: facts.length };
}

async function dueWhitepaperLead(label: string) {
  const email = uniqueEmail(label);
  await moveClockTo(runtime, await nextBusinessMoment());
  expect((await postForm(runtime, 'whitepaper', whitepaperBody(email))).status).toBe(201);
  await runtime.settle();
  const { emailKpiDay } = await import('#app/email-kpis');
  const { now } = await import('#adapters/clock');
  return { email, leadId: await leadIdOf(email), day: emailKpiDay(now()) };
}

const stepCount = (day: string) => emailKpiCount('sent', day, 'step', `${SEQUENCE}/thanks`);

describe('e-mail KPIs, exactly once', () => {
  it('given a crash right after the step send record committed, then the sent count committed with it, and sweeping again neither resends nor recounts', async () => {
    // Arrange
    const { email, leadId, day } = await dueWhitepaperLead('kpi-crash-after');
    const before = await stepCount(day);
    const injected = await failSendRecord('after');

    // Act
    await runtime.sweep();
    injected.remove();
    await runtime.sweep();

    // Assert: the record and its count are both there, once.
    expect(injected.fired()).toBe(1);
    expect(await marketingMails(runtime, email)).toHaveLength(1);
    expect(await sendRecords(leadId)).toEqual({ timeline: 1, facts: 1 });
    expect(await stepCount(day)).toBe(before + 1);
    expect((await enrollmentOf(leadId, SEQUENCE))?.history.filter((h) => h.outcome === 'sent')).toHaveLength(
      1,
    );
  });

  it('given the send record transaction fails before it reaches the table, then neither the record nor the count exists (counters equal records), and nothing is resent', async () => {
    // Arrange
    const { email, leadId, day } = await dueWhitepaperLead('kpi-fail-before');
    const before = await stepCount(day);
    const injected = await failSendRecord('before');

    // Act: sweep again once the crashed attempt's lease has run out (until then it counts as in flight).
    await runtime.sweep();
    injected.remove();
    const { CLAIM_LEASE_MS } = await import('#store/timers');
    await runtime.advanceClock(CLAIM_LEASE_MS + 60_000);
    await runtime.sweep();

    // Assert: the mail went (SES accepted it), its record was lost, and so was its count: no count without record.
    expect(injected.fired()).toBe(1);
    expect(await marketingMails(runtime, email)).toHaveLength(1);
    expect(await sendRecords(leadId)).toEqual({ timeline: 0, facts: 0 });
    expect(await stepCount(day)).toBe(before);
    expect((await enrollmentOf(leadId, SEQUENCE))?.history[0]).toMatchObject({ outcome: 'uncertain' });
  });

  it('given the same SES events delivered concurrently and replayed, then each KPI counts once', async () => {
    // Arrange
    const { leadId, day } = await dueWhitepaperLead('kpi-ses-replays');
    await runtime.sweep();
    const sent = (await enrollmentOf(leadId, SEQUENCE))?.history.find((h) => h.outcome === 'sent');
    const messageId = sent?.messageId ?? '';
    const { now } = await import('#adapters/clock');
    const kpis = ['delivered', 'opened', 'clicked', 'bounced'] as const;
    const before = Object.fromEntries(
      await Promise.all(kpis.map(async (k) => [k, await emailKpiCount(k, day)])),
    );
    const events = [
      sesFixture('delivery', { leadId, messageId }),
      sesFixture('open', { leadId, messageId, at: now() - 1000 }),
      sesFixture('click', { leadId, messageId, at: now() - 1000 }),
      sesFixture('bounce-transient', { leadId, messageId }),
    ];

    // Act: each event four times at once, then once more.
    for (const event of events) {
      await Promise.all(Array.from({ length: 4 }, () => runtime.invoke('email-events', event)));
      await runtime.invoke('email-events', event);
    }

    // Assert
    for (const kpi of kpis) expect(await emailKpiCount(kpi, day), kpi).toBe((before[kpi] ?? 0) + 1);
    const { readLeadFacts } = await import('#store/report-counters');
    const facts = (await readLeadFacts(leadId)).filter((f) => f.scope === 'email');
    expect(facts.map((f) => Object.keys(f.metrics)[0]).sort()).toEqual(
      ['bounced', 'clicked', 'delivered', 'opened', 'sent'].sort(),
    );
  });

  it('given a step mail whose delivery, open and soft bounce SES saw two days after the send (processed then too), then each KPI counts on the day the mail was sent, so the rates of a range are those of its mails', async () => {
    // Arrange: the step mail goes today (day D); SES sees its delivery, open and soft bounce two days later.
    const { leadId, day } = await dueWhitepaperLead('kpi-send-day');
    await runtime.sweep();
    const sent = (await enrollmentOf(leadId, SEQUENCE))?.history.find((h) => h.outcome === 'sent');
    const messageId = sent?.messageId ?? '';
    const { now } = await import('#adapters/clock');
    const sentAt = now();
    await runtime.advanceClock(2 * 24 * 60 * 60_000);
    const { emailKpiDay } = await import('#app/email-kpis');
    const laterDay = emailKpiDay(now());
    const kpis = ['delivered', 'opened', 'bounced'] as const;
    const count = async (d: string) =>
      Object.fromEntries(await Promise.all(kpis.map(async (k) => [k, await emailKpiCount(k, d)])));
    const [onDay, onLaterDay] = [await count(day), await count(laterDay)];

    // Act: events as SES sends them for our step mail (its tags carry the day its sent counted on)
    for (const name of ['delivery', 'open', 'bounce-transient'])
      await runtime.invoke(
        'email-events',
        sesFixture(name, { leadId, messageId, sentAt, sentDay: day, at: now() - 1000 }),
      );

    // Assert
    expect(laterDay).not.toBe(day);
    for (const kpi of kpis) {
      expect(await emailKpiCount(kpi, day), kpi).toBe((onDay[kpi] ?? 0) + 1);
      expect(await emailKpiCount(kpi, laterDay), kpi).toBe(onLaterDay[kpi] ?? 0);
    }
  });

  it('given a step mail sent, then it carries the day its sent counted on as its sentday tag (SES returns it on every event of the mail)', async () => {
    // Arrange: watch what the sweeper asks SES to send
    const { day } = await dueWhitepaperLead('kpi-sentday-tag');
    const { sesClient } = await import('#adapters/ses');
    const client = sesClient as unknown as SdkClientLike;
    const name = `watch-tags-${randomUUID()}`;
    const tags: { Name: string; Value: string }[][] = [];
    client.middlewareStack.add(
      (next: Next) => async (args: Args) => {
        const input = args.input as { EmailTags?: { Name: string; Value: string }[] } | undefined;
        if (input?.EmailTags) tags.push(input.EmailTags);
        return next(args);
      },
      { step: 'initialize', name },
    );

    // Act
    try {
      await runtime.sweep();
    } finally {
      client.middlewareStack.remove(name);
    }

    // Assert
    const stepMail = tags.find((t) => t.some((tag) => tag.Name === 'sequence' && tag.Value === SEQUENCE));
    expect(stepMail).toContainEqual({ Name: 'sentday', Value: day });
  });

  it('given a mail sent before step mails carried their day (no sentday tag), when its open comes on a later day, then it counts on the day SES took the mail', async () => {
    // Arrange
    const { leadId, day } = await dueWhitepaperLead('kpi-send-day-untagged');
    await runtime.sweep();
    const sent = (await enrollmentOf(leadId, SEQUENCE))?.history.find((h) => h.outcome === 'sent');
    const { now } = await import('#adapters/clock');
    const sentAt = now();
    await runtime.advanceClock(3 * 24 * 60 * 60_000);
    const before = await emailKpiCount('opened', day);

    // Act
    await runtime.invoke(
      'email-events',
      sesFixture('open', { leadId, messageId: sent?.messageId ?? '', sentAt, at: now() - 1000 }),
    );

    // Assert
    expect(await emailKpiCount('opened', day)).toBe(before + 1);
  });

  it('given two links clicked in one step mail, then the click KPI counts the mail once (unique clicks, as opens)', async () => {
    // Arrange
    const { leadId, day } = await dueWhitepaperLead('kpi-two-links');
    await runtime.sweep();
    const sent = (await enrollmentOf(leadId, SEQUENCE))?.history.find((h) => h.outcome === 'sent');
    const messageId = sent?.messageId ?? '';
    const { now } = await import('#adapters/clock');
    const before = await emailKpiCount('clicked', day);

    // Act
    for (const link of ['https://example.co.jp/case-study', 'https://example.co.jp/pricing'])
      await runtime.invoke(
        'email-events',
        sesFixture('click', { leadId, messageId, link, at: now() - 1000 }),
      );

    // Assert
    expect(await emailKpiCount('clicked', day)).toBe(before + 1);
  });

  it('given SES events for a form auto-reply (no step), then no KPI counts them, so delivered never exceeds sent', async () => {
    // Arrange: a lead with its auto-reply; the KPIs count step mails, whose sends the sweeper counts.
    const { leadId, day } = await dueWhitepaperLead('kpi-autoreply');
    const kpis = ['sent', 'delivered', 'opened', 'clicked', 'bounced'] as const;
    const before = Object.fromEntries(
      await Promise.all(kpis.map(async (k) => [k, await emailKpiCount(k, day)])),
    );
    const { now } = await import('#adapters/clock');
    const messageId = `autoreply-${randomUUID()}`;

    // Act
    for (const name of ['delivery', 'open', 'click', 'bounce-transient'])
      await runtime.invoke(
        'email-events',
        sesFixture(name, { leadId, messageId, form: 'whitepaper', at: now() - 1000 }),
      );

    // Assert: nothing counted; the lead still saw the events (the soft bounce is on the profile).
    for (const kpi of kpis) expect(await emailKpiCount(kpi, day), kpi).toBe(before[kpi]);
    const { getLead } = await import('#store/leads');
    expect((await getLead(leadId))?.profile.marketing.transientBounces).toBe(1);
  });
});

describe('unsubscribes per sequence and step', () => {
  type EmailReport = {
    rows: { group: string; counts: Record<string, number> }[];
    total: { counts: Record<string, number> };
  };
  /** The unsubscribes of one day: the total and the row of each group, per grouping (the report route). */
  const unsubscribes = async (day: string) => {
    const out: Record<string, number> = {};
    for (const groupBy of ['sequence', 'step', 'template']) {
      const response = await fetch(
        `${runtime.apiUrl}/v1/ops/reports/email?from=${day}&to=${day}&groupBy=${groupBy}`,
        { headers: { authorization: `Bearer ${runtime.opsToken}` } },
      );
      expect(response.status).toBe(200);
      const report = (await response.json()) as EmailReport;
      out.total = report.total.counts.unsubscribed ?? 0;
      for (const row of report.rows) out[`${groupBy}:${row.group}`] = row.counts.unsubscribed ?? 0;
    }
    return out;
  };
  const moved = (before: Record<string, number>, after: Record<string, number>) =>
    Object.fromEntries(
      Object.keys({ ...before, ...after })
        .map((k) => [k, (after[k] ?? 0) - (before[k] ?? 0)] as const)
        .filter(([, n]) => n !== 0),
    );
  /** A whitepaper lead who received the first step mail (`thanks`), and that mail's List-Unsubscribe URL. */
  const afterFirstStep = async (label: string) => {
    const { email, leadId, day } = await dueWhitepaperLead(label);
    await runtime.sweep();
    const [mail] = await marketingMails(runtime, email);
    if (!mail) throw new Error('no step mail');
    return { leadId, day, url: unsubscribeUrlOf(mail) };
  };
  const post = (url: string, body?: string) =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      ...(body === undefined ? {} : { body }),
    });
  const THANKS = {
    'sequence:whitepaper-nurture': 1,
    'step:whitepaper-nurture/thanks': 1,
    'template:nurture-thanks': 1,
  };

  it('given a step mail of whitepaper-nurture, when its recipient clicks the one-click List-Unsubscribe of that mail, then the e-mail report counts the unsubscribe under that sequence and step (not only in the total)', async () => {
    // Arrange: a whitepaper lead who received the first step mail
    const { day, url } = await afterFirstStep('kpi-unsub-one-click');
    const before = await unsubscribes(day);

    // Act: the mailbox provider's one-click POST on this mail's List-Unsubscribe URL
    const response = await post(url, 'List-Unsubscribe=One-Click');
    await runtime.settle();

    // Assert
    expect(response.status).toBe(200);
    expect(moved(before, await unsubscribes(day))).toEqual({ total: 1, ...THANKS });
  });

  it("given the same mail's footer link, when the person confirms on the page (empty POST), then the unsubscribe is counted under that sequence and step too", async () => {
    // Arrange
    const { day, url } = await afterFirstStep('kpi-unsub-page');
    const before = await unsubscribes(day);

    // Act
    const response = await post(url);
    await runtime.settle();

    // Assert
    expect(response.status).toBe(200);
    expect(moved(before, await unsubscribes(day))).toEqual({ total: 1, ...THANKS });
  });

  it('given an unsubscribe link mailed before links named their mail (its token names the lead alone), when used, then the lead is unsubscribed and counted unattributed', async () => {
    // Arrange: the token every step mail carried until now (sealed with the lead id alone, 166 characters)
    const { leadId, day } = await afterFirstStep('kpi-unsub-old-link');
    const { unsubscribeUrl } = await import('#app/links');
    const token = new URL(await unsubscribeUrl(leadId)).searchParams.get('t') ?? '';
    expect(token).toHaveLength(166);
    const before = await unsubscribes(day);

    // Act
    const response = await post(`${runtime.apiUrl}/v1/unsubscribe?t=${token}`, 'List-Unsubscribe=One-Click');
    await runtime.settle();

    // Assert
    expect(response.status).toBe(200);
    const { getLead } = await import('#store/leads');
    expect((await getLead(leadId))?.profile.marketing.unsubscribedAt).toBeDefined();
    expect(moved(before, await unsubscribes(day))).toEqual({
      total: 1,
      'sequence:(none)': 1,
      'step:(none)': 1,
      'template:(none)': 1,
    });
  });

  it('given a step mail, when its recipient unsubscribes through it three days later, then the unsubscribe counts on the day the mail was sent (with its delivery and opens), not on the day of the click', async () => {
    // Arrange
    const { day, url } = await afterFirstStep('kpi-unsub-later');
    await runtime.advanceClock(3 * 24 * 60 * 60_000);
    const { emailKpiDay } = await import('#app/email-kpis');
    const { now } = await import('#adapters/clock');
    const clickDay = emailKpiDay(now());
    const [onDay, onClickDay] = [await unsubscribes(day), await unsubscribes(clickDay)];

    // Act
    const response = await post(url, 'List-Unsubscribe=One-Click');
    await runtime.settle();

    // Assert
    expect(response.status).toBe(200);
    expect(clickDay).not.toBe(day);
    expect(moved(onDay, await unsubscribes(day))).toEqual({ total: 1, ...THANKS });
    expect(moved(onClickDay, await unsubscribes(clickDay))).toEqual({});
  });
});
