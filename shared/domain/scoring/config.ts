import type { LeadAttribute } from '#domain/lead/types';

/**
 * What the scoring rules need from configuration, declared by the domain. The zod schema that validates
 * marketing ops' values (`shared/config/scoring.ts`) is checked against these types, so the arrow points
 * config → domain only.
 */
export const CAP_PERIODS = ['day', 'week', 'month'] as const;
export type CapPeriod = (typeof CAP_PERIODS)[number];

export type PropertyValue = string | number | boolean;

export interface BehaviourRule {
  /** Stable slug: keys the persisted cap/once state and the timeline's explanations. */
  id: string;
  /** What people see for the rule (the console's score breakdown and timeline): marketing ops' words. */
  label?: string;
  /** Event type, e.g. `page_view`, `form_submitted`, `email_click`. */
  type: string;
  /** URL path glob(s) (`*` only, never a regex); see `shared/config/scoring.ts`. */
  url?: string | string[];
  /** Property values the event must have (a list means "any of"); compared as text. */
  properties?: Record<string, PropertyValue | PropertyValue[]>;
  points: number;
  /** At most this many points (in absolute value) per period. */
  cap?: { points: number; per: CapPeriod };
  /** Count once per lead ever. */
  once: boolean;
}

export type DecayConfig =
  | { kind: 'none' }
  | { kind: 'half-life'; days: number; step: 'continuous' | 'day' | 'week' };

export type FitRule =
  | {
      id: string;
      label?: string;
      kind: 'employees';
      tiers: { min?: number; max?: number; points: number }[];
      otherwise?: number;
    }
  | {
      id: string;
      label?: string;
      kind: 'keywords';
      attribute: LeadAttribute;
      tiers: { keywords: string[]; points: number }[];
      otherwise?: number;
    }
  | {
      id: string;
      label?: string;
      kind: 'emailDomain';
      tiers: { domains: string[]; points: number }[];
      otherwise?: number;
    };

export interface ScoringConfig {
  /** IANA zone in which cap periods and decay steps are counted. */
  timeZone: string;
  fit: {
    min: number;
    max: number;
    grades: { A: number; B: number; C: number };
    rules: FitRule[];
  };
  behaviour: {
    rules: BehaviourRule[];
    decay: DecayConfig;
    lateEventWindowDays: number;
  };
  temperature: { warm: number; hot: number };
  stages: { lead: number; mql: number };
}
