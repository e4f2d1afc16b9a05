import { describe, expect, it } from 'vitest';
import {
  CONFIRM_TOKEN_TTL_MS,
  MAX_TOKEN_LENGTH,
  signToken,
  TokenSecretError,
  verifyToken,
} from '#domain/capture/tokens';

const SECRET = 'test-secret-0123456789-abcdefghijklmnop';
const OTHER_SECRET = 'another-secret-0123456789-abcdefghijklm';
const NOW = Date.UTC(2025, 3, 1);
const LEAD_ID = '01JQ8Z6X3M4N5P6Q7R8S9T0V1W';

/** Replaces one character of the token at `index` with a different base64url character. */
function flip(token: string, index: number): string {
  const c = token[index] === 'A' ? 'B' : 'A';
  return `${token.slice(0, index)}${c}${token.slice(index + 1)}`;
}

describe('signed tokens', () => {
  it('given a signed identity token, when verified with the same secret and purpose, then the payload comes back', () => {
    // Arrange
    const token = signToken({ purpose: 'identity', sub: LEAD_ID, formId: 'contact' }, SECRET);

    // Act
    const result = verifyToken(token, 'identity', SECRET, NOW);

    // Assert
    expect(result).toEqual({
      ok: true,
      sub: LEAD_ID,
      payload: { purpose: 'identity', sub: LEAD_ID, formId: 'contact' },
    });
  });

  it('given an unsubscribe token, when inspected, then it carries no email address and uses base64url only', () => {
    const token = signToken({ purpose: 'unsubscribe', sub: LEAD_ID }, SECRET);

    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString()).not.toContain('@');
  });

  it('given a tampered payload, when verified, then it is bad_signature', () => {
    const token = signToken({ purpose: 'confirm', sub: LEAD_ID }, SECRET);
    const forged = `${Buffer.from(JSON.stringify({ purpose: 'confirm', sub: 'someone-else' })).toString('base64url')}.${token.split('.')[1]}`;

    expect(verifyToken(forged, 'confirm', SECRET, NOW)).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('given a tampered signature, when verified, then it is bad_signature', () => {
    const token = signToken({ purpose: 'confirm', sub: LEAD_ID }, SECRET);

    expect(verifyToken(flip(token, token.length - 5), 'confirm', SECRET, NOW)).toEqual({
      ok: false,
      reason: 'bad_signature',
    });
  });

  it('given a different secret, when verified, then it is bad_signature', () => {
    const token = signToken({ purpose: 'identity', sub: LEAD_ID }, SECRET);

    expect(verifyToken(token, 'identity', OTHER_SECRET, NOW)).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('given a secret rotation, when verified with [new, old], then a token signed with the old secret passes', () => {
    const token = signToken({ purpose: 'identity', sub: LEAD_ID }, SECRET);

    expect(verifyToken(token, 'identity', [OTHER_SECRET, SECRET], NOW).ok).toBe(true);
  });

  it('given a confirm token, when used as an unsubscribe token, then it is wrong_purpose', () => {
    const token = signToken({ purpose: 'confirm', sub: LEAD_ID, exp: NOW + CONFIRM_TOKEN_TTL_MS }, SECRET);

    expect(verifyToken(token, 'unsubscribe', SECRET, NOW)).toEqual({ ok: false, reason: 'wrong_purpose' });
  });

  it('given a 7-day confirm token, when verified just before and at expiry, then it passes and then expires', () => {
    const exp = NOW + CONFIRM_TOKEN_TTL_MS;
    const token = signToken({ purpose: 'confirm', sub: LEAD_ID, exp }, SECRET);

    expect(verifyToken(token, 'confirm', SECRET, exp - 1).ok).toBe(true);
    expect(verifyToken(token, 'confirm', SECRET, exp)).toEqual({ ok: false, reason: 'expired' });
  });

  it('given a token without exp, when verified years later, then it still passes', () => {
    const token = signToken({ purpose: 'unsubscribe', sub: LEAD_ID }, SECRET);

    expect(verifyToken(token, 'unsubscribe', SECRET, NOW + 10 * 365 * 86_400_000).ok).toBe(true);
  });

  it.each([
    [''],
    ['abc'],
    ['a.b.c'],
    ['a.'],
    ['.b'],
    ['a b.c'],
    ['eyJ9.AAAA'],
    ['x'.repeat(MAX_TOKEN_LENGTH + 1)],
  ])('given the malformed token %j, when verified, then it is malformed', (token) => {
    expect(verifyToken(token, 'identity', SECRET, NOW)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('given a validly signed payload that is not a token payload, when verified, then it is malformed', () => {
    // A token whose JSON lacks `sub`: signed with our secret, so only the payload check can catch it.
    const token = signToken({ purpose: 'identity', sub: '' }, SECRET);

    expect(verifyToken(token, 'identity', SECRET, NOW)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('given a short secret, when signing, then a TokenSecretError is thrown', () => {
    expect(() => signToken({ purpose: 'identity', sub: LEAD_ID }, 'short')).toThrow(TokenSecretError);
  });

  it('given an oversized payload, when signing, then it is refused', () => {
    expect(() => signToken({ purpose: 'identity', sub: 'x'.repeat(MAX_TOKEN_LENGTH) }, SECRET)).toThrow(
      RangeError,
    );
  });
});
