/** The console's app client in the local Cognito stand-in (`#local/auth`). */
export const CONSOLE_CLIENT_ID = 'leadloop-console-local';

/**
 * A sign-in as the console makes it: Cognito's `InitiateAuth` with `USER_PASSWORD_AUTH`, at the local
 * runtime's stand-in (`<apiUrl>/_local/cognito/`). The raw answer: tokens, a challenge, or the error.
 * Used by `leadloop login` and the tests; kept apart from `#local/auth` so the CLI loads no JWT library.
 */
export const initiateLocalAuth = (
  apiUrl: string,
  username: string,
  password: string,
  clientId = CONSOLE_CLIENT_ID,
): Promise<Response> =>
  fetch(`${apiUrl}/_local/cognito/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'AWSCognitoIdentityProviderService.InitiateAuth',
    },
    body: JSON.stringify({
      AuthFlow: 'USER_PASSWORD_AUTH',
      ClientId: clientId,
      AuthParameters: { USERNAME: username, PASSWORD: password },
    }),
  });
