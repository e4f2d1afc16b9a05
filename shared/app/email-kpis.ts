import { sequenceById, settings } from '#config/settings';
import type { EpochMs } from '#domain/lead/types';
import { type EmailKpi, kpiDay } from '#domain/nurture/email-kpis';
import { type EmailMail, emailFact, type ReportFact } from '#domain/reports/counting';
import type { TransactItem } from '#store/leads';
import {
  emailAddItems,
  emailCountItems,
  emailFactCounted,
  TIMELINE_FACT,
  timelineFactCounted,
  writeEmailCount,
} from '#store/report-counters';
import { CONFLICT, retryOnConflict } from '#store/retry';

/**
 * E-mail KPI counters (sent, delivered, bounced, complained, opened, clicked, unsubscribed), per day in the
 * app's time zone and per sequence, step and template: the report counters (`e:<dim>` fields of the day items) behind
 * `GET /v1/ops/reports/email`. Every KPI of a mail counts on the day the mail was sent (the day of its `sent`,
 * carried by the step mail's `sentday` tag), so a range's rates are those of the mails it sent: at most 1.
 *
 * **Exactly once.** Each counted mail event is an e-mail fact kept in the lead's partition
 * (`RPT#email:<kpi>:<event id>`), put with the condition "not there yet" in the SAME transaction as the
 * `ADD`s on the counters, and, where the event changes the lead, as that change:
 * - a step mail: the `ADD`s ride on the transaction that records the send (run-step), and the fact on the
 *   mail's timeline entry in it (`sentCountWrite`), not as an item of its own: that transaction is
 *   conditioned on the enrollment's position, which makes it commit once;
 * - a hard bounce, complaint, or soft bounce: on the marketing-status change with its SES idempotency record;
 * - an unsubscribe: on the profile change that records it;
 * - a delivery, or a mail event that changes nothing (bounce of an address suppressed already): the fact is
 *   the only record, written with its `ADD`s in a transaction of its own;
 * - opens and clicks: the timeline's replay guard records the activity; the count follows in its own
 *   fact-guarded transaction on every delivery of the SES event (a replay included), so a crash between
 *   the two is made good by EventBridge's retry, and a replay never counts twice.
 * A crash thus leaves either the event with its counts or neither; replays and concurrent duplicate
 * deliveries fail the fact's condition and add nothing. The facts also let `reports:rebuild` recompute
 * the e-mail counters (see app/report-rebuild.ts).
 */

/** The day a KPI counted at `at` belongs to. */
export function emailKpiDay(at: EpochMs): string {
  return kpiDay(at, settings.app.timeZone);
}

/**
 * A mail event to count: which KPI, the event's identity (same on a replay), which mail, and the day it
 * counts on: `day` when given (a mail's events count on the day the mail was sent), else the day of `at`.
 */
export interface EmailCount {
  kpi: EmailKpi;
  id: string;
  at: EpochMs;
  day?: string | undefined;
  mail?: EmailMail;
}

/** The fact for a count; a step's template is looked up in the sequences when the event does not name it. */
export function emailFactOf(count: EmailCount): ReportFact {
  const mail = { ...(count.mail ?? {}) };
  if (!mail.templateId && mail.sequenceId && mail.stepId)
    mail.templateId = sequenceById(mail.sequenceId)?.steps.find((s) => s.id === mail.stepId)?.templateId;
  return emailFact(count.kpi, count.id, count.day ?? emailKpiDay(count.at), mail);
}

/** The transaction items that count the event once (append them to the write that records it). */
export function emailCountWrite(leadId: string, count: EmailCount): TransactItem[] {
  return emailCountItems(leadId, emailFactOf(count));
}

/**
 * The KPIs cover step mails (a sequence's mails, whose `sent` the sweeper counts). Form mails (auto-replies,
 * double opt-in requests) are not counted: with no `sent` of theirs, their deliveries would push the delivery
 * rate past 1. Their bounces and complaints still suppress the address.
 */
export const countsInKpis = (mail: EmailMail | undefined): boolean => mail?.sequenceId !== undefined;

/** True when the event was counted already (so a write that records it again must not carry the count). */
export async function emailCounted(leadId: string, count: EmailCount): Promise<boolean> {
  return emailFactCounted(leadId, emailFactOf(count).id);
}

/** Count the event in a transaction of its own: true the first time, false for a replay. */
export async function countEmailOnce(leadId: string, count: EmailCount): Promise<boolean> {
  const fact = emailFactOf(count);
  return retryOnConflict(`e-mail count ${fact.id} of lead ${leadId}`, async () => {
    const result = await writeEmailCount(leadId, fact);
    if (result === 'conflict') return CONFLICT;
    return result === 'counted';
  });
}

/**
 * A step mail's `sent` count, for the transaction that records the send: the timeline entry with its fact
 * on it (what the rebuild reads, see `TIMELINE_FACT`) and the counter `ADD`s.
 */
export function sentCountWrite<E extends object>(
  leadId: string,
  entry: E,
  count: EmailCount,
): { entry: E & { [TIMELINE_FACT]: ReportFact }; adds: TransactItem[] } {
  const fact = emailFactOf(count);
  return { entry: { ...entry, [TIMELINE_FACT]: fact }, adds: emailAddItems(leadId, fact) };
}

/** True when a step mail's timeline entry was recorded with its count (a lost answer that committed). */
export async function sentCounted(leadId: string, timelineEventId: string): Promise<boolean> {
  return timelineFactCounted(leadId, timelineEventId);
}
