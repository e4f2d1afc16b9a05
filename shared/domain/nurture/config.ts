import type { Temperature } from '#domain/lead/types';
import type { BusinessWindow } from '#domain/nurture/calendar';

/**
 * What sequence planning needs from configuration, declared by the domain. The zod schemas that validate
 * marketing ops' values (`shared/config/sequences.ts`) are checked against these types, so the arrow points
 * config → domain only.
 */
export const SEQUENCE_EXIT_CRITERIA = [
  'became_hot',
  'reached_sal',
  /** With sales: a hand-off open now, or opened and closed since the run began (see `LeadSnapshot.handedOff`). */
  'handed_off',
  'unsubscribed',
  'suppressed',
  'converted',
  'disqualified',
  'manual',
] as const;
export type SequenceExitCriterion = (typeof SEQUENCE_EXIT_CRITERIA)[number];

export const STEP_CONDITIONS = ['previous_not_clicked', 'previous_not_opened', 'not_hot'] as const;
export type StepCondition = (typeof STEP_CONDITIONS)[number];

export const STEP_DELAY_UNITS = ['hours', 'days', 'businessDays'] as const;
export const REENTRY_POLICIES = ['never', 'after_exit', 'always'] as const;

/**
 * A send window as configured: the calendar's `BusinessWindow` plus how a morning's sends are spread.
 * `spreadMinutes`: a step that waits for the window to open (held overnight, over a weekend or a holiday)
 * goes out at a per-enrollment minute in the window's first `spreadMinutes` minutes instead of all at the
 * opening (`spreadWindowOpening`); 0 sends them all at the opening. A sequence's own window without it
 * takes the nurture settings' value.
 */
export interface BusinessWindowConfig extends BusinessWindow {
  spreadMinutes?: number | undefined;
}

export interface StepDelay {
  value: number;
  unit: (typeof STEP_DELAY_UNITS)[number];
}

export interface SequenceStep {
  id: string;
  /** Measured from the previous step (the first step: from enrollment). */
  delay: StepDelay;
  templateId: string;
  condition?: StepCondition;
  /** Values the template uses besides the lead's fields. */
  vars: Record<string, string>;
}

export type SequenceEntry =
  | { kind: 'form'; formIds: string[] }
  | { kind: 'temperature'; temperatures: Temperature[] }
  | { kind: 'recycled' }
  | { kind: 'dormant_customer'; afterDays: number };

/** One sequence. */
export interface SequenceConfig {
  id: string;
  name: string;
  entry: SequenceEntry;
  steps: SequenceStep[];
  exit: SequenceExitCriterion[];
  reentry: (typeof REENTRY_POLICIES)[number];
  /** Overrides the nurture settings' send window for this sequence. */
  window?: BusinessWindowConfig;
}

export interface NurtureSettings {
  frequencyCap: { maxPerRolling7Days: number };
  /** Default send window; the lead's own time zone replaces `timeZone` when known. */
  sendWindow: BusinessWindowConfig;
  transientBounceLimit: number;
  sendRatePerSecond: number;
  suppressInSesAccountList: boolean;
  /** A click this many seconds or less after the send is a security scanner's, not a reader's (0: off). */
  machineClickSeconds: number;
}
