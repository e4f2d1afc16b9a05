/**
 * Attribution: where a lead came from. Every submission is a `Touch` (UTM, landing page, referrer, channel).
 * A lead keeps its first touch forever (what brought it to us) and its last touch (what brought it back),
 * which is replaced on each newer submission.
 *
 * The channel comes from the form (`contact` → inbound_web, `webinar` → webinar) unless `utm_medium` says
 * otherwise, per `UTM_MEDIUM_CHANNELS`: a contact form reached from an exhibition QR code tagged
 * `utm_medium=event` counts as an event lead. Matching ignores case and `-`/`_`/space differences.
 */
import {
  type Channel,
  type EpochMs,
  LEAD_ATTRIBUTES,
  type LeadAttributes,
  type Touch,
} from '#domain/lead/types';

export type Utm = NonNullable<Touch['utm']>;

/** utm_medium values (normalized: lower-case, `-`/space → `_`) that override the form's channel. */
export const UTM_MEDIUM_CHANNELS: Readonly<Record<string, Channel>> = {
  event: 'event',
  events: 'event',
  exhibition: 'event',
  expo: 'event',
  tradeshow: 'event',
  trade_show: 'event',
  booth: 'event',
  seminar: 'event',
  offline: 'event',
  webinar: 'webinar',
  online_seminar: 'webinar',
  referral: 'referral',
  partner: 'referral',
  affiliate: 'referral',
  outbound: 'outbound',
};

export function channelFor(formChannel: Channel, utmMedium: string | undefined): Channel {
  if (utmMedium === undefined) return formChannel;
  const key = utmMedium
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
  return Object.hasOwn(UTM_MEDIUM_CHANNELS, key) ? (UTM_MEDIUM_CHANNELS[key] ?? formChannel) : formChannel;
}

export interface TouchInput {
  formId?: string;
  channel: Channel;
  utm?: Utm;
  landingUrl?: string;
  referrer?: string;
}

/** One touch; empty values are left out so stored touches stay small. */
export function buildTouch(input: TouchInput, at: EpochMs): Touch {
  const utm = Object.fromEntries(
    Object.entries(input.utm ?? {}).filter(([, v]) => typeof v === 'string' && v !== ''),
  ) as Utm;
  return {
    at,
    channel: channelFor(input.channel, utm.medium),
    ...(input.formId ? { formId: input.formId } : {}),
    ...(input.landingUrl ? { landingUrl: input.landingUrl } : {}),
    ...(input.referrer ? { referrer: input.referrer } : {}),
    ...(Object.keys(utm).length > 0 ? { utm } : {}),
  };
}

export interface Attribution {
  firstTouch: Touch;
  lastTouch: Touch;
}

/**
 * First touch is kept forever; last touch is replaced unless the incoming touch is older than the one we
 * have (a retried or late-arriving submission must not move "last" backwards).
 */
export function mergeAttribution(existing: Attribution | null | undefined, touch: Touch): Attribution {
  if (!existing) return { firstTouch: touch, lastTouch: touch };
  return {
    firstTouch: existing.firstTouch,
    lastTouch: touch.at >= existing.lastTouch.at ? touch : existing.lastTouch,
  };
}

/**
 * Latest non-empty value wins: a later form that leaves `department` blank does not erase the department we
 * already know, but a new value replaces the old one.
 */
export function mergeAttributes(existing: LeadAttributes, incoming: LeadAttributes): LeadAttributes {
  const merged: LeadAttributes = { ...existing };
  // Only known attribute names are copied, so a loosely typed caller cannot add stray keys.
  for (const key of LEAD_ATTRIBUTES) {
    const value = incoming[key];
    if (typeof value === 'string' && value.trim() !== '') merged[key] = value;
  }
  return merged;
}

// ---------------------------------------------------------------------------------------------
// Channel grouping for reports: what a touch means to marketing (paid search, organic social, an event…),
// finer than the form's `channel`. Derived when counting (and again by `npm run reports:rebuild` after a
// rule change) from the lead's first touch, which never changes, so the figures follow the rules in force.
// ---------------------------------------------------------------------------------------------

export const CHANNEL_GROUPS = [
  'paid_search',
  'paid_social',
  'organic_search',
  'organic_social',
  'email',
  'referral',
  'direct',
  'event',
  'webinar',
  'outbound',
  'partner',
  'import',
  'other',
] as const;
export type ChannelGroup = (typeof CHANNEL_GROUPS)[number];

/** The rules of the grouping; `config/reports.ts` may extend or override them. */
export interface ChannelGroupingConfig {
  /** Normalized utm_medium (lower-case, `-`/space → `_`) → group. `paid_search` on a social source becomes `paid_social`. */
  mediums: Readonly<Record<string, ChannelGroup>>;
  /** Host suffixes of search engines (referrer → organic search, utm_source → paid search vs social). */
  searchEngines: readonly string[];
  /** Host suffixes (and utm_source names) of social networks. */
  socialNetworks: readonly string[];
  /** Hosts that are ours: a referrer from them is not a referral (the visit counts as direct). */
  ownHosts: readonly string[];
}

export const DEFAULT_CHANNEL_GROUPING: ChannelGroupingConfig = {
  mediums: {
    cpc: 'paid_search',
    ppc: 'paid_search',
    paid: 'paid_search',
    paidsearch: 'paid_search',
    paid_search: 'paid_search',
    sem: 'paid_search',
    listing: 'paid_search',
    paid_social: 'paid_social',
    paidsocial: 'paid_social',
    social_paid: 'paid_social',
    social_ads: 'paid_social',
    social: 'organic_social',
    social_media: 'organic_social',
    sns: 'organic_social',
    organic_social: 'organic_social',
    organic: 'organic_search',
    email: 'email',
    e_mail: 'email',
    mail: 'email',
    newsletter: 'email',
    mailmagazine: 'email',
    mail_magazine: 'email',
    referral: 'referral',
    partner: 'partner',
    affiliate: 'partner',
    event: 'event',
    events: 'event',
    exhibition: 'event',
    expo: 'event',
    tradeshow: 'event',
    trade_show: 'event',
    booth: 'event',
    seminar: 'event',
    offline: 'event',
    webinar: 'webinar',
    online_seminar: 'webinar',
    outbound: 'outbound',
    import: 'import',
  },
  searchEngines: [
    'google',
    'bing.com',
    'yahoo.co.jp',
    'yahoo.com',
    'duckduckgo.com',
    'baidu.com',
    'naver.com',
    'ecosia.org',
    'yandex',
  ],
  socialNetworks: [
    'facebook',
    'fb',
    'instagram',
    'linkedin',
    'lnkd.in',
    'twitter',
    't.co',
    'x.com',
    'x',
    'youtube',
    'line',
    'note.com',
    'threads.net',
    'tiktok',
  ],
  ownHosts: [],
};

const normalize = (s: string): string =>
  s
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');

function hostOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return undefined;
  }
}

/** True when `host` (or a utm_source name) is one of `names`: an exact name, a host suffix, or a brand label. */
function matches(host: string, names: readonly string[]): boolean {
  const labels = host.split('.');
  return names.some(
    (n) => host === n || host.endsWith(`.${n}`) || (!n.includes('.') && labels.slice(0, -1).includes(n)),
  );
}

/**
 * The channel group of a touch. In order: utm_medium by the configured table (a paid medium whose source
 * is a social network is paid social); then the offline channel of the form or import (event, webinar,
 * outbound, import, referral → partner); then the referrer (search engine → organic search, social network
 * → organic social, another site → referral); no referrer → direct. Without a touch: `import`.
 */
export function channelGroup(
  touch: Pick<Touch, 'channel' | 'utm' | 'referrer'> | undefined,
  config: ChannelGroupingConfig = DEFAULT_CHANNEL_GROUPING,
): ChannelGroup {
  if (!touch) return 'import';
  const medium = touch.utm?.medium ? normalize(touch.utm.medium) : undefined;
  const source = touch.utm?.source ? touch.utm.source.trim().toLowerCase() : undefined;
  if (medium !== undefined && Object.hasOwn(config.mediums, medium)) {
    const group = config.mediums[medium] ?? 'other';
    if (group === 'paid_search' && source && matches(source, config.socialNetworks)) return 'paid_social';
    return group;
  }
  if (touch.channel === 'event' || touch.channel === 'webinar' || touch.channel === 'outbound')
    return touch.channel;
  if (touch.channel === 'import') return 'import';
  if (touch.channel === 'referral') return 'partner';
  if (medium !== undefined) return 'other';
  const host = hostOf(touch.referrer);
  if (source && !host) {
    if (matches(source, config.searchEngines)) return 'organic_search';
    if (matches(source, config.socialNetworks)) return 'organic_social';
    return 'referral';
  }
  if (!host || matches(host, config.ownHosts)) return 'direct';
  if (matches(host, config.searchEngines)) return 'organic_search';
  if (matches(host, config.socialNetworks)) return 'organic_social';
  return 'referral';
}
