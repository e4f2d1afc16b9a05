import { CONSOLE_CLIENT_ID } from '#local/auth';
import { bundleConsole, type ConsoleFile } from '../console/build.ts';

/**
 * `/console/` on the local runtime: the bundle built in memory at the first request, and `config.json`
 * (where the API and the sign-in are: here the runtime itself; in AWS the CDK writes the same file to S3).
 */
export interface ConsoleBundle {
  serve: (path: string) => { headers: Record<string, string>; body: Buffer } | undefined;
}

/** The console's security headers (CloudFront's response headers policy sets the same in AWS). */
export const CONSOLE_HEADERS = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'strict-origin-when-cross-origin',
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self' https:; frame-ancestors 'none'; base-uri 'self'",
};

export async function buildConsole(config: {
  apiUrl: string;
  cognitoEndpoint: string;
  mfa: 'optional' | 'required';
}): Promise<ConsoleBundle> {
  const files = new Map<string, ConsoleFile>((await bundleConsole()).map((f) => [f.path, f]));
  files.set('config.json', {
    path: 'config.json',
    contentType: 'application/json',
    body: Buffer.from(
      JSON.stringify({
        apiUrl: config.apiUrl,
        cognitoEndpoint: config.cognitoEndpoint,
        clientId: CONSOLE_CLIENT_ID,
        mfa: config.mfa,
      }),
    ),
  });
  return {
    serve: (path) => {
      const name = path.replace(/^\/console\/?/, '') || 'index.html';
      const file = files.get(name) ?? (name.includes('.') ? undefined : files.get('index.html'));
      if (!file) return undefined;
      return {
        headers: {
          'content-type': file.contentType,
          'cache-control':
            file.path === 'index.html' || file.path === 'config.json' ? 'no-cache' : 'max-age=60',
          ...CONSOLE_HEADERS,
        },
        body: file.body,
      };
    },
  };
}
