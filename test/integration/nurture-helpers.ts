/**
 * Helpers shared by the nurture integration tests (sequences, unsubscribe, SES engagement). Modules that
 * read the environment are imported lazily, after `startTestRuntime()` has set it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { advanceClock, now } from '#adapters/clock';
import { type BusinessWindow, isInWindow, nextWindowOpening } from '#domain/nurture/calendar';
import type { Runtime } from '#local/runtime';
import { nurtureSettings } from '../../config/sequences.ts';
import { type CapturedMail, inbox } from '../support/runtime.ts';

/** The demo's send window as the sweeper plans with it: Tokyo office hours, holidays and 年末年始 closed. */
export const TOKYO_WINDOW: BusinessWindow = {
  timeZone: 'Asia/Tokyo',
  days: [1, 2, 3, 4, 5],
  start: '09:00',
  end: '18:00',
  skipJapaneseHolidays: true,
  closedDates: nurtureSettings.sendWindow?.closedDates,
};

/** A small-company lead: scores stay cold, so no temperature sequence or exit interferes. */
export const whitepaperBody = (email: string) => ({
  email,
  lastName: '佐藤',
  firstName: '花子',
  company: '株式会社テスト製作所',
  employees: '1-49',
  consent: true,
});

export const postForm = async (runtime: Runtime, formId: string, body: unknown): Promise<Response> =>
  fetch(`${runtime.apiUrl}/v1/forms/${formId}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body),
  });

export const leadIdOf = async (email: string): Promise<string> => {
  const { findLeadIdByEmail } = await import('#store/leads');
  const leadId = await findLeadIdByEmail(email.toLowerCase());
  if (!leadId) throw new Error(`no lead for ${email}`);
  return leadId;
};

/** Move the shared clock forward to `at` (never back). */
export const moveClockTo = async (runtime: Runtime, at: number): Promise<void> => {
  const { now } = await import('#adapters/clock');
  const delta = at - now();
  if (delta > 0) await runtime.advanceClock(delta);
};

/** What a test does after `nextBusinessMoment` (posts, sweeps, a lease run out) fits in this much window. */
const TEST_WORK_MS = 60 * 60_000;

/** Open at `at` and still open `TEST_WORK_MS` later. */
const hasRoom = (at: number): boolean =>
  isInWindow(at, TOKYO_WINDOW) && isInWindow(at + TEST_WORK_MS, TOKYO_WINDOW);

/**
 * The first window opening at or after `from`, plus `intoMs`, with an hour of window still left after it: at
 * 17:45 that is 09:30 the next business day, not 18:15 (closed: a step due then would wait for the morning,
 * and the test would see no mail).
 */
export const openingWithRoom = (from: number, intoMs = 30 * 60_000): number => {
  for (let after = from; ; ) {
    const at = nextWindowOpening(after, TOKYO_WINDOW) + intoMs;
    if (hasRoom(at)) return at;
    after = at + TEST_WORK_MS;
  }
};

/**
 * Move this process's clock into the send window with an hour to spare: not at all when it is there already,
 * else to `openingWithRoom` (for tests that drive the sweeper in-process rather than through a runtime).
 */
export const advanceIntoWindow = (): void => {
  const from = now();
  if (!hasRoom(from)) advanceClock(openingWithRoom(from) - from);
};

/** The next time (after the clock's now + `afterMs`) that the Tokyo window is open, plus `intoMs` (with room). */
export const nextBusinessMoment = async (afterMs = 0, intoMs = 30 * 60_000): Promise<number> =>
  openingWithRoom(now() + afterMs, intoMs);

/** Sweep, advancing the clock by `stepMs` each time, until `done()` or `maxMs` of clock time passed. */
export const sweepUntil = async (
  runtime: Runtime,
  done: () => Promise<boolean>,
  { stepMs, maxMs }: { stepMs: number; maxMs: number },
): Promise<void> => {
  for (let elapsed = 0; elapsed <= maxMs; elapsed += stepMs) {
    await runtime.sweep();
    if (await done()) return;
    await runtime.advanceClock(stepMs);
  }
};

export const marketingMails = async (runtime: Runtime, email: string): Promise<CapturedMail[]> =>
  (await inbox(runtime.sesUrl, email)).filter((m) => m.headers?.some((h) => h.name === 'List-Unsubscribe'));

export const headerOf = (mail: CapturedMail, name: string): string | undefined =>
  mail.headers?.find((h) => h.name.toLowerCase() === name.toLowerCase())?.value;

/** The one-click URL from a mail's List-Unsubscribe header. */
export const unsubscribeUrlOf = (mail: CapturedMail): string => {
  const value = headerOf(mail, 'List-Unsubscribe') ?? '';
  const match = /<(https?:[^>]+)>/.exec(value);
  if (!match?.[1]) throw new Error(`no unsubscribe URL in ${value}`);
  return match[1];
};

export const enrollmentOf = async (leadId: string, sequenceId: string) => {
  const { getEnrollment } = await import('#store/enrollments');
  return getEnrollment(leadId, sequenceId);
};

/** The raw enrollment item, with its due-index attributes. */
export const enrollmentItem = async (leadId: string, sequenceId: string) => {
  const { GetCommand } = await import('@aws-sdk/lib-dynamodb');
  const { dynamodb, tableName } = await import('#store/dynamodb');
  const { keys } = await import('#store/keys');
  const result = await dynamodb.send(
    new GetCommand({ TableName: tableName, Key: keys.enrollment(leadId, sequenceId), ConsistentRead: true }),
  );
  return result.Item;
};

/** An SES EventBridge fixture from test/events/ses, pointed at this lead and the runtime's configuration set. */
export const sesFixture = (
  name: string,
  over: {
    leadId?: string;
    recipient?: string;
    sequenceId?: string;
    messageId?: string;
    feedbackId?: string;
    link?: string;
    configurationSet?: string;
    /** When SES saw the event (epoch ms): the shared clock's now by default. */
    at?: number;
    /**
     * When SES took the mail (`mail.timestamp`): `at` by default (31 s before it for a click, which a reader
     * makes after the scanners' window). Without `sentDay`, the KPIs count on its day.
     */
    sentAt?: number;
    /** The step mail's `sentday` tag (the day its `sent` counted on): its events' KPI day. */
    sentDay?: string;
    /** A form's mail (an auto-reply) instead of a step mail: no sequence, step or enrollment tags. */
    form?: string;
  },
): Record<string, unknown> => {
  const file = join(import.meta.dirname, '..', 'events', 'ses', `${name}.json`);
  const event = JSON.parse(readFileSync(file, 'utf8')) as {
    detail: {
      mail: { messageId: string; timestamp: string; destination: string[]; tags: Record<string, string[]> };
      bounce?: { feedbackId: string; bouncedRecipients: { emailAddress: string }[] };
      complaint?: { feedbackId: string; complainedRecipients: { emailAddress: string }[] };
      click?: { link: string };
    } & Record<string, { timestamp?: string } | undefined>;
  };
  const { mail } = event.detail;
  // A reader's click comes after the window in which a security scanner's would (machineClickSeconds: 30).
  const readerDelay = name === 'click' ? 31_000 : 0;
  mail.timestamp = new Date(over.sentAt ?? (over.at ?? now()) - readerDelay).toISOString();
  if (over.sentDay) mail.tags.sentday = [over.sentDay];
  mail.tags['ses:configuration-set'] = [over.configurationSet ?? process.env.SES_CONFIGURATION_SET ?? ''];
  if (over.leadId === undefined) delete mail.tags.lead;
  else mail.tags.lead = [over.leadId];
  if (over.messageId) mail.messageId = over.messageId;
  if (over.sequenceId) mail.tags.sequence = [over.sequenceId];
  if (over.form) {
    for (const tag of ['sequence', 'step', 'enrollment']) delete mail.tags[tag];
    mail.tags.form = [over.form];
    mail.tags.template = [`autoreply-${over.form}`];
    mail.tags.kind = ['transactional'];
  }
  if (over.recipient) {
    mail.destination = [over.recipient];
    for (const r of event.detail.bounce?.bouncedRecipients ?? []) r.emailAddress = over.recipient;
    for (const r of event.detail.complaint?.complainedRecipients ?? []) r.emailAddress = over.recipient;
  }
  if (over.feedbackId && event.detail.bounce) event.detail.bounce.feedbackId = over.feedbackId;
  if (over.feedbackId && event.detail.complaint) event.detail.complaint.feedbackId = over.feedbackId;
  if (over.link && event.detail.click) event.detail.click.link = over.link;
  for (const part of ['delivery', 'bounce', 'complaint', 'open', 'click']) {
    const section = event.detail[part];
    if (section) section.timestamp = new Date(over.at ?? now()).toISOString();
  }
  return event as unknown as Record<string, unknown>;
};

export const eventsOfType = (runtime: Runtime, detailType: string, leadId: string) =>
  runtime
    .events()
    .filter((e) => e['detail-type'] === detailType && (e.detail as { leadId?: string }).leadId === leadId);

/** An e-mail KPI as the report counters hold it for a day (`e:none`, all shards summed). */
export const emailKpiCount = async (kpi: string, day: string, dim = 'none', group = '*'): Promise<number> => {
  const { readReportDays } = await import('#store/report-counters');
  return (await readReportDays(`e:${dim}`, [day])).get(day)?.[`${group}|${kpi}`] ?? 0;
};
