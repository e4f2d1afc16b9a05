import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type NurtureSettings,
  nurtureSettingsSchema,
  type SequenceConfig,
  sequenceSchema,
} from '#config/sequences';
import type { EpochMs } from '#domain/lead/types';
import { DEFAULT_WINDOW, isInWindow, localParts } from '#domain/nurture/calendar';
import {
  applyDecision,
  type EnrollmentState,
  firstDueAt,
  type LeadSnapshot,
  newEnrollment,
  nextDueAt,
  planStep,
  ROLLING_WINDOW_MS,
  type StepDecision,
  shouldEnroll,
  stepRef,
} from '#domain/nurture/sequences';

const HOUR = 3_600_000;
const DAY = 86_400_000;
const jst = (local: string) => Date.parse(`${local}:00+09:00`);

const settings: NurtureSettings = nurtureSettingsSchema.parse({});

const whitepaper: SequenceConfig = sequenceSchema.parse({
  id: 'whitepaper-nurture',
  name: 'Whitepaper',
  entry: { kind: 'form', formIds: ['whitepaper', 'contact'] },
  steps: [
    { id: 'thanks', delay: { value: 0, unit: 'days' }, templateId: 't1' },
    { id: 'case-study', delay: { value: 3, unit: 'days' }, templateId: 't2' },
    { id: 'consultation', delay: { value: 4, unit: 'days' }, templateId: 't3' },
  ],
  exit: ['became_hot', 'reached_sal', 'unsubscribed', 'suppressed'],
});

const warmLead = (over: Partial<LeadSnapshot> = {}): LeadSnapshot => ({
  stage: 'lead',
  temperature: 'warm',
  unsubscribed: false,
  suppressed: false,
  marketingConsent: true,
  engagement: { opened: [], clicked: [] },
  ...over,
});

const at = (enrollment: EnrollmentState, stepIndex: number, lastStepAt?: EpochMs): EnrollmentState => ({
  ...enrollment,
  stepIndex,
  ...(lastStepAt === undefined ? {} : { lastStepAt }),
});

describe('planStep: timing', () => {
  it('given a lead enrolled on Friday night before a Monday holiday, when the first step is planned, then it waits for Tuesday 09:00', () => {
    // Arrange
    const enrolledAt = jst('2026-01-09T20:00');
    // Act
    const decision = planStep(
      newEnrollment(whitepaper.id, enrolledAt),
      whitepaper,
      warmLead(),
      [],
      settings,
      enrolledAt,
    );
    // Assert
    expect(decision).toEqual({ action: 'wait', until: jst('2026-01-13T09:00'), reason: 'window' });
    expect(firstDueAt(whitepaper, enrolledAt, settings)).toBe(jst('2026-01-13T09:00'));
  });

  it('given a lead enrolled inside business hours, when the first step is planned at once, then the thank-you is sent', () => {
    const enrolledAt = jst('2026-01-14T10:00');
    const decision = planStep(
      newEnrollment(whitepaper.id, enrolledAt),
      whitepaper,
      warmLead(),
      [],
      settings,
      enrolledAt,
    );
    expect(decision).toMatchObject({ action: 'send', step: { id: 'thanks' } });
  });

  it('given the thank-you went out on Wednesday, when the case study is planned a day later, then it waits for its 3-day delay', () => {
    // Arrange
    const sentAt = jst('2026-01-14T10:00');
    const enrollment = at(newEnrollment(whitepaper.id, sentAt), 1, sentAt);
    // Act
    const decision = planStep(enrollment, whitepaper, warmLead(), [sentAt], settings, sentAt + DAY);
    // Assert
    expect(decision).toEqual({ action: 'wait', until: jst('2026-01-19T09:00'), reason: 'delay' });
    expect(nextDueAt(whitepaper, 1, sentAt, settings)).toBe(jst('2026-01-19T09:00'));
  });

  it('given a lead in New York, when planned at 10:00 Tokyo time, then the New York window decides', () => {
    // Arrange: Wednesday 10:00 JST is Tuesday 20:00 in New York (EST)
    const now = jst('2026-01-14T10:00');
    const lead = warmLead({ timeZone: 'America/New_York' });
    // Act
    const decision = planStep(newEnrollment(whitepaper.id, now), whitepaper, lead, [], settings, now);
    // Assert
    expect(decision).toEqual({ action: 'wait', until: Date.parse('2026-01-14T14:00:00Z'), reason: 'window' });
  });

  it('given an unknown lead time zone, when planned, then the configured zone is used instead of failing', () => {
    const now = jst('2026-01-14T10:00');
    const decision = planStep(
      newEnrollment(whitepaper.id, now),
      whitepaper,
      warmLead({ timeZone: 'Mars/Olympus' }),
      [],
      settings,
      now,
    );
    expect(decision.action).toBe('send');
  });
});

describe('planStep: frequency cap', () => {
  it('given 3 marketing mails Mon–Wed, when a step is due Thursday, then it waits until the oldest leaves the 7 days', () => {
    // Arrange
    const sends = [jst('2026-01-12T10:00'), jst('2026-01-13T10:00'), jst('2026-01-14T10:00')];
    const now = jst('2026-01-15T10:00');
    // Act
    const decision = planStep(
      newEnrollment(whitepaper.id, now),
      whitepaper,
      warmLead(),
      sends,
      settings,
      now,
    );
    // Assert
    expect(decision).toEqual({ action: 'wait', until: jst('2026-01-19T10:00'), reason: 'frequency_cap' });
  });

  it('given the cap releases on a Saturday, when planned, then it waits for the next window opening', () => {
    const sends = [jst('2026-01-10T10:00'), jst('2026-01-13T10:00'), jst('2026-01-14T10:00')];
    const now = jst('2026-01-15T10:00');
    const decision = planStep(
      newEnrollment(whitepaper.id, now),
      whitepaper,
      warmLead(),
      sends,
      settings,
      now,
    );
    expect(decision).toEqual({ action: 'wait', until: jst('2026-01-19T09:00'), reason: 'frequency_cap' });
  });

  it('given sends older than 7 days, when planned, then they do not count', () => {
    const now = jst('2026-01-15T10:00');
    const sends = [now - ROLLING_WINDOW_MS, now - ROLLING_WINDOW_MS - 1, now - 8 * DAY];
    const decision = planStep(
      newEnrollment(whitepaper.id, now),
      whitepaper,
      warmLead(),
      sends,
      settings,
      now,
    );
    expect(decision.action).toBe('send');
  });
});

describe('planStep: exits and completion', () => {
  const now = jst('2026-01-14T10:00');
  const enrollment = newEnrollment(whitepaper.id, now);

  it.each<[string, Partial<LeadSnapshot>, string]>([
    ['unsubscribed', { unsubscribed: true }, 'unsubscribed'],
    ['suppressed after a bounce', { suppressed: true }, 'suppressed'],
    ['without marketing consent', { marketingConsent: false }, 'no_consent'],
    ['hot', { temperature: 'hot' }, 'became_hot'],
    ['at SAL', { stage: 'sal' }, 'reached_sal'],
    ['at SQL', { stage: 'sql' }, 'reached_sal'],
    [
      'accepted by sales and since recycled',
      { stage: 'recycled', stagesEntered: ['sal', 'recycled'] },
      'reached_sal',
    ],
    [
      'lost as an opportunity and since recycled',
      { stage: 'recycled', stagesEntered: ['sql', 'opportunity', 'recycled'] },
      'reached_sal',
    ],
  ])('given a lead %s, when planned, then the enrollment exits', (_label, over, reason) => {
    expect(planStep(enrollment, whitepaper, warmLead(over), [], settings, now)).toEqual({
      action: 'exit',
      reason,
    });
  });

  it('given a lead recycled with no stage at or past TQL since the run began, when planned, then it sends', () => {
    const recycled = warmLead({ stage: 'recycled', stagesEntered: ['mql', 'recycled'] });
    expect(planStep(enrollment, whitepaper, recycled, [], settings, now).action).toBe('send');
  });

  it('given a lead handed to sales (an inquiry, not hot, still MQL), when a sequence exiting on handed_off plans, then it exits; one without it keeps sending', () => {
    const withSales = warmLead({ stage: 'mql', handedOff: true });
    const exitsOnHandoff = { ...whitepaper, exit: [...whitepaper.exit, 'handed_off' as const] };
    expect(planStep(enrollment, exitsOnHandoff, withSales, [], settings, now)).toEqual({
      action: 'exit',
      reason: 'handed_off',
    });
    expect(planStep(enrollment, whitepaper, withSales, [], settings, now).action).toBe('send');
  });

  it('given a sequence configured without exit criteria, when its lead was disqualified by sales, then it exits (the default exits include disqualified)', () => {
    const byDefault = sequenceSchema.parse({
      id: 'defaults',
      name: 'Defaults',
      entry: { kind: 'form', formIds: ['whitepaper'] },
      steps: [{ id: 's1', delay: { value: 0, unit: 'days' }, templateId: 't1' }],
    });
    expect(planStep(enrollment, byDefault, warmLead({ stage: 'disqualified' }), [], settings, now)).toEqual({
      action: 'exit',
      reason: 'disqualified',
    });
  });

  it('given a sequence that does not list unsubscribed, when the lead unsubscribed, then it still exits', () => {
    const noExits = { ...whitepaper, exit: [] };
    expect(planStep(enrollment, noExits, warmLead({ unsubscribed: true }), [], settings, now)).toEqual({
      action: 'exit',
      reason: 'unsubscribed',
    });
  });

  it('given a sequence without became_hot, when the lead is hot, then it keeps sending', () => {
    const keepHot = { ...whitepaper, exit: ['unsubscribed' as const] };
    expect(planStep(enrollment, keepHot, warmLead({ temperature: 'hot' }), [], settings, now).action).toBe(
      'send',
    );
  });

  it('given every step has run, when planned, then the enrollment completes', () => {
    expect(planStep(at(enrollment, 3, now), whitepaper, warmLead(), [], settings, now)).toEqual({
      action: 'complete',
    });
  });

  it('given an enrollment exited by hand, when planned, then it stays exited', () => {
    const exited: EnrollmentState = { ...enrollment, status: 'exited', exitReason: 'manual' };
    expect(planStep(exited, whitepaper, warmLead(), [], settings, now)).toEqual({
      action: 'exit',
      reason: 'manual',
    });
  });
});

describe('planStep: conditions and at-most-once', () => {
  const conditional: SequenceConfig = sequenceSchema.parse({
    ...whitepaper,
    steps: [
      { id: 'first', delay: { value: 0, unit: 'hours' }, templateId: 't1' },
      {
        id: 'nudge',
        delay: { value: 1, unit: 'hours' },
        templateId: 't2',
        condition: 'previous_not_clicked',
      },
      {
        id: 'reminder',
        delay: { value: 1, unit: 'hours' },
        templateId: 't3',
        condition: 'previous_not_opened',
      },
    ],
  });
  const sentAt = jst('2026-01-14T10:00');
  const now = sentAt + 2 * HOUR;
  const afterFirst: EnrollmentState = {
    ...newEnrollment(conditional.id, sentAt),
    stepIndex: 1,
    lastStepAt: sentAt,
    history: [{ stepId: 'first', outcome: 'sent', at: sentAt, messageId: 'ses-msg-1' }],
  };

  it('given the previous mail was clicked (by message id), when a previous_not_clicked step is due, then it is skipped', () => {
    const lead = warmLead({ engagement: { opened: [], clicked: ['ses-msg-1'] } });
    expect(planStep(afterFirst, conditional, lead, [sentAt], settings, now)).toMatchObject({
      action: 'skip',
      reason: 'condition_not_met',
      step: { id: 'nudge' },
    });
  });

  it('given the previous mail was not clicked, when a previous_not_clicked step is due, then it is sent', () => {
    const lead = warmLead({
      engagement: { opened: ['ses-msg-1'], clicked: [stepRef('other-sequence', 'first')] },
    });
    expect(planStep(afterFirst, conditional, lead, [sentAt], settings, now)).toMatchObject({
      action: 'send',
      step: { id: 'nudge' },
    });
  });

  it('given the previous mail was clicked (step ref), when a previous_not_opened step is due, then a click counts as an open', () => {
    // Arrange
    const enrollment: EnrollmentState = { ...afterFirst, stepIndex: 2 };
    const lead = warmLead({ engagement: { opened: [], clicked: [stepRef(conditional.id, 'nudge')] } });
    // Act
    const decision = planStep(enrollment, conditional, lead, [sentAt], settings, now);
    // Assert
    expect(decision).toMatchObject({ action: 'skip', step: { id: 'reminder' } });
  });

  it('given a send whose result is uncertain, when the step is planned again, then it is skipped and never re-sent', () => {
    // Arrange
    const uncertain: EnrollmentState = {
      ...afterFirst,
      history: [...afterFirst.history, { stepId: 'nudge', outcome: 'uncertain', at: sentAt + HOUR }],
    };
    // Act
    const decision = planStep(uncertain, conditional, warmLead(), [], settings, now);
    const next = applyDecision(uncertain, conditional, decision, now);
    // Assert
    expect(decision).toMatchObject({ action: 'skip', reason: 'already_attempted' });
    expect(next.stepIndex).toBe(2);
    expect(next.lastStepAt).toBe(sentAt + HOUR);
    expect(next.history).toHaveLength(2);
  });

  it('given a send, when applied, then history, step index and last step time advance, and the last step completes', () => {
    // Arrange
    const last: EnrollmentState = { ...afterFirst, stepIndex: 2 };
    const decision: StepDecision = {
      action: 'send',
      step: conditional.steps[2] as SequenceConfig['steps'][number],
    };
    // Act
    const next = applyDecision(last, conditional, decision, now, { messageId: 'ses-msg-3' });
    // Assert
    expect(next).toMatchObject({ stepIndex: 3, lastStepAt: now, status: 'completed' });
    expect(next.history.at(-1)).toEqual({
      stepId: 'reminder',
      outcome: 'sent',
      at: now,
      messageId: 'ses-msg-3',
    });
  });
});

describe('shouldEnroll', () => {
  const base = { entry: whitepaper.entry };

  it.each<[string, SequenceConfig['reentry'], EnrollmentState['status'] | undefined, boolean]>([
    ['a first trigger', 'never', undefined, true],
    ['a repeat trigger with reentry never', 'never', 'completed', false],
    ['a repeat while active with after_exit', 'after_exit', 'active', false],
    ['a repeat after an exit with after_exit', 'after_exit', 'exited', true],
    ['a repeat after completion with after_exit', 'after_exit', 'completed', true],
    ['a repeat while active with always', 'always', 'active', true],
  ])('given %s, when the form is submitted, then enrollment is %s', (_label, reentry, status, expected) => {
    const existing = status ? { status } : undefined;
    expect(shouldEnroll({ ...base, reentry }, { kind: 'form', formId: 'whitepaper' }, existing)).toBe(
      expected,
    );
  });

  it('given a form the sequence does not list, when submitted, then the lead is not enrolled', () => {
    expect(shouldEnroll({ ...base, reentry: 'always' }, { kind: 'form', formId: 'webinar' }, undefined)).toBe(
      false,
    );
  });

  it('given other entry kinds, when triggered, then each matches only its own kind and threshold', () => {
    expect(
      shouldEnroll({ entry: { kind: 'recycled' }, reentry: 'never' }, { kind: 'recycled' }, undefined),
    ).toBe(true);
    expect(
      shouldEnroll(
        { entry: { kind: 'temperature', temperatures: ['cold'] }, reentry: 'never' },
        { kind: 'temperature', temperature: 'warm' },
        undefined,
      ),
    ).toBe(false);
    const dormant = {
      entry: { kind: 'dormant_customer' as const, afterDays: 90 },
      reentry: 'never' as const,
    };
    expect(shouldEnroll(dormant, { kind: 'dormant_customer', daysSinceLastActivity: 89 }, undefined)).toBe(
      false,
    );
    expect(shouldEnroll(dormant, { kind: 'dormant_customer', daysSinceLastActivity: 90 }, undefined)).toBe(
      true,
    );
  });
});

// --- properties -----------------------------------------------------------------------------

const delayArb = fc.oneof(
  fc.record({ value: fc.integer({ min: 0, max: 72 }), unit: fc.constant('hours' as const) }),
  fc.record({ value: fc.integer({ min: 0, max: 10 }), unit: fc.constant('days' as const) }),
);

const sequenceArb = (id: string) =>
  fc.array(delayArb, { minLength: 1, maxLength: 4 }).map((delays) =>
    sequenceSchema.parse({
      id,
      name: id,
      entry: { kind: 'recycled' },
      steps: delays.map((delay, i) => ({ id: `s${i}`, delay, templateId: 't' })),
    }),
  );

/** Tokyo has no DST, so a calendar day is exactly 24 h: an independent oracle for the due time. */
const dueAt = (sequence: SequenceConfig, e: EnrollmentState): EpochMs => {
  const step = sequence.steps[e.stepIndex];
  if (!step) throw new Error('no step');
  const from = e.lastStepAt ?? e.enrolledAt;
  return from + step.delay.value * (step.delay.unit === 'hours' ? HOUR : DAY);
};

const countInRolling = (sends: EpochMs[], now: EpochMs) =>
  sends.filter((s) => s > now - ROLLING_WINDOW_MS && s <= now).length;

const startArb = fc.integer({ min: jst('2025-12-20T00:00'), max: jst('2026-12-31T00:00') });

describe('planning properties', () => {
  it('given any state, when planStep says send, then it is due, inside the window and under the cap', () => {
    fc.assert(
      fc.property(
        sequenceArb('p'),
        startArb,
        fc.nat({ max: 3 }),
        fc.integer({ min: 0, max: 20 * DAY }),
        fc.array(fc.integer({ min: 0, max: 10 * DAY }), { maxLength: 5 }),
        fc.integer({ min: 1, max: 4 }),
        (sequence, start, index, elapsed, sendAges, cap) => {
          const stepIndex = index % sequence.steps.length;
          const enrollment = at(
            newEnrollment(sequence.id, start),
            stepIndex,
            stepIndex > 0 ? start : undefined,
          );
          const now = start + elapsed;
          const sends = sendAges.map((age) => now - age);
          const capped = { ...settings, frequencyCap: { maxPerRolling7Days: cap } };

          const decision = planStep(enrollment, sequence, warmLead(), sends, capped, now);

          if (decision.action === 'send') {
            expect(now).toBeGreaterThanOrEqual(dueAt(sequence, enrollment));
            expect(isInWindow(now, DEFAULT_WINDOW)).toBe(true);
            expect(countInRolling(sends, now)).toBeLessThan(cap);
          } else {
            expect(decision.action).toBe('wait');
            if (decision.action !== 'wait') return;
            expect(decision.until).toBeGreaterThan(now);
            expect(isInWindow(decision.until, DEFAULT_WINDOW)).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('given several sequences for one lead, when a sweeper follows the planner, then every step is sent once, in window, on time and under the cap', () => {
    fc.assert(
      fc.property(
        fc.array(sequenceArb('x'), { minLength: 1, maxLength: 3 }),
        startArb,
        fc.integer({ min: 1, max: 3 }),
        (generated, start, cap) => {
          // Arrange
          const sequences = generated.map((s, i) => ({ ...s, id: `seq-${i}` }));
          const capped = { ...settings, frequencyCap: { maxPerRolling7Days: cap } };
          const runs = sequences.map((sequence) => ({
            sequence,
            state: newEnrollment(sequence.id, start),
            due: start,
          }));
          const sends: EpochMs[] = [];
          // Act: always serve the earliest due enrollment, as the sweeper's due index does.
          for (let guard = 0; guard < 500; guard++) {
            const active = runs.filter((r) => r.state.status === 'active').sort((a, b) => a.due - b.due);
            const run = active[0];
            if (!run) break;
            const now = run.due;
            const decision = planStep(run.state, run.sequence, warmLead(), sends, capped, now);
            if (decision.action === 'wait') {
              expect(decision.until).toBeGreaterThan(now);
              run.due = decision.until;
              continue;
            }
            if (decision.action === 'send') {
              // Assert (per send)
              expect(now).toBeGreaterThanOrEqual(dueAt(run.sequence, run.state));
              expect(isInWindow(now, DEFAULT_WINDOW)).toBe(true);
              expect(countInRolling(sends, now)).toBeLessThan(cap);
              sends.push(now);
            }
            run.state = applyDecision(run.state, run.sequence, decision, now);
            run.due = nextDueAt(run.sequence, run.state.stepIndex, now, capped) ?? now;
          }
          // Assert: nothing dropped, nothing twice.
          for (const run of runs) {
            expect(run.state.status).toBe('completed');
            expect(run.state.history.map((h) => h.stepId)).toEqual(run.sequence.steps.map((s) => s.id));
            expect(run.state.history.every((h) => h.outcome === 'sent')).toBe(true);
          }
          const total = sequences.reduce((n, s) => n + s.steps.length, 0);
          expect(sends).toHaveLength(total);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('given any enrollment time, when the first due time is computed, then it is a Tokyo business-hours instant', () => {
    fc.assert(
      fc.property(sequenceArb('f'), startArb, (sequence, enrolledAt) => {
        const due = firstDueAt(sequence, enrolledAt, settings);
        expect(due).toBeDefined();
        expect(isInWindow(due ?? 0, DEFAULT_WINDOW)).toBe(true);
        expect(due).toBeGreaterThanOrEqual(dueAt(sequence, newEnrollment(sequence.id, enrolledAt)));
        const hour = localParts(due ?? 0, 'Asia/Tokyo').hour;
        expect(hour).toBeGreaterThanOrEqual(9);
        expect(hour).toBeLessThan(18);
      }),
    );
  });
});
