/**
 * The morning list (本日の対応予定): each business morning, every owner with something to do today gets one
 * mail of it, from their own queue (`GET /v1/ops/leads?owner=…&sort=due`): the deadlines already passed, the
 * deadlines that run out today, and the contacts they planned for today (or planned earlier and not made).
 * An owner with nothing due today gets none. A rep reads it on the train: one line per lead with the company,
 * the name, the phone number and the time, most urgent first, and the link to their queue in the console.
 *
 * Mornings are the hand-off clocks' business days (config/handoff.ts → sla.window: its weekdays, Japanese
 * holidays and closed dates), at `ownerAlerts.morningList.time` on that window's clock. Pure: no clock, no I/O.
 */

import { consolePage, formatDeadlineJa, mailHtml, type OwnerAlertMail } from '#domain/handoff/owner-alert';
import type { OwnerRef } from '#domain/lead/events';
import { SLA_CLOCK_LABELS_JA } from '#domain/lead/labels-ja';
import type { EpochMs } from '#domain/lead/types';
import {
  type BusinessWindow,
  civilDateKey,
  isBusinessDay,
  localParts,
  nextWindowOpening,
  parseHhMm,
} from '#domain/nurture/calendar';

/** One lead of an owner's queue, as the list shows it. */
export interface QueuedLead {
  leadId: string;
  name: string | null;
  company: string | null;
  phone: string | null;
  email: string;
  /** The owner's next SLA deadline (accept or first contact), passed or not. */
  due: { clock: 'accept' | 'first_contact'; at: EpochMs } | null;
  /** The contact the owner planned (次回連絡予定), passed or not. */
  followUpAt: EpochMs | null;
}

export interface MorningListContext {
  now: EpochMs;
  /** The hand-off clocks' window: its zone names "today". */
  window: BusinessWindow;
  consoleUrl?: string | undefined;
}

/** What a lead asks of the owner today, most urgent first. */
const SECTIONS = ['overdue', 'dueToday', 'followUp'] as const;
type Section = (typeof SECTIONS)[number];

/** Each section's heading in the mail, and its word in the subject. */
const SECTION_LABELS: Readonly<Record<Section, { title: string; short: string }>> = {
  overdue: { title: '期限超過', short: '期限超過' },
  dueToday: { title: '本日期限', short: '本日期限' },
  followUp: { title: '本日の次回連絡予定', short: '次回連絡' },
};

/** Leads listed per section; the rest are counted (the queue in the console shows them all). */
export const MORNING_LIST_LINES = 20;

/**
 * The owner's mail for the morning of `context.now`, or why none: nothing due today. Claimed as
 * `morning:<ownerId>:<local date>`, so a second run the same morning (a retry, a redelivered schedule) mails
 * nothing twice.
 */
export function morningList(
  owner: OwnerRef,
  queue: readonly QueuedLead[],
  context: MorningListContext,
): OwnerAlertMail | { skip: 'nothing_due' } {
  const { now, window } = context;
  const today = dayKey(now, window.timeZone);
  const sectionOf = sectionFor(context);
  const bySection = new Map<Section, QueuedLead[]>(SECTIONS.map((s) => [s, []]));
  for (const lead of queue) {
    const section = sectionOf(lead);
    if (section) bySection.get(section)?.push(lead);
  }
  const counts = SECTIONS.map((s) => [s, bySection.get(s)?.length ?? 0] as const).filter(([, n]) => n > 0);
  if (counts.length === 0) return { skip: 'nothing_due' };
  const at = (t: EpochMs) => formatDeadlineJa(t, window.timeZone);
  const line = (lead: QueuedLead): string => {
    const who = [lead.company, lead.name ? `${lead.name} 様` : lead.email].filter(Boolean).join(' ');
    const times = [
      ...(lead.due ? [`${SLA_CLOCK_LABELS_JA[lead.due.clock]}期限 ${at(lead.due.at)}`] : []),
      ...(lead.followUpAt !== null ? [`次回連絡 ${at(lead.followUpAt)}`] : []),
    ];
    return `・${who}${lead.phone ? ` / ${lead.phone}` : ''}(${times.join('、')})`;
  };
  const sections = counts.flatMap(([section, n]) => {
    const leads = bySection.get(section) ?? [];
    const shown = leads.slice(0, MORNING_LIST_LINES);
    return [
      `■ ${SECTION_LABELS[section].title}(${n}件)`,
      ...shown.map(line),
      ...(n > shown.length ? [`ほか ${n - shown.length} 件`] : []),
      '',
    ];
  });
  const link = consolePage(context.consoleUrl, '#/leads');
  const text = [
    `${owner.name} さん`,
    '',
    '本日の対応予定です。期限の近いものから対応してください。',
    '',
    ...sections,
    link ? `担当リードを開く: ${link}` : '担当リードはコンソールで開けます。',
  ].join('\n');
  return {
    claimId: `morning:${owner.ownerId}:${today}`,
    to: owner.email,
    subject: `【本日の対応予定】${counts.map(([s, n]) => `${SECTION_LABELS[s].short} ${n}件`).join('・')}`,
    text,
    html: mailHtml(text, link),
  };
}

/** Which section of the morning of `now` a lead belongs to, if any. */
function sectionFor({ now, window }: MorningListContext): (lead: QueuedLead) => Section | undefined {
  const today = dayKey(now, window.timeZone);
  const byEndOfToday = (at: EpochMs) => at <= now || dayKey(at, window.timeZone) === today;
  return (lead) => {
    if (lead.due && lead.due.at <= now) return 'overdue';
    if (lead.due && byEndOfToday(lead.due.at)) return 'dueToday';
    if (lead.followUpAt !== null && byEndOfToday(lead.followUpAt)) return 'followUp';
    return undefined;
  };
}

/**
 * Whether a page of the owner's queue ends before today's list does, so the next page is needed. The queue is
 * ordered by what comes first (`sort=due`: the nearest deadline or planned contact, then the leads with
 * nothing due), so once a lead asks nothing of the owner today, no later lead does.
 */
export function queueMayHoldMore(page: readonly QueuedLead[], context: MorningListContext): boolean {
  const last = page.at(-1);
  return last !== undefined && sectionFor(context)(last) !== undefined;
}

/** Whether `at` is a morning the list goes out: a business day of the hand-off clocks' window. */
export function isListMorning(at: EpochMs, window: BusinessWindow): boolean {
  return isBusinessDay(at, window);
}

/** The next time the list goes out at or after `after`: `time` on the window's next business day. */
export function nextMorningListAt(after: EpochMs, time: string, window: BusinessWindow): EpochMs {
  const start = parseHhMm(time);
  const minute = (m: number) =>
    `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
  // A one-minute window at `time` on the business days: its next opening is the next slot.
  return nextWindowOpening(after, { ...window, start: time, end: minute(start + 1) });
}

/** The local date of `at`, "YYYY-MM-DD". */
const dayKey = (at: EpochMs, timeZone: string): string => civilDateKey(localParts(at, timeZone));
