import { randomBytes, randomUUID } from 'node:crypto';
import { afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { advanceClock, now } from '#adapters/clock';
import { sesClient } from '#adapters/ses';
import { confirmUrl, unsubscribeUrl } from '#app/links';
import { createSweeper, TIMER_PROCESSORS } from '#app/sweep-due-timers';
import { dynamodb, tableName } from '#store/dynamodb';
import { getEnrollment } from '#store/enrollments';
import { findLeadIdByEmail, getLead } from '#store/leads';
import { CAPTURE_MAIL_TIMER, CLAIM_LEASE_MS } from '#store/timers';
import { advanceIntoWindow } from '../integration/nurture-helpers.ts';
import { consentHistoryOf } from '../support/consent.ts';
import { batchWriteAll, consentingLeadItems, dueEnrollmentItem } from '../support/fixtures.ts';
import { type Api, type ApiResponse, internalsIn, loadApi } from '../support/http-harness.ts';
import { inbox } from '../support/runtime.ts';
import {
  type FaultPlan,
  injectFault,
  serviceError,
  throttled,
  throttling,
  timedOut,
} from '../support/sdk-faults.ts';

/**
 * Injected faults at the adapters (SDK middleware on the product's own clients, see test/support/sdk-faults.ts),
 * each with the guarantee it shows in the test name. DynamoDB faults are injected outside the SDK's retry
 * loop, i.e. as the product sees a throttle that outlasted the SDK's retries, or a timeout.
 */

let api: Api;
const sesUrl = () => inject('sesEndpoint');
let removeFault: (() => void) | undefined;

beforeAll(async () => {
  api = await loadApi();
});
afterEach(() => {
  removeFault?.();
  removeFault = undefined;
});

const fault = (client: Parameters<typeof injectFault>[0], plan: FaultPlan) => {
  const injected = injectFault(client, plan);
  removeFault = injected.remove;
  return injected;
};

const formBody = (email: string) =>
  JSON.stringify({
    email,
    lastName: '山田',
    firstName: '太郎',
    company: '株式会社サンプル商事',
    employees: '1-49',
    consent: true,
    _startedAt: now() - 60_000,
  });
const postForm = (email: string, sourceIp?: string) =>
  api.call({
    method: 'POST',
    url: '/v1/forms/whitepaper',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: formBody(email),
    ...(sourceIp ? { sourceIp } : {}),
  });
const postTrack = (events: object[]) =>
  api.call({
    method: 'POST',
    url: '/v1/track',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ events }),
  });
const viewLead = async (leadId: string) => {
  const response = await api.call({
    method: 'GET',
    url: `/v1/ops/leads/${leadId}`,
    headers: { authorization: `Bearer ${api.opsToken}` },
  });
  expect(response.status).toBe(200);
  return JSON.parse(response.body) as {
    score: { behaviour: number; total: number };
    timeline: { eventId: string; type: string }[];
  };
};

/** The 503 the issue asks for: Retry-After, a fixed body, nothing internal. */
const expectUnavailable = (response: ApiResponse) => {
  expect(response.status, response.body).toBe(503);
  expect(response.headers['retry-after']).toBe('1');
  expect(internalsIn(response.body)).toBeUndefined();
  expect(JSON.parse(response.body)).toEqual({
    error: { code: 'unavailable', message: 'The service is busy; please retry shortly.' },
  });
};

const email = (label: string) => `${label}-${randomBytes(5).toString('hex')}@example.co.jp`;

const DYNAMO_FAULTS = [
  ['ProvisionedThroughputExceededException', throttled],
  ['ThrottlingException', throttling],
  ['a timeout', timedOut],
  // A transaction cancelled because one of its items was throttled (a hot key): not a refusal, not a conflict.
  [
    'a transaction cancelled by throttling',
    () =>
      Object.assign(serviceError('TransactionCanceledException', 'Transaction cancelled', 400), {
        CancellationReasons: [{ Code: 'None' }, { Code: 'ThrottlingError' }],
      }),
  ],
  [
    'a socket timeout (ETIMEDOUT)',
    () => Object.assign(new Error('connect ETIMEDOUT'), { code: 'ETIMEDOUT' }),
  ],
  ['an unmodelled 502', () => serviceError('UnknownError', 'Bad Gateway', 502)],
] as const;

describe('dependency down → 503 with Retry-After, and a client retry changes things once', () => {
  // A new lead's capture makes 2 DynamoDB calls: the e-mail index read, then one transaction with everything.
  for (const [name, error] of DYNAMO_FAULTS) {
    for (const nth of [1, 2]) {
      it(`given DynamoDB answers ${name} on call ${nth} of a form post, then 503 + Retry-After, nothing stored or sent, and the retry captures once`, async () => {
        // Arrange
        const address = email('capture-fault');
        const injected = fault(dynamodb, { nth, error });

        // Act
        const first = await postForm(address);
        injected.remove();
        const storedAfterFault = await findLeadIdByEmail(address);
        const mailsAfterFault = (await inbox(sesUrl(), address)).length;
        const retry = await postForm(address);

        // Assert
        expect(injected.fired()).toBe(1);
        expectUnavailable(first);
        expect(storedAfterFault).toBeUndefined();
        expect(mailsAfterFault).toBe(0);
        expect(retry.status).toBe(201);
        const leadId = await findLeadIdByEmail(address);
        expect(leadId).toBeDefined();
        const lead = await viewLead(leadId ?? '');
        expect(lead.timeline.filter((e) => e.type === 'form_submitted')).toHaveLength(1);
        expect(await inbox(sesUrl(), address)).toHaveLength(1);
      });
    }
  }

  it('given the capture transaction commits but its answer is lost (timeout), then 503, and the retry finds the same one lead and sends one auto-reply', async () => {
    // Arrange
    const address = email('capture-lost-answer');
    const injected = fault(dynamodb, {
      operations: ['TransactWriteItems'],
      nth: 1,
      error: timedOut,
      when: 'after',
    });

    // Act
    const first = await postForm(address);
    injected.remove();
    const leadAfterFault = await findLeadIdByEmail(address);
    const retry = await postForm(address);

    // Assert: the commit happened; the retry is recognised as the same address (no second lead).
    expectUnavailable(first);
    expect(leadAfterFault).toBeDefined();
    expect(retry.status).toBe(201);
    expect(await findLeadIdByEmail(address)).toBe(leadAfterFault);
    expect(await inbox(sesUrl(), address)).toHaveLength(1);
    // A form post carries no idempotency key: the retried post is recorded as a second submission.
    const lead = await viewLead(leadAfterFault ?? '');
    expect(lead.timeline.filter((e) => e.type === 'form_submitted')).toHaveLength(2);
  });

  // A 2-event batch for a known lead makes 8 DynamoDB calls: per event the state, the timeline entry, then
  // two writes (timeline entry, state). Every one of them fails in turn, before and after the service acted.
  const trackBatch = (identity: string, tag: string) => [
    { eventId: `${tag}-pricing-0001`, type: 'page_view', identity, url: 'https://www.example.co.jp/pricing' },
    {
      eventId: `${tag}-download-01`,
      type: 'download',
      identity,
      url: 'https://www.example.co.jp/whitepaper.pdf',
    },
  ];
  const newLead = async (label: string) => {
    const address = email(label);
    const response = await postForm(address);
    expect(response.status).toBe(201);
    const leadId = await findLeadIdByEmail(address);
    return { leadId: leadId ?? '', identity: (JSON.parse(response.body) as { identity: string }).identity };
  };

  const TRACK_FAULTS: [string, () => Error, 'before' | 'after'][] = [
    ['ProvisionedThroughputExceededException', throttled, 'before'],
    ['ThrottlingException', throttling, 'before'],
    ['a timeout before the write', timedOut, 'before'],
    ['a timeout after the write (answer lost)', timedOut, 'after'],
  ];
  for (const [name, error, when] of TRACK_FAULTS) {
    it(`given DynamoDB answers ${name} on each of a tracking batch's calls in turn, then 503 + Retry-After, and the retry scores each event exactly once`, async () => {
      // Arrange: a control lead that gets the batch without faults.
      const control = await newLead('track-control');
      expect((await postTrack(trackBatch(control.identity, 'c'))).status).toBe(202);
      const expected = await viewLead(control.leadId);

      let faulted = 0;
      for (let nth = 1; nth <= 12; nth++) {
        const lead = await newLead('track-fault');
        const batch = trackBatch(lead.identity, `f${nth}`);
        const injected = fault(dynamodb, { nth, error, when });

        // Act
        const first = await postTrack(batch);
        injected.remove();
        if (injected.fired() === 0) {
          // The batch makes fewer than `nth` calls: every one of them has had its fault.
          expect(first.status).toBe(202);
          break;
        }
        faulted++;
        const retry = await postTrack(batch);
        const again = await postTrack(batch);

        // Assert
        expectUnavailable(first);
        expect(JSON.parse(retry.body), `call ${nth}`).toEqual({ accepted: 2, rejected: [] });
        expect(JSON.parse(again.body)).toEqual({ accepted: 2, rejected: [] });
        const view = await viewLead(lead.leadId);
        expect(view.score, `call ${nth}`).toEqual(expected.score);
        expect(view.timeline.length, `call ${nth}`).toBe(expected.timeline.length);
      }
      // Resolving the identity, reading the state and the one transaction: at least those were faulted.
      expect(faulted).toBeGreaterThanOrEqual(2);
    });
  }
});

describe('a lead entered by sales (POST /v1/ops/leads) under DynamoDB faults: a retry with the same Idempotency-Key completes the entry once', () => {
  const enter = (address: string, key?: string) =>
    api.call({
      method: 'POST',
      url: '/v1/ops/leads',
      headers: {
        authorization: `Bearer ${api.opsToken}`,
        'content-type': 'application/json',
        ...(key ? { 'idempotency-key': key } : {}),
      },
      body: JSON.stringify({
        email: address,
        attributes: { lastName: '佐藤', company: '株式会社サンプル' },
        channel: 'event',
        source: '展示会 2026 東京',
        consentBasis: 'business_card',
        ownerId: 'sato',
      }),
    });
  const entries = (lead: { timeline: { type: string }[] }) =>
    lead.timeline.filter((e) => e.type === 'lead_entered').length;

  it('given the hand-off to the named owner is throttled after the entry committed, then 503, and the retry with the same key answers 201 created with the hand-off, one timeline entry', async () => {
    // Arrange: the entry's transaction is the first TransactWriteItems, the owner's hand-off the second.
    const address = email('entry-fault');
    const key = `card-${randomUUID()}`;
    const injected = fault(dynamodb, { operations: ['TransactWriteItems'], nth: 2, error: throttled });

    // Act
    const first = await enter(address, key);
    injected.remove();
    const retry = await enter(address, key);
    const again = await enter(address, key);

    // Assert
    expect(injected.fired()).toBe(1);
    expectUnavailable(first);
    const leadId = await findLeadIdByEmail(address);
    expect(retry.status, retry.body).toBe(201);
    const handoff = (await getLead(leadId ?? ''))?.state.handoff;
    expect(JSON.parse(retry.body)).toEqual({
      leadId,
      created: true,
      assignment: {
        handoffNumber: 1,
        ownerId: 'sato',
        dueAt: new Date(handoff?.dueAt ?? Number.NaN).toISOString(),
        firstContactDueAt: new Date(handoff?.firstContactDueAt ?? Number.NaN).toISOString(),
      },
    });
    expect(again.status).toBe(201);
    expect(again.headers['idempotent-replay']).toBe('true');
    expect(JSON.parse(again.body)).toEqual(JSON.parse(retry.body));
    const lead = await viewLead(leadId ?? '');
    expect(entries(lead)).toBe(1);
  });

  it('given the entry commits but its answer is lost (timeout), then 503, and the retry with the same key answers 201 created, with one timeline entry and one hand-off', async () => {
    // Arrange
    const address = email('entry-lost');
    const key = `card-${randomUUID()}`;
    const injected = fault(dynamodb, {
      operations: ['TransactWriteItems'],
      nth: 1,
      error: timedOut,
      when: 'after',
    });

    // Act
    const first = await enter(address, key);
    injected.remove();
    const retry = await enter(address, key);

    // Assert
    expectUnavailable(first);
    expect(retry.status, retry.body).toBe(201);
    expect(JSON.parse(retry.body)).toMatchObject({ created: true, assignment: { handoffNumber: 1 } });
    const lead = await viewLead((await findLeadIdByEmail(address)) ?? '');
    expect(entries(lead)).toBe(1);
  });

  it('given an existing lead, when an entry is sent twice with one key, then 200 created false both times and one timeline entry; a bad key is a 400 naming the header', async () => {
    // Arrange
    const address = email('entry-known');
    expect((await enter(address)).status).toBe(201);
    const key = `card-${randomUUID()}`;

    // Act
    const update = await enter(address, key);
    const replay = await enter(address, key);
    const bad = await enter(address, 'not a key!');

    // Assert
    expect(update.status).toBe(200);
    expect(replay.status).toBe(200);
    expect(replay.headers['idempotent-replay']).toBe('true');
    expect(JSON.parse(replay.body)).toEqual(JSON.parse(update.body));
    expect(JSON.parse(update.body)).toMatchObject({ created: false });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).error.errors[0].field).toBe('Idempotency-Key');
    const lead = await viewLead((await findLeadIdByEmail(address)) ?? '');
    expect(entries(lead)).toBe(2);
  });
});

describe('unsubscribe under DynamoDB faults: a withdrawal is never lost from the consent ledger', () => {
  const oneClick = async (leadId: string) => {
    const url = new URL(await unsubscribeUrl(leadId));
    return api.call({
      method: 'POST',
      url: `${url.pathname}${url.search}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
  };
  const UNSUBSCRIBE_FAULTS: [string, () => Error, 'before' | 'after'][] = [
    ['ProvisionedThroughputExceededException', throttled, 'before'],
    ['a timeout after the write (answer lost)', timedOut, 'after'],
  ];
  for (const [name, error, when] of UNSUBSCRIBE_FAULTS) {
    it(`given DynamoDB answers ${name} on each of a one-click unsubscribe's calls in turn, then 503 + Retry-After, and after the provider's retry the lead is unsubscribed with its withdrawal in the consent ledger exactly once`, async () => {
      let faulted = 0;
      for (let nth = 1; nth <= 10; nth++) {
        // Arrange: a lead captured with consent (its ledger holds the consent entry).
        const address = email('unsubscribe-fault');
        expect((await postForm(address)).status).toBe(201);
        const leadId = (await findLeadIdByEmail(address)) ?? '';
        const injected = fault(dynamodb, { nth, error, when });

        // Act
        const first = await oneClick(leadId);
        injected.remove();
        if (injected.fired() === 0) {
          // The one-click makes fewer than `nth` calls: every one of them has had its fault.
          expect(first.status).toBe(200);
          break;
        }
        faulted++;
        const retry = await oneClick(leadId);
        const again = await oneClick(leadId);

        // Assert: README → "every withdrawal (unsubscribe, with its method) is appended as its own item".
        expectUnavailable(first);
        expect(retry.status, `call ${nth}`).toBe(200);
        expect(again.status).toBe(200);
        expect((await getLead(leadId))?.profile.marketing).toMatchObject({ unsubscribeMethod: 'one_click' });
        const withdrawals = (await consentHistoryOf(leadId)).filter((e) => e.kind === 'withdrawn');
        expect(withdrawals, `call ${nth}`).toHaveLength(1);
        expect(withdrawals[0]).toMatchObject({ purpose: 'marketing_email', method: 'one_click' });
        const view = await viewLead(leadId);
        expect(
          view.timeline.filter((e) => e.type === 'unsubscribed'),
          `call ${nth}`,
        ).toHaveLength(1);
      }
      // Reading the lead, its enrollments and the one transaction: at least those were faulted.
      expect(faulted).toBeGreaterThanOrEqual(2);
    });
  }
});

describe('form mails under SES faults and mail-limit write faults', () => {
  const sweeper = createSweeper(
    { [CAPTURE_MAIL_TIMER]: TIMER_PROCESSORS[CAPTURE_MAIL_TIMER] },
    { sendRatePerSecond: 10_000 },
  );
  const sesThrottle = () => serviceError('TooManyRequestsException', 'Maximum sending rate exceeded.', 429);
  // The harness's default source address is shared by every test file (thousands of fuzzed posts): a
  // source of its own keeps the form's per-source mail limit (20 an hour) from suppressing the mail under test.
  const ownSource = () => `10.${randomBytes(3).join('.')}`;
  const sweepMinutes = async (minutes: number) => {
    for (let i = 0; i < minutes; i++) {
      advanceClock(61_000);
      await sweeper({});
    }
  };
  const postWebinar = (address: string) =>
    api.call({
      method: 'POST',
      url: '/v1/forms/webinar',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({
        email: address,
        lastName: '佐々木',
        firstName: '花子',
        company: '株式会社ウェビナー',
        consent: true,
        _startedAt: now() - 60_000,
      }),
      sourceIp: ownSource(),
    });

  it('given SES throttles the auto-reply of a form post, then the post still succeeds and the sweeper sends the mail once a minute later', async () => {
    // Arrange
    const address = email('autoreply-throttled');
    const injected = fault(sesClient, { operations: ['SendEmail'], nth: 1, error: sesThrottle });

    // Act
    const posted = await postForm(address, ownSource());
    injected.remove();
    const mailsAtPost = (await inbox(sesUrl(), address)).length;
    await sweepMinutes(5);

    // Assert
    expect(injected.fired()).toBe(1);
    expect(posted.status).toBe(201);
    expect(mailsAtPost).toBe(0);
    expect(await inbox(sesUrl(), address)).toHaveLength(1);
  });

  it('given SES refuses the double opt-in request at the post and at the first retry, then it arrives exactly once, and its link confirms', async () => {
    // Arrange
    const address = email('doi-throttled');
    const injected = fault(sesClient, { operations: ['SendEmail'], nth: 1, times: 2, error: sesThrottle });

    // Act
    const posted = await postWebinar(address);
    await sweepMinutes(1);
    const afterFirstRetry = (await inbox(sesUrl(), address)).length;
    injected.remove();
    await sweepMinutes(5);

    // Assert
    expect(posted.status).toBe(201);
    expect(JSON.parse(posted.body)).toMatchObject({ status: 'pending_confirmation' });
    expect(injected.fired()).toBe(2);
    expect(afterFirstRetry).toBe(0);
    const mails = await inbox(sesUrl(), address);
    expect(mails).toHaveLength(1);
    const token = /\/v1\/confirm\?t=([\w.-]+)/.exec(mails[0]?.body.text ?? '')?.[1];
    expect(token).toBeTruthy();
    const confirmed = await api.call({ method: 'POST', url: `/v1/confirm?t=${token}`, headers: {} });
    expect(confirmed.status).toBe(200);
    await sweepMinutes(2);
    // The confirmation sends the webinar's auto-reply; the retry of the request is long gone: 2 mails in all.
    expect(await inbox(sesUrl(), address)).toHaveLength(2);
  });

  it('given SES refuses the auto-reply for over a day, then the retries stop and nothing goes out later', async () => {
    // Arrange
    const address = email('autoreply-refused-for-a-day');
    const injected = fault(sesClient, {
      operations: ['SendEmail'],
      nth: 1,
      times: 1_000,
      error: sesThrottle,
    });

    // Act: a retry a minute later, then the clock jumps past the day; the next retry gives up.
    const posted = await postForm(address, ownSource());
    await sweepMinutes(1);
    const refusals = injected.fired();
    advanceClock(24 * 3_600_000);
    await sweepMinutes(1);
    const refusalsAtGiveUp = injected.fired();
    injected.remove();
    await sweepMinutes(3);

    // Assert
    expect(posted.status).toBe(201);
    expect(refusals).toBe(2);
    expect(refusalsAtGiveUp).toBe(3);
    expect(await inbox(sesUrl(), address)).toHaveLength(0);
  });

  // A post's mail takes the form's mail limits first. On a later post of an address, UpdateItem 1 is the
  // address's quota and 2 the source's; the post that creates the lead takes only the source's (its
  // address has had no mail: a later post of the day counts this one).
  const QUOTA_FAULTS: [string, () => Error, 'before' | 'after'][] = [
    ['ProvisionedThroughputExceededException', throttled, 'before'],
    ['a timeout after the write (answer lost)', timedOut, 'after'],
  ];
  for (const [name, error, when] of QUOTA_FAULTS) {
    for (const [nth, quota, post] of [
      [1, 'source', 'first'],
      [1, 'address', 'later'],
      [2, 'source', 'later'],
    ] as const) {
      it(`given DynamoDB answers ${name} on the ${quota} mail-limit write of a ${post} double opt-in post, then 201 pending_confirmation, and the sweeper sends its confirmation request once a minute later`, async () => {
        // Arrange
        const address = email(`doi-quota-${quota}-${post}`);
        if (post === 'later') expect((await postWebinar(address)).status).toBe(201);
        const mailsBefore = (await inbox(sesUrl(), address)).length;
        const injected = fault(dynamodb, { operations: ['UpdateItem'], nth, error, when });

        // Act
        const posted = await postWebinar(address);
        injected.remove();
        const mailsAtPost = (await inbox(sesUrl(), address)).length;
        await sweepMinutes(5);

        // Assert: SES was never called by the post, so the deferred mail is its only one.
        expect(injected.fired()).toBe(1);
        expect(posted.status).toBe(201);
        expect(JSON.parse(posted.body)).toMatchObject({ status: 'pending_confirmation' });
        expect([mailsBefore, mailsAtPost]).toEqual([post === 'later' ? 1 : 0, mailsBefore]);
        const mails = await inbox(sesUrl(), address);
        expect(mails).toHaveLength(mailsBefore + 1);
        expect(mails.at(-1)?.body.text).toMatch(/\/v1\/confirm\?t=/);
      });
    }
  }

  it("given the address's daily mail limit is spent, when a later post's mail-limit write is throttled, then the sweeper's retry takes the limit first and sends nothing", async () => {
    // Arrange: 3 auto-replies today, the address's limit (perAddressPerDay 3).
    const address = email('quota-spent');
    const source = ownSource();
    for (let i = 0; i < 3; i++) expect((await postForm(address, source)).status).toBe(201);
    expect(await inbox(sesUrl(), address)).toHaveLength(3);
    const injected = fault(dynamodb, { operations: ['UpdateItem'], nth: 1, error: throttled });

    // Act
    const posted = await postForm(address, source);
    injected.remove();
    await sweepMinutes(3);

    // Assert
    expect(injected.fired()).toBe(1);
    expect(posted.status).toBe(201);
    expect(await inbox(sesUrl(), address)).toHaveLength(3);
  });

  const confirmedWebinar = async (label: string) => {
    const address = email(label);
    expect((await postWebinar(address)).status).toBe(201);
    const leadId = (await findLeadIdByEmail(address)) ?? '';
    const url = new URL(await confirmUrl(leadId, now()));
    const press = () => api.call({ method: 'POST', url: `${url.pathname}${url.search}`, headers: {} });
    return { address, leadId, press };
  };
  const lostConfirmAnswer = () =>
    fault(dynamodb, { operations: ['TransactWriteItems'], nth: 1, error: timedOut, when: 'after' });

  it('given the double opt-in confirmation commits but its answer is lost (timeout), when the person presses the button again, then the webinar auto-reply goes out at once, and only once', async () => {
    // Arrange: the confirmation request mail is in the inbox.
    const { address, leadId, press } = await confirmedWebinar('confirm-lost-answer');
    const injected = lostConfirmAnswer();

    // Act
    const first = await press();
    injected.remove();
    const again = await press();
    const mailsAfterRetry = (await inbox(sesUrl(), address)).length;
    const third = await press();
    await sweepMinutes(3);

    // Assert: the request mail and the auto-reply, with no sweep needed and none sending it again.
    expect(injected.fired()).toBe(1);
    expectUnavailable(first);
    expect(again.status).toBe(200);
    expect(third.status).toBe(200);
    expect((await getLead(leadId))?.profile.consent?.confirmedAt).toBeDefined();
    expect(mailsAfterRetry).toBe(2);
    expect(await inbox(sesUrl(), address)).toHaveLength(2);
  });

  it('given the double opt-in confirmation commits but its answer is lost, when the person never presses again, then the sweeper sends the auto-reply a minute later, once', async () => {
    // Arrange
    const { address, press } = await confirmedWebinar('confirm-lost-no-retry');
    const injected = lostConfirmAnswer();

    // Act
    const first = await press();
    injected.remove();
    const mailsAtFirst = (await inbox(sesUrl(), address)).length;
    await sweepMinutes(3);

    // Assert
    expectUnavailable(first);
    expect(mailsAtFirst).toBe(1);
    expect(await inbox(sesUrl(), address)).toHaveLength(2);
  });

  it('given SES throttles the auto-reply that a double opt-in confirmation sends, then the confirmation succeeds and the sweeper sends the auto-reply once', async () => {
    // Arrange
    const { address, press } = await confirmedWebinar('confirm-autoreply-throttled');
    const injected = fault(sesClient, { operations: ['SendEmail'], nth: 1, error: sesThrottle });

    // Act
    const confirmed = await press();
    injected.remove();
    const mailsAtConfirm = (await inbox(sesUrl(), address)).length;
    const again = await press();
    await sweepMinutes(3);

    // Assert
    expect(injected.fired()).toBe(1);
    expect(confirmed.status).toBe(200);
    expect(again.status).toBe(200);
    expect(mailsAtConfirm).toBe(1);
    expect(await inbox(sesUrl(), address)).toHaveLength(2);
  });

  it('given SES may have taken the auto-reply (its answer lost), then it is not sent again', async () => {
    // Arrange
    const address = email('autoreply-uncertain');
    const injected = fault(sesClient, { operations: ['SendEmail'], nth: 1, when: 'after', error: timedOut });

    // Act
    const posted = await postForm(address, ownSource());
    injected.remove();
    await sweepMinutes(3);

    // Assert: SES did send it; nothing sends it a second time.
    expect(posted.status).toBe(201);
    expect(await inbox(sesUrl(), address)).toHaveLength(1);
  });
});

describe('step e-mails under SES faults and crashes', () => {
  const SEQUENCE = 'whitepaper-nurture';
  const sweeper = createSweeper({ step: TIMER_PROCESSORS.step }, { sendRatePerSecond: 10_000 });

  /** A consenting lead whose first step is due now, inside the Tokyo send window. */
  const dueStep = async (label: string) => {
    advanceIntoWindow();
    const leadId = randomUUID();
    const address = email(label);
    await batchWriteAll(dynamodb, tableName, [
      ...consentingLeadItems(leadId, address, now()),
      dueEnrollmentItem(leadId, SEQUENCE, now() - 1000),
    ]);
    return { leadId, address };
  };
  /** Sweep now, then after each lease for an hour of clock time (the step's retries, if any, happen here). */
  const sweepThroughLeases = async () => {
    for (let i = 0; i < 4; i++) {
      await sweeper({});
      advanceClock(CLAIM_LEASE_MS + 60_000);
    }
    await sweeper({});
  };

  const sesThrottle = () => serviceError('TooManyRequestsException', 'Maximum sending rate exceeded.', 429);

  it('given SES throttles the step send (TooManyRequestsException), then the step is recorded not_sent, retried in a minute, and no mail goes out twice', async () => {
    // Arrange
    const { leadId, address } = await dueStep('ses-throttle');
    const injected = fault(sesClient, { operations: ['SendEmail'], nth: 1, error: sesThrottle });

    // Act
    const report = await sweeper({});
    injected.remove();
    const afterFault = await getEnrollment(leadId, SEQUENCE);
    await sweepThroughLeases();

    // Assert
    expect(injected.fired()).toBe(1);
    expect(report.failed).toBe(0);
    expect(afterFault?.history.some((h) => h.outcome === 'sent')).toBe(false);
    expect(afterFault?.history.at(-1)).toMatchObject({ outcome: 'not_sent' });
    expect(afterFault?.lastOutcome).toMatchObject({ kind: 'delayed', reason: 'ses_throttled' });
    expect((await inbox(sesUrl(), address)).length).toBeLessThanOrEqual(1);
  });

  it('given SES throttles the step send (TooManyRequestsException), when the clock moves on, then the step is retried and sent exactly once', async () => {
    // Arrange
    const { leadId, address } = await dueStep('ses-throttle-retry');
    const injected = fault(sesClient, { operations: ['SendEmail'], nth: 1, error: sesThrottle });

    // Act
    await sweeper({});
    injected.remove();
    await sweepThroughLeases();

    // Assert: SES refused the first attempt outright (a throttle sends nothing), so the step must still go out.
    const enrollment = await getEnrollment(leadId, SEQUENCE);
    expect(await inbox(sesUrl(), address)).toHaveLength(1);
    expect(enrollment?.history.filter((h) => h.outcome === 'sent')).toHaveLength(1);
  });

  it('given SES cannot be reached (ECONNREFUSED before the request), when the clock moves on, then the step is deferred, not taken as uncertain, and sent exactly once', async () => {
    // Arrange
    const { leadId, address } = await dueStep('ses-unreachable');
    const injected = fault(sesClient, {
      operations: ['SendEmail'],
      nth: 1,
      error: () => Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:443'), { code: 'ECONNREFUSED' }),
    });

    // Act
    const report = await sweeper({});
    injected.remove();
    const afterFault = await getEnrollment(leadId, SEQUENCE);
    await sweepThroughLeases();

    // Assert
    expect(injected.fired()).toBe(1);
    expect(report.failed).toBe(0);
    expect(afterFault?.lastOutcome).toMatchObject({ kind: 'delayed', reason: 'ses_unreachable' });
    const enrollment = await getEnrollment(leadId, SEQUENCE);
    expect(await inbox(sesUrl(), address)).toHaveLength(1);
    expect(enrollment?.history.filter((h) => h.outcome === 'sent')).toHaveLength(1);
    expect(enrollment?.history.some((h) => h.outcome === 'uncertain')).toBe(false);
  });

  it('given a crash right after SES accepted the step mail (before it was recorded), then the step is never sent again and the sequence moves on', async () => {
    // Arrange: the send succeeds at SES, then the sweeper "dies" (the error stands for the process ending).
    const { leadId, address } = await dueStep('crash-after-send');
    const injected = fault(sesClient, {
      operations: ['SendEmail'],
      nth: 1,
      when: 'after',
      error: () => Object.assign(new Error('Runtime exited'), { name: 'Runtime.ExitError' }),
    });

    // Act
    const report = await sweeper({});
    injected.remove();
    await sweepThroughLeases();

    // Assert: the attempt was recorded before SES was called; the interrupted claim is not repeated.
    const enrollment = await getEnrollment(leadId, SEQUENCE);
    expect(report.failed).toBe(1);
    expect(await inbox(sesUrl(), address)).toHaveLength(1);
    expect(enrollment?.history[0]).toMatchObject({ outcome: 'uncertain' });
    expect(enrollment?.history.filter((h) => h.outcome === 'sent')).toHaveLength(0);
    expect(enrollment?.stepIndex).toBe(1);
  });
});

describe("the gauges' nightly fold under DynamoDB faults: a failed run changes nothing that the next run does not finish once", () => {
  const FOLD_FAULTS: [string, () => Error, 'before' | 'after'][] = [
    ['ProvisionedThroughputExceededException', throttled, 'before'],
    ['a timeout after the write (answer lost)', timedOut, 'after'],
  ];
  for (const [name, error, when] of FOLD_FAULTS) {
    it(`given DynamoDB answers ${name} on each of the fold's writes in turn, then that run throws, the gauges read the same throughout, and the next run folds every move exactly once`, async () => {
      const { foldReportGauges } = await import('#app/fold-gauges');
      const { readGauges, gaugesFoldedThrough } = await import('#store/report-counters');
      let faulted = 0;
      for (let nth = 1; nth <= 6; nth++) {
        // Arrange: two new leads (their gauge moves on today's counter items), two nights on.
        for (const label of ['fold-fault-a', 'fold-fault-b'])
          expect((await postForm(email(label))).status).toBe(201);
        const gauges = await readGauges();
        advanceClock(2 * 86_400_000);
        const injected = fault(dynamodb, { operations: ['UpdateItem', 'PutItem'], nth, error, when });

        // Act
        const failed = await foldReportGauges().then(
          () => undefined,
          (e: unknown) => e,
        );
        injected.remove();
        const between = await readGauges();
        const next = await foldReportGauges();

        // Assert
        expect(between, `write ${nth}`).toEqual(gauges);
        expect(await readGauges(), `write ${nth}`).toEqual(gauges);
        expect(await gaugesFoldedThrough(true)).toBe(next.through);
        if (injected.fired() === 0) {
          // The run makes fewer than `nth` writes: every one of them has had its fault.
          expect(failed).toBeUndefined();
          break;
        }
        faulted++;
        expect(failed, `write ${nth}`).toBeInstanceOf(Error);
      }
      // The shards' updates and the mark: at least those were faulted.
      expect(faulted).toBeGreaterThanOrEqual(2);
    });
  }
});
