import { describe, expect, it } from 'vitest';
import {
  CONFIRM_TOKEN_TTL_MS,
  MAX_TOKEN_LENGTH,
  openToken,
  SEALED_IV_BYTES,
  sealToken,
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

describe('sealed tokens (v2)', () => {
  const iv = (n: number) => Buffer.alloc(SEALED_IV_BYTES, n);
  const PERSON_LEAD = '3f0c6a1e-8a51-4a0e-9d1b-2f6a7c9e0b11';
  const BOT_ID = '8d2f4b6a-1c3e-4f5a-9b7d-0e2c4a6b8d0f';

  it('given a person token and a bot token, when compared, then they have the same shape and neither reveals what it names', () => {
    // Arrange
    const person = sealToken(
      { purpose: 'identity', kind: 'lead', sub: PERSON_LEAD, exp: NOW + 1000 },
      SECRET,
      iv(1),
    );
    const bot = sealToken({ purpose: 'identity', kind: 'anon', sub: BOT_ID, exp: NOW + 1000 }, SECRET, iv(2));
    const shortAnon = sealToken(
      { purpose: 'identity', kind: 'anon', sub: 'abcdefgh', exp: NOW + 1000 },
      SECRET,
      iv(3),
    );
    // Assert
    for (const token of [person, bot, shortAnon]) {
      expect(token).toMatch(/^[A-Za-z0-9_-]{166}$/);
      const decoded = Buffer.from(token, 'base64url').toString('latin1');
      for (const secret of ['spam', 'identity', 'lead', 'anon', PERSON_LEAD, BOT_ID, 'sub'])
        expect(decoded).not.toContain(secret);
    }
    expect(bot.length).toBe(person.length);
    expect(shortAnon.length).toBe(person.length);
  });

  it('given a sealed token, when opened with the same secret, then its payload comes back; with another purpose or secret, refused', () => {
    const token = sealToken({ purpose: 'confirm', kind: 'lead', sub: LEAD_ID, exp: NOW + 10 }, SECRET, iv(4));
    expect(openToken(token, 'confirm', SECRET, NOW)).toEqual({
      ok: true,
      payload: { purpose: 'confirm', kind: 'lead', sub: LEAD_ID, exp: NOW + 10 },
    });
    expect(openToken(token, 'unsubscribe', SECRET, NOW)).toEqual({ ok: false, reason: 'wrong_purpose' });
    expect(openToken(token, 'confirm', OTHER_SECRET, NOW)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(openToken(token, 'confirm', [OTHER_SECRET, SECRET], NOW).ok).toBe(true);
    expect(openToken(token, 'confirm', SECRET, NOW + 10)).toEqual({ ok: false, reason: 'expired' });
  });

  it('given any one character of a sealed token changed, when opened, then it is refused', () => {
    const token = sealToken({ purpose: 'unsubscribe', kind: 'lead', sub: LEAD_ID }, SECRET, iv(5));
    for (const index of [0, 20, 80, 150, 164]) {
      expect(openToken(flip(token, index), 'unsubscribe', SECRET, NOW).ok).toBe(false);
    }
    expect(openToken(`${token}A`, 'unsubscribe', SECRET, NOW)).toEqual({ ok: false, reason: 'malformed' });
    expect(
      openToken(signToken({ purpose: 'unsubscribe', sub: LEAD_ID }, SECRET), 'unsubscribe', SECRET, NOW).ok,
    ).toBe(false);
  });

  it('given an unsubscribe token that names the step mail it was sent in, when opened, then the lead and the mail come back; its length is fixed whatever the ids, and any change is refused', () => {
    // Arrange
    const mail = { sequenceId: 'whitepaper-nurture', stepId: 'case-study' };
    const longest = { sequenceId: 's'.repeat(64), stepId: 't'.repeat(64) };
    const token = sealToken({ purpose: 'unsubscribe', kind: 'lead', sub: PERSON_LEAD, mail }, SECRET, iv(8));
    const long = sealToken(
      { purpose: 'unsubscribe', kind: 'lead', sub: PERSON_LEAD, mail: longest },
      SECRET,
      iv(9),
    );

    // Act
    const opened = openToken(token, 'unsubscribe', SECRET, NOW);

    // Assert
    expect(opened).toEqual({
      ok: true,
      payload: { purpose: 'unsubscribe', kind: 'lead', sub: PERSON_LEAD, mail },
    });
    expect(openToken(long, 'unsubscribe', SECRET, NOW)).toMatchObject({
      ok: true,
      payload: { mail: longest },
    });
    expect(token).toMatch(/^[A-Za-z0-9_-]{336}$/);
    expect(long.length).toBe(token.length);
    const decoded = Buffer.from(token, 'base64url').toString('latin1');
    for (const plain of ['whitepaper', 'case-study', PERSON_LEAD]) expect(decoded).not.toContain(plain);
    for (const index of [0, 20, 150, 300, 334])
      expect(openToken(flip(token, index), 'unsubscribe', SECRET, NOW).ok).toBe(false);
    expect(openToken(token.slice(0, 166), 'unsubscribe', SECRET, NOW).ok).toBe(false);
    expect(openToken(token, 'confirm', SECRET, NOW)).toEqual({ ok: false, reason: 'wrong_purpose' });
    expect(() =>
      sealToken(
        {
          purpose: 'unsubscribe',
          kind: 'lead',
          sub: PERSON_LEAD,
          mail: { ...longest, stepId: 't'.repeat(200) },
        },
        SECRET,
        iv(10),
      ),
    ).toThrow(RangeError);
  });

  it('given an unsubscribe token sealed before tokens named their mail (the lead alone), when opened, then it still opens, naming no mail', () => {
    // Arrange: the shape every unsubscribe link mailed until now has (166 characters, no mail inside)
    const old = sealToken({ purpose: 'unsubscribe', kind: 'lead', sub: PERSON_LEAD }, SECRET, iv(11));

    // Act
    const opened = openToken(old, 'unsubscribe', SECRET, NOW);

    // Assert
    expect(old).toHaveLength(166);
    expect(opened).toEqual({ ok: true, payload: { purpose: 'unsubscribe', kind: 'lead', sub: PERSON_LEAD } });
  });

  it('given two tokens for the same payload with different IVs, when compared, then they differ (no linkability)', () => {
    const payload = { purpose: 'identity' as const, kind: 'lead' as const, sub: LEAD_ID, exp: NOW };
    expect(sealToken(payload, SECRET, iv(6))).not.toBe(sealToken(payload, SECRET, iv(7)));
  });
});
