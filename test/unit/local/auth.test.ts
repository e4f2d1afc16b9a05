import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Secret, TOTP } from 'otpauth';
import { afterEach, describe, expect, it } from 'vitest';
import { settings } from '#config/settings';
import { invitationFor, PASSWORD_POLICY, passwordProblems } from '#http/sign-in';
import { CONSOLE_CLIENT_ID, createLocalAuth, type LocalAuth } from '#local/auth';

/**
 * The first sign-in of an invited owner on `npm start`'s Cognito stand-in, as Cognito does it: the invitation
 * once per data folder, `NEW_PASSWORD_REQUIRED` for the temporary password, the pool's policy on the new one.
 */
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'leadloop-auth-'));
  dirs.push(dir);
  return dir;
};

type Mail = { to: string; subject: string; html: string };
const start = (
  dataDir: string,
  sent: Mail[] = [],
  now = () => Date.now(),
  mfa: 'optional' | 'required' = 'optional',
) =>
  createLocalAuth({
    apiUrl: 'http://localhost:9',
    dataDir,
    opsToken: 'x'.repeat(32),
    now,
    mfa,
    people: settings.handoff.owners.map((o) => ({ email: o.email, name: o.name, role: 'sales' as const })),
    mail: async (to, mail) => {
      sent.push({ to, ...mail });
    },
  });

const call = async (auth: LocalAuth, target: string, input: Record<string, unknown>) => {
  const answer = await auth.handle(
    'POST',
    '/_local/cognito/',
    { 'x-amz-target': `AWSCognitoIdentityProviderService.${target}` },
    Buffer.from(JSON.stringify({ ClientId: CONSOLE_CLIENT_ID, ...input })),
  );
  return { status: answer?.status, body: JSON.parse(answer?.body ?? '{}') as Record<string, unknown> };
};
const initiate = (auth: LocalAuth, username: string, password: string) =>
  call(auth, 'InitiateAuth', {
    AuthFlow: 'USER_PASSWORD_AUTH',
    AuthParameters: { USERNAME: username, PASSWORD: password },
  });
const respond = (auth: LocalAuth, session: unknown, username: string, password: string) =>
  call(auth, 'RespondToAuthChallenge', {
    ChallengeName: 'NEW_PASSWORD_REQUIRED',
    Session: session,
    ChallengeResponses: { USERNAME: username, NEW_PASSWORD: password },
  });

describe("the pool's password policy", () => {
  it('given candidate passwords, when checked, then each missing class is named as Cognito names it', () => {
    expect(passwordProblems('Kobayashi-2026!')).toEqual([]);
    expect(passwordProblems('short-A1')).toEqual(['Password not long enough']);
    expect(passwordProblems('kobayashi-2026')).toEqual(['Password must have uppercase characters']);
    expect(passwordProblems('KOBAYASHI-2026')).toEqual(['Password must have lowercase characters']);
    expect(passwordProblems('Kobayashi-naoki')).toEqual(['Password must have numeric characters']);
    expect(passwordProblems('Kobayashi2026x')).toEqual(['Password must have symbol characters']);
    // An inner space counts as a symbol; a leading or trailing one does not.
    expect(passwordProblems('Kobayashi 2026x')).toEqual([]);
    expect(passwordProblems(' Kobayashi2026x')).toEqual(['Password must have symbol characters']);
    // Length counts characters, not bytes or UTF-16 units.
    expect(passwordProblems('小林直樹のパスワードAa1!')).toEqual([]);
    expect(PASSWORD_POLICY.minLength).toBe(12);
  });
});

describe('invited owners on the local sign-in', () => {
  const demoEmails = ['n.mori@example.co.jp', 'm.nakajima@example.co.jp', 'k.sato@example.co.jp'];
  const invitedOwners = settings.handoff.owners.filter((o) => !demoEmails.includes(o.email));

  it('given a new data folder, when the runtime starts twice, then every owner but the demo sales user is invited once, with a temporary password that meets the policy', async () => {
    const dir = tempDir();
    const sent: Mail[] = [];
    const auth = await start(dir, sent);
    expect(await auth.sendInvitations()).toBe(invitedOwners.length);
    expect(sent.map((m) => m.to).sort()).toEqual(invitedOwners.map((o) => o.email).sort());
    expect(sent.map((m) => m.to)).not.toContain('k.sato@example.co.jp');
    const kobayashi = auth.invited.find((u) => u.email === 'n.kobayashi@example.co.jp');
    expect(kobayashi).toMatchObject({ group: 'sales', name: '小林 直樹', temporary: true });
    expect(passwordProblems(kobayashi?.password ?? '')).toEqual([]);
    const mail = sent.find((m) => m.to === 'n.kobayashi@example.co.jp');
    expect(mail).toEqual({
      to: mail?.to,
      ...invitationFor('n.kobayashi@example.co.jp', kobayashi?.password ?? ''),
    });
    expect(mail?.html).toContain('仮パスワード');
    expect(mail?.html).not.toContain('{####}');

    const again: Mail[] = [];
    const restarted = await start(dir, again);
    expect(await restarted.sendInvitations()).toBe(0);
    expect(again).toEqual([]);
    expect(restarted.invited.find((u) => u.email === kobayashi?.email)?.password).toBe(kobayashi?.password);
  });

  it('given the temporary password, when the owner signs in, then NEW_PASSWORD_REQUIRED; a weak password, a foreign session or another user is refused; their own password signs them in and lasts', async () => {
    const dir = tempDir();
    const auth = await start(dir);
    const user = auth.invited.find((u) => u.email === 'n.kobayashi@example.co.jp');
    if (!user) throw new Error('kobayashi not invited');
    const temporary = user.password;
    const first = await initiate(auth, 'N.Kobayashi@example.co.jp', temporary);
    expect(first.status).toBe(200);
    expect(first.body.ChallengeName).toBe('NEW_PASSWORD_REQUIRED');
    expect(first.body.AuthenticationResult).toBeUndefined();
    const session = first.body.Session;
    expect(typeof session).toBe('string');

    const weak = await respond(auth, session, user.email, 'kobayashi2026');
    expect(weak.status).toBe(400);
    expect(weak.body).toEqual({
      __type: 'InvalidPasswordException',
      message: 'Password does not conform to policy: Password must have uppercase characters',
    });
    const foreign = await respond(auth, 'not-a-session', user.email, 'Kobayashi-2026!');
    expect(foreign.body.__type).toBe('NotAuthorizedException');
    const someoneElse = await respond(auth, session, 'a.nakamura@example.co.jp', 'Kobayashi-2026!');
    expect(someoneElse.body.__type).toBe('NotAuthorizedException');
    // Nothing above changed the password.
    expect(user).toMatchObject({ password: temporary, temporary: true });

    const set = await respond(auth, session, user.email, 'Kobayashi-2026!');
    expect(set.status).toBe(200);
    const idToken = (set.body.AuthenticationResult as { IdToken: string }).IdToken;
    const claims = await auth.verify(`Bearer ${idToken}`);
    expect(claims).toMatchObject({
      claims: { email: 'n.kobayashi@example.co.jp', name: '小林 直樹', 'cognito:groups': '[sales]' },
    });
    // The session is spent; the temporary password no longer works; the new one signs in directly.
    expect((await respond(auth, session, user.email, 'Other-2026-pw!')).body.__type).toBe(
      'NotAuthorizedException',
    );
    expect((await initiate(auth, user.email, temporary)).body.__type).toBe('NotAuthorizedException');
    expect((await initiate(auth, user.email, 'Kobayashi-2026!')).body.AuthenticationResult).toBeDefined();

    // Kept in the data folder: after a restart the password is still theirs and no invitation goes again.
    const sent: Mail[] = [];
    const restarted = await start(dir, sent);
    expect(await restarted.sendInvitations()).toBe(invitedOwners.length - 1);
    expect(sent.map((m) => m.to)).not.toContain(user.email);
    expect(
      (await initiate(restarted, user.email, 'Kobayashi-2026!')).body.AuthenticationResult,
    ).toBeDefined();
  });

  it('given a challenge of a kind the stand-in does not know, when answered, then InvalidParameterException and no tokens', async () => {
    const auth = await start(tempDir());
    const answer = await call(auth, 'RespondToAuthChallenge', {
      ChallengeName: 'SMS_MFA',
      Session: 'x',
      ChallengeResponses: { USERNAME: 'sales', SMS_MFA_CODE: '123456' },
    });
    expect(answer).toMatchObject({ status: 400, body: { __type: 'InvalidParameterException' } });
  });
});

describe('staying signed in on the local sign-in', () => {
  it('given a sign-in, when its refresh token is used within the working day, then new tokens for the same person (no new refresh token); after 12 hours or a revocation it is refused', async () => {
    let clock = Date.parse('2026-12-07T00:00:00Z');
    const auth = await start(tempDir(), [], () => clock);
    const sales = auth.users.find((u) => u.group === 'sales');
    const signedIn = await initiate(auth, sales?.username ?? '', sales?.password ?? '');
    const first = signedIn.body.AuthenticationResult as {
      IdToken: string;
      RefreshToken: string;
      ExpiresIn: number;
    };
    expect(first.ExpiresIn).toBe(3600);
    expect(typeof first.RefreshToken).toBe('string');
    const refresh = (token: string) =>
      call(auth, 'InitiateAuth', {
        AuthFlow: 'REFRESH_TOKEN_AUTH',
        AuthParameters: { REFRESH_TOKEN: token },
      });

    clock += 2 * 3_600_000;
    // The first ID token has ended on this clock; the refresh gives a new one.
    expect(await auth.verify(`Bearer ${first.IdToken}`)).toEqual({ error: 'Unauthorized' });
    const renewed = await refresh(first.RefreshToken);
    expect(renewed.status).toBe(200);
    const second = renewed.body.AuthenticationResult as { IdToken: string; RefreshToken?: string };
    expect(second.RefreshToken).toBeUndefined();
    expect(await auth.verify(`Bearer ${second.IdToken}`)).toMatchObject({
      claims: { email: 'k.sato@example.co.jp', 'cognito:groups': '[sales]' },
    });

    clock += 10 * 3_600_000 + 1;
    expect((await refresh(first.RefreshToken)).body).toEqual({
      __type: 'NotAuthorizedException',
      message: 'Refresh Token has expired',
    });

    const again = (await initiate(auth, sales?.username ?? '', sales?.password ?? '')).body
      .AuthenticationResult as { RefreshToken: string };
    expect((await call(auth, 'RevokeToken', { Token: again.RefreshToken })).status).toBe(200);
    expect((await refresh(again.RefreshToken)).body.message).toBe('Invalid Refresh Token');
    expect((await refresh('made-up')).body.__type).toBe('NotAuthorizedException');
  });
});

describe('two-step sign-in (TOTP) on the local sign-in', () => {
  const codeFor = (secret: string, offsetSeconds = 0) =>
    new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' }).generate({
      timestamp: Date.now() + offsetSeconds * 1000,
    });
  /** A code valid in none of the windows a check accepts (the previous, this and the next 30 seconds). */
  const wrongCode = (secret: string) => {
    const valid = [-30, 0, 30].map((s) => codeFor(secret, s));
    return ['000000', '111111', '222222', '333333'].find((c) => !valid.includes(c)) ?? '444444';
  };

  it('given the pool leaves it optional, when a person turns it on with their access token, then each later sign-in asks for the code, a wrong one is refused, and turning it off ends that', async () => {
    const dir = tempDir();
    const auth = await start(dir);
    const sales = auth.users.find((u) => u.group === 'sales');
    const password = sales?.password ?? '';
    const tokens = (await initiate(auth, 'sales', password)).body.AuthenticationResult as {
      AccessToken: string;
    };
    const accessToken = tokens.AccessToken;
    expect((await call(auth, 'GetUser', { AccessToken: accessToken })).body).toMatchObject({
      UserMFASettingList: [],
    });
    expect((await call(auth, 'GetUser', { AccessToken: 'forged' })).body.__type).toBe(
      'NotAuthorizedException',
    );

    const associated = await call(auth, 'AssociateSoftwareToken', { AccessToken: accessToken });
    const secret = String(associated.body.SecretCode);
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    // Turning it on before the app's code was verified is refused; a wrong code does not verify.
    const early = await call(auth, 'SetUserMFAPreference', {
      AccessToken: accessToken,
      SoftwareTokenMfaSettings: { Enabled: true, PreferredMfa: true },
    });
    expect(early.body.__type).toBe('InvalidParameterException');
    const wrong = await call(auth, 'VerifySoftwareToken', {
      AccessToken: accessToken,
      UserCode: wrongCode(secret),
    });
    expect(wrong.body.__type).toBe('EnableSoftwareTokenMFAException');
    const verified = await call(auth, 'VerifySoftwareToken', {
      AccessToken: accessToken,
      UserCode: codeFor(secret),
    });
    expect(verified.body).toEqual({ Status: 'SUCCESS' });
    // Verified is not on: a sign-in still needs only the password.
    expect((await initiate(auth, 'sales', password)).body.AuthenticationResult).toBeDefined();
    await call(auth, 'SetUserMFAPreference', {
      AccessToken: accessToken,
      SoftwareTokenMfaSettings: { Enabled: true, PreferredMfa: true },
    });
    expect((await call(auth, 'GetUser', { AccessToken: accessToken })).body).toMatchObject({
      UserMFASettingList: ['SOFTWARE_TOKEN_MFA'],
      PreferredMfaSetting: 'SOFTWARE_TOKEN_MFA',
    });

    // Kept in the data folder: after a restart the sign-in asks for the code.
    const restarted = await start(dir);
    const first = await initiate(restarted, 'sales', password);
    expect(first.body).toMatchObject({ ChallengeName: 'SOFTWARE_TOKEN_MFA' });
    expect(first.body.AuthenticationResult).toBeUndefined();
    const answer = (code: string) =>
      call(restarted, 'RespondToAuthChallenge', {
        ChallengeName: 'SOFTWARE_TOKEN_MFA',
        Session: first.body.Session,
        ChallengeResponses: { USERNAME: 'sales', SOFTWARE_TOKEN_MFA_CODE: code },
      });
    expect((await answer(wrongCode(secret))).body.__type).toBe('CodeMismatchException');
    // The code of the previous 30 seconds is still taken (an authenticator a little behind).
    const signedIn = await answer(codeFor(secret, -30));
    expect(signedIn.body.AuthenticationResult).toBeDefined();
    const newAccess = (signedIn.body.AuthenticationResult as { AccessToken: string }).AccessToken;
    await call(restarted, 'SetUserMFAPreference', {
      AccessToken: newAccess,
      SoftwareTokenMfaSettings: { Enabled: false, PreferredMfa: false },
    });
    expect((await initiate(restarted, 'sales', password)).body.AuthenticationResult).toBeDefined();
  });

  it('given the pool requires it, when an invited owner first signs in, then new password, then MFA_SETUP: the app is set up on the session, and from then on the code is asked; it cannot be turned off', async () => {
    const auth = await start(tempDir(), [], () => Date.now(), 'required');
    const owner = auth.invited.find((u) => u.email === 'a.nakamura@example.co.jp');
    if (!owner) throw new Error('nakamura not invited');
    const first = await initiate(auth, owner.email, owner.password);
    expect(first.body.ChallengeName).toBe('NEW_PASSWORD_REQUIRED');
    const afterPassword = await respond(auth, first.body.Session, owner.email, 'Nakamura-2026!');
    expect(afterPassword.body).toMatchObject({ ChallengeName: 'MFA_SETUP' });
    expect(afterPassword.body.AuthenticationResult).toBeUndefined();
    const session = afterPassword.body.Session;
    const setUp = (s: unknown) =>
      call(auth, 'RespondToAuthChallenge', {
        ChallengeName: 'MFA_SETUP',
        Session: s,
        ChallengeResponses: { USERNAME: owner.email },
      });
    // Not before the app's code was verified on this session.
    expect((await setUp(session)).body.AuthenticationResult).toBeUndefined();
    const associated = await call(auth, 'AssociateSoftwareToken', { Session: session });
    const secret = String(associated.body.SecretCode);
    const verified = await call(auth, 'VerifySoftwareToken', {
      Session: associated.body.Session,
      UserCode: codeFor(secret),
      FriendlyDeviceName: 'Lead loop',
    });
    expect(verified.body.Status).toBe('SUCCESS');
    const done = await setUp(verified.body.Session);
    const access = (done.body.AuthenticationResult as { AccessToken: string }).AccessToken;
    expect(access).toBeTruthy();

    const later = await initiate(auth, owner.email, 'Nakamura-2026!');
    expect(later.body.ChallengeName).toBe('SOFTWARE_TOKEN_MFA');
    const off = await call(auth, 'SetUserMFAPreference', {
      AccessToken: access,
      SoftwareTokenMfaSettings: { Enabled: false },
    });
    expect(off.body.__type).toBe('InvalidParameterException');
    // A demo user who has none yet is asked to set it up after the password.
    expect((await initiate(auth, 'admin', auth.users[0]?.password ?? '')).body.ChallengeName).toBe(
      'MFA_SETUP',
    );
  });
});

describe('a forgotten password on the local sign-in', () => {
  it('given ForgotPassword, when the mailed code comes back with a new password, then a wrong code, an unknown name or a weak password change nothing, the right one sets it (kept after a restart), and the code is spent', async () => {
    const dir = tempDir();
    const sent: Mail[] = [];
    const auth = await start(dir, sent);
    const marketing = auth.users.find((u) => u.group === 'marketing');
    if (!marketing) throw new Error('no marketing user');
    const old = marketing.password;

    // An unknown name gets the same answer and no mail (Cognito's preventUserExistenceErrors).
    const unknown = await call(auth, 'ForgotPassword', { Username: 'nobody@example.co.jp' });
    const asked = await call(auth, 'ForgotPassword', { Username: 'M.Nakajima@example.co.jp' });
    expect(unknown).toEqual(asked);
    expect(sent.map((m) => m.to)).toEqual(['m.nakajima@example.co.jp']);
    const code = /<b>(\d{6})<\/b>/.exec(sent[0]?.html ?? '')?.[1] ?? '';
    expect(code).toMatch(/^\d{6}$/);
    expect(sent[0]?.subject).toContain('パスワード再設定');

    const confirm = (c: string, password: string) =>
      call(auth, 'ConfirmForgotPassword', { Username: 'marketing', ConfirmationCode: c, Password: password });
    const wrong = code === '000000' ? '111111' : '000000';
    expect((await confirm(wrong, 'Nakajima-2026!')).body.__type).toBe('CodeMismatchException');
    expect((await confirm(code, 'nakajima-2026')).body.__type).toBe('InvalidPasswordException');
    expect(marketing.password).toBe(old);
    expect((await confirm(code, 'Nakajima-2026!')).status).toBe(200);
    expect((await confirm(code, 'Nakajima-2027!')).body.__type).toBe('ExpiredCodeException');
    expect((await initiate(auth, 'marketing', old)).body.__type).toBe('NotAuthorizedException');
    expect((await initiate(auth, 'marketing', 'Nakajima-2026!')).body.AuthenticationResult).toBeDefined();

    const restarted = await start(dir);
    expect(
      (await initiate(restarted, 'marketing', 'Nakajima-2026!')).body.AuthenticationResult,
    ).toBeDefined();
  });

  it('given an invited owner who lost the invitation, when they reset the password, then it is their own (no new-password step) and five wrong codes spend the code', async () => {
    const sent: Mail[] = [];
    const auth = await start(tempDir(), sent);
    const owner = auth.invited.find((u) => u.email === 't.yoshida@example.co.jp');
    if (!owner) throw new Error('yoshida not invited');
    await call(auth, 'ForgotPassword', { Username: owner.email });
    const code = /<b>(\d{6})<\/b>/.exec(sent.at(-1)?.html ?? '')?.[1] ?? '';
    const wrong = code === '000000' ? '111111' : '000000';
    for (let i = 0; i < 5; i++)
      await call(auth, 'ConfirmForgotPassword', {
        Username: owner.email,
        ConfirmationCode: wrong,
        Password: 'Yoshida-2026!',
      });
    const spent = await call(auth, 'ConfirmForgotPassword', {
      Username: owner.email,
      ConfirmationCode: code,
      Password: 'Yoshida-2026!',
    });
    expect(spent.body.__type).toBe('ExpiredCodeException');

    await call(auth, 'ForgotPassword', { Username: owner.email });
    const fresh = /<b>(\d{6})<\/b>/.exec(sent.at(-1)?.html ?? '')?.[1] ?? '';
    const done = await call(auth, 'ConfirmForgotPassword', {
      Username: owner.email,
      ConfirmationCode: fresh,
      Password: 'Yoshida-2026!',
    });
    expect(done.status).toBe(200);
    expect(owner.temporary).toBe(false);
    expect((await initiate(auth, owner.email, 'Yoshida-2026!')).body.AuthenticationResult).toBeDefined();
  });
});
