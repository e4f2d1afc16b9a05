import { randomBytes, randomInt, randomUUID, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type CryptoKey,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
  type JWTPayload,
  jwtVerify,
  SignJWT,
} from 'jose';
import { Secret, TOTP } from 'otpauth';
import { fullScope, type Role, SCOPES, type Scope } from '#http/access';
import { invitationFor, passwordProblems, passwordResetMailFor, SESSION_HOURS } from '#http/sign-in';
import { CONSOLE_CLIENT_ID } from '#local/sign-in';

/**
 * The sign-in of `npm start`: a stand-in for the Cognito user pool with the same JWT flow. It signs RS256
 * tokens with a key generated once per data folder, publishes the JWKS, answers Cognito's `InitiateAuth`
 * (USER_PASSWORD_AUTH, the call the console makes in AWS too) and the OAuth2 `client_credentials` grant of
 * the machine client, and verifies tokens as the HTTP API JWT authorizer does (signature, issuer,
 * audience/client, expiry) before a function runs.
 *
 * First sign-in as in AWS: every owner of `config/handoff.ts` and person of `config/app.ts` → `signIn.people`
 * who is not a demo user is invited (the stack creates them as users in their role): a temporary password,
 * sent in Cognito's invitation (`mail`, to the local SES inbox on `npm start`); signing in with it answers the
 * `NEW_PASSWORD_REQUIRED` challenge, and `RespondToAuthChallenge` with a new password that meets the pool's
 * policy signs them in. (A temporary password does not expire here: the local clock moves days at a time.)
 *
 * The rest of Cognito's user-pool calls the console makes: `REFRESH_TOKEN_AUTH` and `RevokeToken` (a
 * working day's sign-in), and two-step sign-in with an authenticator app (TOTP, checked on real time by
 * `otpauth`): `SOFTWARE_TOKEN_MFA` for a person who turned it on, `MFA_SETUP` when the pool requires it
 * (`config/app.ts` → `signIn.mfa`), `AssociateSoftwareToken` / `VerifySoftwareToken` /
 * `SetUserMFAPreference` / `GetUser` with a session or the person's access token; a forgotten password
 * (`ForgotPassword` mails a code, `ConfirmForgotPassword` takes it with the new password).
 *
 * Why not the cognito-local package: it has no client_credentials grant (machines could not sign in), its
 * issuer and JWKS URL are fixed to port 9229 and its data folder to `./.cognito` of the working directory,
 * so two runtimes (tests run several) would share users and ports.
 */

export const LOCAL_POOL_ID = 'ap-northeast-1_LOCAL';
export { CONSOLE_CLIENT_ID };
export const MACHINE_CLIENT_ID = 'leadloop-machine-local';
/** Claims the old shared ops token stands for: a machine credential with every scope (tests, scripts). */
export const OPS_TOKEN_CLIENT_ID = 'local-ops-token';
export const OPS_TOKEN_CLAIMS: Record<string, string> = {
  sub: OPS_TOKEN_CLIENT_ID,
  client_id: OPS_TOKEN_CLIENT_ID,
  token_use: 'access',
  scope: fullScope('admin'),
};

export interface DemoUser {
  username: string;
  email: string;
  name: string;
  group: Role;
  password: string;
}

const DEMO_USERS: Omit<DemoUser, 'password'>[] = [
  { username: 'admin', email: 'n.mori@example.co.jp', name: '森 直人', group: 'admin' },
  { username: 'marketing', email: 'm.nakajima@example.co.jp', name: '中島 美穂', group: 'marketing' },
  // An owner of config/handoff.ts: the sales user's `by` and "my leads" are owner `sato`.
  { username: 'sales', email: 'k.sato@example.co.jp', name: '佐藤 健', group: 'sales' },
];

/** A person invited as the stack invites them: a user named by e-mail in their role, a temporary password. */
export interface InvitedUser extends DemoUser {
  /** True until the first sign-in has set a password of the user's own. */
  temporary: boolean;
}

const TOKEN_SECONDS = SESSION_HOURS.idToken * 3600;
const AMZ_JSON = 'application/x-amz-json-1.1';
const CHALLENGES = ['NEW_PASSWORD_REQUIRED', 'SOFTWARE_TOKEN_MFA', 'MFA_SETUP'] as const;
type ChallengeName = (typeof CHALLENGES)[number];
type LocalUser = DemoUser | InvitedUser;
/** The fields of the Cognito calls emulated here. */
interface CognitoInput {
  AuthFlow?: string;
  ClientId?: string;
  AuthParameters?: Record<string, string>;
  ChallengeName?: string;
  Session?: string;
  ChallengeResponses?: Record<string, string>;
  Token?: string;
  AccessToken?: string;
  UserCode?: string;
  SoftwareTokenMfaSettings?: { Enabled?: boolean; PreferredMfa?: boolean };
  Username?: string;
  ConfirmationCode?: string;
  Password?: string;
}
interface CognitoAnswer {
  status?: number;
  body: Record<string, unknown>;
}
/** How long a challenge's session may be answered (Cognito's default: 3 minutes). */
const CHALLENGE_SECONDS = 180;
const ALL_SCOPES = (Object.keys(SCOPES) as Scope[]).map(fullScope);

export interface LocalAuth {
  issuer: string;
  jwksUrl: string;
  /** Cognito's API endpoint stand-in (POST with `X-Amz-Target: AWSCognitoIdentityProviderService.…`). */
  cognitoEndpoint: string;
  tokenUrl: string;
  users: readonly DemoUser[];
  /** People invited with a temporary password (the owners and `signIn.people` who are not demo users). */
  invited: readonly InvitedUser[];
  machineClient: { clientId: string; clientSecret: string };
  /** Verified claims as API Gateway passes them (`requestContext.authorizer.jwt.claims`), or the reason. */
  verify: (
    authorization: string | undefined,
  ) => Promise<{ claims: Record<string, string> } | { error: string }>;
  /** Sends the invitations not sent yet (each invited person's, once per data folder). */
  sendInvitations: () => Promise<number>;
  /** Answers `/_local/cognito/*`; false when the path is not its. */
  handle: (
    method: string,
    path: string,
    headers: Record<string, string | string[] | undefined>,
    body: Buffer,
  ) => Promise<{ status: number; headers: Record<string, string>; body: string } | undefined>;
}

const secretFile = (dataDir: string | undefined, name: string, make: () => string): string => {
  if (!dataDir) return make();
  const file = join(dataDir, name);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const value = make();
  writeFileSync(file, value, { mode: 0o600 });
  return value;
};

const same = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/** API Gateway hands claims to the function as strings; arrays become `[a b]`. */
const flatten = (payload: JWTPayload): Record<string, string> =>
  Object.fromEntries(
    Object.entries(payload).map(([k, v]) => [
      k,
      Array.isArray(v) ? `[${v.join(' ')}]` : typeof v === 'object' ? JSON.stringify(v) : String(v),
    ]),
  );

export async function createLocalAuth(options: {
  apiUrl: string;
  dataDir?: string;
  opsToken: string;
  now: () => number;
  /** People to invite, as the stack creates them: the sales owners and `signIn.people` (default: none). */
  people?: readonly { email: string; name: string; role: Role }[];
  /** Delivers Cognito's mail: an invitation, a password reset code (default: none is sent). */
  mail?: (to: string, mail: { subject: string; html: string }) => Promise<void>;
  /** Two-step sign-in (TOTP), as `config/app.ts` → `signIn.mfa` sets the pool (default optional). */
  mfa?: 'optional' | 'required';
}): Promise<LocalAuth> {
  const base = `${options.apiUrl}/_local/cognito`;
  const issuer = `${base}/${LOCAL_POOL_ID}`;
  let privateKey: CryptoKey;
  let publicJwk: JWK;
  const keyText = secretFile(options.dataDir, 'auth-key.json', () => '');
  if (keyText) {
    const jwk = JSON.parse(keyText) as JWK;
    privateKey = (await importJWK(jwk, 'RS256')) as CryptoKey;
    const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...pub } = jwk;
    publicJwk = pub;
  } else {
    const pair = await generateKeyPair('RS256', { extractable: true });
    privateKey = pair.privateKey;
    const kid = randomUUID();
    publicJwk = { ...(await exportJWK(pair.publicKey)), kid, alg: 'RS256', use: 'sig' };
    if (options.dataDir) {
      const full = { ...(await exportJWK(pair.privateKey)), kid, alg: 'RS256', use: 'sig' };
      writeFileSync(join(options.dataDir, 'auth-key.json'), JSON.stringify(full), { mode: 0o600 });
    }
  }
  const publicKey = (await importJWK(publicJwk, 'RS256')) as CryptoKey;
  const kid = publicJwk.kid ?? 'local';

  const users: DemoUser[] = DEMO_USERS.map((u) => ({
    ...u,
    password: secretFile(
      options.dataDir,
      `password-${u.username}`,
      () => `Ll-${randomBytes(6).toString('base64url')}1!`,
    ),
  }));
  const demoEmails = new Set(users.map((u) => u.email));
  const ownerFile = (email: string) => `owner-${email.toLowerCase()}.json`;
  const invited: InvitedUser[] = (options.people ?? [])
    .filter((o) => !demoEmails.has(o.email.toLowerCase()))
    .map((o) => {
      const email = o.email.toLowerCase();
      const saved = JSON.parse(
        secretFile(options.dataDir, ownerFile(email), () =>
          JSON.stringify({ password: `Ll-${randomBytes(6).toString('base64url')}1!`, temporary: true }),
        ),
      ) as { password: string; temporary: boolean };
      return {
        username: email,
        email,
        name: o.name,
        group: o.role,
        password: saved.password,
        temporary: saved.temporary,
      };
    });
  const saveInvited = (user: InvitedUser, extra: Record<string, unknown> = {}) => {
    if (options.dataDir)
      writeFileSync(
        join(options.dataDir, ownerFile(user.email)),
        JSON.stringify({ password: user.password, temporary: user.temporary, ...extra }),
        { mode: 0o600 },
      );
  };
  const sendInvitations: LocalAuth['sendInvitations'] = async () => {
    if (!options.mail) return 0;
    let sent = 0;
    for (const user of invited) {
      const file = options.dataDir ? join(options.dataDir, ownerFile(user.email)) : undefined;
      const already = file && (JSON.parse(readFileSync(file, 'utf8')) as { invited?: boolean }).invited;
      if (already || !user.temporary) continue;
      await options.mail(user.email, invitationFor(user.username, user.password));
      saveInvited(user, { invited: true });
      sent++;
    }
    return sent;
  };
  /** Refresh tokens given out (in memory: a restart signs people out): token → whom, until (local clock). */
  const refreshTokens = new Map<string, { username: string; expiresAt: number }>();
  /** Open challenges: session → which, whom and until when (MFA_SETUP: once the code was verified). */
  const challenges = new Map<
    string,
    { name: ChallengeName; username: string; expiresAt: number; verified?: boolean }
  >();
  /** Each person's authenticator (TOTP): the verified secret, whether it is on, a secret being set up. */
  type Totp = { secret?: string | undefined; enabled: boolean; pending?: string | undefined };
  const totps = new Map<string, Totp>(
    Object.entries(JSON.parse(secretFile(options.dataDir, 'totp.json', () => '{}')) as Record<string, Totp>),
  );
  const totpOf = (username: string) => totps.get(username);
  const setTotp = (username: string, state: Partial<Totp>) => {
    totps.set(username, { enabled: false, ...state });
    if (options.dataDir)
      writeFileSync(join(options.dataDir, 'totp.json'), JSON.stringify(Object.fromEntries(totps)), {
        mode: 0o600,
      });
  };
  const mfaMode = options.mfa ?? 'optional';
  /** Password reset codes mailed (in memory): username → the code and until when (real time: an hour). */
  const resetCodes = new Map<string, { code: string; expiresAt: number; attempts: number }>();
  /** A password chosen by its person (a reset, or the first sign-in's), kept in the data folder. */
  const savePassword = (user: LocalUser, password: string) => {
    user.password = password;
    const invitedUser = invited.find((u) => u === user);
    if (invitedUser) {
      invitedUser.temporary = false;
      saveInvited(invitedUser, { invited: true });
    } else if (options.dataDir)
      writeFileSync(join(options.dataDir, `password-${user.username}`), password, { mode: 0o600 });
  };

  const machineClient = {
    clientId: MACHINE_CLIENT_ID,
    clientSecret: secretFile(options.dataDir, 'machine-client-secret', () =>
      randomBytes(24).toString('base64url'),
    ),
  };

  const nowSeconds = () => Math.floor(options.now() / 1000);
  const sign = (claims: JWTPayload) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid })
      .setIssuer(issuer)
      .setIssuedAt(nowSeconds())
      .setExpirationTime(nowSeconds() + TOKEN_SECONDS)
      .setJti(randomUUID())
      .sign(privateKey);

  const isTemporary = (user: LocalUser) => 'temporary' in user && user.temporary;
  const findUser = (username: string): LocalUser | undefined =>
    [...users, ...invited].find((u) => u.username === username || u.email === username.toLowerCase());
  const tokensFor = async (user: LocalUser) => {
    const sub = `local-${user.username}`;
    const groups = [user.group];
    const idToken = await sign({
      sub,
      aud: CONSOLE_CLIENT_ID,
      token_use: 'id',
      email: user.email,
      email_verified: true,
      name: user.name,
      'cognito:username': user.username,
      'cognito:groups': groups,
      auth_time: nowSeconds(),
    });
    const accessToken = await sign({
      sub,
      client_id: CONSOLE_CLIENT_ID,
      token_use: 'access',
      scope: 'aws.cognito.signin.user.admin',
      username: user.username,
      'cognito:groups': groups,
    });
    return { idToken, accessToken };
  };

  const verify: LocalAuth['verify'] = async (authorization) => {
    const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
    if (!token) return { error: 'Unauthorized' };
    if (same(token, options.opsToken)) {
      return { claims: OPS_TOKEN_CLAIMS };
    }
    try {
      const { payload } = await jwtVerify(token, publicKey, {
        issuer,
        algorithms: ['RS256'],
        currentDate: new Date(options.now()),
      });
      // The authorizer's audience list: the console client (ID tokens: `aud`) and the machine client
      // (access tokens: `client_id`).
      const audience = payload.token_use === 'id' ? payload.aud : payload.client_id;
      if (audience !== CONSOLE_CLIENT_ID && audience !== MACHINE_CLIENT_ID) return { error: 'Unauthorized' };
      return { claims: flatten(payload) };
    } catch {
      return { error: 'Unauthorized' };
    }
  };

  const reply = (status: number, value: unknown, type = 'application/json') => ({
    status,
    headers: { 'content-type': type, 'cache-control': 'no-store' },
    body: JSON.stringify(value),
  });

  /** Tokens for a sign-in; a renewal (REFRESH_TOKEN_AUTH) gets no new refresh token, as in Cognito. */
  const authenticated = async (user: LocalUser, renewal = false): Promise<CognitoAnswer> => {
    const tokens = await tokensFor(user);
    let refreshToken: string | undefined;
    if (!renewal) {
      refreshToken = randomBytes(48).toString('base64url');
      const expiresAt = options.now() + SESSION_HOURS.refreshToken * 3_600_000;
      refreshTokens.set(refreshToken, { username: user.username, expiresAt });
    }
    return {
      body: {
        AuthenticationResult: {
          IdToken: tokens.idToken,
          AccessToken: tokens.accessToken,
          ExpiresIn: TOKEN_SECONDS,
          TokenType: 'Bearer',
          ...(refreshToken ? { RefreshToken: refreshToken } : {}),
        },
        ChallengeParameters: {},
      },
    };
  };
  const challenge = (name: ChallengeName, user: LocalUser, parameters: Record<string, string> = {}) => {
    const session = randomBytes(48).toString('base64url');
    // Real time, not the local clock: a challenge lasts minutes, the clock moves days at a time.
    challenges.set(session, {
      name,
      username: user.username,
      expiresAt: Date.now() + CHALLENGE_SECONDS * 1000,
    });
    return { body: { ChallengeName: name, Session: session, ChallengeParameters: parameters } };
  };
  /** After a right password: the second step when the person has one (or must set one up), else tokens. */
  const afterPassword = (user: LocalUser): Promise<CognitoAnswer> | CognitoAnswer => {
    if (totpOf(user.username)?.enabled)
      return challenge('SOFTWARE_TOKEN_MFA', user, { USER_ID_FOR_SRP: user.username });
    if (mfaMode === 'required')
      return challenge('MFA_SETUP', user, { MFAS_CAN_SETUP: '["SOFTWARE_TOKEN_MFA"]' });
    return authenticated(user);
  };
  const openChallenge = (session: string | undefined, name?: ChallengeName) => {
    const open = challenges.get(session ?? '');
    const user = open && findUser(open.username);
    if (!open || !user || open.expiresAt < Date.now() || (name && open.name !== name)) return undefined;
    return { open, user };
  };
  const userOfAccessToken = async (token: string | undefined): Promise<LocalUser | undefined> => {
    try {
      const { payload } = await jwtVerify(token ?? '', publicKey, {
        issuer,
        algorithms: ['RS256'],
        currentDate: new Date(options.now()),
      });
      if (payload.token_use !== 'access' || payload.client_id !== CONSOLE_CLIENT_ID) return undefined;
      return findUser(String(payload.username));
    } catch {
      return undefined;
    }
  };
  const codeIsRight = (secret: string | undefined, code: string | undefined): boolean =>
    !!secret &&
    /^\d{6}$/.test(code ?? '') &&
    new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' }).validate({
      token: code ?? '',
      window: 1,
    }) !== null;

  /** Cognito's user-pool API, the calls the console and `leadloop login` make (JSON 1.1, `X-Amz-Target`). */
  const cognito = async (target: string, input: CognitoInput): Promise<CognitoAnswer> => {
    const refuse = (type: string, message: string): CognitoAnswer => ({
      status: 400,
      body: { __type: type, message },
    });
    const withClient = [
      'InitiateAuth',
      'RespondToAuthChallenge',
      'RevokeToken',
      'ForgotPassword',
      'ConfirmForgotPassword',
    ];
    if (withClient.includes(target) && input.ClientId !== CONSOLE_CLIENT_ID)
      return refuse('InvalidParameterException', 'the console client only');
    switch (target) {
      case 'InitiateAuth': {
        if (input.AuthFlow === 'REFRESH_TOKEN_AUTH' || input.AuthFlow === 'REFRESH_TOKEN') {
          const held = refreshTokens.get(input.AuthParameters?.REFRESH_TOKEN ?? '');
          const user = held && findUser(held.username);
          if (!held || !user) return refuse('NotAuthorizedException', 'Invalid Refresh Token');
          if (held.expiresAt <= options.now())
            return refuse('NotAuthorizedException', 'Refresh Token has expired');
          return authenticated(user, true);
        }
        if (input.AuthFlow !== 'USER_PASSWORD_AUTH')
          return refuse('InvalidParameterException', 'USER_PASSWORD_AUTH or REFRESH_TOKEN_AUTH');
        const user = findUser(input.AuthParameters?.USERNAME ?? '');
        if (!user || !same(user.password, input.AuthParameters?.PASSWORD ?? ''))
          return refuse('NotAuthorizedException', 'Incorrect username or password.');
        if (isTemporary(user))
          return challenge('NEW_PASSWORD_REQUIRED', user, {
            USER_ID_FOR_SRP: user.username,
            requiredAttributes: '[]',
            userAttributes: JSON.stringify({ email: user.email, name: user.name }),
          });
        return afterPassword(user);
      }
      case 'RespondToAuthChallenge': {
        const name = input.ChallengeName as ChallengeName;
        if (!CHALLENGES.includes(name))
          return refuse('InvalidParameterException', `${input.ChallengeName} is not emulated`);
        const found = openChallenge(input.Session, name);
        if (!found)
          return refuse('NotAuthorizedException', 'Invalid session for the user, session is expired.');
        const { user } = found;
        if (findUser(input.ChallengeResponses?.USERNAME ?? '') !== user)
          return refuse('NotAuthorizedException', 'Invalid session for the user.');
        if (name === 'NEW_PASSWORD_REQUIRED') {
          const password = input.ChallengeResponses?.NEW_PASSWORD ?? '';
          const [problem] = passwordProblems(password);
          if (problem)
            return refuse('InvalidPasswordException', `Password does not conform to policy: ${problem}`);
          if (!isTemporary(user)) return refuse('NotAuthorizedException', 'Invalid session for the user.');
          challenges.delete(input.Session ?? '');
          savePassword(user, password);
          return afterPassword(user);
        }
        if (name === 'SOFTWARE_TOKEN_MFA') {
          if (!codeIsRight(totpOf(user.username)?.secret, input.ChallengeResponses?.SOFTWARE_TOKEN_MFA_CODE))
            return refuse('CodeMismatchException', 'Invalid code received for user');
          challenges.delete(input.Session ?? '');
          return authenticated(user);
        }
        // MFA_SETUP: answered once the authenticator's code was verified on this session.
        if (!found.open.verified)
          return refuse('InvalidParameterException', 'Software token MFA is not verified');
        challenges.delete(input.Session ?? '');
        setTotp(user.username, { secret: totpOf(user.username)?.secret, enabled: true });
        return authenticated(user);
      }
      case 'ForgotPassword': {
        // As with preventUserExistenceErrors: the same answer whether or not the person exists.
        const user = findUser(input.Username ?? '');
        const delivery = {
          CodeDeliveryDetails: { DeliveryMedium: 'EMAIL', AttributeName: 'email', Destination: 'e***' },
        };
        if (!user) return { body: delivery };
        const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
        resetCodes.set(user.username, { code, expiresAt: Date.now() + 3_600_000, attempts: 0 });
        await options.mail?.(user.email, passwordResetMailFor(code));
        return { body: delivery };
      }
      case 'ConfirmForgotPassword': {
        const user = findUser(input.Username ?? '');
        const held = user && resetCodes.get(user.username);
        if (!user || !held)
          return refuse('ExpiredCodeException', 'Invalid code provided, please request a code again.');
        if (held.expiresAt < Date.now()) {
          resetCodes.delete(user.username);
          return refuse('ExpiredCodeException', 'Invalid code provided, please request a code again.');
        }
        if (held.code !== input.ConfirmationCode) {
          held.attempts += 1;
          if (held.attempts >= 5) resetCodes.delete(user.username);
          return refuse('CodeMismatchException', 'Invalid verification code provided, please try again.');
        }
        const [problem] = passwordProblems(input.Password ?? '');
        if (problem)
          return refuse('InvalidPasswordException', `Password does not conform to policy: ${problem}`);
        resetCodes.delete(user.username);
        savePassword(user, input.Password ?? '');
        return { body: {} };
      }
      case 'RevokeToken':
        refreshTokens.delete(input.Token ?? '');
        return { body: {} };
      case 'AssociateSoftwareToken': {
        const secret = new Secret({ size: 20 }).base32;
        if (input.Session) {
          const found = openChallenge(input.Session, 'MFA_SETUP');
          if (!found)
            return refuse('NotAuthorizedException', 'Invalid session for the user, session is expired.');
          setTotp(found.user.username, { ...totpOf(found.user.username), pending: secret });
          return { body: { SecretCode: secret, Session: input.Session } };
        }
        const user = await userOfAccessToken(input.AccessToken);
        if (!user) return refuse('NotAuthorizedException', 'Invalid Access Token');
        setTotp(user.username, {
          ...totpOf(user.username),
          enabled: totpOf(user.username)?.enabled ?? false,
          pending: secret,
        });
        return { body: { SecretCode: secret } };
      }
      case 'VerifySoftwareToken': {
        const found = input.Session ? openChallenge(input.Session, 'MFA_SETUP') : undefined;
        const user = found?.user ?? (input.Session ? undefined : await userOfAccessToken(input.AccessToken));
        if (!user) return refuse('NotAuthorizedException', 'Invalid session or access token');
        const state = totpOf(user.username);
        if (!codeIsRight(state?.pending, input.UserCode))
          return refuse('EnableSoftwareTokenMFAException', 'Code mismatch');
        setTotp(user.username, { enabled: state?.enabled ?? false, secret: state?.pending });
        if (found) found.open.verified = true;
        return { body: { Status: 'SUCCESS', ...(input.Session ? { Session: input.Session } : {}) } };
      }
      case 'SetUserMFAPreference': {
        const user = await userOfAccessToken(input.AccessToken);
        if (!user) return refuse('NotAuthorizedException', 'Invalid Access Token');
        const enable = input.SoftwareTokenMfaSettings?.Enabled;
        const state = totpOf(user.username);
        if (enable && !state?.secret)
          return refuse('InvalidParameterException', 'User has not verified software token mfa');
        if (enable === false && mfaMode === 'required')
          return refuse('InvalidParameterException', 'MFA is required for this user pool');
        if (enable !== undefined) setTotp(user.username, { ...state, enabled: enable });
        return { body: {} };
      }
      case 'GetUser': {
        const user = await userOfAccessToken(input.AccessToken);
        if (!user) return refuse('NotAuthorizedException', 'Invalid Access Token');
        const on = totpOf(user.username)?.enabled === true;
        return {
          body: {
            Username: user.username,
            UserAttributes: [
              { Name: 'email', Value: user.email },
              { Name: 'name', Value: user.name },
            ],
            UserMFASettingList: on ? ['SOFTWARE_TOKEN_MFA'] : [],
            ...(on ? { PreferredMfaSetting: 'SOFTWARE_TOKEN_MFA' } : {}),
          },
        };
      }
      default:
        return refuse('InvalidParameterException', `${target} is not emulated`);
    }
  };

  const handle: LocalAuth['handle'] = async (method, path, headers, body) => {
    if (method === 'GET' && path === `/_local/cognito/${LOCAL_POOL_ID}/.well-known/jwks.json`) {
      return reply(200, { keys: [publicJwk] });
    }
    if (method === 'GET' && path === `/_local/cognito/${LOCAL_POOL_ID}/.well-known/openid-configuration`) {
      return reply(200, {
        issuer,
        jwks_uri: `${issuer}/.well-known/jwks.json`,
        token_endpoint: `${base}/oauth2/token`,
        grant_types_supported: ['client_credentials'],
        id_token_signing_alg_values_supported: ['RS256'],
      });
    }
    if (method === 'POST' && path === '/_local/cognito/oauth2/token') {
      const form = new URLSearchParams(body.toString('utf8'));
      const basic = /^Basic\s+(\S+)$/i.exec(String(headers.authorization ?? ''))?.[1];
      const [id, secret] = basic
        ? Buffer.from(basic, 'base64').toString('utf8').split(':')
        : [form.get('client_id') ?? '', form.get('client_secret') ?? ''];
      if (form.get('grant_type') !== 'client_credentials')
        return reply(400, { error: 'unsupported_grant_type' });
      if (id !== machineClient.clientId || !same(secret ?? '', machineClient.clientSecret)) {
        return reply(400, { error: 'invalid_client' });
      }
      const asked = (form.get('scope') ?? '').split(/\s+/).filter(Boolean);
      const bad = asked.filter((s) => !ALL_SCOPES.includes(s));
      if (bad.length) return reply(400, { error: 'invalid_scope' });
      const scope = (asked.length ? asked : ALL_SCOPES).join(' ');
      const accessToken = await sign({ sub: id, client_id: id, token_use: 'access', scope });
      return reply(200, { access_token: accessToken, expires_in: TOKEN_SECONDS, token_type: 'Bearer' });
    }
    if (method === 'POST' && path === '/_local/cognito/') {
      const target = String(headers['x-amz-target'] ?? '').replace('AWSCognitoIdentityProviderService.', '');
      let input: CognitoInput;
      try {
        input = JSON.parse(body.toString('utf8')) as CognitoInput;
      } catch {
        return reply(400, { __type: 'SerializationException' }, AMZ_JSON);
      }
      const answer = await cognito(target, input);
      return reply(answer.status ?? 200, answer.body, AMZ_JSON);
    }
    return undefined;
  };

  return {
    issuer,
    jwksUrl: `${issuer}/.well-known/jwks.json`,
    cognitoEndpoint: `${base}/`,
    tokenUrl: `${base}/oauth2/token`,
    users,
    invited,
    machineClient,
    verify,
    sendInvitations,
    handle,
  };
}
