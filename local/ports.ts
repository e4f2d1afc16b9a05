import { createServer } from 'node:net';

export interface PortClaim {
  port: number;
  /** The environment variable that sets it, named in the error. */
  envVar: string;
  what: string;
}

/** A port some other process holds; its message is the one line `npm start` prints. */
export class PortInUseError extends Error {
  override name = 'PortInUseError';
  constructor(readonly claim: PortClaim) {
    super(
      `port ${claim.port} (${claim.what}) is already in use: stop what holds it, or choose another with ${claim.envVar}=<port>`,
    );
  }
}

const tryBind = (port: number, host: string): Promise<boolean> =>
  new Promise((resolve) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) =>
      // A host this machine lacks (no IPv6) says nothing about the port.
      resolve(error.code !== 'EADDRINUSE' && error.code !== 'EACCES'),
    );
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });

/**
 * Fails with `PortInUseError` on the first port that cannot be bound, before anything is started (the
 * engines bind on 127.0.0.1 or on every interface; both are tried). Port 0 means "any" and is skipped.
 */
export const assertPortsFree = async (claims: readonly PortClaim[]): Promise<void> => {
  for (const claim of claims) {
    if (claim.port === 0) continue;
    for (const host of ['127.0.0.1', '0.0.0.0']) {
      if (!(await tryBind(claim.port, host))) throw new PortInUseError(claim);
    }
  }
};
