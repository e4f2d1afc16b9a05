/**
 * Step-mail attempts kept on the lead state: at most one mail per step, across crashes and racing sweepers,
 * without a claim write on the timer. Pure: no clock, no I/O.
 *
 * Before SES is called, the sweeper writes the lead state ONCE (conditioned on its version): the send goes
 * into `recentSends` (the frequency cap across sequences) and the attempt into `stepAttempts`, one entry per
 * sequence, `<run>:<stepIndex>:<at>:<nonce>`. The nonce is the reserving sweep's own random id: when the
 * answer to the reservation is lost (a timeout after the write committed; the SDK's retry of the write then
 * fails its condition against that very write), the sweep reads the state again and an attempt with its nonce
 * is its own reservation, so it sends; any other attempt is someone else's. The enrollment is recorded after
 * the send (its due time and step move), which is what makes the attempt "done". A sweeper that finds an
 * attempt for the very step it is about to run (same run, same step index) while the enrollment still waits
 * on that step:
 * - backs off while the attempt is younger than the lease (another sweeper is sending it now);
 * - after the lease, treats it as `uncertain` (the sender died before or after SES took the mail): the step is
 *   recorded as attempted with an unknown result and never sent again. At most once beats at least once.
 * An entry is replaced by the next attempt of the same sequence (the enrollment has moved past its step by
 * then), so the map holds at most one short string per sequence the lead was ever mailed from.
 */

import { type LeadState, recentSendsAt } from '#domain/lead/lead';
import type { EpochMs } from '#domain/lead/types';
import type { EnrollmentState } from '#domain/nurture/sequences';

/** Sequence id → `<run>:<stepIndex>:<at>:<nonce>` of the latest step-mail attempt of that sequence. */
export type StepAttempts = Record<string, string>;

export interface StepAttempt {
  run: number;
  stepIndex: number;
  /** When the attempt was reserved (also the `recentSends` entry it added). */
  at: EpochMs;
  /**
   * The reserving sweep's random id (no `:`), which tells it its own reservation from another sweeper's.
   * Absent on attempts stored before it was kept.
   */
  nonce?: string;
}

/** Where an enrollment stands: its run and the index of the step it waits on. */
export interface StepPosition {
  sequenceId: string;
  run: number;
  stepIndex: number;
}

export function encodeAttempt(attempt: StepAttempt): string {
  const nonce = attempt.nonce ? `:${attempt.nonce}` : '';
  return `${attempt.run}:${attempt.stepIndex}:${attempt.at}${nonce}`;
}

export function decodeAttempt(value: string | undefined): StepAttempt | undefined {
  const [first, second, third, nonce, ...rest] = (value ?? '').split(':');
  const numbers = [first, second, third].map(Number);
  if (rest.length > 0 || nonce === '' || numbers.some((n) => !Number.isFinite(n))) return undefined;
  const [run = 0, stepIndex = 0, at = 0] = numbers;
  return { run, stepIndex, at, ...(nonce ? { nonce } : {}) };
}

/** The attempt recorded for exactly this run and step, if any. */
export function attemptAt(
  attempts: StepAttempts | undefined,
  position: StepPosition,
): StepAttempt | undefined {
  const attempt = decodeAttempt(attempts?.[position.sequenceId]);
  return attempt && attempt.run === position.run && attempt.stepIndex === position.stepIndex
    ? attempt
    : undefined;
}

export type AttemptStatus =
  | { kind: 'none' }
  | { kind: 'in_flight'; attempt: StepAttempt }
  | { kind: 'uncertain'; attempt: StepAttempt };

/**
 * What an attempt for the step an enrollment waits on means at `now`: none (the step may be planned), in
 * flight (another sweeper holds it: leave it alone), or uncertain (its sender is gone: never resend).
 */
export function attemptStatus(
  attempts: StepAttempts | undefined,
  position: StepPosition,
  now: EpochMs,
  leaseMs: number,
): AttemptStatus {
  const attempt = attemptAt(attempts, position);
  if (!attempt) return { kind: 'none' };
  return now - attempt.at < leaseMs ? { kind: 'in_flight', attempt } : { kind: 'uncertain', attempt };
}

/**
 * The attempt for this position is the one the sweep with `nonce` reserved: its own write, committed even if
 * its answer was lost. Never true for another sweeper's attempt, nor for one stored without a nonce.
 */
export function isOwnAttempt(
  attempts: StepAttempts | undefined,
  position: StepPosition,
  nonce: string,
): boolean {
  return attemptAt(attempts, position)?.nonce === nonce;
}

/**
 * The state that reserves a step mail at `now` for the sweep with `nonce`: the send counted for the frequency
 * cap (older sends than the cap's window dropped), the attempt recorded for the position, version + 1.
 */
export function withStepAttempt(
  state: LeadState,
  position: StepPosition,
  now: EpochMs,
  nonce: string,
): LeadState {
  // Other sequences' attempts older than a week are dropped: a sweep settles an attempt within minutes of
  // its lease, and the state item (written on every tracking event) must stay small however many
  // sequences the lead was ever mailed from.
  const kept = Object.entries(state.stepAttempts ?? {}).filter(
    ([, value]) => (decodeAttempt(value)?.at ?? 0) >= now - ATTEMPT_KEEP_MS,
  );
  return {
    ...state,
    recentSends: [...recentSendsAt(state.recentSends, now), now],
    stepAttempts: {
      ...Object.fromEntries(kept),
      [position.sequenceId]: encodeAttempt({
        run: position.run,
        stepIndex: position.stepIndex,
        at: now,
        nonce,
      }),
    },
    version: state.version + 1,
  };
}

/** How long another sequence's attempt is kept on the state (far beyond any lease). */
export const ATTEMPT_KEEP_MS = 7 * 86_400_000;

/**
 * The state after a reserved mail was NOT sent (SES throttled): its frequency-cap send and its attempt
 * released, so the step may be sent later. Unchanged (undefined) when the attempt is no longer the one the
 * sweep with `nonce` reserved at `at`.
 */
export function withoutStepAttempt(
  state: LeadState,
  position: StepPosition,
  at: EpochMs,
  nonce: string,
): LeadState | undefined {
  const attempt = attemptAt(state.stepAttempts, position);
  if (!attempt || attempt.at !== at || attempt.nonce !== nonce) return undefined;
  const { [position.sequenceId]: _released, ...rest } = state.stepAttempts ?? {};
  const send = state.recentSends.lastIndexOf(at);
  return {
    ...state,
    recentSends: state.recentSends.filter((_, i) => i !== send),
    stepAttempts: rest,
    version: state.version + 1,
  };
}

/**
 * The enrollment as the planner must see it when its step's attempt is `uncertain`: the attempt in its
 * history (unless it is there already), so the step is recorded as attempted and never sent again.
 */
export function withUncertainAttempt<E extends EnrollmentState>(
  enrollment: E,
  stepId: string,
  attempt: StepAttempt,
): E {
  if (enrollment.history.some((h) => h.stepId === stepId && h.outcome === 'uncertain')) return enrollment;
  return {
    ...enrollment,
    history: [...enrollment.history, { stepId, outcome: 'uncertain', at: attempt.at }],
  };
}
