import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { kpiCounterName, kpiDay } from '#app/email-kpis';
import { candidatesFor, type EnrollmentRecord } from '#app/enrollments';
import { snapshotOf } from '#app/step-emails';
import { CONFIRM_TOKEN_TTL_MS } from '#domain/capture/tokens';
import type { Lead } from '#domain/lead/lead';
import { handler as enrollHandler } from '../../../functions/nurture-enroll/handler.ts';

const dynamodb = mockClient(DynamoDBDocumentClient);

const ids = (signal: Parameters<typeof candidatesFor>[0]) => candidatesFor(signal).map((c) => c.sequence.id);

describe('nurture: which sequences a bus event starts', () => {
  it('given a whitepaper capture, then the form’s sequence', () => {
    expect(ids({ kind: 'captured', eventId: 'e', leadId: 'l', formId: 'whitepaper' })).toEqual([
      'whitepaper-nurture',
    ]);
  });

  it('given a contact capture, then the sequences whose entry names the form', () => {
    expect(ids({ kind: 'captured', eventId: 'e', leadId: 'l', formId: 'contact' })).toEqual([
      'whitepaper-nurture',
    ]);
  });

  it('given an unknown form, then none', () => {
    expect(ids({ kind: 'captured', eventId: 'e', leadId: 'l', formId: 'nope' })).toEqual([]);
  });

  it('given a drop to cold, then the re-engagement sequence; warm starts none', () => {
    expect(ids({ kind: 'temperature', eventId: 'e', leadId: 'l', to: 'cold' })).toEqual(['cold-reengage']);
    expect(ids({ kind: 'temperature', eventId: 'e', leadId: 'l', to: 'warm' })).toEqual([]);
  });

  it('given a recycle, then the named sequence starting at nurtureAt', () => {
    const [candidate] = candidatesFor({
      kind: 'recycled',
      eventId: 'e',
      leadId: 'l',
      sequenceId: 'recycle-nurture',
      nurtureAt: 1_800_000_000_000,
    });
    expect(candidate?.sequence.id).toBe('recycle-nurture');
    expect(candidate?.startAt).toBe(1_800_000_000_000);
  });
});

const lead = (
  consent: Lead['profile']['consent'],
  marketing: Lead['profile']['marketing'] = { transientBounces: 0 },
) =>
  ({
    profile: { leadId: 'l', consent, marketing, timeZone: 'Asia/Tokyo' },
    state: { stage: 'lead', temperature: 'warm' },
  }) as unknown as Lead;
const run = { opened: new Set(['m1']), clicked: new Set<string>() } as unknown as EnrollmentRecord;

describe('nurture: the lead as the planner sees it', () => {
  it('given a double opt-in not yet confirmed, then no consent yet, pending until the link expires', () => {
    const snapshot = snapshotOf(
      lead({ purpose: 'marketing_email', textVersion: 'v', formId: 'webinar', at: 1000, doubleOptIn: true }),
      run,
    );
    expect(snapshot).toMatchObject({
      marketingConsent: false,
      consentPendingUntil: 1000 + CONFIRM_TOKEN_TTL_MS,
    });
    expect(snapshot.engagement).toEqual({ opened: ['m1'], clicked: [] });
  });

  it('given a confirmed double opt-in, then consent and nothing pending', () => {
    const snapshot = snapshotOf(
      lead({
        purpose: 'm',
        textVersion: 'v',
        formId: 'webinar',
        at: 1000,
        doubleOptIn: true,
        confirmedAt: 2000,
      }),
      run,
    );
    expect(snapshot.marketingConsent).toBe(true);
    expect(snapshot.consentPendingUntil).toBeUndefined();
  });

  it('given no consent at all, then no consent and nothing to wait for', () => {
    const snapshot = snapshotOf(lead(undefined), run);
    expect(snapshot).toMatchObject({ marketingConsent: false });
    expect(snapshot.consentPendingUntil).toBeUndefined();
  });

  it('given an unsubscribed lead, then unsubscribed (the planner exits)', () => {
    const snapshot = snapshotOf(
      lead(
        { purpose: 'm', textVersion: 'v', formId: 'f', at: 1, doubleOptIn: false },
        {
          transientBounces: 0,
          unsubscribedAt: 5,
        },
      ),
      run,
    );
    expect(snapshot.unsubscribed).toBe(true);
  });
});

describe('nurture: KPI counters', () => {
  it('given a time just after midnight in Tokyo, then the counter day is the Tokyo date', () => {
    // 2026-04-13 15:30 UTC = 2026-04-14 00:30 JST
    expect(kpiDay(Date.UTC(2026, 3, 13, 15, 30))).toBe('2026-04-14');
  });

  it('given a sequence, then a per-sequence counter name next to the total', () => {
    expect(kpiCounterName('sent')).toBe('email_sent');
    expect(kpiCounterName('opened', 'whitepaper-nurture')).toBe('email_opened#whitepaper-nurture');
  });
});

describe('nurture-enroll handler', () => {
  beforeEach(() => {
    dynamodb.reset();
  });

  it.each([
    ['an unknown detail-type', { 'detail-type': 'Lead Assigned', detail: { eventId: 'e', leadId: 'l' } }],
    [
      'a detail without leadId',
      { 'detail-type': 'Lead Captured', detail: { eventId: 'e', formId: 'whitepaper' } },
    ],
    [
      'a bad temperature',
      { 'detail-type': 'Lead Temperature Changed', detail: { eventId: 'e', leadId: 'l', to: 'boiling' } },
    ],
    [
      'a recycle without nurtureAt',
      { 'detail-type': 'Lead Recycled', detail: { eventId: 'e', leadId: 'l', sequenceId: 's' } },
    ],
    ['a capture without a form', { 'detail-type': 'Lead Captured', detail: { eventId: 'e', leadId: 'l' } }],
  ])('given %s, when delivered, then it is dropped without touching the table', async (_label, event) => {
    // Act
    const result = await enrollHandler({ id: 'x', source: 'leadloop.leads', ...event } as never);

    // Assert
    expect(result).toEqual({ results: [] });
    expect(dynamodb.calls()).toHaveLength(0);
  });
});
