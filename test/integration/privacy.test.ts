/**
 * Privacy end to end on DynamoDB Local with the real handlers: a lead with every kind of item (capture,
 * tracking with stitched anonymous history, a step mail sent by the sweeper, a hand-off and a sales
 * action) is exported whole, then erased; a table SCAN finds nothing of the person afterwards.
 */
import { createHash, randomUUID } from 'node:crypto';
import { DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { now as clockNow } from '#adapters/clock';
import type { Runtime } from '#local/runtime';
import { inbox, startTestRuntime, uniqueEmail } from '../support/runtime.ts';
import type { SdkClientLike } from '../support/sdk-faults.ts';
import { api, contactForm, eventsOf, HOUR, makeHotLead, scanAll } from './handoff-support.ts';
import { marketingMails, moveClockTo, nextBusinessMoment, sweepUntil } from './nurture-helpers.ts';

let runtime: Runtime;
beforeAll(async () => {
  runtime = await startTestRuntime();
});
afterAll(async () => {
  await runtime.stop();
});
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

type Next = (args: { input?: unknown }) => Promise<unknown>;

/**
 * Runs `act` once, inside the product's own DynamoDB client, just before the first call `matches` (its
 * command name and JSON input) lets through; `act`'s own calls pass. Removed after the test.
 */
const beforeCall = async (
  matches: (commandName: string, input: string) => boolean,
  act: () => Promise<void>,
): Promise<{ fired: () => boolean }> => {
  const { dynamodb } = await import('#store/dynamodb');
  const client = dynamodb as unknown as SdkClientLike;
  let fired = false;
  const name = `before-call-${randomUUID()}`;
  client.middlewareStack.add(
    (next: Next, context: { commandName?: string }) => async (args: { input?: unknown }) => {
      if (!fired && matches(context.commandName ?? '', JSON.stringify(args.input ?? ''))) {
        fired = true;
        await act();
      }
      return next(args);
    },
    { step: 'initialize', name, priority: 'high' },
  );
  cleanups.push(() => client.middlewareStack.remove(name));
  return { fired: () => fired };
};

const erase = (leadId: string, body: unknown) =>
  fetch(`${runtime.apiUrl}/v1/ops/leads/${leadId}`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${runtime.opsToken}`, 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

const exportOf = async (leadId: string) => {
  const response = await api(runtime).opsGet(`/v1/ops/leads/${leadId}/export`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

/** Unique person: name and company appear nowhere else in this file's table. */
const person = () => {
  const tag = Math.random().toString(36).slice(2, 8);
  return {
    email: uniqueEmail('erase'),
    lastName: `消去${tag}`,
    firstName: `花子${tag}`,
    company: `株式会社消去${tag}商事`,
  };
};

/** A person who posted the contact form, with their lead's id (the form's auto-reply sent). */
const contactLead = async () => {
  const who = person();
  const { postForm, opsGet } = api(runtime);
  expect((await postForm('contact', contactForm(who.email, who))).status).toBe(201);
  await runtime.settle();
  const { leadId } = (await (
    await opsGet(`/v1/ops/leads?email=${encodeURIComponent(who.email)}`)
  ).json()) as { leadId: string };
  return { who, leadId };
};

/** A person who posted the contact form and whose lead was then erased on request (its id). */
const erasedPerson = async () => {
  const { who, leadId } = await contactLead();
  expect((await erase(leadId, { reason: 'request' })).status).toBe(200);
  return { who, leadId };
};

/** One view of the pricing page through `POST /v1/track`, by an anonymous visitor or a known one (`identity`). */
const trackPricingView = (visitor: { anonymousId?: string; identity?: string }, occurredAt: number) =>
  fetch(`${runtime.apiUrl}/v1/track`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body: JSON.stringify({
      events: [
        {
          eventId: randomUUID(),
          type: 'page_view',
          ...visitor,
          url: 'https://www.example.co.jp/ja/pricing',
          title: '料金プラン',
          properties: {},
          occurredAt: new Date(occurredAt).toISOString(),
        },
      ],
    }),
  });

/**
 * A lead with every kind of item: anonymous page views, the whitepaper form (enrolls into the nurture
 * sequence; the sweeper sends the first step mail), the contact form stitching the anonymous id, a webinar
 * that makes it hot (hand-off, SLA timer), and sales accepting it (sales-action record).
 */
const fullLead = async (who: ReturnType<typeof person>) => {
  const { postForm, opsPost, opsGet } = api(runtime);
  await moveClockTo(runtime, await nextBusinessMoment());
  const { now } = await import('#adapters/clock');
  const anonymousId = randomUUID();
  expect((await trackPricingView({ anonymousId }, now() - 60_000)).status).toBe(202);

  // The post that creates the lead links the visitor's anonymous history (a later post to an existing lead,
  // unverified, may not); the sweeper's stitch timer scores it.
  const paper = await postForm('whitepaper', {
    ...who,
    employees: '1-49',
    consent: true,
    _anonymousId: anonymousId,
  });
  expect(paper.status).toBe(201);
  await runtime.settle();
  // Up to 12 days of clock: the send window may be closed for 年末年始 plus a weekend (the demo's calendar).
  await sweepUntil(runtime, async () => (await marketingMails(runtime, who.email)).length >= 1, {
    stepMs: HOUR,
    maxMs: 12 * 24 * HOUR,
  });
  expect((await marketingMails(runtime, who.email)).length).toBeGreaterThanOrEqual(1);

  const contact = await postForm('contact', contactForm(who.email, { ...who }));
  expect(contact.status).toBe(201);
  const webinar = await opsPost('/v1/ops/events', {
    events: [{ type: 'webinar_attended', email: who.email, eventId: `webinar-${who.email}` }],
  });
  expect(webinar.status).toBe(202);
  await runtime.settle();
  const lead = (await (await opsGet(`/v1/ops/leads?email=${encodeURIComponent(who.email)}`)).json()) as {
    leadId: string;
    handoff: unknown;
  };
  expect(lead.handoff).not.toBeNull();
  const accepted = await opsPost(`/v1/ops/leads/${lead.leadId}/accept`, {
    actionId: `accept-${lead.leadId}`,
  });
  expect(accepted.status).toBe(200);
  await runtime.settle();

  // A kind this code has never heard of (e.g. a consent ledger entry): export and erase must cover it.
  const { dynamodb, tableName } = await import('#store/dynamodb');
  await dynamodb.send(
    new PutCommand({
      TableName: tableName,
      Item: { pk: `LEAD#${lead.leadId}`, sk: 'CONSENT#2025-01-01', email: who.email, agreed: true },
    }),
  );
  return { leadId: lead.leadId, anonymousId };
};

const mentions = (item: Record<string, unknown>, needles: string[]): boolean => {
  const text = JSON.stringify(item).toLowerCase();
  return needles.some((n) => text.includes(n.toLowerCase()));
};

describe('export and erase', () => {
  it('given a lead with every kind of item, when exported, then the document holds each of them', async () => {
    // Arrange
    const who = person();
    const { leadId, anonymousId } = await fullLead(who);

    // Act
    const { status, body } = await exportOf(leadId);

    // Assert
    expect(status).toBe(200);
    const items = body.items as Record<string, unknown> & { profile: { email: string } };
    expect(body).toMatchObject({ format: 'leadloop.lead-export.v1', leadId });
    expect(items.profile.email).toBe(who.email);
    expect(items.state).toMatchObject({ sk: 'STATE', handoff: expect.any(Object) });
    const timeline = items.timeline as { entry?: { type?: string }; type?: string }[];
    const types = new Set(timeline.map((t) => t.type ?? t.entry?.type));
    expect([...types]).toEqual(
      expect.arrayContaining(['form_submitted', 'page_view', 'email_sent', 'webinar_attended']),
    );
    expect((items.enrollments as unknown[]).length).toBeGreaterThanOrEqual(1);
    expect((items.timers as { sk: string }[]).map((t) => t.sk)).toContain('TIMER#decay');
    expect((items.outbox as { detailType: string }[]).map((o) => o.detailType)).toEqual(
      expect.arrayContaining(['Lead Captured', 'Lead Handed Off', 'Lead Accepted']),
    );
    // The consent ledger: the entries capture wrote, and the one the test put there.
    expect(items.consentHistory).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ sk: 'CONSENT#2025-01-01', agreed: true }),
        expect.objectContaining({ sk: expect.stringMatching(/^CONSENT#\d{4}-/) }),
      ]),
    );
    expect((items.consentHistory as unknown[]).length).toBeGreaterThanOrEqual(2);
    const related = body.related as {
      emailClaim: { leadId: string };
      anonymous: Record<string, { sk: string }[]>;
      records: { action: string; leadId: string }[];
    };
    expect(related.emailClaim.leadId).toBe(leadId);
    expect(related.anonymous[anonymousId]?.map((i) => i.sk)).toEqual(expect.arrayContaining(['LINK']));
    expect(related.anonymous[anonymousId]?.some((i) => i.sk.startsWith('EVT#'))).toBe(true);
    expect(related.records).toEqual([expect.objectContaining({ leadId, action: 'accept' })]);
  });

  it('given that lead, when erased, then a scan finds nothing of the person, counters stay, Lead Erased is published, and a second erase changes nothing', async () => {
    // Arrange
    const who = person();
    const { leadId, anonymousId } = await fullLead(who);
    const needles = [who.email, who.lastName, who.firstName, who.company];
    const before = await scanAll();
    expect(before.filter((i) => mentions(i, needles)).length).toBeGreaterThan(5);
    const counters = before.filter((i) => String(i.pk).startsWith('COUNTER#')).length;
    // The capture mail's rate-limit item keys the address one way under the signing secret: a plain hash
    // of the address, which anyone who reads the table could recompute from a guess, is nowhere.
    const plainHash = createHash('sha256')
      .update(`capture-mail-address|${who.email.toLowerCase()}`)
      .digest('base64url')
      .slice(0, 22);
    expect(before.some((i) => String(i.pk).startsWith('QUOTA#capture-mail-address#'))).toBe(true);
    expect(before.filter((i) => mentions(i, [plainHash]))).toEqual([]);

    // Act
    const first = await erase(leadId, { reason: 'Erasure request from the person (ticket 4711)' });
    await runtime.settle();
    const after = await scanAll();
    const second = await erase(leadId, { reason: 'again' });
    const afterSecond = await scanAll();

    // Assert
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ leadId, erased: true });
    expect(after.filter((i) => mentions(i, needles))).toEqual([]);
    expect(after.filter((i) => String(i.pk) === `ANON#${anonymousId}`)).toEqual([]);
    const left = after.filter((i) => String(i.pk) === `LEAD#${leadId}`);
    expect(left).toEqual([expect.objectContaining({ detailType: 'Lead Erased' })]);
    expect(after.filter((i) => String(i.pk).startsWith('SUPPRESSED#'))).toHaveLength(1);
    expect(after.filter((i) => String(i.pk).startsWith('COUNTER#')).length).toBe(counters);
    const published = eventsOf(runtime, leadId, 'Lead Erased');
    expect(published).toHaveLength(1);
    expect(published[0]?.detail).toEqual({
      eventId: `${leadId}:erased`,
      version: 1,
      occurredAt: expect.any(String),
      leadId,
      erasedAt: expect.any(String),
      reason: 'Erasure request from the person (ticket 4711)',
    });
    expect(second.status).toBe(200);
    expect(await second.json()).toMatchObject({ leadId, alreadyErased: true });
    expect(afterSecond).toEqual(after);
    expect((await exportOf(leadId)).status).toBe(404);
  });

  it('given an erased address, when the person posts a form again, then a NEW lead is created and the suppression lifted; an ops event naming it is refused', async () => {
    // Arrange
    const { who, leadId: oldLeadId } = await erasedPerson();
    const { postForm, opsPost, opsGet } = api(runtime);
    const { isErasedAddress } = await import('#app/erased-address');
    const suppressedBefore = await isErasedAddress(who.email.toUpperCase());

    // Act
    const event = await opsPost('/v1/ops/events', {
      events: [{ type: 'webinar_attended', email: who.email, eventId: `w-${who.email}` }],
    });
    const eventBody = (await event.json()) as { accepted: number };
    const again = await postForm('contact', contactForm(who.email, who));
    await runtime.settle();
    const fresh = (await (await opsGet(`/v1/ops/leads?email=${encodeURIComponent(who.email)}`)).json()) as {
      leadId: string;
    };

    // Assert
    expect(suppressedBefore).toBe(true);
    expect(eventBody.accepted).toBe(0);
    expect(again.status).toBe(201);
    expect(fresh.leadId).not.toBe(oldLeadId);
    expect(await isErasedAddress(who.email)).toBe(false);
  });

  it("given a lead whose form mail took the address's daily mail limit, when erased, then the limit's item keyed by the address goes too: only the suppression entry stays keyed by it", async () => {
    // Arrange: the contact form's auto-replies count against the per-address daily limit
    // (QUOTA#capture-mail-address#…): the post that created the lead took no unit, so a second post of the
    // day writes the item, counting both mails.
    const { who, leadId } = await contactLead();
    expect((await api(runtime).postForm('contact', contactForm(who.email, who))).status).toBe(201);
    const { signingSecret } = await import('#adapters/secrets');
    const { quotaSubjectKey } = await import('#domain/privacy/address-hash');
    const { emailKey } = await import('#domain/capture/email-address');
    const pk = `QUOTA#capture-mail-address#${quotaSubjectKey('capture-mail-address', emailKey(who.email) ?? '', await signingSecret())}`;
    const quotaItems = async () => (await scanAll()).filter((i) => i.pk === pk);
    const before = await quotaItems();

    // Act
    const erased = await erase(leadId, { reason: 'ticket 4712' });
    await runtime.settle();

    // Assert
    expect(before.map((i) => i.count)).toEqual([2]);
    expect(erased.status).toBe(200);
    expect(await quotaItems()).toEqual([]);
  });

  it('given a lead stitched to 12 anonymous visitors (more than its profile remembers), when exported and erased, then the export lists all 12 and the erase removes every link and kept event', async () => {
    // Arrange: each visitor browses anonymously first (a kept event), then is linked to the lead: the first by
    // the post that creates it, the other 11 by tracking with the lead's identity token.
    const who = person();
    const anonymousIds = Array.from({ length: 12 }, () => randomUUID());
    const browse = async (anonymousId: string, identity?: string) =>
      expect(
        (await trackPricingView({ anonymousId, ...(identity ? { identity } : {}) }, clockNow())).status,
      ).toBe(202);
    const [first, ...others] = anonymousIds as [string, ...string[]];
    await browse(first);
    const posted = await api(runtime).postForm('contact', {
      ...contactForm(who.email, who),
      _anonymousId: first,
    });
    expect(posted.status).toBe(201);
    const { identity } = (await posted.json()) as { identity: string };
    for (const anonymousId of others) {
      await browse(anonymousId);
      await browse(anonymousId, identity);
    }
    await runtime.sweep();
    await runtime.settle();
    const lead = (await (
      await api(runtime).opsGet(`/v1/ops/leads?email=${encodeURIComponent(who.email)}`)
    ).json()) as { leadId: string };
    const anonymousPartitions = (items: Record<string, unknown>[]) =>
      items.filter((i) => anonymousIds.some((id) => i.pk === `ANON#${id}`));
    const before = anonymousPartitions(await scanAll());

    // Act
    const exported = await exportOf(lead.leadId);
    const erased = await erase(lead.leadId, { reason: 'Erasure request (ticket 4712)' });
    const after = await scanAll();

    // Assert
    const profile = (exported.body.items as { profile: { anonymousIds: string[] } }).profile;
    expect(profile.anonymousIds).toHaveLength(10);
    const related = (exported.body.related as { anonymous: Record<string, { sk: string }[]> }).anonymous;
    expect(Object.keys(related).sort()).toEqual([...anonymousIds].sort());
    for (const id of anonymousIds) {
      expect(related[id]?.map((i) => i.sk)).toContain('LINK');
      expect(related[id]?.some((i) => i.sk.startsWith('EVT#'))).toBe(true);
    }
    for (const id of anonymousIds) {
      expect(before.filter((i) => i.pk === `ANON#${id}`).map((i) => i.sk)).toEqual(
        expect.arrayContaining(['LINK', expect.stringMatching(/^EVT#/)]),
      );
    }
    expect(erased.status).toBe(200);
    expect(anonymousPartitions(after)).toEqual([]);
    expect(after.filter((i) => i.pk === `LEAD#${lead.leadId}` && String(i.sk).startsWith('REF#'))).toEqual(
      [],
    );
  });

  it('given an erased address, when it is posted on a double opt-in form, then the suppression stays and ops entries are refused until the person follows the link, which lifts it', async () => {
    // Arrange
    const { who } = await erasedPerson();
    const { postForm, opsPost } = api(runtime);
    const { isErasedAddress } = await import('#app/erased-address');
    const mailsBefore = (await inbox(runtime.sesUrl, who.email)).length;
    const entry = {
      email: who.email,
      attributes: { lastName: who.lastName, company: who.company },
      channel: 'event',
      source: '古い展示会リスト',
      consentBasis: 'business_card',
    };

    // Act
    const posted = await postForm('webinar', { ...who, consent: true });
    await runtime.settle();
    const suppressedWhilePending = await isErasedAddress(who.email);
    const entryWhilePending = await opsPost('/v1/ops/leads', entry);
    const mails = (await inbox(runtime.sesUrl, who.email)).slice(mailsBefore);
    const link = /href="([^"]*\/v1\/confirm\?t=[^"]+)"/
      .exec(mails[0]?.body.html ?? '')?.[1]
      ?.replace(/&amp;/g, '&');
    const url = new URL(link ?? 'http://no-link/');
    const confirmed = await fetch(`${runtime.apiUrl}${url.pathname}${url.search}`, { method: 'POST' });
    const suppressedAfterConfirmation = await isErasedAddress(who.email);
    const entryAfterConfirmation = await opsPost('/v1/ops/leads', entry);

    // Assert
    expect(posted.status).toBe(201);
    expect(((await posted.json()) as { status: string }).status).toBe('pending_confirmation');
    expect(suppressedWhilePending).toBe(true);
    expect(entryWhilePending.status).toBe(409);
    expect(await entryWhilePending.json()).toMatchObject({ error: { code: 'address_erased' } });
    // The pending lead gets the confirmation request and nothing else.
    expect(mails).toHaveLength(1);
    expect(link).toBeDefined();
    expect(confirmed.status).toBe(200);
    expect(suppressedAfterConfirmation).toBe(false);
    expect(entryAfterConfirmation.status).toBe(200);
  });

  it('given an erased address held by an unconfirmed double opt-in lead, when the person posts a form without double opt-in, then that post lifts the suppression', async () => {
    // Arrange
    const { who } = await erasedPerson();
    const { postForm } = api(runtime);
    expect((await postForm('webinar', { ...who, consent: true })).status).toBe(201);
    const { isErasedAddress } = await import('#app/erased-address');
    const heldBefore = await isErasedAddress(who.email);

    // Act
    const contact = await postForm('contact', contactForm(who.email, who));
    await runtime.settle();

    // Assert
    expect(heldBefore).toBe(true);
    expect(contact.status).toBe(201);
    expect(await isErasedAddress(who.email)).toBe(false);
  });

  it('given an erased lead, when plain writes that followed their commit land in its partition after the erase, then the delayed sweep removes them and the partition stays empty', async () => {
    // Arrange
    const { leadId } = await erasedPerson();
    // What a tracking event's entry put, a CRM-sync note and a capture-mail retry would write after their
    // commit, had they read the lead just before the erase (ids and times only).
    const { putTimelineEntry } = await import('#store/leads');
    const { noteCrmChange } = await import('#store/deals');
    const { armCaptureMailRetry } = await import('#store/timers');
    const at = clockNow();
    await putTimelineEntry(leadId, {
      eventId: `late-${leadId}`,
      type: 'page_view',
      occurredAt: at,
      points: 1,
      rule: null,
      baseVersion: 3,
      recordedAt: at,
    });
    await noteCrmChange(leadId, at, at + HOUR);
    await armCaptureMailRetry({ leadId, formId: 'contact', pending: false, firstFailedAt: at }, at + HOUR);
    const partition = async () =>
      (await scanAll()).filter((i) => String(i.pk) === `LEAD#${leadId}`).map((i) => String(i.sk));
    const landed = await partition();

    // Act: past the window README states (the erase sweeps its partition again 16 minutes after it).
    await runtime.advanceClock(17 * 60_000);
    await runtime.sweep();
    const { getItem } = await import('#store/lead-items-all');
    const { keys } = await import('#store/keys');

    // Assert
    expect(landed).toHaveLength(4);
    expect(await partition()).toEqual([`OUTBOX#${leadId}:erased`]);
    const record = await getItem(keys.erasure(leadId));
    expect(record).toMatchObject({ leadId, reason: 'request' });
    expect(record?.dueAt).toBeUndefined();
  });

  it("given a lead whose profile alone remembers an anonymous visitor, when the erase fails right after its commit, then a second erase finishes it: the visitor's link and events are gone too", async () => {
    // Arrange: the visitor browses, then the post that creates the lead links it; its pointer is removed, as
    // for a link made before the pointers existed (the profile's list is then the only record).
    const who = person();
    const anonymousId = randomUUID();
    expect((await trackPricingView({ anonymousId }, clockNow())).status).toBe(202);
    const posted = await api(runtime).postForm('contact', {
      ...contactForm(who.email, who),
      _anonymousId: anonymousId,
    });
    expect(posted.status).toBe(201);
    await runtime.sweep();
    await runtime.settle();
    const { leadId } = (await (
      await api(runtime).opsGet(`/v1/ops/leads?email=${encodeURIComponent(who.email)}`)
    ).json()) as { leadId: string };
    const { dynamodb, tableName } = await import('#store/dynamodb');
    const { keys } = await import('#store/keys');
    await dynamodb.send(
      new DeleteCommand({ TableName: tableName, Key: keys.anonymousRef(leadId, anonymousId) }),
    );
    const visitor = async () => (await scanAll()).filter((i) => i.pk === `ANON#${anonymousId}`);
    const visitorBefore = await visitor();
    // The crash: the first delete after the erase's commit fails (the Lambda dies there).
    let committed = false;
    await beforeCall(
      (command, input) => {
        if (command === 'TransactWriteItemsCommand' && input.includes(`ERASED#${leadId}`)) committed = true;
        return committed && command === 'DeleteItemCommand';
      },
      async () => {
        throw new Error('crash after the commit');
      },
    );

    // Act
    const first = await erase(leadId, { reason: 'request' });
    const second = await erase(leadId, { reason: 'request' });
    const after = await scanAll();

    // Assert
    expect(visitorBefore.map((i) => i.sk)).toEqual(
      expect.arrayContaining(['LINK', expect.stringMatching(/^EVT#/)]),
    );
    expect(committed).toBe(true);
    expect(first.status).toBe(500);
    expect(second.status).toBe(200);
    expect(await second.json()).toMatchObject({ leadId, alreadyErased: true });
    expect(after.filter((i) => i.pk === `ANON#${anonymousId}`)).toEqual([]);
    expect(after.filter((i) => i.pk === `LEAD#${leadId}`).map((i) => i.sk)).toEqual([
      `OUTBOX#${leadId}:erased`,
    ]);
  });

  it('given a lead whose stage changes between the erase reading it and committing, when erased for privacy, then the erase reads again and wins, and the current-lead gauges lose the lead as it was last written', async () => {
    // Arrange: sales disqualifies the lead just before the erase's commit (after its read of the state).
    const { readGauges } = await import('#store/report-counters');
    const gaugesBefore = await readGauges();
    const leadId = await makeHotLead(runtime, uniqueEmail('erase-race'));
    expect(await readGauges()).not.toEqual(gaugesBefore);
    let disqualified: number | undefined;
    const race = await beforeCall(
      (command, input) => command === 'TransactWriteItemsCommand' && input.includes(`"ERASED#${leadId}"`),
      async () => {
        const response = await api(runtime).opsPost(`/v1/ops/leads/${leadId}/disqualify`, {
          actionId: `dq-${leadId}`,
          reason: '予算なし',
        });
        disqualified = response.status;
      },
    );

    // Act
    const erased = await erase(leadId, { reason: 'ticket 4712' });
    await runtime.settle();

    // Assert: erased all the same, and the gauges are back where they were before the lead existed (the
    // disqualified stage it was written to is not left behind, nor its earlier stage counted off twice).
    expect(race.fired()).toBe(true);
    expect(disqualified).toBe(200);
    expect(erased.status).toBe(200);
    expect(await erased.json()).toMatchObject({ leadId, erased: true });
    expect((await exportOf(leadId)).status).toBe(404);
    expect(await readGauges()).toEqual(gaugesBefore);
  });

  it('given a CRM sync that read the lead just before its erase committed, then no Lead Updated (the CRM record) is published after Lead Erased', async () => {
    // Arrange: a handed-off lead whose crm-sync timer is due (armed by the hand-off's Lead Assigned).
    const leadId = await makeHotLead(runtime, uniqueEmail('erase-crm-sync'));
    await runtime.advanceClock(16 * 60_000);
    const { dynamodb, tableName } = await import('#store/dynamodb');
    const { getItem } = await import('#store/lead-items-all');
    const { keys } = await import('#store/keys');
    // The erase commits just as the sync publishes; its sweep has not reached the sync's timer yet (the
    // timer is put back as it was, as it still is in the moment between the commit and the sweep).
    const erased = await beforeCall(
      (command, input) =>
        command === 'TransactWriteItemsCommand' && input.includes('Lead Updated') && input.includes(leadId),
      async () => {
        const timer = await getItem(keys.timer(leadId, 'crm-sync'));
        expect((await erase(leadId, { reason: 'ticket 4713' })).status).toBe(200);
        if (timer) await dynamodb.send(new PutCommand({ TableName: tableName, Item: timer }));
      },
    );

    // Act
    await runtime.sweep();
    await runtime.settle();

    // Assert
    expect(erased.fired()).toBe(true);
    expect(eventsOf(runtime, leadId, 'Lead Erased')).toHaveLength(1);
    expect(eventsOf(runtime, leadId, 'Lead Updated')).toEqual([]);
  });

  it('given bad erase requests, then each gets a clear 4xx and changes nothing', async () => {
    // Arrange
    const lead = await contactLead();
    const before = await scanAll();

    // Act
    const noReason = await erase(lead.leadId, {});
    const empty = await erase(lead.leadId, { reason: '   ' });
    const long = await erase(lead.leadId, { reason: 'x'.repeat(501) });
    const extra = await erase(lead.leadId, { reason: 'ok', force: true });
    const notJson = await erase(lead.leadId, 'reason=x');
    const unknown = await erase('no-such-lead', { reason: 'request' });
    const noAuth = await fetch(`${runtime.apiUrl}/v1/ops/leads/${lead.leadId}`, {
      method: 'DELETE',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'x' }),
    });

    // Assert
    expect([noReason.status, empty.status, long.status, extra.status, notJson.status]).toEqual([
      400, 400, 400, 400, 400,
    ]);
    expect(
      ((await noReason.json()) as { error: { errors: { field: string }[] } }).error.errors[0]?.field,
    ).toBe('reason');
    expect(unknown.status).toBe(404);
    expect(noAuth.status).toBe(401);
    expect(await scanAll()).toEqual(before);
  });
});

describe('retention', () => {
  it('given a disqualified lead, when it stays inactive for the configured period, then the sweeper erases it; timeline and anonymous items carry the configured TTLs', async () => {
    // Arrange
    const who = person();
    const arrangedAt = clockNow(); // before the anonymous event (fullLead may sweep for days of clock)
    const { leadId, anonymousId } = await fullLead(who);
    const { settings } = await import('#config/settings');
    const { retention } = settings.app;
    const { exportLead } = await import('#app/export-lead');
    const exported = await exportLead(leadId);
    if (exported.kind !== 'found') throw new Error('lead not found');
    const timeline = exported.document.items.timeline as {
      sk: string;
      recordedAt: number;
      expiresAt?: number;
      funnelFacts?: unknown[];
    }[];
    const anonymousEvent = exported.document.related.anonymous[anonymousId]?.find((i) =>
      String(i.sk).startsWith('EVT#'),
    );
    const disqualified = await api(runtime).opsPost(`/v1/ops/leads/${leadId}/disqualify`, {
      actionId: `dq-${leadId}`,
      reason: '予算なし',
    });
    expect(disqualified.status).toBe(200);
    const timerOf = async () => {
      const { getItem } = await import('#store/lead-items-all');
      const { keys } = await import('#store/keys');
      return getItem(keys.timer(leadId, 'retention'));
    };
    const armed = await timerOf();
    const { readGauges } = await import('#store/report-counters');
    const disqualifiedNow = async () => (await readGauges())['stage|disqualified'] ?? 0;
    const gaugedBefore = await disqualifiedNow();

    // Act
    await runtime.advanceClock((retention.disqualifiedInactiveDays - 1) * 24 * HOUR);
    await runtime.sweep();
    const stillThere = (await exportOf(leadId)).status;
    await runtime.advanceClock(2 * 24 * HOUR);
    await runtime.sweep();
    await runtime.settle();

    // Assert
    // Every entry expires by the policy but the form posts', which carry the capture's report facts and
    // live as long as the lead (its erasure deletes them).
    const [kept, expiring] = [timeline.filter((e) => e.funnelFacts), timeline.filter((e) => !e.funnelFacts)];
    expect(kept.length).toBeGreaterThan(0);
    for (const entry of kept)
      expect([entry.sk.slice(0, 9), entry.expiresAt]).toEqual(['EVT#form:', undefined]);
    expect(expiring.length).toBeGreaterThan(1);
    for (const entry of expiring) {
      expect(entry.expiresAt).toBe(
        Math.floor((entry.recordedAt + retention.timelineDays * 24 * HOUR) / 1000),
      );
    }
    expect(Number(anonymousEvent?.expiresAt)).toBeGreaterThan(
      arrangedAt / 1000 + (retention.anonymousDays - 2) * 86_400,
    );
    expect(armed).toMatchObject({ timerKind: 'retention', leadId });
    expect(stillThere).toBe(200);
    expect((await exportOf(leadId)).status).toBe(404);
    expect(await timerOf()).toBeUndefined();
    const erased = eventsOf(runtime, leadId, 'Lead Erased');
    expect(erased.map((e) => (e.detail as { reason: string }).reason)).toEqual([
      'retention: disqualified and inactive',
    ]);
    // The erased lead no longer counts among the current disqualified leads.
    expect(await disqualifiedNow()).toBe(gaugedBefore - 1);
  });

  /** A hot lead, disqualified by sales, with the clock moved past the retention period: the next sweep erases it. */
  const disqualifiedLeadDue = async (tag: string) => {
    const { settings } = await import('#config/settings');
    const email = uniqueEmail(tag);
    const leadId = await makeHotLead(runtime, email);
    const dq = await api(runtime).opsPost(`/v1/ops/leads/${leadId}/disqualify`, {
      actionId: `dq-${leadId}`,
      reason: '予算なし',
    });
    expect(dq.status).toBe(200);
    await runtime.settle();
    await runtime.advanceClock((settings.app.retention.disqualifiedInactiveDays + 1) * 24 * HOUR);
    return { email, leadId, days: settings.app.retention.disqualifiedInactiveDays };
  };
  const partitionOf = async (leadId: string) =>
    (await scanAll()).filter((i) => i.pk === `LEAD#${leadId}`).map((i) => String(i.sk));
  /** The retention erase's first read: the profile (the timer has read the state and decided by then). */
  const isProfileRead = (leadId: string) => (command: string, input: string) =>
    command === 'GetItemCommand' && input.includes(`"LEAD#${leadId}"`) && input.includes('"PROFILE"');

  it('given a disqualified lead due for retention, when it shows activity after the timer read its state, then it is not erased, keeps every item, and the timer is re-armed from that activity', async () => {
    // Arrange: the person comes back (a webinar attended, reported by the platform) just after the retention
    // timer read the state and decided, i.e. when the erase reads the profile.
    const { email, leadId, days } = await disqualifiedLeadDue('retention-race');
    const before = await partitionOf(leadId);
    let activity: number | undefined;
    await beforeCall(isProfileRead(leadId), async () => {
      const tracked = await api(runtime).opsPost('/v1/ops/events', {
        events: [{ type: 'webinar_attended', email, eventId: `comeback-${leadId}` }],
      });
      activity = tracked.status;
    });

    // Act
    await runtime.sweep();
    await runtime.settle();
    const { getLead, getLeadState } = await import('#store/leads');
    const { getItem } = await import('#store/lead-items-all');
    const { keys, dueAtKey } = await import('#store/keys');
    const lead = await getLead(leadId);
    const state = await getLeadState(leadId);
    const timer = await getItem(keys.timer(leadId, 'retention'));
    const after = await partitionOf(leadId);
    // No activity since: the re-armed timer erases it when the new period is over.
    await runtime.advanceClock((days + 1) * 24 * HOUR);
    await runtime.sweep();
    await runtime.settle();

    // Assert
    expect(activity).toBe(202);
    expect(lead, 'the lead that just attended a webinar was erased by retention').toBeDefined();
    expect(after).toEqual(expect.arrayContaining(before));
    expect(state?.lastActivityAt).toBeGreaterThan(Number(lead?.state.stageHistory.at(-1)?.at ?? 0));
    expect(timer).toMatchObject({
      timerKind: 'retention',
      dueAt: dueAtKey((state?.lastActivityAt ?? 0) + days * 24 * HOUR),
    });
    expect(eventsOf(runtime, leadId, 'Lead Erased')).toHaveLength(1);
    expect(await getLead(leadId)).toBeUndefined();
  });

  it('given a disqualified lead due for retention, when the same activity comes just before the sweep, then the timer is re-armed and the lead kept', async () => {
    // Arrange
    const { email, leadId } = await disqualifiedLeadDue('retention-control');
    const tracked = await api(runtime).opsPost('/v1/ops/events', {
      events: [{ type: 'webinar_attended', email, eventId: `comeback-${leadId}` }],
    });

    // Act
    await runtime.sweep();
    await runtime.settle();

    // Assert
    const { getLead } = await import('#store/leads');
    expect(tracked.status).toBe(202);
    expect(await getLead(leadId)).toBeDefined();
  });

  it('given a disqualified lead due for retention, when the person comes back just as the timer decides but the tracking route parks the events (contention), then the lead is not erased: the parked events are scored and the timer re-armed from them', async () => {
    // Arrange: the visit's events are parked for the sweeper (the tracking route's answer under contention)
    // after the timer read the state and decided, i.e. when the erase reads the profile.
    const { leadId, days } = await disqualifiedLeadDue('retention-parked');
    const { parkEvents } = await import('#store/pending-events');
    const eventId = `parked-${leadId}`;
    const parked = await beforeCall(isProfileRead(leadId), async () => {
      const at = clockNow();
      await parkEvents(
        leadId,
        [{ eventId, type: 'page_view', occurredAt: at, url: 'https://www.example.co.jp/ja/pricing' }],
        at,
      );
    });

    // Act: this sweep meets the parked events; the next ones score them and run the timer again.
    await runtime.sweep();
    await runtime.settle();
    const { getLead, getLeadState, getTimeline } = await import('#store/leads');
    const keptAtOnce = await getLead(leadId);
    await runtime.sweep(); // the pending-events timer, due since the parking
    await runtime.advanceClock(11 * 60_000);
    await runtime.sweep(); // the retention timer, due again
    await runtime.settle();
    const { getItem } = await import('#store/lead-items-all');
    const { keys, dueAtKey } = await import('#store/keys');
    const state = await getLeadState(leadId);
    const timeline = await getTimeline(leadId, 50);
    const timer = await getItem(keys.timer(leadId, 'retention'));

    // Assert
    expect(parked.fired()).toBe(true);
    expect(keptAtOnce, 'the lead whose visit was parked was erased by retention').toBeDefined();
    expect(eventsOf(runtime, leadId, 'Lead Erased')).toHaveLength(0);
    expect(timeline.map((e) => e.eventId)).toContain(eventId);
    expect(await partitionOf(leadId)).not.toContainEqual(expect.stringMatching(/^PENDING#/));
    expect(timer).toMatchObject({
      timerKind: 'retention',
      dueAt: dueAtKey((state?.lastActivityAt ?? 0) + days * 24 * HOUR),
    });
  });

  it('given a disqualified lead due for retention, when a write without activity changes its state after the timer read it, then the timer decides again and erases it in the same sweep', async () => {
    // Arrange: a write that moves the state's version but is no activity (as a recomputation would).
    const { leadId } = await disqualifiedLeadDue('retention-version');
    const { dynamodb, tableName } = await import('#store/dynamodb');
    const { keys } = await import('#store/keys');
    const bump = await beforeCall(isProfileRead(leadId), async () => {
      await dynamodb.send(
        new UpdateCommand({
          TableName: tableName,
          Key: keys.state(leadId),
          UpdateExpression: 'SET version = version + :one',
          ExpressionAttributeValues: { ':one': 1 },
        }),
      );
    });

    // Act
    await runtime.sweep();
    await runtime.settle();

    // Assert
    const { getLead } = await import('#store/leads');
    expect(bump.fired()).toBe(true);
    expect(await getLead(leadId)).toBeUndefined();
    expect(await partitionOf(leadId)).toEqual([`OUTBOX#${leadId}:erased`]);
    expect(
      eventsOf(runtime, leadId, 'Lead Erased').map((e) => (e.detail as { reason: string }).reason),
    ).toEqual(['retention: disqualified and inactive']);
  });
});
