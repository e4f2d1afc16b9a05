import { env } from '#config/env';
import { readOrCreateSigningKey } from '#store/signing-key';

/**
 * The HMAC key for identity, confirmation and unsubscribe tokens and erasure hashes: given directly
 * (local runtime, tests: SIGNING_SECRET), or in AWS the key item of the lead table (read once per
 * container, at cold start, by the functions that need it; created by the first one). It used to live in
 * Secrets Manager ($0.40 a month and a second SDK client on the cold path); see README → Cost for the
 * one-time copy of an existing key.
 */
const load = async (): Promise<string> => {
  const { SIGNING_SECRET } = env();
  if (SIGNING_SECRET) return SIGNING_SECRET;
  const key = await readOrCreateSigningKey();
  if (key.length < 32) throw new Error('the signing secret is missing or too short');
  return key;
};

export const signingSecret: string = await load();
