/** Shared arrangements for the scoring tests: configs, clocks and an independent local-date oracle. */
import { type ScoringConfig, type ScoringConfigInput, scoringConfigSchema } from '#config/scoring';
import type { ScoredEvent } from '#domain/scoring/scoring';
import { scoring as defaultScoringInput } from '../../../config/scoring.ts';

export const DAY = 86_400_000;
export const HOUR = 3_600_000;

export const defaultConfig: ScoringConfig = scoringConfigSchema.parse(defaultScoringInput);

export const configWith = (overrides: Partial<ScoringConfigInput>): ScoringConfig =>
  scoringConfigSchema.parse({ ...defaultScoringInput, ...overrides });

/** Wall-clock instant in Japan (UTC+9, no DST) as epoch ms. */
export const jst = (year: number, month: number, day: number, hour = 0, minute = 0): number =>
  Date.UTC(year, month - 1, day, hour - 9, minute);

let counter = 0;
export const event = (type: string, occurredAt: number, extra: Partial<ScoredEvent> = {}): ScoredEvent => ({
  eventId: `evt-${++counter}`,
  type,
  occurredAt,
  ...extra,
});

/** "YYYY-MM-DD" of `t` in `timeZone`, straight from Intl (not via the code under test). */
export const localDate = (t: number, timeZone: string): string =>
  new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(t);

/** Whole local days between two instants' calendar dates. */
export const localDaysBetween = (from: number, to: number, timeZone: string): number =>
  (Date.parse(localDate(to, timeZone)) - Date.parse(localDate(from, timeZone))) / DAY;
