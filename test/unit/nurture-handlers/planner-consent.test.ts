import { describe, expect, it } from 'vitest';
import { nurtureSettingsSchema, sequenceSchema } from '#config/sequences';
import { CONSENT_RECHECK_MS, type LeadSnapshot, newEnrollment, planStep } from '#domain/nurture/sequences';

const settings = nurtureSettingsSchema.parse({});
const sequence = sequenceSchema.parse({
  id: 'doi-test',
  name: 'DOI',
  entry: { kind: 'form', formIds: ['webinar'] },
  steps: [{ id: 'first', delay: { value: 0, unit: 'hours' }, templateId: 'nurture-thanks' }],
});
// Tuesday 2026-04-14 10:00 Tokyo: inside the default window.
const NOW = Date.UTC(2026, 3, 14, 1, 0);
const lead = (over: Partial<LeadSnapshot>): LeadSnapshot => ({
  stage: 'subscriber',
  temperature: 'cold',
  unsubscribed: false,
  suppressed: false,
  marketingConsent: false,
  engagement: { opened: [], clicked: [] },
  ...over,
});
const enrollment = newEnrollment('doi-test', NOW - 60_000);

describe('planner: double opt-in pending', () => {
  it('given consent pending with the link still valid, when the step is due, then it waits an hour', () => {
    const decision = planStep(
      enrollment,
      sequence,
      lead({ consentPendingUntil: NOW + 86_400_000 }),
      [],
      settings,
      NOW,
    );
    expect(decision).toEqual({ action: 'wait', until: NOW + CONSENT_RECHECK_MS, reason: 'consent_pending' });
  });

  it('given the link expires within the hour, when due, then it waits only until the expiry', () => {
    const decision = planStep(
      enrollment,
      sequence,
      lead({ consentPendingUntil: NOW + 60_000 }),
      [],
      settings,
      NOW,
    );
    expect(decision).toEqual({ action: 'wait', until: NOW + 60_000, reason: 'consent_pending' });
  });

  it('given the confirmation link has expired, when due, then the lead exits with no_consent', () => {
    const decision = planStep(
      enrollment,
      sequence,
      lead({ consentPendingUntil: NOW - 1 }),
      [],
      settings,
      NOW,
    );
    expect(decision).toEqual({ action: 'exit', reason: 'no_consent' });
  });

  it('given a pending lead who unsubscribed, when due, then the unsubscribe wins (exit, no waiting)', () => {
    const decision = planStep(
      enrollment,
      sequence,
      lead({ consentPendingUntil: NOW + 86_400_000, unsubscribed: true }),
      [],
      settings,
      NOW,
    );
    expect(decision).toEqual({ action: 'exit', reason: 'unsubscribed' });
  });

  it('given consent confirmed, when due in the window, then the step is sent', () => {
    const decision = planStep(enrollment, sequence, lead({ marketingConsent: true }), [], settings, NOW);
    expect(decision.action).toBe('send');
  });
});
