import { describe, expect, it } from 'vitest';
import {
  buildTouch,
  DEFAULT_CHANNEL_GROUPING,
  mergeAttributes,
  mergeAttribution,
  upcastProfile,
  upcastTouch,
} from '#domain/capture/attribution';
import type { Touch } from '#domain/lead/types';
import { leadDims } from '#domain/reports/counting';

const T0 = Date.UTC(2025, 0, 10);
const T1 = Date.UTC(2025, 1, 10);
const T2 = Date.UTC(2025, 2, 10);

const firstTouch: Touch = { at: T0, channel: 'inbound_web', formId: 'whitepaper', utm: { source: 'google' } };

describe('buildTouch', () => {
  it('given UTM, landing URL and referrer, when built, then they are kept and empty UTM values dropped', () => {
    // Act
    const touch = buildTouch(
      {
        formId: 'contact',
        channel: 'inbound_web',
        utm: { source: 'newsletter', medium: 'email', campaign: '', term: undefined },
        landingUrl: 'https://www.example.co.jp/lp',
        referrer: 'https://www.google.com/',
      },
      T1,
    );

    // Assert
    expect(touch).toEqual({
      at: T1,
      channel: 'email',
      origin: 'inbound_web',
      formId: 'contact',
      landingUrl: 'https://www.example.co.jp/lp',
      referrer: 'https://www.google.com/',
      utm: { source: 'newsletter', medium: 'email' },
    });
  });

  it('given no tracking data, when built, then the touch carries only time, channel group and origin', () => {
    expect(buildTouch({ channel: 'webinar', utm: {} }, T1)).toEqual({
      at: T1,
      channel: 'webinar',
      origin: 'webinar',
    });
    expect(buildTouch({ channel: 'inbound_web' }, T1)).toEqual({
      at: T1,
      channel: 'direct',
      origin: 'inbound_web',
    });
  });

  it('given utm_medium=event on a contact form, when built, then the channel becomes event', () => {
    expect(buildTouch({ channel: 'inbound_web', utm: { medium: 'event' } }, T1).channel).toBe('event');
  });
});

describe("one channel vocabulary: the stored channel is the reports' channel group", () => {
  it.each([
    [{ medium: 'event' }, undefined, 'event'],
    [{ medium: 'Trade-Show' }, undefined, 'event'],
    [{ medium: 'online seminar' }, undefined, 'webinar'],
    [{ medium: 'affiliate' }, undefined, 'partner'],
    [{ medium: 'cpc', source: 'google' }, undefined, 'paid_search'],
    [{ medium: 'cpc', source: 'facebook' }, undefined, 'paid_social'],
    [{ medium: 'social' }, undefined, 'organic_social'],
    [{ medium: 'email' }, undefined, 'email'],
    [{ medium: '__proto__' }, undefined, 'other'],
    [{}, 'https://www.google.co.jp/search?q=ma', 'organic_search'],
    [{}, 'https://blog.example.org/post', 'referral'],
    [{}, undefined, 'direct'],
  ])(
    'given utm %o and referrer %s on an inbound form, when the touch is built, then its channel is %s, the same group the reports count',
    (utm, referrer, group) => {
      const touch = buildTouch({ channel: 'inbound_web', utm, ...(referrer ? { referrer } : {}) }, T1);
      expect(touch.channel).toBe(group);
      expect(
        leadDims({ attribution: { firstTouch: touch, lastTouch: touch } }, DEFAULT_CHANNEL_GROUPING).channel,
      ).toBe(touch.channel);
    },
  );

  it('given a configured medium, when the touch is built with that grouping, then the configured group is stored', () => {
    const grouping = {
      ...DEFAULT_CHANNEL_GROUPING,
      mediums: { ...DEFAULT_CHANNEL_GROUPING.mediums, qr: 'event' as const },
    };
    expect(buildTouch({ channel: 'inbound_web', utm: { medium: 'QR' } }, T1, grouping).channel).toBe('event');
    expect(buildTouch({ channel: 'inbound_web', utm: { medium: 'QR' } }, T1).channel).toBe('other');
  });

  it('given a legacy touch (inbound_web, no origin), when read, then it is upcast to its group with the old value as origin', () => {
    const legacy: Touch = { at: T0, channel: 'inbound_web', utm: { medium: 'cpc', source: 'google' } };
    expect(upcastTouch(legacy)).toEqual({ ...legacy, channel: 'paid_search', origin: 'inbound_web' });
    expect(upcastTouch({ at: T0, channel: 'inbound_web' }).channel).toBe('direct');
    expect(upcastTouch({ at: T0, channel: 'event' })).toMatchObject({ channel: 'event', origin: 'event' });
    const current = buildTouch({ channel: 'inbound_web' }, T1);
    expect(upcastTouch(current)).toBe(current);
  });

  it('given a legacy profile, when read, then its channel is its first touch group; without touches inbound_web reads as direct', () => {
    const first: Touch = { at: T0, channel: 'inbound_web', referrer: 'https://t.co/x' };
    const profile = upcastProfile({
      channel: 'inbound_web' as const,
      attribution: { firstTouch: first, lastTouch: first },
    });
    expect(profile.channel).toBe('organic_social');
    expect(profile.attribution?.firstTouch).toMatchObject({
      channel: 'organic_social',
      origin: 'inbound_web',
    });
    expect(upcastProfile({ channel: 'inbound_web' as const }).channel).toBe('direct');
    expect(upcastProfile({ channel: 'webinar' as const }).channel).toBe('webinar');
  });

  it('given a legacy lead and the same lead stored today, then the reports group both alike', () => {
    const legacy: Touch = { at: T0, channel: 'inbound_web', utm: { medium: 'cpc', source: 'yahoo.co.jp' } };
    const today = buildTouch({ channel: 'inbound_web', utm: { medium: 'cpc', source: 'yahoo.co.jp' } }, T0);
    const dims = (t: Touch) =>
      leadDims({ attribution: { firstTouch: t, lastTouch: t } }, DEFAULT_CHANNEL_GROUPING);
    expect(dims(legacy)).toEqual(dims(today));
    expect(dims(upcastTouch(legacy))).toEqual(dims(today));
  });
});

describe('mergeAttribution', () => {
  it('given no attribution yet, when a touch arrives, then it is both first and last touch', () => {
    expect(mergeAttribution(undefined, firstTouch)).toEqual({ firstTouch, lastTouch: firstTouch });
  });

  it('given an existing attribution, when a newer touch arrives, then first is kept and last replaced', () => {
    // Arrange
    const existing = mergeAttribution(null, firstTouch);
    const second: Touch = { at: T1, channel: 'event', formId: 'contact' };
    const third: Touch = { at: T2, channel: 'webinar', formId: 'webinar' };

    // Act
    const merged = mergeAttribution(mergeAttribution(existing, second), third);

    // Assert
    expect(merged).toEqual({ firstTouch, lastTouch: third });
  });

  it('given a late-arriving older touch, when merged, then last touch does not move backwards', () => {
    const latest: Touch = { at: T2, channel: 'webinar' };
    const existing = { firstTouch, lastTouch: latest };

    expect(mergeAttribution(existing, { at: T1, channel: 'event' })).toEqual(existing);
  });
});

describe('mergeAttributes', () => {
  it('given new non-empty values, when merged, then the latest value wins', () => {
    expect(mergeAttributes({ company: '旧社名', title: '課長' }, { company: '新社名' })).toEqual({
      company: '新社名',
      title: '課長',
    });
  });

  it('given empty or blank incoming values, when merged, then known values are kept', () => {
    expect(
      mergeAttributes({ department: '営業部', phone: '03-1234-5678' }, { department: '', phone: ' ' }),
    ).toEqual({
      department: '営業部',
      phone: '03-1234-5678',
    });
  });

  it('given keys that are not lead attributes, when merged, then they are ignored', () => {
    const incoming = { company: 'A', isAdmin: 'true' } as unknown as Record<string, string>;

    expect(mergeAttributes({}, incoming)).toEqual({ company: 'A' });
  });
});
