import { describe, expect, it } from 'vitest';
import { buildTouch, channelFor, mergeAttributes, mergeAttribution } from '#domain/capture/attribution';
import type { Touch } from '#domain/lead/types';

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
      channel: 'inbound_web',
      formId: 'contact',
      landingUrl: 'https://www.example.co.jp/lp',
      referrer: 'https://www.google.com/',
      utm: { source: 'newsletter', medium: 'email' },
    });
  });

  it('given no tracking data, when built, then the touch carries only time and channel', () => {
    expect(buildTouch({ channel: 'webinar', utm: {} }, T1)).toEqual({ at: T1, channel: 'webinar' });
  });

  it('given utm_medium=event on a contact form, when built, then the channel becomes event', () => {
    expect(buildTouch({ channel: 'inbound_web', utm: { medium: 'event' } }, T1).channel).toBe('event');
  });
});

describe('channelFor', () => {
  it.each([
    ['event', 'event'],
    ['Trade-Show', 'event'],
    ['webinar', 'webinar'],
    ['online seminar', 'webinar'],
    ['referral', 'referral'],
    ['partner', 'referral'],
    ['cpc', 'inbound_web'],
    ['email', 'inbound_web'],
    ['__proto__', 'inbound_web'],
    ['constructor', 'inbound_web'],
  ])('given utm_medium %s on an inbound form, when mapped, then the channel is %s', (medium, channel) => {
    expect(channelFor('inbound_web', medium)).toBe(channel);
  });

  it('given no utm_medium, when mapped, then the form channel stands', () => {
    expect(channelFor('webinar', undefined)).toBe('webinar');
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
