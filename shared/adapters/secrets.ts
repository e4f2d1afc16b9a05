import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { traced } from '#adapters/tracer';
import { env } from '#config/env';

/**
 * The HMAC key for identity, confirmation and unsubscribe tokens: from Secrets Manager in AWS (read once
 * per container, at cold start), or given directly (local runtime, tests).
 */
const load = async (): Promise<string> => {
  const { SIGNING_SECRET, SIGNING_SECRET_ARN } = env();
  if (SIGNING_SECRET) return SIGNING_SECRET;
  if (!SIGNING_SECRET_ARN)
    throw new Error('invalid environment: SIGNING_SECRET or SIGNING_SECRET_ARN is required');
  const client = traced(new SecretsManagerClient({}));
  const result = await client.send(new GetSecretValueCommand({ SecretId: SIGNING_SECRET_ARN }));
  client.destroy();
  if (!result.SecretString || result.SecretString.length < 32)
    throw new Error('the signing secret is missing or too short');
  return result.SecretString;
};

export const signingSecret: string = await load();
