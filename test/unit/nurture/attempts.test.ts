import { describe, expect, it } from 'vitest';
import { newLead } from '#domain/lead/lead';
import {
  ATTEMPT_KEEP_MS,
  attemptStatus,
  decodeAttempt,
  isOwnAttempt,
  type StepPosition,
  withoutStepAttempt,
  withStepAttempt,
  withUncertainAttempt,
} from '#domain/nurture/attempts';
import type { SequenceStep } from '#domain/nurture/config';
import {
  applyDecision,
  frequencyCapReleaseAt,
  newEnrollment,
  ROLLING_WINDOW_MS,
} from '#domain/nurture/sequences';
import { emptyBehaviour } from '#domain/scoring/scoring';

const DAY = 86_400_000;
const LEASE = 5 * 60_000;
/** A sweep's nonce. */
const N = 'Zx9-_aB0';
const T = Date.parse('2026-12-07T10:30:00+09:00');

const state = (recentSends: number[] = []) => ({
  ...newLead({
    leadId: 'lead-1',
    email: 'taro@example.co.jp',
    emailKey: 'taro@example.co.jp',
    attributes: { lastName: '山田', company: '株式会社サンプル' },
    scoring: { fit: 0, grade: 'D', fitBreakdown: {}, behaviour: emptyBehaviour() },
    channel: 'inbound_web',
    locale: 'ja',
    at: T - 30 * DAY,
  }).state,
  recentSends,
});
const step = (id: string): SequenceStep => ({
  id,
  delay: { value: 0, unit: 'days' },
  templateId: `t-${id}`,
  vars: {},
});
const thanks = step('thanks');
const caseStudy = step('case-study');
const at = (sequenceId: string, run = 1, stepIndex = 0): StepPosition => ({ sequenceId, run, stepIndex });

describe('step-mail attempts on the lead state', () => {
  it('given a reservation, then the send counts for the cap, the attempt is kept for its sequence, and the version moves', () => {
    // Arrange
    const before = state([T - 8 * DAY, T - DAY]);

    // Act
    const after = withStepAttempt(before, at('whitepaper-nurture', 2, 1), T, N);

    // Assert: the send older than the cap's window is dropped.
    expect(after.recentSends).toEqual([T - DAY, T]);
    expect(after.stepAttempts).toEqual({ 'whitepaper-nurture': `2:1:${T}:${N}` });
    expect(after.version).toBe(before.version + 1);
    expect(decodeAttempt(after.stepAttempts?.['whitepaper-nurture'])).toEqual({
      run: 2,
      stepIndex: 1,
      at: T,
      nonce: N,
    });
  });

  it('given attempts of two sequences, when one reserves its next step, then its entry is replaced and the other kept (one entry per sequence)', () => {
    const first = withStepAttempt(state(), at('whitepaper-nurture', 1, 0), T - 3 * DAY, N);
    const both = withStepAttempt(first, at('cold-reengage', 1, 0), T - DAY, N);

    const next = withStepAttempt(both, at('whitepaper-nurture', 1, 1), T, N);

    expect(next.stepAttempts).toEqual({
      'whitepaper-nurture': `1:1:${T}:${N}`,
      'cold-reengage': `1:0:${T - DAY}:${N}`,
    });
  });

  it('given an attempt of another sequence older than a week, when a step is reserved, then it is dropped (the state stays small)', () => {
    const old = withStepAttempt(state(), at('cold-reengage', 1, 0), T - ATTEMPT_KEEP_MS - 1, N);
    const recent = withStepAttempt(old, at('webinar-follow', 1, 0), T - DAY, N);

    const next = withStepAttempt(recent, at('whitepaper-nurture', 1, 0), T, N);

    expect(next.stepAttempts).toEqual({
      'webinar-follow': `1:0:${T - DAY}:${N}`,
      'whitepaper-nurture': `1:0:${T}:${N}`,
    });
  });

  it('given an attempt, then it is in flight for its own run and step within the lease, uncertain after it, and absent for any other position', () => {
    const attempts = withStepAttempt(state(), at('s', 3, 2), T, N).stepAttempts;

    expect(attemptStatus(attempts, at('s', 3, 2), T + LEASE - 1, LEASE)).toEqual({
      kind: 'in_flight',
      attempt: { run: 3, stepIndex: 2, at: T, nonce: N },
    });
    expect(attemptStatus(attempts, at('s', 3, 2), T + LEASE, LEASE).kind).toBe('uncertain');
    expect(attemptStatus(attempts, at('s', 3, 3), T, LEASE).kind).toBe('none');
    expect(attemptStatus(attempts, at('s', 4, 2), T, LEASE).kind).toBe('none');
    expect(attemptStatus(attempts, at('other', 3, 2), T, LEASE).kind).toBe('none');
    expect(attemptStatus(undefined, at('s', 3, 2), T, LEASE).kind).toBe('none');
    expect(attemptStatus({ s: 'garbled' }, at('s', 3, 2), T, LEASE).kind).toBe('none');
  });

  it('given a throttled send, when its reservation is released, then its cap send and attempt go and nothing else; a reservation that is not ours is left alone', () => {
    const reserved = withStepAttempt(
      withStepAttempt(state([T - DAY]), at('a'), T - 10, 'other'),
      at('b'),
      T,
      N,
    );

    const released = withoutStepAttempt(reserved, at('b'), T, N);

    expect(released?.recentSends).toEqual([T - DAY, T - 10]);
    expect(released?.stepAttempts).toEqual({ a: `1:0:${T - 10}:other` });
    expect(released?.version).toBe(reserved.version + 1);
    expect(withoutStepAttempt(reserved, at('b'), T - 1, N)).toBeUndefined();
    expect(withoutStepAttempt(reserved, at('b', 1, 1), T, N)).toBeUndefined();
    expect(withoutStepAttempt(reserved, at('b'), T, 'other')).toBeUndefined();
  });

  it('given a reservation whose answer was lost, when the sweep reads the attempts again, then the attempt with its nonce is its own; another nonce, or none, is not', () => {
    // Arrange
    const attempts = withStepAttempt(state(), at('s', 3, 2), T, N).stepAttempts;

    // Act / Assert
    expect(isOwnAttempt(attempts, at('s', 3, 2), N)).toBe(true);
    expect(isOwnAttempt(attempts, at('s', 3, 2), 'someone')).toBe(false);
    expect(isOwnAttempt(attempts, at('s', 3, 3), N)).toBe(false);
    expect(isOwnAttempt({ s: `3:2:${T}` }, at('s', 3, 2), N)).toBe(false);
    expect(isOwnAttempt(undefined, at('s', 3, 2), N)).toBe(false);
  });

  it('given an attempt stored before nonces were kept, then it still reads (without a nonce); a malformed one does not', () => {
    expect(decodeAttempt(`1:0:${T}`)).toEqual({ run: 1, stepIndex: 0, at: T });
    expect(decodeAttempt(`1:0:${T}:${N}`)).toEqual({ run: 1, stepIndex: 0, at: T, nonce: N });
    expect(decodeAttempt(`1:0:${T}:`)).toBeUndefined();
    expect(decodeAttempt(`1:0:${T}:${N}:x`)).toBeUndefined();
    expect(decodeAttempt(`1:0`)).toBeUndefined();
  });

  it('given an uncertain attempt, then the planner records the step as attempted once and never sends it', () => {
    const enrollment = newEnrollment('whitepaper-nurture', T - DAY);
    const attempt = { run: 1, stepIndex: 0, at: T - LEASE - 1 };

    const planned = withUncertainAttempt(enrollment, 'thanks', attempt);
    const again = withUncertainAttempt(planned, 'thanks', attempt);
    const next = applyDecision(
      planned,
      { steps: [thanks, caseStudy] },
      {
        action: 'skip',
        step: thanks,
        reason: 'already_attempted',
      },
      T,
    );

    expect(planned.history).toEqual([{ stepId: 'thanks', outcome: 'uncertain', at: attempt.at }]);
    expect(again).toBe(planned);
    expect(next).toMatchObject({ stepIndex: 1, lastStepAt: attempt.at, history: planned.history });
  });
});

describe('frequency cap across racing sequences', () => {
  it('given a send reserved a moment after the planner’s now (another sweeper), then it counts against the cap', () => {
    const sends = [T - 2 * DAY, T - DAY, T + 5];

    expect(frequencyCapReleaseAt(sends, 3, T)).toBe(T - 2 * DAY + ROLLING_WINDOW_MS);
    expect(frequencyCapReleaseAt(sends.slice(0, 2), 3, T)).toBeUndefined();
  });
});
