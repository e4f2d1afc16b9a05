/**
 * Maps a lead to a CRM record (Salesforce Lead, HubSpot contact, …) with field names and limits
 * taken from configuration. Pure: same lead, mapping and activity give the same record.
 *
 * Source grammar (validated at config load by `parseMappingSource`):
 *   attribute:<lead attribute> · score.fit · score.behaviour · score.total · grade · temperature ·
 *   stage · channel · leadId · owner.crmUserId · owner.ownerId · owner.name · owner.email ·
 *   utm.source · utm.medium · utm.campaign · utm.term · utm.content · summary · const:<value> ·
 *   bantch.<budget|authority|needs|timing|competitor|humanResources> · lastActivityDate ·
 *   opportunity.<phase|phaseLabel|amount|currency|probability|expectedCloseDate>
 * (`channel` is the lead's first-touch channel: it is set when the lead is created and never changes.)
 */
import type { Bantch, CrmRecord } from '#domain/lead/events';
import {
  type Channel,
  type ChannelGroup,
  type Grade,
  LEAD_ATTRIBUTES,
  type LeadAttribute,
  type LeadAttributes,
  type ScoreSummary,
  type Stage,
  type Temperature,
  type TimelineEntry,
  type Touch,
} from '#domain/lead/types';
import { localDateTime } from '#domain/nurture/calendar';

const SCORE_PARTS = ['fit', 'behaviour', 'total'] as const;
const OWNER_FIELDS = ['crmUserId', 'ownerId', 'name', 'email'] as const;
const UTM_PARTS = ['source', 'medium', 'campaign', 'term', 'content'] as const;
const BANTCH_PARTS = ['budget', 'authority', 'needs', 'timing', 'competitor', 'humanResources'] as const;
const OPPORTUNITY_PARTS = [
  'phase',
  'phaseLabel',
  'amount',
  'currency',
  'probability',
  'expectedCloseDate',
] as const;

export type MappingSource =
  | { kind: 'attribute'; name: LeadAttribute }
  | { kind: 'const'; value: string }
  | { kind: 'score'; part: (typeof SCORE_PARTS)[number] }
  | { kind: 'owner'; field: (typeof OWNER_FIELDS)[number] }
  | { kind: 'utm'; part: (typeof UTM_PARTS)[number] }
  | { kind: 'bantch'; part: (typeof BANTCH_PARTS)[number] }
  | { kind: 'opportunity'; part: (typeof OPPORTUNITY_PARTS)[number] }
  | { kind: 'grade' | 'temperature' | 'stage' | 'channel' | 'leadId' | 'summary' | 'lastActivityDate' };

const SIMPLE_SOURCES = [
  'grade',
  'temperature',
  'stage',
  'channel',
  'leadId',
  'summary',
  'lastActivityDate',
] as const;

/** Every source name except the open-ended `attribute:` and `const:` ones, for error messages. */
export const NAMED_MAPPING_SOURCES: readonly string[] = [
  ...SCORE_PARTS.map((p) => `score.${p}`),
  ...OWNER_FIELDS.map((f) => `owner.${f}`),
  ...UTM_PARTS.map((p) => `utm.${p}`),
  ...BANTCH_PARTS.map((p) => `bantch.${p}`),
  ...OPPORTUNITY_PARTS.map((p) => `opportunity.${p}`),
  ...SIMPLE_SOURCES,
];

const includes = <T extends string>(list: readonly T[], value: string): value is T =>
  (list as readonly string[]).includes(value);

export function parseMappingSource(source: string): MappingSource | { error: string } {
  if (source.startsWith('const:')) return { kind: 'const', value: source.slice('const:'.length) };
  if (source.startsWith('attribute:')) {
    const name = source.slice('attribute:'.length);
    return includes(LEAD_ATTRIBUTES, name)
      ? { kind: 'attribute', name }
      : { error: `unknown lead attribute '${name}' (expected one of ${LEAD_ATTRIBUTES.join(', ')})` };
  }
  const [head, part = ''] = source.split('.', 2);
  if (head === 'score' && includes(SCORE_PARTS, part)) return { kind: 'score', part };
  if (head === 'owner' && includes(OWNER_FIELDS, part)) return { kind: 'owner', field: part };
  if (head === 'utm' && includes(UTM_PARTS, part)) return { kind: 'utm', part };
  if (head === 'bantch' && includes(BANTCH_PARTS, part)) return { kind: 'bantch', part };
  if (head === 'opportunity' && includes(OPPORTUNITY_PARTS, part)) return { kind: 'opportunity', part };
  if (includes(SIMPLE_SOURCES, source)) return { kind: source };
  return {
    error: `unknown source '${source}' (expected attribute:<name>, const:<value> or one of ${NAMED_MAPPING_SOURCES.join(', ')})`,
  };
}

export const CRM_TRANSFORMS = ['trim', 'lowercase', 'uppercase', 'nfkc', 'collapseWhitespace'] as const;
export type CrmTransform = (typeof CRM_TRANSFORMS)[number];

export interface CrmFieldSpec {
  /** A source in the grammar above. */
  source: string;
  /** Applied in order to string values before the lookup. */
  transforms: readonly CrmTransform[];
  /** Value lookup after transforms, e.g. temperature `hot` → Salesforce Rating `Hot`. Misses pass through. */
  values?: Readonly<Record<string, string>>;
  /** `number` parses strings loosely ("100-499" → 100, "1,000名以上" → 1000); unparsable → empty. */
  type: 'string' | 'number';
  /** Character limit of the CRM field (UTF-16 code units, as Salesforce counts). */
  maxLength?: number;
  /** Used when the value is empty; required CRM fields must have one. */
  fallback?: string | number;
  required: boolean;
}

export interface CrmMapping {
  fields: Readonly<Record<string, CrmFieldSpec>>;
  summary: { timeZone: string; maxActivities: number };
}

/** What the mapper may read about a lead. */
export interface CrmLeadView {
  leadId: string;
  attributes: LeadAttributes;
  score: ScoreSummary;
  grade?: Grade;
  temperature: Temperature;
  stage: Stage;
  channel?: Channel | ChannelGroup;
  utm?: Touch['utm'];
  owner?: { ownerId: string; name: string; email: string; crmUserId?: string };
  /** BANTCH as sales last qualified it (deals). */
  bantch?: Bantch;
  /** The lead's latest opportunity (open or closed). */
  opportunity?: {
    phase: string;
    phaseLabel: string;
    amount: number;
    currency: string;
    probability: number;
    expectedCloseDate: string;
  };
  lastActivityAt?: number;
  /**
   * The lead came through a double opt-in form and the person has not confirmed the link yet: anyone can type
   * anyone's address, so the record leaves out the contact details (`WITHHELD_UNTIL_CONFIRMED`) until the
   * confirmation, which arms the CRM sync so a `Lead Updated` then carries them.
   */
  awaitingConfirmation?: boolean;
}

/**
 * Attributes a CRM record does not carry while the lead awaits its double opt-in confirmation: the address
 * and phone number someone gave, not yet proven to be theirs (APPI/GDPR, Japan's anti-spam law: no contact
 * details of an unconfirmed person in a third-party system). Left out, not blanked: an update never clears
 * what the CRM already has. The name and company stay (Salesforce requires LastName and Company, and a
 * fallback there would overwrite the record of a lead that was in the CRM before it posted such a form).
 */
export const WITHHELD_UNTIL_CONFIRMED: readonly LeadAttribute[] = ['email', 'phone'];

/**
 * Cuts a string to at most `max` UTF-16 code units without splitting a surrogate pair. Characters,
 * not bytes: a 255-character Japanese company name fits a 255-length field (it is 765 bytes in UTF-8).
 */
export function truncateChars(value: string, max: number): string {
  if (value.length <= max) return value;
  let out = '';
  for (const ch of value) {
    if (out.length + ch.length > max) break;
    out += ch;
  }
  return out;
}

const UNIT_MULTIPLIERS: Record<string, number> = { 万: 10_000, 千: 1_000, k: 1_000, K: 1_000 };

/**
 * Parses a loosely written count: "250" → 250, "100-499" → 100 (the lower bound, so a size range
 * is never overstated), "1,000名以上" → 1000, "１０００人" → 1000, "5万人" → 50000. No digits → undefined.
 */
export function parseLooseNumber(value: string): number | undefined {
  const normalized = value.normalize('NFKC').replace(/(\d),(?=\d{3})/g, '$1');
  const match = /(\d+(?:\.\d+)?)\s*(\u4E07|\u5343|k|K)?/.exec(normalized); // 万, 千
  if (!match?.[1]) return undefined;
  const multiplier = match[2] ? (UNIT_MULTIPLIERS[match[2]] ?? 1) : 1;
  return Math.round(Number(match[1]) * multiplier);
}

const applyTransform = (value: string, transform: CrmTransform): string => {
  switch (transform) {
    case 'trim':
      return value.trim();
    case 'lowercase':
      return value.toLowerCase();
    case 'uppercase':
      return value.toUpperCase();
    case 'nfkc':
      return value.normalize('NFKC');
    case 'collapseWhitespace':
      return value.replace(/\s+/g, ' ');
  }
};

const describeActivity = (entry: TimelineEntry, timeZone: string): string => {
  const what = [entry.type, entry.title, entry.url].filter((s) => s !== undefined && s !== '').join(' ');
  const points = entry.points === 0 ? '' : ` (${entry.points > 0 ? '+' : ''}${entry.points})`;
  return `- ${localDateTime(entry.occurredAt, timeZone)} ${what}${points}`;
};

/** Score breakdown and the most recent activity, for a CRM description field read by a person. */
export function leadSummary(
  lead: CrmLeadView,
  recentActivity: readonly TimelineEntry[],
  options: CrmMapping['summary'],
): string {
  const { fit, behaviour, total } = lead.score;
  const grade = lead.grade ? `, grade ${lead.grade}` : '';
  const lines = [`Lead score ${total} (fit ${fit} + behaviour ${behaviour})${grade}, ${lead.temperature}.`];
  const recent = [...recentActivity]
    .sort((a, b) => b.occurredAt - a.occurredAt || a.eventId.localeCompare(b.eventId))
    .slice(0, options.maxActivities);
  if (recent.length > 0) {
    lines.push(`Recent activity (${options.timeZone}):`);
    for (const entry of recent) lines.push(describeActivity(entry, options.timeZone));
  }
  return lines.join('\n');
}

type RawValue = string | number | undefined;

const readSource = (
  source: MappingSource,
  lead: CrmLeadView,
  summary: () => string,
  timeZone: string,
): RawValue => {
  switch (source.kind) {
    case 'attribute':
      return lead.awaitingConfirmation && WITHHELD_UNTIL_CONFIRMED.includes(source.name)
        ? undefined
        : lead.attributes[source.name];
    case 'const':
      return source.value;
    case 'score':
      return lead.score[source.part];
    case 'owner':
      return lead.owner?.[source.field];
    case 'utm':
      return lead.utm?.[source.part];
    case 'grade':
      return lead.grade;
    case 'temperature':
      return lead.temperature;
    case 'stage':
      return lead.stage;
    case 'channel':
      return lead.channel;
    case 'leadId':
      return lead.leadId;
    case 'summary':
      return summary();
    case 'bantch':
      return lead.bantch?.[source.part];
    case 'opportunity':
      return lead.opportunity?.[source.part];
    case 'lastActivityDate':
      return lead.lastActivityAt === undefined ? undefined : localDate(lead.lastActivityAt, timeZone);
  }
};

/** YYYY-MM-DD of an instant in a time zone (a CRM date field, e.g. Salesforce `Last_Activity_Date__c`). */
const localDate = (at: number, timeZone: string): string => localDateTime(at, timeZone).slice(0, 10);

const toFieldValue = (raw: RawValue, spec: CrmFieldSpec): string | number | undefined => {
  let value = raw;
  if (typeof value === 'string') {
    for (const t of spec.transforms) value = applyTransform(value, t);
    value = spec.values?.[value] ?? value;
  }
  if (spec.type === 'number') {
    const n = typeof value === 'string' ? parseLooseNumber(value) : value;
    return n !== undefined && Number.isFinite(n) ? n : undefined;
  }
  if (value === undefined) return undefined;
  const text = String(value);
  return text === '' ? undefined : text;
};

const limit = (value: string | number, spec: CrmFieldSpec): string | number =>
  typeof value === 'string' && spec.maxLength !== undefined ? truncateChars(value, spec.maxLength) : value;

/**
 * Builds the CRM record. Empty values are left out (so an update never blanks a field the CRM already
 * has) unless a fallback is configured; strings are cut to the field's length in characters.
 * Throws only on a source that config validation should have rejected.
 */
export function mapLeadToCrm(
  lead: CrmLeadView,
  mapping: CrmMapping,
  recentActivity: readonly TimelineEntry[],
): CrmRecord {
  let summaryText: string | undefined;
  const summary = (): string => {
    summaryText ??= leadSummary(lead, recentActivity, mapping.summary);
    return summaryText;
  };
  const record: CrmRecord = {};
  for (const [field, spec] of Object.entries(mapping.fields)) {
    const source = parseMappingSource(spec.source);
    if ('error' in source) throw new Error(`crm mapping field ${field}: ${source.error}`);
    const value =
      toFieldValue(readSource(source, lead, summary, mapping.summary.timeZone), spec) ?? spec.fallback;
    if (value !== undefined) record[field] = limit(value, spec);
  }
  return record;
}

/**
 * What each published event does to the lead's record in a CRM target: a hand-off upserts it (mapped
 * fields), a reassignment updates its owner, an erasure (`Lead Erased`, APPI/GDPR) DELETES it; other events
 * only notify. The targets (infra/catalog.ts `handoffTargetRules`, infra/handoff-targets.ts) follow this
 * table: Salesforce deletes the Lead by our external id, a webhook receives the event with
 * `x-leadloop-operation: delete`. Every CRM target receives `Lead Erased`, whatever events it chose.
 */
export type CrmOperation = 'upsert' | 'update_owner' | 'delete' | 'notify';

export const CRM_ERASE_EVENT = 'Lead Erased' as const;

export function crmOperation(detailType: string): CrmOperation {
  switch (detailType) {
    case 'Lead Handed Off':
      return 'upsert';
    case 'Lead Assigned':
      return 'update_owner';
    case CRM_ERASE_EVENT:
      return 'delete';
    default:
      return 'notify';
  }
}
