import { now } from '#adapters/clock';
import { errorFields, logger } from '#adapters/logger';
import { countMetric } from '#adapters/metrics';
import { sendOwnerMail } from '#app/alert-owner';
import { type LeadListItem, listLeads } from '#app/list-leads';
import type { MailOnceOutcome } from '#app/mail';
import { env } from '#config/env';
import { settings } from '#config/settings';
import { toOwnerRef } from '#domain/handoff/assignment';
import {
  isListMorning,
  type MorningListContext,
  morningList,
  type QueuedLead,
  queueMayHoldMore,
} from '#domain/handoff/owner-digest';

/** Leads read per page of an owner's queue (the list route's largest page). */
const QUEUE_PAGE = 200;
/**
 * At most this many leads of one queue are read for a list: a trade-show import can hand a rep hundreds at
 * once, and every one of them due today is counted; past this the mail counts what was read (and logs it).
 */
const QUEUE_READ_MAX = 5_000;

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
export async function sendMorningLists(options: { pageSize?: number } = {}): Promise<MorningListsOutcome> {
  const config = settings.handoff.ownerAlerts.morningList;
  if (!config) return { outcome: 'not_configured' };
  const at = now();
  const window = settings.handoff.sla.window;
  if (!isListMorning(at, window)) return { outcome: 'not_a_business_day' };
  const owners: Extract<MorningListsOutcome, { outcome: 'done' }>['owners'] = [];
  const refused: string[] = [];
  for (const owner of settings.handoff.owners) {
    const context = { now: at, window, consoleUrl: env().CONSOLE_URL };
    const queue = await readTodaysQueue(owner.ownerId, context, options.pageSize ?? QUEUE_PAGE);
    const mail = morningList(toOwnerRef(owner), queue, context);
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

/** The owner's queue, page by page, up to the first lead that asks nothing of them today. */
async function readTodaysQueue(
  ownerId: string,
  context: MorningListContext,
  pageSize: number,
): Promise<QueuedLead[]> {
  const queue: QueuedLead[] = [];
  let cursor: string | undefined;
  do {
    const page = await listLeads({
      ownerId,
      sort: 'due',
      limit: pageSize,
      ...(cursor === undefined ? {} : { cursor }),
    });
    const leads = page.items.map(queuedLead);
    queue.push(...leads);
    cursor = page.cursor !== null && queueMayHoldMore(leads, context) ? page.cursor : undefined;
  } while (cursor !== undefined && queue.length < QUEUE_READ_MAX);
  if (cursor !== undefined)
    logger.warn('morning list read the first leads of a long queue', { ownerId, read: queue.length });
  return queue;
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
