/**
 * Cheap bot checks for form posts: a honeypot field and a minimum fill time.
 *
 * A post judged to be spam gets the same success response as a person's (so a bot learns nothing) but
 * nothing is stored and no mail is sent. Validation runs first, so an invalid post gets the same 400 a
 * person would get.
 *
 * The fill time is `_submittedAt - _startedAt`: the browser's clock when the form was rendered and when it was
 * sent, so a visitor's clock that is off by a minute changes nothing (measured against our clock, a clock 30 s
 * fast made a person who took 31 s look like a 1 s bot, and the lead was silently dropped). Without a usable
 * `_submittedAt` (a page that does not send it, or one before `_startedAt`) it is `now - _startedAt`.
 * Decisions for the awkward cases (we would rather let a bot through than drop a lead):
 * - missing (no JavaScript, or a form embedded without the snippet): human, noted `started_at_missing`;
 * - not a positive integer: human, noted `started_at_invalid`;
 * - in the future: the browser clock is ahead of ours, so we cannot measure; human, noted `started_at_in_future`;
 * - older than 30 days (a tab left open, or a replayed value): human, noted `started_at_stale`.
 * These checks only stop careless bots; rate limits and the honeypot do the rest.
 */
import type { EpochMs } from '#domain/lead/types';

export type SpamVerdict = null | 'honeypot' | 'too_fast';
export type SpamNote =
  | 'started_at_missing'
  | 'started_at_invalid'
  | 'started_at_in_future'
  | 'started_at_stale';

export interface SpamCheck {
  verdict: SpamVerdict;
  /** Why the fill time could not be judged, for logs and metrics; null when it could. */
  note: SpamNote | null;
  /** Measured fill time, when it could be measured. */
  fillMs: number | null;
}

export type StartedAt = { kind: 'missing' } | { kind: 'invalid' } | { kind: 'ok'; at: EpochMs };

export const STALE_STARTED_AT_MS = 30 * 24 * 60 * 60 * 1000;

/**
 * Reads `_startedAt` as posted (and `_submittedAt`, the same format): epoch ms as a number (JSON) or a decimal
 * string (url-encoded). Empty counts as missing.
 */
export function readStartedAt(raw: unknown): StartedAt {
  if (raw === undefined || raw === null || raw === '') return { kind: 'missing' };
  let at: number;
  if (typeof raw === 'number') at = raw;
  else if (typeof raw === 'string' && /^\d{1,16}$/.test(raw.trim())) at = Number(raw.trim());
  else return { kind: 'invalid' };
  return Number.isSafeInteger(at) && at > 0 ? { kind: 'ok', at } : { kind: 'invalid' };
}

/** True when the honeypot holds anything other than whitespace (browsers never autofill it). */
export function isHoneypotFilled(raw: unknown): boolean {
  if (raw === undefined || raw === null) return false;
  if (typeof raw === 'string') return raw.trim() !== '';
  if (Array.isArray(raw)) return raw.some(isHoneypotFilled);
  return raw !== false;
}

export function checkSpam(
  input: { honeypot: unknown; startedAt: unknown; submittedAt?: unknown },
  options: { minFillMs: number },
  now: EpochMs,
): SpamCheck {
  const started = readStartedAt(input.startedAt);
  const honeypot = isHoneypotFilled(input.honeypot);
  if (started.kind !== 'ok') {
    const note = started.kind === 'missing' ? 'started_at_missing' : 'started_at_invalid';
    return { verdict: honeypot ? 'honeypot' : null, note, fillMs: null };
  }
  const submitted = readStartedAt(input.submittedAt);
  const fillMs =
    submitted.kind === 'ok' && submitted.at >= started.at ? submitted.at - started.at : now - started.at;
  if (honeypot) return { verdict: 'honeypot', note: null, fillMs };
  if (fillMs < 0) return { verdict: null, note: 'started_at_in_future', fillMs: null };
  if (fillMs > STALE_STARTED_AT_MS) return { verdict: null, note: 'started_at_stale', fillMs };
  return { verdict: fillMs < options.minFillMs ? 'too_fast' : null, note: null, fillMs };
}
