import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it, vi } from 'vitest';
import { dynamodb, tableName } from '#store/dynamodb';
import { keys } from '#store/keys';
import { readOrCreateSigningKey } from '#store/signing-key';

/**
 * In AWS the token signing key is an item of the table, created by the first cold start that needs it
 * (`#store/signing-key`, loaded by `#adapters/secrets` when no SIGNING_SECRET is given).
 */
describe('signing key item', () => {
  it('given no key yet, when eight cold starts race, then all of them get the one key that was stored', async () => {
    // Act
    const results = await Promise.all(Array.from({ length: 8 }, () => readOrCreateSigningKey()));

    // Assert
    const stored = await dynamodb.send(
      new GetCommand({ TableName: tableName, Key: keys.signingKey(), ConsistentRead: true }),
    );
    expect(typeof stored.Item?.value).toBe('string');
    expect(String(stored.Item?.value).length).toBeGreaterThanOrEqual(64);
    expect(new Set(results)).toEqual(new Set([stored.Item?.value]));
  });

  it('given a stored key, when read again, then it is returned unchanged', async () => {
    // Arrange
    const first = await readOrCreateSigningKey();

    // Act
    const again = await readOrCreateSigningKey();

    // Assert
    expect(again).toBe(first);
  });

  it('given no SIGNING_SECRET in the environment, when the secrets adapter loads, then it uses the table key', async () => {
    // Arrange
    const stored = await readOrCreateSigningKey();
    const given = process.env.SIGNING_SECRET;
    delete process.env.SIGNING_SECRET;
    vi.resetModules(); // a fresh `#config/env` (it caches the parsed environment) and adapter

    try {
      // Act
      const { signingSecret } = await import('#adapters/secrets');

      // Assert
      expect(signingSecret).toBe(stored);
    } finally {
      process.env.SIGNING_SECRET = given;
    }
  });
});
