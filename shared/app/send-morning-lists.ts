import { now } from '#adapters/clock';
import { errorFields, logger } from '#adapters/logger';
import { countMetric } from '#adapters/metrics';
import { sendOwnerMail } from '#app/alert-owner';
import { type LeadListItem, listLeads } from '#app/list-leads';
import type { MailOnceOutcome } from '#app/mail';
import { env } from '#config/env';
import { settings } from '#config/settings';
import { toOwnerRef } from '#domain/handoff/assignment';
import { isListMorning, morningList, type QueuedLead } from '#domain/handoff/owner-digest';

/** Leads of one owner's queue read for the list: the nearest deadlines and planned contacts come first. */
const QUEUE_READ = 200;

export type MorningListsOutcome =
  | { outcome: 'not_configured' | 'not_a_business_day' }
  | {
      outcome: 'done';
      /** Per owner: what became of their mail, or why none went. */
      owners: { ownerId: string; mail: MailOnceOutcome['outcome'] | 'nothing_due' | 'failed' }[];
    };

/** Thrown after every owner was tried when SES refused some mail for now: Lambda's retry sends those. */
export class MorningListsIncompleteError extends Error {
  constructor(readonly ownerIds: string[]) {
    super(`morning list not sent to ${ownerIds.join(', ')}: SES refused it for now; the retry sends it`);
    this.name = 'MorningListsIncompleteError';
  }
}

/**
 * The morning list (`#domain/handoff/owner-digest`): on a business morning of the hand-off clocks, each owner
 * with something due today gets one mail of it, read from their queue (the list route's `owner=…&sort=due`,
 * one index partition per owner). At most once per owner and morning: each mail is claimed
 * (`OWNER_MAIL#morning:<ownerId>:<date>`, `sendFromSenderOnce`), so a retried or repeated run sends only what
 * is still unsent. SES refusing one for now gives its claim back; the others are still sent, then the run
 * fails so Lambda's retry sends the rest.
 */
export async function sendMorningLists(): Promise<MorningListsOutcome> {
  const config = settings.handoff.ownerAlerts.morningList;
  if (!config) return { outcome: 'not_configured' };
  const at = now();
  const window = settings.handoff.sla.window;
  if (!isListMorning(at, window)) return { outcome: 'not_a_business_day' };
  const owners: Extract<MorningListsOutcome, { outcome: 'done' }>['owners'] = [];
  const refused: string[] = [];
  for (const owner of settings.handoff.owners) {
    const { items } = await listLeads({ ownerId: owner.ownerId, sort: 'due', limit: QUEUE_READ });
    const mail = morningList(toOwnerRef(owner), items.map(queuedLead), {
      now: at,
      window,
      consoleUrl: env().CONSOLE_URL,
    });
    if ('skip' in mail) {
      owners.push({ ownerId: owner.ownerId, mail: mail.skip });
      continue;
    }
    const log = { ownerId: owner.ownerId, claim: mail.claimId };
    try {
      const sent = await sendOwnerMail(mail, { kind: 'owner-morning-list' }, log);
      owners.push({ ownerId: owner.ownerId, mail: sent.outcome });
      countMetric('OwnerAlert', { outcome: sent.outcome });
    } catch (error) {
      logger.warn('morning list not sent', { ...log, ...errorFields(error) });
      owners.push({ ownerId: owner.ownerId, mail: 'failed' });
      refused.push(owner.ownerId);
    }
  }
  logger.info('morning lists', { owners });
  if (refused.length) throw new MorningListsIncompleteError(refused);
  return { outcome: 'done', owners };
}

const queuedLead = (item: LeadListItem): QueuedLead => ({
  leadId: item.leadId,
  name: item.name,
  company: item.company,
  phone: item.phone,
  email: item.email,
  due: item.due ? { clock: item.due.clock, at: Date.parse(item.due.at) } : null,
  followUpAt: item.followUpAt === null ? null : Date.parse(item.followUpAt),
});
