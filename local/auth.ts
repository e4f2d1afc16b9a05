import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
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
import { fullScope, type Role, SCOPES, type Scope } from '#http/access';
import { invitationFor, passwordProblems, SESSION_HOURS } from '#http/sign-in';

/**
 * The sign-in of `npm start`: a stand-in for the Cognito user pool with the same JWT flow. It signs RS256
 * tokens with a key generated once per data folder, publishes the JWKS, answers Cognito's `InitiateAuth`
 * (USER_PASSWORD_AUTH, the call the console makes in AWS too) and the OAuth2 `client_credentials` grant of
 * the machine client, and verifies tokens as the HTTP API JWT authorizer does (signature, issuer,
 * audience/client, expiry) before a function runs.
 *
 * First sign-in as in AWS: every owner of `config/handoff.ts` who is not a demo user is invited (the stack
 * creates them as users in `sales`): a temporary password, sent in Cognito's invitation (`invite`, to the
 * local SES inbox on `npm start`); signing in with it answers the `NEW_PASSWORD_REQUIRED` challenge, and
 * `RespondToAuthChallenge` with a new password that meets the pool's policy signs them in. (A temporary
 * password does not expire here: the local clock moves days at a time.)
 *
 * Why not the cognito-local package: it has no client_credentials grant (machines could not sign in), its
 * issuer and JWKS URL are fixed to port 9229 and its data folder to `./.cognito` of the working directory,
 * so two runtimes (tests run several) would share users and ports.
 */

export const LOCAL_POOL_ID = 'ap-northeast-1_LOCAL';
export const CONSOLE_CLIENT_ID = 'leadloop-console-local';
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

/** An owner invited as the stack invites them: a user in `sales` named by e-mail, temporary password first. */
export interface InvitedUser {
  username: string;
  email: string;
  name: string;
  group: Role;
  password: string;
  /** True until the first sign-in has set a password of the user's own. */
  temporary: boolean;
}

const TOKEN_SECONDS = SESSION_HOURS.idToken * 3600;
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
  /** Owners invited with a temporary password (not the demo users). */
  invited: readonly InvitedUser[];
  machineClient: { clientId: string; clientSecret: string };
  /** Verified claims as API Gateway passes them (`requestContext.authorizer.jwt.claims`), or the reason. */
  verify: (
    authorization: string | undefined,
  ) => Promise<{ claims: Record<string, string> } | { error: string }>;
  /** Signs in a user whose password is their own (what InitiateAuth answers). */
  signIn: (
    username: string,
    password: string,
  ) => Promise<{ idToken: string; accessToken: string } | undefined>;
  /** Sends the invitations not sent yet (each invited owner's, once per data folder). */
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
  /** Owners to invite, as the stack creates them (default: none). */
  owners?: readonly { email: string; name: string }[];
  /** Delivers an invitation (default: none is sent). */
  invite?: (to: string, mail: { subject: string; html: string }) => Promise<void>;
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
  const invited: InvitedUser[] = (options.owners ?? [])
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
        group: 'sales',
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
    if (!options.invite) return 0;
    let sent = 0;
    for (const user of invited) {
      const file = options.dataDir ? join(options.dataDir, ownerFile(user.email)) : undefined;
      const already = file && (JSON.parse(readFileSync(file, 'utf8')) as { invited?: boolean }).invited;
      if (already || !user.temporary) continue;
      await options.invite(user.email, invitationFor(user.username, user.password));
      saveInvited(user, { invited: true });
      sent++;
    }
    return sent;
  };
  /** Refresh tokens given out (in memory: a restart signs people out): token → whom and until when (local clock). */
  const refreshTokens = new Map<string, { username: string; expiresAt: number }>();
  /** Open `NEW_PASSWORD_REQUIRED` challenges: session → whom and until when. */
  const challenges = new Map<string, { username: string; expiresAt: number }>();

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

  const isTemporary = (user: DemoUser | InvitedUser) => 'temporary' in user && user.temporary;
  const findUser = (username: string): DemoUser | InvitedUser | undefined =>
    [...users, ...invited].find((u) => u.username === username || u.email === username.toLowerCase());
  const tokensFor = async (user: DemoUser | InvitedUser) => {
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
  const signIn: LocalAuth['signIn'] = async (username, password) => {
    const user = findUser(username);
    if (!user || !same(user.password, password) || isTemporary(user)) return undefined;
    return tokensFor(user);
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
      const target = String(headers['x-amz-target'] ?? '');
      const amz = 'application/x-amz-json-1.1';
      const refuse = (type: string, message: string) => reply(400, { __type: type, message }, amz);
      /** Tokens for a sign-in; a renewal (REFRESH_TOKEN_AUTH) gets no new refresh token, as in Cognito. */
      const authenticated = async (user: DemoUser | InvitedUser, renewal = false) => {
        const tokens = await tokensFor(user);
        let refreshToken: string | undefined;
        if (!renewal) {
          refreshToken = randomBytes(48).toString('base64url');
          const expiresAt = options.now() + SESSION_HOURS.refreshToken * 3_600_000;
          refreshTokens.set(refreshToken, { username: user.username, expiresAt });
        }
        return reply(
          200,
          {
            AuthenticationResult: {
              IdToken: tokens.idToken,
              AccessToken: tokens.accessToken,
              ExpiresIn: TOKEN_SECONDS,
              TokenType: 'Bearer',
              ...(refreshToken ? { RefreshToken: refreshToken } : {}),
            },
            ChallengeParameters: {},
          },
          amz,
        );
      };
      const initiate = target === 'AWSCognitoIdentityProviderService.InitiateAuth';
      const respond = target === 'AWSCognitoIdentityProviderService.RespondToAuthChallenge';
      const revoke = target === 'AWSCognitoIdentityProviderService.RevokeToken';
      if (!initiate && !respond && !revoke)
        return refuse('InvalidParameterException', `${target} is not emulated`);
      let input: {
        AuthFlow?: string;
        ClientId?: string;
        AuthParameters?: Record<string, string>;
        ChallengeName?: string;
        Session?: string;
        ChallengeResponses?: Record<string, string>;
        Token?: string;
      };
      try {
        input = JSON.parse(body.toString('utf8')) as typeof input;
      } catch {
        return reply(400, { __type: 'SerializationException' }, amz);
      }
      const flows = ['USER_PASSWORD_AUTH', 'REFRESH_TOKEN_AUTH', 'REFRESH_TOKEN'];
      if (input.ClientId !== CONSOLE_CLIENT_ID || (initiate && !flows.includes(input.AuthFlow ?? '')))
        return refuse('InvalidParameterException', `${flows.join(' or ')} with the console client`);

      if (revoke) {
        refreshTokens.delete(input.Token ?? '');
        return reply(200, {}, amz);
      }
      if (initiate && input.AuthFlow !== 'USER_PASSWORD_AUTH') {
        const held = refreshTokens.get(input.AuthParameters?.REFRESH_TOKEN ?? '');
        const user = held && findUser(held.username);
        if (!held || !user) return refuse('NotAuthorizedException', 'Invalid Refresh Token');
        if (held.expiresAt <= options.now())
          return refuse('NotAuthorizedException', 'Refresh Token has expired');
        return authenticated(user, true);
      }

      if (respond) {
        if (input.ChallengeName !== 'NEW_PASSWORD_REQUIRED')
          return refuse('InvalidParameterException', `${input.ChallengeName} is not emulated`);
        const open = challenges.get(input.Session ?? '');
        const user = open && invited.find((u) => u.username === open.username);
        // Real time, not the local clock: a challenge lasts minutes, the clock moves days at a time.
        if (!open || !user || open.expiresAt < Date.now())
          return refuse('NotAuthorizedException', 'Invalid session for the user, session is expired.');
        const asked = input.ChallengeResponses?.USERNAME ?? '';
        if (findUser(asked) !== user)
          return refuse('NotAuthorizedException', 'Invalid session for the user.');
        const password = input.ChallengeResponses?.NEW_PASSWORD ?? '';
        const [problem] = passwordProblems(password);
        if (problem)
          return refuse('InvalidPasswordException', `Password does not conform to policy: ${problem}`);
        challenges.delete(input.Session ?? '');
        user.password = password;
        user.temporary = false;
        saveInvited(user, { invited: true });
        return authenticated(user);
      }

      const username = input.AuthParameters?.USERNAME ?? '';
      const user = findUser(username);
      if (!user || !same(user.password, input.AuthParameters?.PASSWORD ?? ''))
        return refuse('NotAuthorizedException', 'Incorrect username or password.');
      if (isTemporary(user)) {
        const session = randomBytes(48).toString('base64url');
        challenges.set(session, {
          username: user.username,
          expiresAt: Date.now() + CHALLENGE_SECONDS * 1000,
        });
        return reply(
          200,
          {
            ChallengeName: 'NEW_PASSWORD_REQUIRED',
            Session: session,
            ChallengeParameters: {
              USER_ID_FOR_SRP: user.username,
              requiredAttributes: '[]',
              userAttributes: JSON.stringify({ email: user.email, name: user.name }),
            },
          },
          amz,
        );
      }
      return authenticated(user);
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
    signIn,
    sendInvitations,
    handle,
  };
}
