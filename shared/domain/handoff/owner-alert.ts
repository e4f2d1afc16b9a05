/**
 * The e-mail an owner gets about a lead they must act on (config/handoff.ts → `ownerAlerts`): the lead handed
 * to them (`Lead Handed Off`), reassigned to them (`Lead Assigned` by the SLA timer or a manager), a deadline of
 * theirs passed (`Lead SLA Breached`), or the contact they planned come due (`Lead Follow-up Due`). A rep on the
 * road reads it on a phone, so it says in a few lines who the lead is, how to reach them, what happened and by
 * when to act, with the link to the lead in the console; in Japanese, times on the SLA window's clock.
 *
 * The event only says that something happened; the lead as it is now decides whether the mail still applies
 * (a hand-off already accepted, reassigned or closed tells its owner nothing), and fills the deadlines (a
 * reassignment's new clocks are on the lead, not on `Lead Assigned`). Pure: no clock, no I/O.
 */

import { ENTRY_HANDOFF_REASON, IMPORT_HANDOFF_REASON } from '#domain/capture/manual-entry';
import { isActor } from '#domain/handoff/assignment';
import type { HandoffTriggerName } from '#domain/handoff/routing';
import type { HandoffState } from '#domain/handoff/sla';
import type { OwnerRef } from '#domain/lead/events';
import {
  HANDOFF_TRIGGER_LABELS_JA,
  SLA_CLOCK_LABELS_JA,
  STAGE_LABELS_JA,
  TEMPERATURE_LABELS_JA,
} from '#domain/lead/labels-ja';
import type { Lead } from '#domain/lead/lead';
import type { EpochMs } from '#domain/lead/types';
import { localParts } from '#domain/nurture/calendar';
import { escapeHtml } from '#domain/nurture/templates';

/** The events an owner can be mailed about, in the order a hand-off meets them. */
export const OWNER_ALERT_EVENTS = [
  'Lead Handed Off',
  'Lead Assigned',
  'Lead SLA Breached',
  'Lead Follow-up Due',
] as const;
export type OwnerAlertEventType = (typeof OWNER_ALERT_EVENTS)[number];

interface EventBase {
  eventId: string;
  leadId: string;
  handoffNumber: number;
  owner: OwnerRef;
}

/** What the alert reads of each event (the bus carries more). */
export type OwnerAlertEvent =
  | (EventBase & { type: 'Lead Handed Off'; trigger?: HandoffTriggerName; reason?: string; by?: string })
  | (EventBase & {
      type: 'Lead Assigned';
      reason: 'handoff' | 'sla_reassign' | 'manual';
      previousOwner?: OwnerRef | undefined;
    })
  | (EventBase & {
      type: 'Lead SLA Breached';
      clock: 'accept' | 'first_contact';
      dueAt: EpochMs;
      reassignTo?: OwnerRef;
    })
  | (EventBase & { type: 'Lead Follow-up Due'; dueAt: EpochMs; plannedBy: string });

export interface OwnerAlertMail {
  /** Names this mail for its send-once claim: the event's id, suffixed for a second recipient. */
  claimId: string;
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** Why no mail goes: the lead moved on since the event (or the event needs none). */
export type OwnerAlertSkip =
  /** `Lead Assigned` of a new hand-off (no previous owner): its `Lead Handed Off` mail says it all. */
  | 'told_by_handoff'
  /** The owner took the lead themselves (accept without a hand-off), or has accepted it since. */
  | 'accepted'
  /**
   * A hand-off the owner opened for themselves (entered their own card, handed a lead to themselves), or one
   * entered with its owner named before hand-offs recorded who opened them.
   */
  | 'own_handoff'
  /** A row imported with its owner named: the import mails the owner once for all its rows (`importAlert`). */
  | 'told_by_import'
  /**
   * A breach that reassigned the lead (its `Lead Assigned` tells both owners), or a first-contact breach of a
   * hand-off never accepted (the accept breach told the owner to act).
   */
  | 'told_by_other_mail'
  /** The hand-off is closed, or another hand-off or owner replaced it. */
  | 'superseded';

const WEEKDAYS_JA = ['', '月', '火', '水', '木', '金', '土', '日'];

/** `1月15日(火) 10:47` on the zone's wall clock: how a Japanese team writes a deadline. */
export function formatDeadlineJa(at: EpochMs, timeZone: string): string {
  const p = localParts(at, timeZone);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${p.month}月${p.day}日(${WEEKDAYS_JA[p.weekday] ?? ''}) ${two(p.hour)}:${two(p.minute)}`;
}

export interface OwnerAlertContext {
  /** The SLA window's zone (config/handoff.ts → sla.window.timeZone). */
  timeZone: string;
  /** The console's address, e.g. `https://d1234.cloudfront.net/`; without it the mail names the lead's id. */
  consoleUrl?: string | undefined;
  /**
   * Who may act, to name them: the owners (config/handoff.ts) and the people who sign in besides them
   * (config/app.ts → `signIn.people`); a hand-off's `by` is an owner id or an e-mail.
   */
  people?: readonly { ownerId?: string; email: string; name: string }[] | undefined;
}

/**
 * How a mail names who did it: `佐藤 健 さん` for a configured person, `API 連携(crm)` for a machine client
 * (`client:<id>`, `#http/access` → `actorOf`), else the address with `さん`.
 */
function actorPhrase(by: string, context: OwnerAlertContext): string {
  if (by.startsWith('client:')) return `API 連携(${by.slice('client:'.length)})`;
  return `${context.people?.find((p) => isActor(by, p))?.name ?? by} さん`;
}

/** The mails `event` sends (one, or two for a reassignment: the new owner and the one it was taken from). */
export function ownerAlert(
  event: OwnerAlertEvent,
  lead: Pick<Lead, 'profile' | 'state'>,
  context: OwnerAlertContext,
): OwnerAlertMail[] | { skip: OwnerAlertSkip } {
  const handoff = lead.state.handoff;
  const open =
    handoff !== undefined && handoff.closedAt === undefined && handoff.n === event.handoffNumber
      ? handoff
      : undefined;
  const theirs = open?.owner.ownerId === event.owner.ownerId ? open : undefined;
  const at = (t: EpochMs) => formatDeadlineJa(t, context.timeZone);
  const who = leadName(lead);
  const mail = (to: OwnerRef, claimId: string, subject: string, lines: string[]) =>
    composeMail(event.leadId, lead, context, { to, claimId, subject, lines });
  switch (event.type) {
    case 'Lead Handed Off':
    case 'Lead Assigned': {
      // A new hand-off (automatic, or by hand: `manual` without a previous owner) is told by its own mail.
      if (event.type === 'Lead Assigned' && (event.reason === 'handoff' || !event.previousOwner))
        return { skip: 'told_by_handoff' };
      if (event.type === 'Lead Handed Off' && event.trigger === 'accept') return { skip: 'accepted' };
      if (event.type === 'Lead Handed Off' && event.trigger === 'manual') {
        if (event.reason === IMPORT_HANDOFF_REASON) return { skip: 'told_by_import' };
        // By the owner themselves; or an entry from before hand-offs said who opened them (its owner unknown).
        if (
          isActor(event.by, event.owner) ||
          (event.by === undefined && event.reason === ENTRY_HANDOFF_REASON)
        )
          return { skip: 'own_handoff' };
      }
      const previous =
        event.type === 'Lead Assigned' && event.previousOwner
          ? [
              mail(event.previousOwner, `${event.eventId}:previous`, `【担当変更】${who}`, [
                event.reason === 'sla_reassign'
                  ? `受諾期限を過ぎたため、このリードは ${event.owner.name} さんに再割り当てされました。`
                  : `このリードは ${event.owner.name} さんの担当に変わりました。`,
              ]),
            ]
          : [];
      // A hand-off its owner accepted before the mail went needs none; a lead reassigned to them after it was
      // accepted (a manager's reassignment keeps the accept) is theirs to work now, and they are told.
      const acceptedBefore = theirs?.acceptedAt !== undefined && event.type === 'Lead Handed Off';
      if (!theirs || acceptedBefore)
        return previous.length ? previous : { skip: theirs ? 'accepted' : 'superseded' };
      const why =
        event.type === 'Lead Assigned'
          ? event.reason === 'sla_reassign'
            ? `${event.previousOwner?.name ?? '前の担当者'} さんが受諾期限までに受諾しなかったため、再割り当てされました。`
            : '担当者の変更で割り当てられました。'
          : handedOffWhy(
              theirs.trigger,
              event.reason,
              event.by === undefined ? undefined : actorPhrase(event.by, context),
            );
      const subject = `${event.type === 'Lead Assigned' ? '【リード再割り当て】' : '【リード割り当て】'}${who}${
        theirs.trigger ? `(${HANDOFF_TRIGGER_LABELS_JA[theirs.trigger]})` : ''
      }`;
      return [mail(event.owner, event.eventId, subject, [why, '', ...nextSteps(theirs, at)]), ...previous];
    }
    case 'Lead SLA Breached': {
      if (event.reassignTo) return { skip: 'told_by_other_mail' };
      if (!theirs) return { skip: 'superseded' };
      if (event.clock === 'first_contact' && theirs.acceptedAt === undefined)
        return { skip: 'told_by_other_mail' };
      const clock = SLA_CLOCK_LABELS_JA[event.clock];
      return [
        mail(event.owner, event.eventId, `【期限超過】${who}: ${clock}期限 ${at(event.dueAt)}`, [
          `${clock}期限(${at(event.dueAt)})を過ぎました。至急対応してください。`,
        ]),
      ];
    }
    case 'Lead Follow-up Due': {
      if (!theirs) return { skip: 'superseded' };
      return [
        mail(event.owner, event.eventId, `【次回連絡予定】${who} ${at(event.dueAt)}`, [
          `予定していた次回連絡の時刻(${at(event.dueAt)})になりました。`,
        ]),
      ];
    }
  }
}

/** One lead an import gave the owner, as its row named it (the mail lists them without reading the table). */
export interface ImportedLead {
  leadId: string;
  email: string;
  company?: string | undefined;
  lastName?: string | undefined;
  firstName?: string | undefined;
  phone?: string | undefined;
  /** Its hand-off's accept deadline, and its first-contact deadline when it has that clock. */
  acceptBy?: EpochMs | undefined;
  firstContactBy?: EpochMs | undefined;
}

/** What one run of an import gave its owner (`#app/import-leads`). */
export interface ImportAlert {
  importId: string;
  owner: OwnerRef;
  /** Who ran it (the token's owner id or e-mail); absent for the CLI. */
  by?: string | undefined;
  /** The import's `source` option (the trade show, the list). */
  source: string;
  /** Rows this run handed off to the owner, in file order. */
  leads: ImportedLead[];
  /** Rows an earlier, interrupted run of the same file already entered (not listed). */
  earlier: number;
}

/** Leads an import mail lists by name; the rest are counted (the call list shows them all). */
export const IMPORT_MAIL_LISTED = 30;

/**
 * The deadlines an import mail names: the earliest accept and first-contact deadline of the leads this run
 * gave (rows entered a few seconds apart get deadlines a few seconds apart; the earliest is the one to keep),
 * "(最も早いもの)" when they differ by a minute or more.
 */
function importDeadlines(leads: readonly ImportedLead[], at: (t: EpochMs) => string): string[] {
  const line = (label: string, pick: (lead: ImportedLead) => EpochMs | undefined): string[] => {
    const times = leads.map(pick).filter((t): t is EpochMs => t !== undefined);
    if (times.length === 0) return [];
    // Not Math.min(...times): an import of many thousand rows would overflow the call's arguments.
    const first = times.reduce((a, b) => Math.min(a, b));
    const spread = times.reduce((a, b) => Math.max(a, b)) - first >= 60_000;
    return [`${label}: ${at(first)}${spread ? '(最も早いもの)' : ''}`];
  };
  return [...line('受諾期限', (l) => l.acceptBy), ...line('初回接触期限', (l) => l.firstContactBy)];
}

/**
 * The one mail an import with an owner sends that owner (its rows' hand-offs send none, `told_by_import`):
 * how many leads are theirs now, who gave them, by when to accept and call them, the first rows with their
 * phone numbers, and the call list.
 * None when the owner ran the import themselves, or it gave them nothing. Claimed as `import:<importId>`, so
 * the same file imported again (a resumed or repeated run) mails nothing twice.
 */
export function importAlert(
  alert: ImportAlert,
  context: OwnerAlertContext,
): OwnerAlertMail | { skip: 'own_import' | 'nothing_assigned' } {
  if (isActor(alert.by, alert.owner)) return { skip: 'own_import' };
  const total = alert.leads.length + alert.earlier;
  if (total === 0) return { skip: 'nothing_assigned' };
  const who = alert.by === undefined ? 'CSV の取り込み' : `${actorPhrase(alert.by, context)}の CSV 取り込み`;
  const listed = alert.leads.slice(0, IMPORT_MAIL_LISTED).map((lead, i) => {
    const name = [lead.lastName, lead.firstName].filter(Boolean).join(' ');
    const person = name ? `${name} 様` : lead.email;
    const line = [lead.company, person].filter(Boolean).join(' ');
    return `${i + 1}. ${line}${lead.phone ? ` / ${lead.phone}` : ''}`;
  });
  const unlisted = total - listed.length;
  const link = consolePage(context.consoleUrl, '#/calls');
  const due = importDeadlines(alert.leads, (t) => formatDeadlineJa(t, context.timeZone));
  const text = [
    `${alert.owner.name} さん`,
    '',
    `${who}で、${total} 件のリードがあなたの担当になりました(取込元: ${alert.source})。`,
    '架電リストで各リードを受諾し、期限までに初回の連絡をしてください。',
    ...due,
    '',
    ...listed,
    ...(unlisted === 0
      ? []
      : listed.length > 0
        ? [`ほか ${unlisted} 件`]
        : [`(${unlisted} 件は前回の取り込みで登録済みです。一覧は架電リストにあります)`]),
    '',
    link ? `架電リストを開く: ${link}` : '架電リストはコンソールで開けます。',
  ].join('\n');
  return {
    claimId: `import:${alert.importId}`,
    to: alert.owner.email,
    subject: `【リード一括割り当て】${alert.source}: ${total}件`,
    text,
    html: mailHtml(text, link),
  };
}

function composeMail(
  leadId: string,
  lead: Pick<Lead, 'profile' | 'state'>,
  context: OwnerAlertContext,
  parts: { to: OwnerRef; claimId: string; subject: string; lines: string[] },
): OwnerAlertMail {
  const link = consolePage(context.consoleUrl, `#/lead/${encodeURIComponent(leadId)}`);
  const text = [
    `${parts.to.name} さん`,
    '',
    ...parts.lines,
    '',
    ...leadLines(lead),
    '',
    link ? `リードを開く: ${link}` : `リードID: ${leadId}`,
  ].join('\n');
  return {
    claimId: parts.claimId,
    to: parts.to.email,
    subject: parts.subject,
    text,
    html: mailHtml(text, link),
  };
}

/** A page of the console (`#/calls`, `#/lead/<id>`) at its address; undefined without one. */
export function consolePage(consoleUrl: string | undefined, hash: string): string | undefined {
  return consoleUrl ? `${consoleUrl.replace(/\/?$/, '/')}${hash}` : undefined;
}

/** The text as HTML lines, the line ending with `link` made a link. */
export function mailHtml(text: string, link: string | undefined): string {
  return `<div style="font-family:sans-serif;line-height:1.6">${text
    .split('\n')
    .map((line) => (link && line.endsWith(link) ? linkHtml(line, link) : escapeHtml(line)))
    .join('<br>\n')}</div>`;
}

function linkHtml(line: string, link: string): string {
  const label = line.slice(0, line.length - link.length);
  return `${escapeHtml(label)}<a href="${escapeHtml(link)}">${escapeHtml(link)}</a>`;
}

/** What opened the hand-off, in the mail's first line (manual and accept: the generic line). */
const HANDED_OFF_WHY: Partial<Record<HandoffTriggerName, string>> = {
  inquiry: 'お問い合わせがありました。',
  hot: 'スコアが上がり、ホットリードになりました。',
  mql: 'MQLに到達しました。',
  appointment_set: 'アポイントが取れたリードです。',
};

function handedOffWhy(
  trigger: HandoffTriggerName | undefined,
  reason: string | undefined,
  by: string | undefined,
): string {
  if (trigger === 'manual' && reason === ENTRY_HANDOFF_REASON)
    return `${by ?? '営業担当者'}が登録したリードで、担当者にあなたが指定されました。`;
  const base =
    trigger === 'manual' && by
      ? `${by}からリードが割り当てられました。`
      : ((trigger && HANDED_OFF_WHY[trigger]) ?? 'リードが割り当てられました。');
  // A person's reason is theirs to read; the automatic triggers' reasons are the system's own words.
  return trigger === 'manual' && reason ? `${base}(${reason})` : base;
}

/** The deadlines still open on the hand-off, and what to do: accept, contact, or carry on. */
function nextSteps(handoff: HandoffState, at: (t: EpochMs) => string): string[] {
  const accept = handoff.acceptedAt === undefined;
  const contact = handoff.firstContactDueAt !== undefined && handoff.firstContactAt === undefined;
  const lines = [
    ...(accept ? [`受諾期限: ${at(handoff.dueAt)}`] : []),
    ...(contact && handoff.firstContactDueAt !== undefined
      ? [`初回接触期限: ${at(handoff.firstContactDueAt)}`]
      : []),
  ];
  const ask = accept
    ? '受諾して、期限までに初回の連絡をしてください。'
    : contact
      ? '受諾済みのリードです。期限までに初回の連絡をしてください。'
      : '受諾・初回接触済みのリードです。引き続き対応をお願いします。';
  return [...lines, ...(lines.length ? [''] : []), ask];
}

/** `株式会社サンプル商事 山田 太郎 様`, or the address when the lead gave no name. */
function leadName(lead: Pick<Lead, 'profile'>): string {
  const a = lead.profile.attributes;
  const name = [a.lastName, a.firstName].filter(Boolean).join(' ');
  const person = name ? `${name} 様` : lead.profile.email;
  return a.company ? `${a.company} ${person}` : person;
}

const MESSAGE_CHARS = 400;

function leadLines(lead: Pick<Lead, 'profile' | 'state'>): string[] {
  const a = lead.profile.attributes;
  const s = lead.state;
  const row = (label: string, value: string | undefined) => (value ? [`${label}: ${value}`] : []);
  const message = a.message?.replace(/\s+/g, ' ').trim();
  return [
    ...row('会社名', a.company),
    ...row('部署・役職', [a.department, a.title].filter(Boolean).join(' ')),
    ...row('氏名', [a.lastName, a.firstName].filter(Boolean).join(' ')),
    ...row('電話番号', a.phone),
    `メール: ${lead.profile.email}`,
    `スコア: ${s.score.total}(${TEMPERATURE_LABELS_JA[s.temperature]})/ ステージ: ${STAGE_LABELS_JA[s.stage]}`,
    ...row(
      'お問い合わせ内容',
      message && message.length > MESSAGE_CHARS ? `${message.slice(0, MESSAGE_CHARS)}…` : message,
    ),
  ];
}
