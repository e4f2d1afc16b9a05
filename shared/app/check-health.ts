import { now } from '#adapters/clock';
import type { EpochMs } from '#domain/lead/types';
import { tableReachable } from '#store/health';

export type Health = { status: 'ok' } | { status: 'ok' | 'unavailable'; table: 'ok' | 'unreachable' };

/** A deep result is reused this long per container: a public route must not turn into a table load. */
const DEEP_CHECK_TTL_MS = 10_000;
let lastDeep: { at: EpochMs; reachable: boolean } | undefined;

/**
 * Liveness (the function runs) or, with `deep`, readiness: the table answers. The deep result is cached
 * for 10 seconds per container.
 */
export const checkHealth = async (options: { deep: boolean }): Promise<Health> => {
  if (!options.deep) return { status: 'ok' };
  const at = now();
  if (!lastDeep || at - lastDeep.at >= DEEP_CHECK_TTL_MS || at < lastDeep.at) {
    lastDeep = { at, reachable: await tableReachable() };
  }
  return lastDeep.reachable ? { status: 'ok', table: 'ok' } : { status: 'unavailable', table: 'unreachable' };
};
