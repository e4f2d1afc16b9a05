/**
 * What people meet when they first sign in: the user pool's password policy and its invitation mail. The
 * CDK app gives both to Cognito (`infra/identity.ts`); the sign-in of `npm start` (`local/auth.ts`) applies
 * the same policy and sends the same invitation, so the first sign-in can be tried locally as it happens in
 * AWS: invitation → temporary password → `NEW_PASSWORD_REQUIRED` → a password of one's own.
 */

export const PASSWORD_POLICY = {
  minLength: 12,
  requireLowercase: true,
  requireUppercase: true,
  requireDigits: true,
  requireSymbols: true,
  /** Days a temporary password can be used before an administrator has to send a new one. */
  tempPasswordValidityDays: 3,
} as const;

/**
 * How long a sign-in lasts: the ID token an hour (the console renews it with the refresh token, unseen), the
 * refresh token a working day; after that, sign in again.
 */
export const SESSION_HOURS = { idToken: 1, refreshToken: 12 } as const;

/** The characters Cognito counts as symbols (besides an inner space). */
const SYMBOLS = new Set('^$*.[]{}()?-"!@#%&/\\,><\':;|_~`+=');

/**
 * Why Cognito would refuse `password` as a new one, in its words (`InvalidPasswordException`'s message
 * names the first), or none when the policy is met.
 */
export function passwordProblems(password: string): string[] {
  const chars = [...password];
  const problems: string[] = [];
  if (chars.length < PASSWORD_POLICY.minLength) problems.push('Password not long enough');
  if (!chars.some((c) => c >= 'a' && c <= 'z')) problems.push('Password must have lowercase characters');
  if (!chars.some((c) => c >= 'A' && c <= 'Z')) problems.push('Password must have uppercase characters');
  if (!chars.some((c) => c >= '0' && c <= '9')) problems.push('Password must have numeric characters');
  const inner = chars.slice(1, -1);
  if (!chars.some((c) => SYMBOLS.has(c)) && !inner.includes(' '))
    problems.push('Password must have symbol characters');
  return problems;
}

/** Cognito's placeholders in an invitation: the user name and the temporary password. */
export const USERNAME_PLACEHOLDER = '{username}';
export const CODE_PLACEHOLDER = '{####}';

/**
 * The invitation Cognito sends a new user (every owner of `config/handoff.ts`, and anyone an administrator
 * adds), in Japanese first and English after, as HTML (Cognito sends it as such).
 */
export const INVITATION = {
  subject: '【Lead loop】コンソールへのご招待 / Your Lead loop console account',
  body: [
    '<p>Lead loop のコンソール（リード・商談管理）にアカウントが作成されました。</p>',
    `<p>ユーザー名: <b>${USERNAME_PLACEHOLDER}</b><br>仮パスワード: <b>${CODE_PLACEHOLDER}</b></p>`,
    `<p>管理者から案内されたコンソールの URL を開き、このユーザー名と仮パスワードでサインインしてください。最初のサインインで、ご自身のパスワード（${PASSWORD_POLICY.minLength}文字以上、英大文字・英小文字・数字・記号をそれぞれ含む）を設定していただきます。仮パスワードの有効期限は${PASSWORD_POLICY.tempPasswordValidityDays}日です。期限が切れた場合は管理者に再発行を依頼してください。</p>`,
    '<hr>',
    '<p>An account has been created for you on the Lead loop console (leads and deals).</p>',
    `<p>User name: <b>${USERNAME_PLACEHOLDER}</b><br>Temporary password: <b>${CODE_PLACEHOLDER}</b></p>`,
    `<p>Open the console URL your administrator gave you and sign in with this user name and temporary password. On the first sign-in you choose a password of your own (at least ${PASSWORD_POLICY.minLength} characters with upper- and lower-case letters, a digit and a symbol). The temporary password expires after ${PASSWORD_POLICY.tempPasswordValidityDays} days; ask your administrator for a new one then.</p>`,
  ].join('\n'),
} as const;

/**
 * The mail with a code Cognito sends when someone has forgotten their password (its "verification message",
 * `{####}` the code), Japanese first and English after. The code is good for an hour.
 */
export const PASSWORD_RESET_MAIL = {
  subject: '【Lead loop】パスワード再設定の確認コード / Your Lead loop password reset code',
  body: [
    `<p>Lead loop コンソールのパスワード再設定の確認コードです: <b>${CODE_PLACEHOLDER}</b></p>`,
    '<p>コンソールの「パスワードを忘れた場合」の画面でこのコードと新しいパスワードを入力してください。コードの有効期限は1時間です。お心当たりがない場合は、このメールを破棄してください。</p>',
    '<hr>',
    `<p>Your Lead loop console password reset code: <b>${CODE_PLACEHOLDER}</b></p>`,
    '<p>Enter it with a new password on the console\'s "Forgot your password?" page. It is good for an hour. If you did not ask for it, ignore this mail.</p>',
  ].join('\n'),
} as const;

/** The reset mail as Cognito fills it in (what `npm start` sends to its inbox). */
export function passwordResetMailFor(code: string): { subject: string; html: string } {
  return {
    subject: PASSWORD_RESET_MAIL.subject,
    html: PASSWORD_RESET_MAIL.body.replaceAll(CODE_PLACEHOLDER, code),
  };
}

/** The address invitations come from: a domain identity's `no-reply@`, or the identity's own address. */
export function invitationFromAddress(sesIdentity: string): string {
  return sesIdentity.includes('@') ? sesIdentity : `no-reply@${sesIdentity}`;
}
export const INVITATION_FROM_NAME = 'Lead loop';

/** The invitation as Cognito fills it in for one user (what `npm start` sends to its inbox). */
export function invitationFor(
  username: string,
  temporaryPassword: string,
): { subject: string; html: string } {
  return {
    subject: INVITATION.subject,
    html: INVITATION.body
      .replaceAll(USERNAME_PLACEHOLDER, username)
      .replaceAll(CODE_PLACEHOLDER, temporaryPassword),
  };
}
