import { settings } from '#config/settings';
import { openFollowUp } from '#domain/handoff/follow-up';
import { openDeadline, type SlaClockName } from '#domain/handoff/sla';
import { companySearchKey } from '#domain/lead/company-search';
import { isoAt } from '#domain/lead/events';
import { SLA_CLOCK_LABELS_JA, STAGE_LABELS_JA, TEMPERATURE_LABELS_JA } from '#domain/lead/labels-ja';
import type { Lead } from '#domain/lead/lead';
import { PHONE_SEARCH_MIN_DIGITS, phoneSearchDigits } from '#domain/lead/phone-search';
import {
  CHANNEL_GROUPS,
  CHANNELS,
  type Channel,
  type ChannelGroup,
  type EpochMs,
  STAGES,
  TEMPERATURES,
} from '#domain/lead/types';
import * as z from '#domain/lead/validation';
import { localDateTime } from '#domain/nurture/calendar';
import { ACTIVITY_INDEX_VALUE, activityDay, allIndexKeys } from '#store/keys';
import {
  companySearch,
  decodeIndexCursor,
  decodeSearchCursor,
  encodeIndexCursor,
  encodeSearchCursor,
  getListedLeads,
  IndexMerge,
  type IndexRow,
  type IndexSearch,
  type ListIndexName,
  phoneSearch,
  readSearchIndex,
  type SearchPosition,
} from '#store/lead-index';

export { InvalidCursorError } from '#store/lead-index';

/** Page sizes: JSON pages for screens, CSV for spreadsheets. */
export const LIST_LIMITS = { json: { default: 50, max: 200 }, csv: { default: 1000, max: 1000 } } as const;
/** At most this many index rows are examined per request (filters on fields no index holds: channel). */
export const MAX_EXAMINED = 2_000;

/**
 * What `channel=` takes: a channel group, the lead's channel as reports group it (`direct`, `paid_search`,
 * `event`, …), or a channel a form or an import declared (`inbound_web`, …), matched against the lead's first
 * touch. A lead is stored by its group, so a declared channel alone would miss every form lead.
 */
export const LIST_CHANNELS = [...new Set([...CHANNEL_GROUPS, ...CHANNELS])] as [
  ChannelGroup | Channel,
  ...(ChannelGroup | Channel)[],
];

/**
 * The orders of a list: by score band (highest first), by last-activity day (newest first), or `due`: one
 * owner's queue (`owner=` required), the nearest SLA deadline or planned contact first, then the leads with
 * nothing due, newest hand-off first.
 */
export const LIST_SORTS = ['score', 'lastActivity', 'due'] as const;

/**
 * GET /v1/ops/leads list parameters (without `email`, which looks one lead up). Stage-generic: any stage of
 * the domain's list (a new stage such as `tql` is accepted as soon as the domain has it). Built on first use:
 * the same function answers the lead view (`GET /v1/ops/leads/{leadId}`), which parses no list query.
 */
export const listLeadsQuerySchema = /* @__PURE__ */ z.lazySchema(() =>
  z.strictObject({
    stage: z.optional(z.enum(STAGES)),
    temperature: z.optional(z.enum(TEMPERATURES)),
    owner: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(64))),
    /** A company search: the leads whose company name starts with this (legal form, width, case aside). */
    company: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(100))),
    /**
     * A phone search: the leads whose number ends with these digits (at least 4; hyphens, brackets, width,
     * +81 and an extension aside).
     */
    phone: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(40))),
    channel: z.optional(z.enum(LIST_CHANNELS)),
    updatedSince: z.optional(z.iso.datetime({ offset: true })),
    sort: z._default(z.enum(LIST_SORTS), 'score'),
    limit: z.optional(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(LIST_LIMITS.csv.max))),
    cursor: z.optional(z.string().check(z.minLength(1), z.maxLength(4_000))),
    format: z.optional(z.enum(['json', 'csv'])),
    /** CSV for people: Japanese headers and labels, owners by name, times on the app's clock (Asia/Tokyo). */
    lang: z.optional(z.enum(['ja'])),
  }),
);
export type ListLeadsQuery = z.output<ReturnType<typeof listLeadsQuerySchema>>;

export interface LeadListItem {
  leadId: string;
  email: string;
  name: string | null;
  company: string | null;
  /** The number sales calls (the call list's own hand-offs show it). */
  phone: string | null;
  stage: string;
  temperature: string;
  score: number;
  ownerId: string | null;
  lastActivityAt: string;
  /**
   * The owner's next SLA deadline (`openDeadline`): accept or first contact, whichever runs out first, passed
   * or not; null when the lead has no owner or the owner met both.
   */
  due: { clock: SlaClockName; at: string } | null;
  /** The follow-up the owner planned (次回連絡予定), passed or not; null when none is planned. */
  followUpAt: string | null;
}

/** The flat fields of a list item, the first CSV columns in the order of `LeadListItem`. */
const FLAT_COLUMNS = [
  'leadId',
  'email',
  'name',
  'company',
  'phone',
  'stage',
  'temperature',
  'score',
  'ownerId',
  'lastActivityAt',
] as const satisfies readonly (keyof LeadListItem)[];
/** Then the deadline, as two columns (`due.clock`, `due.at`), and the planned follow-up. */
const SHEET_COLUMNS = [...FLAT_COLUMNS, 'dueClock', 'dueAt', 'followUpAt'] as const;

const SHEET_HEADERS_JA: Readonly<Record<(typeof SHEET_COLUMNS)[number], string>> = {
  leadId: 'リードID',
  email: 'メールアドレス',
  name: '氏名',
  company: '会社名',
  phone: '電話番号',
  stage: 'ステージ',
  temperature: '温度感',
  score: 'スコア',
  ownerId: '担当者',
  lastActivityAt: '最終活動日時',
  dueClock: '期限の種類',
  dueAt: '対応期限',
  followUpAt: '次回連絡予定',
};

/**
 * A page of the lead list as spreadsheet rows, header first. Without `lang` the rows are for machines (the
 * API's ids, ISO-8601 UTC times); `lang: 'ja'` makes them for the people who open them in Excel: Japanese
 * headers, stages, temperatures and SLA clocks as the console names them, the owner by name, the last
 * activity, the deadline and the follow-up as `YYYY-MM-DD HH:mm` on the app's clock. The lead id stays, so a
 * sheet can be matched back.
 */
export function leadSheet(items: readonly LeadListItem[], lang?: 'ja'): (string | number | null)[][] {
  if (lang !== 'ja')
    return [
      [...SHEET_COLUMNS],
      ...items.map((item) => [
        ...FLAT_COLUMNS.map((c) => item[c]),
        item.due?.clock ?? null,
        item.due?.at ?? null,
        item.followUpAt,
      ]),
    ];
  const owners = new Map(settings.handoff.owners.map((o) => [o.ownerId, o.name]));
  const label = (labels: Readonly<Record<string, string>>, value: string) => labels[value] ?? value;
  return [
    SHEET_COLUMNS.map((c) => SHEET_HEADERS_JA[c]),
    ...items.map((item) => [
      item.leadId,
      item.email,
      item.name,
      item.company,
      item.phone,
      label(STAGE_LABELS_JA, item.stage),
      label(TEMPERATURE_LABELS_JA, item.temperature),
      item.score,
      item.ownerId === null ? null : (owners.get(item.ownerId) ?? item.ownerId),
      localDateTime(Date.parse(item.lastActivityAt), settings.app.timeZone),
      item.due ? SLA_CLOCK_LABELS_JA[item.due.clock] : null,
      item.due ? localDateTime(Date.parse(item.due.at), settings.app.timeZone) : null,
      item.followUpAt ? localDateTime(Date.parse(item.followUpAt), settings.app.timeZone) : null,
    ]),
  ];
}

export interface ListLeadsInput {
  stage?: string;
  temperature?: string;
  /** Already resolved (`me` → the caller) by the handler. */
  ownerId?: string;
  channel?: string;
  updatedSince?: EpochMs;
  /** A company search (`#domain/lead/company-search`): matches in name order; `sort` does not apply. */
  company?: string;
  /** A phone search (`#domain/lead/phone-search`): the numbers that end with it; `sort` does not apply. */
  phone?: string;
  sort: (typeof LIST_SORTS)[number];
  limit: number;
  cursor?: string;
}

interface Plan {
  index: ListIndexName;
  partitions: string[];
  equals: Record<string, string>;
  minSortValue?: number;
}

/**
 * A search with nothing to search (a 400): a company search with nothing left once the legal form is set aside
 * (「株式会社」 alone), or a phone search with fewer than `PHONE_SEARCH_MIN_DIGITS` digits.
 */
export class NothingToSearchError extends Error {
  override name = 'NothingToSearchError';
  constructor(readonly field: 'company' | 'phone') {
    super(
      field === 'company'
        ? 'nothing to search but the legal form'
        : `fewer than ${PHONE_SEARCH_MIN_DIGITS} digits to search`,
    );
  }
}

/** A company and a phone search in one list (a 400): each is its own order, so a list is one or the other. */
export class TwoSearchesError extends Error {
  override name = 'TwoSearchesError';
}

/** `sort=due` without an owner: the queue is one owner's (the handler answers 400). */
export class DueNeedsOwnerError extends Error {
  override name = 'DueNeedsOwnerError';
}

/**
 * Which index serves a list, never a scan. By due: the owner's partition of `byOwner` (only their open
 * hand-offs, so nothing read is another owner's), the other filters applied to the rows. By score: the stage's
 * shards (`byStage`), else the temperature's (`byTemperature`), else every temperature's shards merged; the
 * other filters (temperature with a stage, owner) are conditions on the index page (projected attributes). By
 * last activity: every `byActivity` shard, `updatedSince` a key condition on the activity day,
 * stage/temperature/owner conditions on the page.
 */
export function planList(input: ListLeadsInput): Plan {
  const equals: Record<string, string> = {};
  if (input.sort === 'due') {
    if (!input.ownerId) throw new DueNeedsOwnerError('sort=due lists one owner’s queue');
    return { index: 'byOwner', partitions: [input.ownerId], equals };
  }
  if (input.ownerId) equals.ownerId = input.ownerId;
  if (input.sort === 'lastActivity') {
    if (input.stage) equals.stage = input.stage;
    if (input.temperature) equals.temperature = input.temperature;
    return {
      index: 'byActivity',
      partitions: allIndexKeys(ACTIVITY_INDEX_VALUE),
      equals,
      ...(input.updatedSince === undefined ? {} : { minSortValue: activityDay(input.updatedSince) }),
    };
  }
  if (input.stage) {
    if (input.temperature) equals.temperature = input.temperature;
    return { index: 'byStage', partitions: allIndexKeys(input.stage), equals };
  }
  const temperatures = input.temperature ? [input.temperature] : [...TEMPERATURES].reverse();
  return { index: 'byTemperature', partitions: temperatures.flatMap((t) => allIndexKeys(t)), equals };
}

/** What a cursor is bound to: the same plan and the filters applied after the index. */
const bindingOf = (plan: Plan, input: ListLeadsInput): string =>
  JSON.stringify([plan, input.channel ?? null, input.updatedSince ?? null, input.sort]);

/** The filters no index page can apply (or that the eventually consistent index may be behind on). */
function keeps(lead: Lead, input: ListLeadsInput): boolean {
  const { state, profile } = lead;
  const owner = state.handoff && !state.handoff.closedAt ? state.handoff.owner.ownerId : undefined;
  return (
    (!input.stage || state.stage === input.stage) &&
    (!input.temperature || state.temperature === input.temperature) &&
    (!input.ownerId || owner === input.ownerId) &&
    (!input.channel ||
      profile.channel === input.channel ||
      profile.attribution?.firstTouch.origin === input.channel) &&
    (input.updatedSince === undefined || state.lastActivityAt >= input.updatedSince)
  );
}

function itemOf({ state, profile }: Lead): LeadListItem {
  const a = profile.attributes;
  const name = [a.lastName, a.firstName].filter(Boolean).join(' ');
  const due = openDeadline(state.handoff);
  const followUp = openFollowUp(state.handoff);
  return {
    leadId: profile.leadId,
    email: profile.email,
    name: name || null,
    company: a.company ?? null,
    phone: a.phone ?? null,
    stage: state.stage,
    temperature: state.temperature,
    score: state.score.total,
    ownerId: state.handoff && !state.handoff.closedAt ? state.handoff.owner.ownerId : null,
    lastActivityAt: isoAt(state.lastActivityAt),
    due: due ? { clock: due.clock, at: isoAt(due.at) } : null,
    followUpAt: followUp ? isoAt(followUp.at) : null,
  };
}

/**
 * A page of leads from the sharded list indexes (scatter-gather, merged by score band or activity day, highest
 * first; inside a band the index's own stable order). Each row is completed from the lead's state and profile
 * (exact score, name, company, channel). `cursor` is null on the last page; a bad cursor throws
 * InvalidCursorError.
 */
export async function listLeads(
  input: ListLeadsInput,
): Promise<{ items: LeadListItem[]; cursor: string | null }> {
  if (input.company !== undefined && input.phone !== undefined)
    throw new TwoSearchesError('search by company or by phone, not both');
  if (input.company !== undefined) {
    const key = companySearchKey(input.company);
    if (key === undefined) throw new NothingToSearchError('company');
    return searchLeads(input, companySearch(key));
  }
  if (input.phone !== undefined) {
    const digits = phoneSearchDigits(input.phone);
    if (digits === undefined) throw new NothingToSearchError('phone');
    return searchLeads(input, phoneSearch(digits));
  }
  const plan = planList(input);
  const binding = bindingOf(plan, input);
  const positions = input.cursor ? decodeIndexCursor(input.cursor, binding, plan.partitions.length) : {};
  const merge = new IndexMerge(plan.index, plan.partitions, positions, {
    equals: plan.equals,
    ...(plan.minSortValue === undefined ? {} : { minSortValue: plan.minSortValue }),
    pageSize: Math.min(100, Math.max(2, Math.ceil(input.limit / plan.partitions.length) + 1)),
  });
  const items: LeadListItem[] = [];
  let examined = 0;
  while (items.length < input.limit && examined < MAX_EXAMINED) {
    const want = Math.min(input.limit - items.length, MAX_EXAMINED - examined);
    const rows: IndexRow[] = [];
    while (rows.length < want) {
      const row = await merge.next();
      if (!row) break;
      rows.push(row);
    }
    if (rows.length === 0) break;
    examined += rows.length;
    const leads = await getListedLeads(rows.map((r) => r.leadId));
    for (const row of rows) {
      const lead = leads.get(row.leadId);
      if (lead && keeps(lead, input)) items.push(itemOf(lead));
    }
    if (rows.length < want) break;
  }
  return { items, cursor: merge.done() ? null : encodeIndexCursor(merge.positions(), binding) };
}

/**
 * A search (company or phone): one partition of its index, read in key order from the cursor's position, each
 * row completed from the lead's state and profile and kept if the other filters hold (at most `MAX_EXAMINED`
 * rows examined per request, as a list).
 */
async function searchLeads(
  input: ListLeadsInput,
  search: IndexSearch,
): Promise<{ items: LeadListItem[]; cursor: string | null }> {
  const binding = JSON.stringify([
    search.index,
    search.prefix,
    input.stage ?? null,
    input.temperature ?? null,
    input.ownerId ?? null,
    input.channel ?? null,
    input.updatedSince ?? null,
  ]);
  let after: SearchPosition | undefined = input.cursor
    ? decodeSearchCursor(input.cursor, binding, search)
    : undefined;
  const items: LeadListItem[] = [];
  let examined = 0;
  do {
    const want = Math.min(input.limit - items.length, MAX_EXAMINED - examined);
    const page = await readSearchIndex(search, { limit: want, after });
    examined += page.rows.length;
    const leads = await getListedLeads(page.rows.map((r) => r.leadId));
    for (const row of page.rows) {
      const lead = leads.get(row.leadId);
      if (lead && keeps(lead, input)) items.push(itemOf(lead));
    }
    after = page.next;
  } while (after && items.length < input.limit && examined < MAX_EXAMINED);
  return { items, cursor: after ? encodeSearchCursor(after, binding) : null };
}
