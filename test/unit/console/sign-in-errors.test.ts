import { describe, expect, it } from 'vitest';
import { SignInError } from '../../../console/src/api.ts';
import { translate } from '../../../console/src/i18n.ts';
import { signInMessage } from '../../../console/src/sign-in-errors.ts';

/** Cognito answers in English by error type and message; the console says it in the person's language. */
describe("Cognito's refusals in the console's words", () => {
  const ja = translate('ja');
  const say = (type: string, message: string) => signInMessage(ja, new SignInError(type, message));

  it('given each refusal Cognito gives at sign-in, when shown, then the Japanese line for it, never the English message', () => {
    const cases: [string, string, string][] = [
      ['NotAuthorizedException', 'Incorrect username or password.', 'wrongPassword'],
      [
        'NotAuthorizedException',
        'Temporary password has expired and must be reset by an administrator.',
        'tempPasswordExpired',
      ],
      ['NotAuthorizedException', 'Unable to login because of security reasons.', 'blockedForSecurity'],
      ['NotAuthorizedException', 'Invalid session for the user, session is expired.', 'challengeExpired'],
      [
        'InvalidPasswordException',
        'Password does not conform to policy: Password not long enough',
        'passwordPolicy',
      ],
      ['CodeMismatchException', 'Invalid code received for user', 'codeMismatch'],
      ['EnableSoftwareTokenMFAException', 'Code mismatch', 'codeMismatch'],
      ['ExpiredCodeException', 'Invalid code provided, please request a code again.', 'codeMismatch'],
      ['PasswordResetRequiredException', 'Password reset required for the user', 'passwordResetRequired'],
      ['TooManyRequestsException', 'Too many requests', 'tooManyAttempts'],
      ['TooManyFailedAttemptsException', 'Too many failed attempts', 'tooManyAttempts'],
      ['LimitExceededException', 'Attempt limit exceeded, please try after some time.', 'tooManyAttempts'],
      ['challenge:SMS_MFA', 'SMS_MFA', 'unsupportedChallenge'],
    ];
    for (const [type, message, key] of cases) {
      const line = say(type, message);
      expect(line, `${type}: ${message}`).toBe(ja(key as Parameters<typeof ja>[0]));
      expect(line).not.toContain(message);
    }
  });

  it('given an error it does not know, or no answer at all, when shown, then the general line with what Cognito or the browser said', () => {
    expect(say('InternalErrorException', 'Internal error')).toBe(
      'サインインできませんでした: Internal error',
    );
    expect(signInMessage(ja, new TypeError('Failed to fetch'))).toBe(
      'サインインできませんでした: Failed to fetch',
    );
    expect(signInMessage(translate('en'), new SignInError('CodeMismatchException', 'x'))).toMatch(
      /^The code is not right/,
    );
  });
});
