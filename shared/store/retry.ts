/**
 * The one optimistic-concurrency loop of the product. Every read-decide-write (a lead, the round-robin
 * item, an enrollment, a timer) runs its attempt through `retryOnConflict`: the attempt reads what it needs,
 * decides with the pure domain and makes one conditional write; when the write loses a race it answers
 * `CONFLICT` and runs again on fresh data after a jittered backoff. One budget for everything, so no use
 * case invents its own limits.
 */

/** What an attempt returns when its conditional write lost a race: read again and decide again. */
export const CONFLICT = Symbol('conflict');
export type Conflict = typeof CONFLICT;

/**
 * Attempts before giving up. With the backoff below the loop waits about 12 s in the worst case, inside the
 * API's 15 s timeout; at 64 concurrent writers on one item each still gets through well within it.
 */
export const RETRY_ATTEMPTS = 40;
const BASE_MS = 5;
const CAP_MS = 400;

/** Thrown when the budget is spent; the HTTP layer answers 503 with Retry-After (a retry is safe). */
export class ContentionError extends Error {
  override name = 'ContentionError';
}

/** Exponential backoff with full jitter, so writers that collided do not collide again in step. */
export function backoff(attempt: number): Promise<void> {
  const ceiling = Math.min(CAP_MS, BASE_MS * 2 ** Math.min(attempt, 16));
  return new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
}

/**
 * Run `attempt` until it does not answer `CONFLICT`. A caller with a better fallback than waiting (the
 * tracking routes park contended events for the sweeper) may lower the budget: fewer `attempts`, or a wall
 * time `giveUpAt` (epoch ms) after which no new attempt starts; neither ever raises it.
 */
export async function retryOnConflict<R>(
  what: string,
  attempt: (n: number) => Promise<R | Conflict>,
  options: { attempts?: number; giveUpAt?: number } = {},
): Promise<R> {
  const budget = Math.max(1, Math.min(RETRY_ATTEMPTS, options.attempts ?? RETRY_ATTEMPTS));
  for (let n = 1; n <= budget; n++) {
    const result = await attempt(n);
    if (result !== CONFLICT) return result as R;
    if (options.giveUpAt !== undefined && Date.now() >= options.giveUpAt) break;
    if (n < budget) await backoff(n);
  }
  throw new ContentionError(`${what}: conflicting writes beyond the budget`);
}
