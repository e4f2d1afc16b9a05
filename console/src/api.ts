/** Sign-in (Cognito InitiateAuth, the same call in AWS and on `npm start`) and the ops API with the token. */
export interface ConsoleConfig {
  apiUrl: string;
  cognitoEndpoint: string;
  clientId: string;
  /** The pool's two-step sign-in (`config/app.ts` → `signIn.mfa`). */
  mfa?: 'optional' | 'required';
}
export interface Session {
  idToken: string;
  email: string;
  name: string;
  groups: string[];
  /** The person's own calls to Cognito (two-step sign-in); ends with the ID token and is renewed with it. */
  accessToken?: string;
  /** When the ID token ends (browser time). */
  expiresAt: number;
  /** Renews the ID token (Cognito's REFRESH_TOKEN_AUTH) for the refresh token's life: a working day. */
  refreshToken?: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly fields: {
      field: string;
      code?: string;
      message: string;
      params?: Record<string, string | number>;
    }[] = [],
    /** The error's own code (`address_erased`, `unknown_owner`, …), for the console to word it. */
    readonly code?: string,
  ) {
    super(message);
  }
}

let config: ConsoleConfig | undefined;
export const loadConfig = async (): Promise<ConsoleConfig> => {
  config ??= (await (await fetch('./config.json')).json()) as ConsoleConfig;
  return config;
};

const KEY = 'leadloop.session';
/** Fired on `window` when the session ends by itself (its refresh token refused): the app shows sign-in. */
export const SESSION_ENDED = 'leadloop:session-ended';
/** An ID token this close to its end is renewed before a call. */
const RENEW_AHEAD_MS = 5 * 60_000;

const stored = (): Session | undefined => {
  const raw = sessionStorage.getItem(KEY);
  return raw ? (JSON.parse(raw) as Session) : undefined;
};
/** The signed-in person: an ID token still good, or a refresh token to renew it with. */
export const currentSession = (): Session | undefined => {
  const session = stored();
  return session && (session.expiresAt > Date.now() || session.refreshToken) ? session : undefined;
};
const endSession = (): void => {
  sessionStorage.removeItem(KEY);
  dispatchEvent(new Event(SESSION_ENDED));
};

const decode = (jwt: string): Record<string, unknown> => {
  const part = jwt.split('.')[1] ?? '';
  const bytes = Uint8Array.from(atob(part.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
};

/**
 * A sign-in Cognito answers with a step first: replace a temporary password (`NEW_PASSWORD_REQUIRED`), give
 * the authenticator app's code (`SOFTWARE_TOKEN_MFA`) or set the app up (`MFA_SETUP`: the pool requires it).
 */
export interface SignInStep {
  challenge: (typeof STEPS)[number];
  username: string;
  session: string;
}
const STEPS = ['NEW_PASSWORD_REQUIRED', 'SOFTWARE_TOKEN_MFA', 'MFA_SETUP'] as const;
const isStep = (name: string | undefined): name is SignInStep['challenge'] =>
  (STEPS as readonly (string | undefined)[]).includes(name);

/** A refused sign-in: Cognito's error type (`NotAuthorizedException`, …) and its message. */
export class SignInError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

type CognitoAnswer = {
  AuthenticationResult?: { IdToken: string; AccessToken: string; ExpiresIn: number; RefreshToken?: string };
  SecretCode?: string;
  Status?: string;
  UserMFASettingList?: string[];
  ChallengeName?: string;
  Session?: string;
  __type?: string;
  message?: string;
};

const WITH_CLIENT = [
  'InitiateAuth',
  'RespondToAuthChallenge',
  'RevokeToken',
  'ForgotPassword',
  'ConfirmForgotPassword',
];
const cognito = async (target: string, input: Record<string, unknown>): Promise<CognitoAnswer> => {
  const c = await loadConfig();
  const response = await fetch(c.cognitoEndpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': `AWSCognitoIdentityProviderService.${target}`,
    },
    // The calls before a token name the app client; those with a session or access token do not take it.
    body: JSON.stringify(WITH_CLIENT.includes(target) ? { ClientId: c.clientId, ...input } : input),
  });
  const body = (await response.json().catch(() => ({}))) as CognitoAnswer;
  if (!response.ok) {
    // Cognito names the error in `__type`, sometimes after a namespace and `#` (the header adds `:<url>`).
    const raw = body.__type ?? response.headers.get('x-amzn-errortype') ?? '';
    throw new SignInError(raw.split('#').pop()?.split(':')[0] ?? '', body.message ?? response.statusText);
  }
  return body;
};

/** Saves the session the tokens open (a renewal keeps the refresh token it was given). */
const saveSession = (
  result: NonNullable<CognitoAnswer['AuthenticationResult']>,
  refreshToken: string | undefined,
): Session => {
  const claims = decode(result.IdToken);
  const session: Session = {
    idToken: result.IdToken,
    email: String(claims.email ?? ''),
    name: String(claims.name ?? claims.email ?? ''),
    groups: (claims['cognito:groups'] as string[] | undefined) ?? [],
    accessToken: result.AccessToken,
    expiresAt: Date.now() + result.ExpiresIn * 1000,
    ...(refreshToken ? { refreshToken } : {}),
  };
  sessionStorage.setItem(KEY, JSON.stringify(session));
  return session;
};

const started = (username: string, body: CognitoAnswer): Session | SignInStep => {
  if (isStep(body.ChallengeName) && body.Session)
    return { challenge: body.ChallengeName, username, session: body.Session };
  if (!body.AuthenticationResult)
    throw new SignInError(`challenge:${body.ChallengeName ?? 'none'}`, body.ChallengeName ?? 'no tokens');
  return saveSession(body.AuthenticationResult, body.AuthenticationResult.RefreshToken);
};

let renewing: Promise<Session | undefined> | undefined;
/**
 * A new ID token for the session (REFRESH_TOKEN_AUTH), one request at a time however many calls need it.
 * Cognito refusing the refresh token ends the session; a network failure leaves it for the next call.
 */
const renew = (session: Session): Promise<Session | undefined> => {
  const refreshToken = session.refreshToken;
  if (!refreshToken) {
    endSession();
    return Promise.resolve(undefined);
  }
  renewing ??= cognito('InitiateAuth', {
    AuthFlow: 'REFRESH_TOKEN_AUTH',
    AuthParameters: { REFRESH_TOKEN: refreshToken },
  })
    .then((body) => {
      if (!body.AuthenticationResult) throw new SignInError('NotAuthorizedException', 'no tokens');
      return saveSession(body.AuthenticationResult, refreshToken);
    })
    .catch((err: unknown) => {
      if (!(err instanceof SignInError)) throw err;
      endSession();
      return undefined;
    })
    .finally(() => {
      renewing = undefined;
    });
  return renewing;
};

/** Mails a password reset code to the person's address (Cognito answers alike for a name it does not know). */
export async function forgotPassword(username: string): Promise<void> {
  await cognito('ForgotPassword', { Username: username });
}

/** Sets a new password with the mailed code; signing in comes after. */
export async function confirmForgotPassword(username: string, code: string, password: string): Promise<void> {
  await cognito('ConfirmForgotPassword', { Username: username, ConfirmationCode: code, Password: password });
}

/** Answers `SOFTWARE_TOKEN_MFA` with the authenticator app's code. */
export async function answerCode(step: SignInStep, code: string): Promise<Session | SignInStep> {
  const body = await cognito('RespondToAuthChallenge', {
    ChallengeName: 'SOFTWARE_TOKEN_MFA',
    Session: step.session,
    ChallengeResponses: { USERNAME: step.username, SOFTWARE_TOKEN_MFA_CODE: code },
  });
  return started(step.username, body);
}

/** An authenticator app being set up: its secret, and its sign-in step (none when signed in). */
export interface TotpSetup {
  secret: string;
  step?: SignInStep;
}

/** Starts setting up an authenticator app: during `MFA_SETUP`, or for the signed-in person. */
export async function startTotp(step?: SignInStep): Promise<TotpSetup> {
  if (step) {
    const body = await cognito('AssociateSoftwareToken', { Session: step.session });
    return { secret: body.SecretCode ?? '', step: { ...step, session: body.Session ?? step.session } };
  }
  const body = await cognito('AssociateSoftwareToken', { AccessToken: await accessToken() });
  return { secret: body.SecretCode ?? '' };
}

/**
 * Checks the app's first code and turns two-step sign-in on: during `MFA_SETUP` that finishes the sign-in
 * (a session); for the signed-in person it becomes their preference (undefined).
 */
export async function finishTotp(setup: TotpSetup, code: string): Promise<Session | SignInStep | undefined> {
  const device = { UserCode: code, FriendlyDeviceName: 'Lead loop' };
  if (setup.step) {
    const verified = await cognito('VerifySoftwareToken', { Session: setup.step.session, ...device });
    const body = await cognito('RespondToAuthChallenge', {
      ChallengeName: 'MFA_SETUP',
      Session: verified.Session ?? setup.step.session,
      ChallengeResponses: { USERNAME: setup.step.username },
    });
    return started(setup.step.username, body);
  }
  const token = await accessToken();
  await cognito('VerifySoftwareToken', { AccessToken: token, ...device });
  await cognito('SetUserMFAPreference', {
    AccessToken: token,
    SoftwareTokenMfaSettings: { Enabled: true, PreferredMfa: true },
  });
  return undefined;
}

/** Whether the signed-in person's sign-in asks for an authenticator code. */
export async function totpEnabled(): Promise<boolean> {
  const body = await cognito('GetUser', { AccessToken: await accessToken() });
  return (body.UserMFASettingList ?? []).includes('SOFTWARE_TOKEN_MFA');
}

/** Turns the signed-in person's two-step sign-in off (refused when the pool requires it). */
export async function disableTotp(): Promise<void> {
  await cognito('SetUserMFAPreference', {
    AccessToken: await accessToken(),
    SoftwareTokenMfaSettings: { Enabled: false, PreferredMfa: false },
  });
}

/** The stored session, renewed first when its tokens are near their end. */
const freshSession = async (): Promise<Session | undefined> => {
  const session = stored();
  return session && session.expiresAt - RENEW_AHEAD_MS < Date.now() ? renew(session) : session;
};

/** The person's access token, renewed like the ID token. */
const accessToken = async (): Promise<string> => (await freshSession())?.accessToken ?? '';

/** Signs out: forgets the session and revokes its refresh token (best effort: the tokens end anyway). */
export async function signOut(): Promise<void> {
  const session = stored();
  sessionStorage.removeItem(KEY);
  if (session?.refreshToken)
    await cognito('RevokeToken', { Token: session.refreshToken }).catch(() => undefined);
}

/**
 * `fetch` on the ops API as the signed-in person: the ID token is renewed when near its end, and once more
 * when the API answers 401 (a token the browser's clock still took for good); a second 401 ends the session.
 */
/** The API's clock minus this browser's, from the last answer's `Date` header (0 until one arrives). */
let serverSkewMs = 0;
const noteServerDate = (response: Response): void => {
  const date = Date.parse(response.headers.get('date') ?? '');
  if (Number.isFinite(date)) serverSkewMs = date - Date.now();
};

/**
 * The time on the API's clock: "today" for what the console asks the reports. In AWS it is this browser's
 * time, give or take a second; under `npm start` it follows the local clock, which `POST /_local/clock` moves
 * weeks ahead, so the weekly chart shows the same weeks as the month the reports count.
 */
export const serverNow = (): Date => new Date(Date.now() + serverSkewMs);

export async function authorizedFetch(path: string, init: RequestInit = {}): Promise<Response> {
  const response = await authorizedFetchOnce(path, init);
  noteServerDate(response);
  return response;
}

async function authorizedFetchOnce(path: string, init: RequestInit): Promise<Response> {
  const c = await loadConfig();
  const send = (session: Session | undefined) =>
    fetch(`${c.apiUrl}${path}`, {
      ...init,
      headers: {
        ...(init.headers as Record<string, string> | undefined),
        ...(session ? { authorization: `Bearer ${session.idToken}` } : {}),
      },
    });
  const session = await freshSession();
  const response = await send(session);
  if (response.status !== 401 || !session) return response;
  const renewed = await renew(session);
  if (!renewed) return response;
  const again = await send(renewed);
  if (again.status === 401) endSession();
  return again;
}

/** Signs in with a password (USER_PASSWORD_AUTH): a session, or the challenge to answer first. */
export async function signIn(username: string, password: string): Promise<Session | SignInStep> {
  const body = await cognito('InitiateAuth', {
    AuthFlow: 'USER_PASSWORD_AUTH',
    AuthParameters: { USERNAME: username, PASSWORD: password },
  });
  return started(username, body);
}

/** Answers `NEW_PASSWORD_REQUIRED` with the user's own password (the first sign-in of an invited user). */
export async function setNewPassword(
  challenge: SignInStep,
  newPassword: string,
): Promise<Session | SignInStep> {
  const body = await cognito('RespondToAuthChallenge', {
    ChallengeName: challenge.challenge,
    Session: challenge.session,
    ChallengeResponses: { USERNAME: challenge.username, NEW_PASSWORD: newPassword },
  });
  return started(challenge.username, body);
}

/** A call of the API with the session's token: JSON in and out, any extra headers (an `idempotency-key`). */
export async function api<T>(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<T> {
  const response = await authorizedFetch(path, {
    method,
    headers: {
      accept: 'application/json',
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = text;
  }
  if (!response.ok) {
    const error = (parsed as { error?: { code?: string; message?: string; errors?: ApiError['fields'] } })
      ?.error;
    const message = error?.message ?? (parsed as { message?: string })?.message ?? response.statusText;
    throw new ApiError(response.status, message, error?.errors ?? [], error?.code);
  }
  return parsed as T;
}

export const newId = (): string => crypto.randomUUID();
