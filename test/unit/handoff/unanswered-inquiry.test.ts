import { describe, expect, it } from 'vitest';
import { type HandoffOpening, unansweredInquiry } from '#domain/handoff/handoff';
import type { HandoffState } from '#domain/handoff/sla';
import { type Lead, newLead } from '#domain/lead/lead';
import { emptyBehaviour } from '#domain/scoring/scoring';

const T = Date.UTC(2026, 11, 7, 1, 0);
const INQUIRY: HandoffOpening = { trigger: 'inquiry', reason: "inquiry form 'contact'" };
const inquiryOf = (formId: string) => (formId === 'contact' ? INQUIRY : undefined);

const lead = (formId: string, handoffStartedAt?: number): Lead => {
  const created = newLead({
    leadId: 'lead-1',
    email: 'taro@example.co.jp',
    emailKey: 'taro@example.co.jp',
    attributes: { lastName: '山田', company: '株式会社テスト' },
    scoring: { fit: 21, grade: 'B', fitBreakdown: {}, behaviour: emptyBehaviour() },
    channel: 'inbound_web',
    locale: 'ja',
    at: T,
    attribution: {
      firstTouch: { at: T, channel: 'direct', formId },
      lastTouch: { at: T, channel: 'direct', formId },
    },
  });
  if (handoffStartedAt === undefined) return created;
  const handoff = { n: 1, startedAt: handoffStartedAt } as HandoffState;
  return { ...created, state: { ...created.state, handoff } };
};

describe('an inquiry no hand-off has answered yet', () => {
  it('given a lead whose last touch is an inquiry form and no hand-off, then it is that inquiry', () => {
    expect(unansweredInquiry(lead('contact'), inquiryOf)).toEqual(INQUIRY);
  });

  it('given a hand-off opened at or after the inquiry, then there is none (it was answered)', () => {
    expect(unansweredInquiry(lead('contact', T), inquiryOf)).toBeUndefined();
    expect(unansweredInquiry(lead('contact', T + 1), inquiryOf)).toBeUndefined();
  });

  it('given a hand-off older than the inquiry (recycled, then asked again), then the new inquiry is unanswered', () => {
    expect(unansweredInquiry(lead('contact', T - 86_400_000), inquiryOf)).toEqual(INQUIRY);
  });

  it('given a last touch on a form without the fast lane, then there is none', () => {
    expect(unansweredInquiry(lead('whitepaper'), inquiryOf)).toBeUndefined();
  });
});
