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
