import { env } from '#config/env';
import { readOrCreateSigningKey } from '#store/signing-key';

/**
 * The HMAC key for identity, confirmation and unsubscribe tokens and erasure hashes: given directly
 * (local runtime, tests: SIGNING_SECRET), or in AWS the key item of the lead table (read once per
 * container by the functions that need it; created by the first one). It used to live in Secrets Manager
 * ($0.40 a month and a second SDK client on the cold path); see README → Cost for the one-time copy of an
 * existing key.
 */
const load = async (): Promise<string> => {
  const { SIGNING_SECRET } = env();
  if (SIGNING_SECRET) return SIGNING_SECRET;
  const key = await readOrCreateSigningKey();
  if (key.length < 32) throw new Error('the signing secret is missing or too short');
  return key;
};

let loading: Promise<string> | undefined;

/**
 * The signing key, read at most once per container. Awaited by the use cases that sign, open or hash, never
 * at import: a table that is throttled or unreachable when the container starts must not fail Lambda's init
 * (the HTTP API would answer a bare 500), it fails the request that needs the key, which the HTTP layer
 * answers 503 with Retry-After (an event function throws, and its event or timer is tried again). A failed
 * read is forgotten, so the next request reads again; a successful one is kept for the container's life.
 */
export function signingSecret(): Promise<string> {
  loading ??= load().catch((error: unknown) => {
    loading = undefined;
    throw error;
  });
  return loading;
}

// Started at import, not awaited: the read overlaps the rest of the cold start, so the first request finds
// the key (or the read in flight) as before. Its failure is the first request's to meet, not init's.
signingSecret().catch(() => undefined);
