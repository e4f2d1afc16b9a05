/**
 * Core vocabulary of the lead loop. Every other module speaks these names: forms, import, API,
 * templates and CRM mapping all use the same lead attribute names.
 */

/** Lead attributes, one set of names everywhere. Stored as given (escaping happens where rendered). */
export const LEAD_ATTRIBUTES = [
  'email',
  'firstName',
  'lastName',
  'company',
  'department',
  'title',
  'phone',
  'employees',
  'industry',
  'country',
  'prefecture',
  'message',
] as const;
export type LeadAttribute = (typeof LEAD_ATTRIBUTES)[number];
export type LeadAttributes = Partial<Record<LeadAttribute, string>>;

/**
 * Lifecycle stages in funnel order; recycled and disqualified sit outside the forward path. `tql`
 * (teleprospecting-qualified: inside sales booked an appointment) sits between mql and sal; it is only entered
 * when `config/handoff.ts → tql.enabled` (see shared/domain/handoff/routing.ts).
 */
export const FUNNEL_STAGES = [
  'subscriber',
  'lead',
  'mql',
  'tql',
  'sal',
  'sql',
  'opportunity',
  'customer',
] as const;
export const STAGES = [...FUNNEL_STAGES, 'recycled', 'disqualified'] as const;
export type Stage = (typeof STAGES)[number];

export const TEMPERATURES = ['cold', 'warm', 'hot'] as const;
export type Temperature = (typeof TEMPERATURES)[number];

export const GRADES = ['A', 'B', 'C', 'D'] as const;
export type Grade = (typeof GRADES)[number];

/**
 * The channels a form or an entry declares (a touch's `origin`). `inbound_phone`: an inquiry by telephone (a
 * call to the main line, 代表電話), grouped as `phone`.
 */
export const CHANNELS = [
  'inbound_web',
  'inbound_phone',
  'event',
  'webinar',
  'outbound',
  'referral',
  'import',
] as const;
export type Channel = (typeof CHANNELS)[number];

/** The id prefix of a capture's timeline entry (`form:<submission id>`: a form post, a sales entry, an imported row). */
export const FORM_EVENT_PREFIX = 'form:';

/** Epoch milliseconds. Domain functions take `now` as an argument: no clock inside the domain. */
export type EpochMs = number;

/**
 * The default channel grouping (what a touch means to marketing), stored as a touch's and a lead's channel.
 * `shared/domain/capture/attribution.ts` has the rules.
 */
export const CHANNEL_GROUPS = [
  'paid_search',
  'paid_social',
  'organic_search',
  'organic_social',
  'email',
  'referral',
  'direct',
  'phone',
  'event',
  'webinar',
  'outbound',
  'partner',
  'import',
  'other',
] as const;
export type ChannelGroup = (typeof CHANNEL_GROUPS)[number];

export interface Touch {
  at: EpochMs;
  /** The channel group (e.g. `paid_search`); a touch stored before the grouping holds a `Channel` (read: legacy). */
  channel: ChannelGroup | Channel;
  /** The channel the form or import declared (`inbound_web`, `event`, …): the grouping's input. Absent = legacy. */
  origin?: Channel;
  formId?: string;
  landingUrl?: string;
  referrer?: string;
  utm?: Partial<Record<'source' | 'medium' | 'campaign' | 'term' | 'content', string>>;
}

export interface Consent {
  /** What was agreed to, e.g. "marketing_email". */
  purpose: string;
  textVersion: string;
  formId: string;
  at: EpochMs;
  ip?: string;
  userAgent?: string;
  /** Set when double opt-in is on and the lead clicked the confirmation link. */
  confirmedAt?: EpochMs;
  doubleOptIn: boolean;
  /**
   * This grant is the consent ledger's head: its entry is not an item of the ledger yet, the profile holds it
   * until a later grant replaces it, and that write puts it in the ledger as it was given
   * (`#domain/capture/consent-ledger`). Absent on grants recorded before (their entry was written with them).
   */
  ledgerHead?: true;
}

export interface ScoreSummary {
  fit: number;
  /** Behaviour points after decay, as of `asOf`. */
  behaviour: number;
  total: number;
}

export interface StageTransition {
  from: Stage | null;
  to: Stage;
  at: EpochMs;
  /** "score" for automatic moves, or the sales action / system reason. */
  reason: string;
}

/** A behaviour or lifecycle event as it lands on a lead's timeline. */
export interface TimelineEntry {
  eventId: string;
  type: string;
  occurredAt: EpochMs;
  points: number;
  /** Id of the scoring rule that gave the points, or null. */
  rule: string | null;
  url?: string;
  title?: string;
  properties?: Record<string, string | number | boolean>;
}
