/**
 * Attribution: where a lead came from. Every submission is a `Touch` (UTM, landing page, referrer, channel).
 * A lead keeps its first touch forever (what brought it to us) and its last touch (what brought it back),
 * which is replaced on each newer submission.
 *
 * ONE channel vocabulary: a touch's stored `channel` is its channel group under the configured grouping
 * (`channelGroup` below: paid/organic search and social, e-mail, referral, direct, event, webinar,
 * outbound, partner, import), the same value the reports group by; the lead's `channel` is its first
 * touch's. The channel the form or import declared (`inbound_web`, `event`, …) is kept as the touch's
 * `origin`, the grouping's input, so `npm run reports:rebuild` can regroup after a rule change. Touches
 * stored before (a `Channel` such as `inbound_web` and no `origin`) are upcast on read (`upcastProfile`).
 */
import {
  CHANNEL_GROUPS,
  type Channel,
  type ChannelGroup,
  type EpochMs,
  LEAD_ATTRIBUTES,
  type LeadAttributes,
  type Touch,
} from '#domain/lead/types';

export { CHANNEL_GROUPS, type ChannelGroup };

export type Utm = NonNullable<Touch['utm']>;

export interface TouchInput {
  formId?: string;
  channel: Channel;
  utm?: Utm;
  landingUrl?: string;
  referrer?: string;
}

/** One touch, its channel grouped by `grouping`; empty values are left out so stored touches stay small. */
export function buildTouch(
  input: TouchInput,
  at: EpochMs,
  grouping: ChannelGroupingConfig = DEFAULT_CHANNEL_GROUPING,
): Touch {
  const utm = Object.fromEntries(
    Object.entries(input.utm ?? {}).filter(([, v]) => typeof v === 'string' && v !== ''),
  ) as Utm;
  const raw = {
    channel: input.channel,
    ...(Object.keys(utm).length > 0 ? { utm } : {}),
    ...(input.referrer ? { referrer: input.referrer } : {}),
  };
  return {
    at,
    channel: channelGroup(raw, grouping),
    origin: input.channel,
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

/** The lower-cased host of a URL; undefined when it is not one. */
export function hostOf(url: string | undefined): string | undefined {
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
 * outbound, import, referral → partner, a telephone inquiry → phone); then the referrer (search engine →
 * organic search, social network → organic social, another site → referral); no referrer → direct. Without a
 * touch: `import`.
 */
export function channelGroup(
  touch: { channel: Channel | ChannelGroup; utm?: Touch['utm']; referrer?: string } | undefined,
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
  if (touch.channel === 'inbound_phone') return 'phone';
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

const isGroup = (value: string): value is ChannelGroup =>
  (CHANNEL_GROUPS as readonly string[]).includes(value);

/** The grouping's input of a stored touch: its declared `origin`, or (legacy touch) the `Channel` it holds. */
export function groupingInput(touch: Touch): {
  channel: Channel | ChannelGroup;
  utm?: Touch['utm'];
  referrer?: string;
} {
  return {
    channel: touch.origin ?? touch.channel,
    ...(touch.utm ? { utm: touch.utm } : {}),
    ...(touch.referrer ? { referrer: touch.referrer } : {}),
  };
}

/**
 * A stored touch in today's vocabulary: a legacy touch (no `origin`; `channel` = `inbound_web`, `event`, …)
 * gets its group as `channel` and its old value as `origin`; a current touch is returned as it is.
 */
export function upcastTouch(touch: Touch, grouping: ChannelGroupingConfig = DEFAULT_CHANNEL_GROUPING): Touch {
  if (touch.origin !== undefined) return touch;
  const origin = touch.channel as Channel;
  return { ...touch, channel: channelGroup({ ...groupingInput(touch), channel: origin }, grouping), origin };
}

/**
 * A stored profile in today's channel vocabulary (reading legacy items): touches upcast, and the lead's
 * `channel` = its first touch's group (`inbound_web` without any touch reads as `direct`).
 */
export function upcastProfile<
  P extends { channel: Channel | ChannelGroup; attribution?: Attribution | undefined },
>(profile: P, grouping: ChannelGroupingConfig = DEFAULT_CHANNEL_GROUPING): P {
  const a = profile.attribution;
  if (a && a.firstTouch.origin !== undefined && a.lastTouch.origin !== undefined) return profile;
  if (!a) {
    if (isGroup(profile.channel) && profile.channel !== 'referral') return profile;
    return {
      ...profile,
      channel:
        profile.channel === 'inbound_web' ? 'direct' : channelGroup({ channel: profile.channel }, grouping),
    };
  }
  const firstTouch = upcastTouch(a.firstTouch, grouping);
  return {
    ...profile,
    channel: a.firstTouch.origin === undefined ? firstTouch.channel : profile.channel,
    attribution: { firstTouch, lastTouch: upcastTouch(a.lastTouch, grouping) },
  };
}
