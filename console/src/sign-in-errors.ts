import { SignInError } from './api.ts';
import type { T } from './i18n.ts';

/** Cognito's refusal of a sign-in or set-up step, in the console's language. */
export function signInMessage(t: T, err: unknown): string {
  if (!(err instanceof SignInError)) return `${t('signInFailed')}: ${(err as Error).message}`;
  switch (err.type) {
    case 'NotAuthorizedException':
      if (/temporary password has expired/i.test(err.message)) return t('tempPasswordExpired');
      // Threat protection (config/app.ts → signIn.threatProtection 'enforce') blocked a risky sign-in.
      if (/security reasons/i.test(err.message)) return t('blockedForSecurity');
      if (/session/i.test(err.message)) return t('challengeExpired');
      return t('wrongPassword');
    case 'InvalidPasswordException':
      return t('passwordPolicy');
    case 'CodeMismatchException':
    case 'EnableSoftwareTokenMFAException':
    case 'ExpiredCodeException':
      return t('codeMismatch');
    case 'PasswordResetRequiredException':
      return t('passwordResetRequired');
    case 'TooManyRequestsException':
    case 'TooManyFailedAttemptsException':
    case 'LimitExceededException':
      return t('tooManyAttempts');
    default:
      return err.type.startsWith('challenge:')
        ? t('unsupportedChallenge')
        : `${t('signInFailed')}: ${err.message}`;
  }
}
