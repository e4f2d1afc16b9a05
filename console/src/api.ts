/** Sign-in (Cognito InitiateAuth, the same call in AWS and on `npm start`) and the ops API with the token. */
export interface ConsoleConfig {
  apiUrl: string;
  cognitoEndpoint: string;
  clientId: string;
}
export interface Session {
  idToken: string;
  email: string;
  name: string;
  groups: string[];
  expiresAt: number;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly fields: { field: string; message: string }[] = [],
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
export const currentSession = (): Session | undefined => {
  const raw = sessionStorage.getItem(KEY);
  if (!raw) return undefined;
  const session = JSON.parse(raw) as Session;
  return session.expiresAt > Date.now() ? session : undefined;
};
export const signOut = (): void => sessionStorage.removeItem(KEY);

const decode = (jwt: string): Record<string, unknown> => {
  const part = jwt.split('.')[1] ?? '';
  const bytes = Uint8Array.from(atob(part.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
};

/** A sign-in Cognito answers with a challenge: a temporary password has to be replaced first. */
export interface NewPasswordChallenge {
  challenge: 'NEW_PASSWORD_REQUIRED';
  username: string;
  session: string;
}

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
  AuthenticationResult?: { IdToken: string; ExpiresIn: number };
  ChallengeName?: string;
  Session?: string;
  __type?: string;
  message?: string;
};

const cognito = async (target: string, input: Record<string, unknown>): Promise<CognitoAnswer> => {
  const c = await loadConfig();
  const response = await fetch(c.cognitoEndpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': `AWSCognitoIdentityProviderService.${target}`,
    },
    body: JSON.stringify({ ClientId: c.clientId, ...input }),
  });
  const body = (await response.json().catch(() => ({}))) as CognitoAnswer;
  if (!response.ok) {
    // Cognito names the error in `__type`, sometimes after a namespace and `#` (the header adds `:<url>`).
    const raw = body.__type ?? response.headers.get('x-amzn-errortype') ?? '';
    throw new SignInError(raw.split('#').pop()?.split(':')[0] ?? '', body.message ?? response.statusText);
  }
  return body;
};

const started = (username: string, body: CognitoAnswer): Session | NewPasswordChallenge => {
  if (body.ChallengeName === 'NEW_PASSWORD_REQUIRED' && body.Session)
    return { challenge: 'NEW_PASSWORD_REQUIRED', username, session: body.Session };
  if (!body.AuthenticationResult)
    throw new SignInError(`challenge:${body.ChallengeName ?? 'none'}`, body.ChallengeName ?? 'no tokens');
  const claims = decode(body.AuthenticationResult.IdToken);
  const session: Session = {
    idToken: body.AuthenticationResult.IdToken,
    email: String(claims.email ?? ''),
    name: String(claims.name ?? claims.email ?? ''),
    groups: (claims['cognito:groups'] as string[] | undefined) ?? [],
    expiresAt: Date.now() + body.AuthenticationResult.ExpiresIn * 1000,
  };
  sessionStorage.setItem(KEY, JSON.stringify(session));
  return session;
};

/** Signs in with a password (USER_PASSWORD_AUTH): a session, or the challenge to answer first. */
export async function signIn(username: string, password: string): Promise<Session | NewPasswordChallenge> {
  const body = await cognito('InitiateAuth', {
    AuthFlow: 'USER_PASSWORD_AUTH',
    AuthParameters: { USERNAME: username, PASSWORD: password },
  });
  return started(username, body);
}

/** Answers `NEW_PASSWORD_REQUIRED` with the user's own password (the first sign-in of an invited user). */
export async function setNewPassword(
  challenge: NewPasswordChallenge,
  newPassword: string,
): Promise<Session | NewPasswordChallenge> {
  const body = await cognito('RespondToAuthChallenge', {
    ChallengeName: challenge.challenge,
    Session: challenge.session,
    ChallengeResponses: { USERNAME: challenge.username, NEW_PASSWORD: newPassword },
  });
  return started(challenge.username, body);
}

export async function api<T>(method: string, path: string, body?: unknown, raw?: BodyInit): Promise<T> {
  const c = await loadConfig();
  const session = currentSession();
  const response = await fetch(`${c.apiUrl}${path}`, {
    method,
    headers: {
      accept: 'application/json',
      ...(session ? { authorization: `Bearer ${session.idToken}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(raw !== undefined ? { 'content-type': 'text/csv' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : raw !== undefined ? { body: raw } : {}),
  });
  const text = await response.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = text;
  }
  if (!response.ok) {
    const error = (parsed as { error?: { message?: string; errors?: { field: string; message: string }[] } })
      ?.error;
    const message = error?.message ?? (parsed as { message?: string })?.message ?? response.statusText;
    throw new ApiError(response.status, message, error?.errors ?? []);
  }
  return parsed as T;
}

export const newId = (): string => crypto.randomUUID();
