import { randomBytes, randomUUID } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, inject, it, vi } from 'vitest';
import { advanceClock, clockOffset, now } from '#adapters/clock';
import { sesClient } from '#adapters/ses';
import { emailKpiDay } from '#app/email-kpis';
import { suppressLead } from '#app/suppress-lead';
import { createSweeper, TIMER_PROCESSORS } from '#app/sweep-due-timers';
import { unsubscribeLead } from '#app/unsubscribe';
import { emailKind } from '#domain/reports/counting';
import { dynamodb, tableName } from '#store/dynamodb';
import { getEnrollment } from '#store/enrollments';
import { keys } from '#store/keys';
import { getLead, getLeadState, getTimeline } from '#store/leads';
import { readLeadFacts, readReportDays } from '#store/report-counters';
import { CLAIM_LEASE_MS } from '#store/timers';
import { batchWriteAll, consentingLeadItems, dueEnrollmentItem } from '../support/fixtures.ts';
import { inbox } from '../support/runtime.ts';
import { injectFault, type SdkClientLike, throttled, timedOut } from '../support/sdk-faults.ts';
import { advanceIntoWindow } from './nurture-helpers.ts';

/**
 * The failure windows of a step e-mail with no claim write (shared/domain/nurture/attempts.ts): the send is
 * reserved on the lead state before SES is called, and the enrollment is moved on by one write conditioned on
 * where it was read. A crash before or after the send, two sweepers on one step in either interleaving, and
 * two sequences racing for the last send under the frequency cap: at most one mail, never a second. An
 * unsubscribe or a suppression that commits before the reservation: no mail.
 */

const sesUrl = () => inject('sesEndpoint');
const SEQUENCE = 'whitepaper-nurture';
const crash = () => Object.assign(new Error('Runtime exited'), { name: 'Runtime.ExitError' });
const sweeper = () => createSweeper({ step: TIMER_PROCESSORS.step }, { sendRatePerSecond: 10_000 });

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** A consenting lead whose sequences' first steps are due now, inside the Tokyo window (`sends`: recent mails). */
const dueSteps = async (label: string, sequenceIds: string[] = [SEQUENCE], sends: number[] = []) => {
  // Inside the window with an hour to spare (the clock stays put between tests, so steps seeded by earlier
  // tests, next due days later, stay out of this test's sweeps).
  advanceIntoWindow();
  const leadId = randomUUID();
  const address = `${label}-${randomBytes(5).toString('hex')}@example.co.jp`;
  const [profile, state] = consentingLeadItems(leadId, address, now());
  await batchWriteAll(dynamodb, tableName, [
    profile as Record<string, unknown>,
    { ...state, recentSends: sends },
    ...sequenceIds.map((id) => dueEnrollmentItem(leadId, id, now() - 1000)),
  ]);
  return { leadId, address };
};

type Next = (args: { input?: unknown }) => Promise<unknown>;
type Matcher = (command: string, body: string) => boolean;

/**
 * Add a middleware to a client for this test only (removed after it). In the `initialize` step (default) it
 * sees each logical call once, outside the SDK's retries; in `deserialize` it sees every HTTP attempt, inside
 * them (an error thrown there is retried by the SDK when it is transient).
 */
const intercept = (
  client: SdkClientLike,
  handle: (command: string, body: string, next: () => Promise<unknown>) => Promise<unknown>,
  step: 'initialize' | 'deserialize' = 'initialize',
) => {
  const name = `intercept-${randomUUID()}`;
  client.middlewareStack.add(
    (next: Next, context: { commandName?: string }) => async (args: { input?: unknown }) =>
      handle(context.commandName ?? '', JSON.stringify(args.input ?? ''), () => next(args)),
    { step, name, priority: 'high' },
  );
  cleanups.push(() => client.middlewareStack.remove(name));
};

/**
 * The first call that `matches` reaches DynamoDB and commits, then its answer is lost (`timedOut`, a
 * transient error). Counts every attempt of a matching call that reached the middleware.
 */
function loseFirstAnswer(client: SdkClientLike, matches: Matcher, step: 'initialize' | 'deserialize') {
  let attempts = 0;
  intercept(
    client,
    async (command, body, next) => {
      if (!matches(command, body)) return next();
      attempts++;
      const result = await next();
      if (attempts === 1) throw timedOut();
      return result;
    },
    step,
  );
  return { attempts: () => attempts };
}

/** Hold the first call that `matches` until `release` resolves; `reached` resolves when it is held. */
function holdFirst(client: SdkClientLike, matches: Matcher, release: () => Promise<unknown>) {
  let held = false;
  let reached: () => void = () => {};
  const reachedPromise = new Promise<void>((r) => {
    reached = r;
  });
  intercept(client, async (command, body, next) => {
    if (held || !matches(command, body)) return next();
    held = true;
    reached();
    await release();
    return next();
  });
  return { reached: reachedPromise };
}

/** Count the calls that `matches` once they have returned (succeeded or failed). */
function countSettled(client: SdkClientLike, matches: Matcher) {
  let settled = 0;
  intercept(client, async (command, body, next) => {
    if (!matches(command, body)) return next();
    try {
      return await next();
    } finally {
      settled++;
    }
  });
  return () => settled;
}

/** Resolves once `check` holds (polled; the race itself is ordered by the holds, not by time). */
const once = async (check: () => boolean) => {
  while (!check()) await new Promise((r) => setTimeout(r, 5));
};

/** The step-send reservation: a plain put of the lead's state item (commands as the client stack sees them). */
const reservationOf =
  (leadId: string): Matcher =>
  (command, body) =>
    command === 'PutItemCommand' && body.includes(`"${keys.state(leadId).pk}"`) && body.includes('"STATE"');
/** A read of one of the lead's enrollment items. */
const enrollmentReadOf =
  (leadId: string): Matcher =>
  (command, body) =>
    command === 'GetItemCommand' && body.includes(`"${keys.state(leadId).pk}"`) && body.includes('"ENR#');

const stepAttempt = async (leadId: string) => (await getLeadState(leadId))?.stepAttempts?.[SEQUENCE];
const sentRecords = async (leadId: string) => ({
  timeline: (await getTimeline(leadId)).filter((e) => e.type === 'email_sent').length,
  facts: (await readLeadFacts(leadId)).filter((f) => f.scope === 'email' && f.metrics.sent).length,
});

describe('a step e-mail crashing in its failure windows', () => {
  it('given a crash after the reservation, before SES is called, then no mail goes out: a sweep within the lease leaves the step alone, and after it the step is recorded uncertain and never sent', async () => {
    // Arrange
    const { leadId, address } = await dueSteps('crash-before-send');
    const fault = injectFault(sesClient, { operations: ['SendEmail'], nth: 1, when: 'before', error: crash });
    cleanups.push(fault.remove);
    const sweep = sweeper();

    // Act
    const first = await sweep({});
    fault.remove();
    const withinLease = await sweep({});
    const reserved = await stepAttempt(leadId);
    advanceClock(CLAIM_LEASE_MS + 60_000);
    const afterLease = await sweep({});
    advanceClock(CLAIM_LEASE_MS + 60_000);
    await sweep({});

    // Assert
    expect(fault.fired()).toBe(1);
    expect(first).toMatchObject({ claimed: 1, failed: 1 });
    expect(withinLease).toMatchObject({ claimed: 0, skippedClaimed: 1 });
    expect(reserved).toMatch(/^1:0:\d+:[\w-]{8}$/); // run, step, when, the sweep's nonce
    expect(afterLease).toMatchObject({ claimed: 1, done: 1, failed: 0 });
    expect(await inbox(sesUrl(), address)).toHaveLength(0);
    const enrollment = await getEnrollment(leadId, SEQUENCE);
    expect(enrollment?.history).toEqual([
      expect.objectContaining({ stepId: 'thanks', outcome: 'uncertain' }),
    ]);
    expect(enrollment?.stepIndex).toBe(1);
    expect(await sentRecords(leadId)).toEqual({ timeline: 0, facts: 0 });
    // The reservation's frequency-cap send stays: a mail that may have gone counts against the cap.
    expect((await getLeadState(leadId))?.recentSends).toHaveLength(1);
  });

  it('given a crash after SES took the mail, before it was recorded, then a sweep within the lease does not resend, and after it the step is uncertain: one mail, no sent count', async () => {
    // Arrange
    const { leadId, address } = await dueSteps('crash-after-send');
    const fault = injectFault(sesClient, { operations: ['SendEmail'], nth: 1, when: 'after', error: crash });
    cleanups.push(fault.remove);
    const sweep = sweeper();
    const day = emailKpiDay(now());
    const sentBefore = (await readReportDays(emailKind('step'), [day])).get(day)?.[`${SEQUENCE}/thanks|sent`];

    // Act
    const first = await sweep({});
    fault.remove();
    const withinLease = await sweep({});
    advanceClock(CLAIM_LEASE_MS + 60_000);
    const afterLease = await sweep({});

    // Assert
    expect(first).toMatchObject({ claimed: 1, failed: 1 });
    expect(withinLease).toMatchObject({ claimed: 0, skippedClaimed: 1 });
    expect(afterLease).toMatchObject({ claimed: 1, done: 1 });
    expect(await inbox(sesUrl(), address)).toHaveLength(1);
    const enrollment = await getEnrollment(leadId, SEQUENCE);
    expect(enrollment?.history).toEqual([
      expect.objectContaining({ stepId: 'thanks', outcome: 'uncertain' }),
    ]);
    expect(enrollment?.stepIndex).toBe(1);
    // Counters equal records: the send was never recorded, so it is not counted either.
    expect(await sentRecords(leadId)).toEqual({ timeline: 0, facts: 0 });
    const sentAfter = (await readReportDays(emailKind('step'), [day])).get(day)?.[`${SEQUENCE}/thanks|sent`];
    expect(sentAfter).toBe(sentBefore);
  });
});

describe('a step e-mail whose reservation committed but whose answer was lost', () => {
  it.each([
    {
      who: 'the SDK retries the put',
      step: 'deserialize' as const,
      reservationAttempts: 2,
    },
    {
      who: 'the sweeper gets the error',
      step: 'initialize' as const,
      reservationAttempts: 1,
    },
  ])(
    'given the reservation put committed but its answer was lost (TimeoutError), when $who, then the attempt is known as ours: one mail, recorded sent, never sent again',
    async ({ step, reservationAttempts }) => {
      // Arrange: the SDK's retry of the put fails its version condition against the put's own first write;
      // an error that reaches the sweeper leaves it not knowing whether the put committed.
      const { leadId, address } = await dueSteps(`lost-reservation-${step}`);
      const lost = loseFirstAnswer(dynamodb, reservationOf(leadId), step);
      const sweep = sweeper();

      // Act: the sweep, then another after the lease (an attempt left in flight would be taken as uncertain).
      const first = await sweep({});
      advanceClock(CLAIM_LEASE_MS + 60_000);
      await sweep({});

      // Assert
      expect(lost.attempts()).toBe(reservationAttempts);
      expect(await inbox(sesUrl(), address)).toHaveLength(1);
      expect(first).toMatchObject({ claimed: 1, done: 1, failed: 0 });
      const enrollment = await getEnrollment(leadId, SEQUENCE);
      expect(enrollment?.history).toEqual([expect.objectContaining({ stepId: 'thanks', outcome: 'sent' })]);
      expect(enrollment?.stepIndex).toBe(1);
      expect(await sentRecords(leadId)).toEqual({ timeline: 1, facts: 1 });
      // One reservation: one frequency-cap send.
      expect((await getLeadState(leadId))?.recentSends).toHaveLength(1);
    },
  );
});

describe('sweepers racing for one step', () => {
  it('given two sweepers on one step, when the second runs while the first is sending, then it leaves the step alone and one mail goes out, recorded once', async () => {
    // Arrange: the first sweeper's SES call waits until the second sweeper has finished.
    const { leadId, address } = await dueSteps('race-in-flight');
    let secondDone = false;
    const hold = holdFirst(
      sesClient,
      (command) => command === 'SendEmailCommand',
      () => once(() => secondDone),
    );

    // Act
    const first = sweeper()({});
    await hold.reached;
    const second = await sweeper()({});
    secondDone = true;
    const firstReport = await first;

    // Assert
    expect(second).toMatchObject({ claimed: 0, skippedClaimed: 1, failed: 0 });
    expect(firstReport).toMatchObject({ claimed: 1, done: 1, failed: 0 });
    expect(await inbox(sesUrl(), address)).toHaveLength(1);
    const enrollment = await getEnrollment(leadId, SEQUENCE);
    expect(enrollment?.history).toEqual([expect.objectContaining({ stepId: 'thanks', outcome: 'sent' })]);
    expect(await sentRecords(leadId)).toEqual({ timeline: 1, facts: 1 });
  });

  it('given two sweepers that both read the step before either reserved it, then the second reservation fails, and on fresh reads that sweeper leaves the step alone: one mail', async () => {
    // Arrange: the first read of the enrollment waits until a reservation of this lead's state went through,
    // and the winner's mail waits until the other's reservation was tried (so the step is still due for it).
    const { leadId, address } = await dueSteps('race-both-read');
    const reservations = countSettled(dynamodb, reservationOf(leadId));
    holdFirst(dynamodb, enrollmentReadOf(leadId), () => once(() => reservations() > 0));
    holdFirst(
      sesClient,
      (command) => command === 'SendEmailCommand',
      () => once(() => reservations() > 1),
    );

    // Act: the two sweepers run side by side.
    const reports = await Promise.all([sweeper()({}), sweeper()({})]);

    // Assert: both reached the reservation (the race happened); one won, the other stood back.
    expect(reservations()).toBe(2);
    expect(reports.reduce((n, r) => n + r.claimed, 0)).toBe(1);
    expect(reports.reduce((n, r) => n + r.skippedClaimed, 0)).toBe(1);
    expect(reports.reduce((n, r) => n + r.failed, 0)).toBe(0);
    expect(await inbox(sesUrl(), address)).toHaveLength(1);
    expect((await getEnrollment(leadId, SEQUENCE))?.history).toEqual([
      expect.objectContaining({ outcome: 'sent' }),
    ]);
    expect(await sentRecords(leadId)).toEqual({ timeline: 1, facts: 1 });
  });

  it('given two sequences due for one lead at once with one send left under the frequency cap, when both race, then one mail goes out and the other step waits for the cap', async () => {
    // Arrange: cap 3 in 7 days, two sent already; both enrollments' reads wait until one reservation went through.
    const day = 86_400_000;
    const recycle = 'recycle-nurture';
    const { leadId, address } = await dueSteps(
      'cap-race',
      [SEQUENCE, recycle],
      [now() - day, now() - 2 * day],
    );
    const reservations = countSettled(dynamodb, reservationOf(leadId));
    holdFirst(dynamodb, enrollmentReadOf(leadId), () => once(() => reservations() > 0));

    // Act: one sweeper, two timers in flight at once.
    const report = await createSweeper(
      { step: TIMER_PROCESSORS.step },
      { sendRatePerSecond: 10_000, concurrency: 2 },
    )({});

    // Assert: both planned a send on the same state; the second reservation lost and re-planned under the cap.
    expect(reservations()).toBe(2);
    expect(report).toMatchObject({ claimed: 2, done: 2, failed: 0 });
    expect(await inbox(sesUrl(), address)).toHaveLength(1);
    const [first, second] = await Promise.all([
      getEnrollment(leadId, SEQUENCE),
      getEnrollment(leadId, recycle),
    ]);
    const outcomes = [first?.lastOutcome, second?.lastOutcome];
    expect(outcomes.filter((o) => o?.kind === 'sent')).toHaveLength(1);
    expect(outcomes.filter((o) => o?.kind === 'delayed' && o.reason === 'frequency_cap')).toHaveLength(1);
    expect((await getLeadState(leadId))?.recentSends).toHaveLength(3);
    const stored = await dynamodb.send(new GetCommand({ TableName: tableName, Key: keys.state(leadId) }));
    expect(Object.keys(stored.Item?.stepAttempts ?? {})).toHaveLength(1);
  });
});

describe('a step e-mail racing an unsubscribe or a suppression', () => {
  it.each([
    ['a one-click unsubscribe', 'unsubscribed'],
    ['a hard bounce', 'suppressed'],
    ['a complaint', 'unsubscribed'],
  ] as const)(
    'given a step e-mail past its reads, when %s commits before its reservation, then the reservation fails and no mail goes out',
    async (what, exitReason) => {
      // Arrange: the change lands between the sweeper's reads (lead, then enrollment) and its reservation put.
      const { leadId, address } = await dueSteps(`stop-race-${exitReason}`);
      const stop = () =>
        what === 'a one-click unsubscribe'
          ? unsubscribeLead(leadId, 'one_click', now())
          : suppressLead(leadId, what === 'a hard bounce' ? 'bounce' : 'complaint', `race-${leadId}`, now());
      let stopped: string | undefined;
      let before: Awaited<ReturnType<typeof getLeadState>>;
      const reservations = countSettled(dynamodb, reservationOf(leadId));
      intercept(dynamodb, async (command, body, next) => {
        if (reservationOf(leadId)(command, body) && stopped === undefined) {
          before = await getLeadState(leadId);
          stopped = await stop();
        }
        return next();
      });

      // Act
      const report = await sweeper()({});

      // Assert: the change committed first; the reservation built on the older read failed its version
      // condition, and on fresh reads the step was over (its run ended): nothing sent, nothing reserved.
      expect(stopped).toBe(what === 'a one-click unsubscribe' ? 'unsubscribed' : 'suppressed');
      expect(reservations()).toBe(1);
      expect(report).toMatchObject({ failed: 0 });
      expect(await inbox(sesUrl(), address)).toHaveLength(0);
      expect(await stepAttempt(leadId)).toBeUndefined();
      expect(await sentRecords(leadId)).toEqual({ timeline: 0, facts: 0 });
      expect(await getEnrollment(leadId, SEQUENCE)).toMatchObject({ status: 'exited', exitReason });
      // The change moved the state's version on and nothing else.
      expect(before).toBeDefined();
      expect(await getLeadState(leadId)).toEqual({ ...before, version: (before?.version ?? 0) + 1 });
      const marketing = (await getLead(leadId))?.profile.marketing;
      expect(
        exitReason === 'unsubscribed' ? marketing?.unsubscribedAt : marketing?.suppressedAt,
      ).toBeDefined();
    },
  );
});

describe('a step e-mail whose signing key cannot be read', () => {
  it('given a sweeper container whose key read is throttled (in AWS the key is a table item, read on first use), when a step is due, then that sweep fails the timer with nothing reserved or sent, and the next sweep sends it once', async () => {
    // Arrange: a fresh container in AWS (no SIGNING_SECRET: the unsubscribe link's key comes from the table).
    const { leadId, address } = await dueSteps('key-unreadable');
    const given = process.env.SIGNING_SECRET;
    delete process.env.SIGNING_SECRET;
    vi.resetModules();
    cleanups.push(() => {
      process.env.SIGNING_SECRET = given;
      vi.resetModules();
    });
    const fresh = await import('#store/dynamodb');
    let keyDown = true;
    let keyReads = 0;
    intercept(fresh.dynamodb, async (command, body, next) => {
      if (command === 'GetItemCommand' && body.includes(`"${keys.signingKey().pk}"`)) {
        keyReads++;
        if (keyDown) throw throttled();
      }
      return next();
    });
    (await import('#adapters/clock')).advanceClock(clockOffset());
    // Importing the sweeper must not fail on the key (it did, at Lambda's init: a top-level await).
    const { createSweeper: containerSweeper, TIMER_PROCESSORS: processors } = await import(
      '#app/sweep-due-timers'
    );
    const sweep = containerSweeper({ step: processors.step }, { sendRatePerSecond: 10_000 });

    // Act
    const first = await sweep({});
    const reserved = await stepAttempt(leadId);
    keyDown = false;
    const second = await sweep({});

    // Assert
    expect(first).toMatchObject({ failed: 1, done: 0 });
    expect(reserved).toBeUndefined();
    expect(second).toMatchObject({ failed: 0, done: 1 });
    expect(keyReads).toBeGreaterThanOrEqual(2); // the failed read was forgotten and made again
    expect(await inbox(sesUrl(), address)).toHaveLength(1);
    expect(await sentRecords(leadId)).toEqual({ timeline: 1, facts: 1 });
  });
});
