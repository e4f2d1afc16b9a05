import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSesEvent } from '#adapters/ses-events';
import { isMachineClick, isMachineOpen } from '#domain/nurture/machine-opens';

const fixture = (name: string, configurationSet = process.env.SES_CONFIGURATION_SET) => {
  const event = JSON.parse(
    readFileSync(join(import.meta.dirname, '../../events/ses', `${name}.json`), 'utf8'),
  );
  event.detail.mail.tags['ses:configuration-set'] = [configurationSet];
  return event;
};

describe('SES engagement events: reading them from EventBridge', () => {
  it('given a permanent bounce of our configuration set, then a bounce with its recipients and feedback id', () => {
    // Act
    const parsed = parseSesEvent(fixture('bounce-permanent'));

    // Assert
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.engagement).toMatchObject({
      kind: 'bounce',
      bounceType: 'Permanent',
      recipients: ['taro.yamada@example.co.jp'],
      occurredAt: Date.parse('2026-04-13T01:00:02.000Z'),
    });
    expect(parsed.engagement.feedbackId).toBeDefined();
  });

  it("given an open of a step mail, then the mail's send time and the sentday tag (its KPI day) are read; a malformed day is ignored", () => {
    // Arrange
    const tagged = fixture('open');
    tagged.detail.mail.tags.sentday = ['2026-04-13'];
    const malformed = fixture('open');
    malformed.detail.mail.tags.sentday = ['13/04/2026'];

    // Act
    const [a, b] = [parseSesEvent(tagged), parseSesEvent(malformed)];

    // Assert
    expect(a.ok && a.engagement).toMatchObject({
      sentAt: Date.parse('2026-04-13T01:00:00.000Z'),
      sentDay: '2026-04-13',
    });
    expect(b.ok && b.engagement.sentDay).toBeUndefined();
  });

  it('given an event of another configuration set, then it is foreign', () => {
    expect(parseSesEvent(fixture('open', 'someone-else'))).toEqual({ ok: false, reason: 'foreign' });
  });

  it('given something that is not an SES event, then it is unparseable', () => {
    expect(parseSesEvent({ source: 'aws.ses', 'detail-type': 'Email Sent' })).toEqual({
      ok: false,
      reason: 'unparseable',
    });
  });

  it('given a bounce without its bounce part, then it is incomplete', () => {
    const event = fixture('bounce-permanent');
    delete event.detail.bounce;
    expect(parseSesEvent(event)).toEqual({ ok: false, reason: 'incomplete' });
  });
});

describe('SES opens: a reader or a machine', () => {
  it('given an open, then its user agent is read', () => {
    const parsed = parseSesEvent(fixture('open'));
    expect(parsed.ok && parsed.engagement.userAgent).toMatch(/^Mozilla\/5\.0 \(iPhone;/);
  });

  it('given the bare "Mozilla/5.0" of Apple Mail Privacy Protection, then it is a machine open; a mail client naming its platform is a reader', () => {
    expect(isMachineOpen({ userAgent: 'Mozilla/5.0' })).toBe(true);
    expect(isMachineOpen({ userAgent: ' Mozilla/5.0 ' })).toBe(true);
    expect(
      isMachineOpen({
        userAgent:
          'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko)',
      }),
    ).toBe(false);
    expect(isMachineOpen({})).toBe(false);
  });

  it("given a click, then it carries the send time, and a click within the window of the send is a scanner's; later, before the send (skew) or with the rule off, a reader's", () => {
    const parsed = parseSesEvent(fixture('click'));
    expect(parsed.ok && parsed.engagement.sentAt).toBe(Date.parse('2026-04-13T01:00:00.000Z'));
    const sentAt = 1_000_000;
    expect(isMachineClick({ sentAt, occurredAt: sentAt }, 30_000)).toBe(true);
    expect(isMachineClick({ sentAt, occurredAt: sentAt + 29_999 }, 30_000)).toBe(true);
    expect(isMachineClick({ sentAt, occurredAt: sentAt + 30_000 }, 30_000)).toBe(false);
    expect(isMachineClick({ sentAt, occurredAt: sentAt - 1 }, 30_000)).toBe(false);
    expect(isMachineClick({ sentAt, occurredAt: sentAt + 1 }, 0)).toBe(false);
    expect(isMachineClick({ occurredAt: sentAt }, 30_000)).toBe(false);
  });
});
