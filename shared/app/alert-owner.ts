import { errorFields, logger } from '#adapters/logger';
import { countMetric } from '#adapters/metrics';
import { type MailOnceOutcome, sendFromSenderOnce } from '#app/mail';
import { env } from '#config/env';
import { settings } from '#config/settings';
import {
  type ImportAlert,
  importAlert,
  type OwnerAlertContext,
  type OwnerAlertEvent,
  type OwnerAlertEventType,
  type OwnerAlertMail,
  type OwnerAlertSkip,
  ownerAlert,
} from '#domain/handoff/owner-alert';
import { HANDOFF_TRIGGERS } from '#domain/handoff/routing';
import { getLead } from '#store/leads';

export type { ImportAlert, OwnerAlertEvent };
/** For the handler's parser: what an event may name. */
export { HANDOFF_TRIGGERS };

/** What became of one mail (`rejected`: e.g. the owner's address in config/handoff.ts is not valid). */
export type OwnerMailOutcome = { to: string } & MailOnceOutcome;

export type OwnerAlertOutcome =
  | { outcome: 'mailed'; mails: OwnerMailOutcome[] }
  | { outcome: 'skipped'; why: OwnerAlertSkip | 'not_configured' | 'lead_gone' | 'unreadable' };

/** What the owner-alerts handler parsed: the event, or the id of one it could not read. */
export type OwnerAlertRequest =
  | { event: OwnerAlertEvent }
  | { unreadable: { detailType: string; eventId: string } };

/**
 * A bus event about a lead an owner must act on (`#domain/handoff/owner-alert`): each owner it concerns is
 * mailed once (a reassignment tells the new owner and the one it was taken from).
 *
 * The lead is read first: an erased lead, or a hand-off accepted, reassigned or closed since, is mailed about
 * no more. Each mail is then claimed in the table (`OWNER_MAIL#<event id>`, a conditional put), so a
 * redelivered or retried event sends nothing twice. SES refusing it for now (throttled, unreachable) gives the
 * claim back and throws, so Lambda's retry sends it; an unknown result (a timeout: SES may have taken it) keeps
 * the claim and is logged as an error: at most once, as for every other mail of the product. SES rejecting it
 * for good (an owner address it will not take) keeps the claim too: a retry would be rejected the same way.
 */
export async function alertOwner(request: OwnerAlertRequest): Promise<OwnerAlertOutcome> {
  if ('unreadable' in request) {
    logger.warn('owner alert: event ignored, it does not parse', request.unreadable);
    return { outcome: 'skipped', why: 'unreadable' };
  }
  const { event } = request;
  const log = { eventId: event.eventId, leadId: event.leadId, type: event.type };
  const done = (outcome: OwnerAlertOutcome): OwnerAlertOutcome => {
    logger.info('owner alert', { ...log, ...outcome });
    if (outcome.outcome === 'mailed')
      for (const mail of outcome.mails) countMetric('OwnerAlert', { outcome: mail.outcome });
    return outcome;
  };
  if (!isConfigured(event.type)) return done({ outcome: 'skipped', why: 'not_configured' });
  const lead = await getLead(event.leadId);
  if (!lead) return done({ outcome: 'skipped', why: 'lead_gone' });
  const mails = ownerAlert(event, lead, alertContext());
  if ('skip' in mails) return done({ outcome: 'skipped', why: mails.skip });
  const results: OwnerMailOutcome[] = [];
  for (const mail of mails) results.push(await sendOnce(mail, log));
  return done({ outcome: 'mailed', mails: results });
}

/** One mail about a lead, at most once. */
async function sendOnce(mail: OwnerAlertMail, log: Record<string, unknown>): Promise<OwnerMailOutcome> {
  const sent = await sendOwnerMail(mail, { kind: 'owner-alert', lead: String(log.leadId) }, log);
  return { to: mail.to, ...sent };
}

/**
 * An owner's mail (an alert, an import's, the morning list), at most once: claimed as `OWNER_MAIL#<claimId>`,
 * then sent from the configured sender (`sendFromSenderOnce`: SES refusing it for now gives the claim back and
 * throws).
 */
export function sendOwnerMail(
  mail: OwnerAlertMail,
  tags: Record<string, string>,
  log: Record<string, unknown>,
): Promise<MailOnceOutcome> {
  return sendFromSenderOnce(
    { kind: 'owner-alert', eventId: mail.claimId },
    { to: mail.to, subject: mail.subject, text: mail.text, html: mail.html, tags },
    { ...log, to: mail.to },
  );
}

const isConfigured = (type: OwnerAlertEventType): boolean =>
  settings.handoff.ownerAlerts.events.includes(type);

const alertContext = (): OwnerAlertContext => ({
  timeZone: settings.handoff.sla.window.timeZone,
  consoleUrl: env().CONSOLE_URL,
  people: [...settings.handoff.owners, ...settings.app.signIn.people],
});

/** What became of an import's mail to its owner (`failed`: SES refused it for now; the import stands). */
export type ImportMailOutcome =
  | MailOnceOutcome
  | { outcome: 'skipped'; why: 'own_import' | 'nothing_assigned' | 'not_configured' }
  | { outcome: 'failed' };

/**
 * The one mail an import sends the owner it gave leads to (`importAlert`), at most once per import (the same
 * file again mails nothing). Sent with the hand-off mails (`Lead Handed Off` in config/handoff.ts →
 * `ownerAlerts.events`), whose per-row mails an import does not send. A send SES refused for now gives the claim
 * back and answers `failed` (the import is done and stays done; importing the same file again sends it).
 */
export async function alertImportOwner(alert: ImportAlert): Promise<ImportMailOutcome> {
  const log = { importId: alert.importId, ownerId: alert.owner.ownerId };
  if (!isConfigured('Lead Handed Off')) return { outcome: 'skipped', why: 'not_configured' };
  const mail = importAlert(alert, alertContext());
  if ('skip' in mail) return { outcome: 'skipped', why: mail.skip };
  let outcome: ImportMailOutcome;
  try {
    outcome = await sendOwnerMail(mail, { kind: 'owner-alert', import: alert.importId }, log);
  } catch (error) {
    logger.error('import owner mail not sent', { ...log, ...errorFields(error) });
    outcome = { outcome: 'failed' };
  }
  countMetric('OwnerAlert', { outcome: outcome.outcome });
  logger.info('import owner mail', { ...log, ...outcome });
  return outcome;
}
