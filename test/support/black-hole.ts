import { createServer, type Socket } from 'node:net';

/** A dependency that takes connections and never finishes an answer (see `startBlackHole`). */
export interface BlackHole {
  /** `http://127.0.0.1:<port>`: what an `AWS_ENDPOINT_URL_*` variable is set to. */
  endpoint: string;
  /** Connections accepted so far (each SDK attempt that found no pooled socket made one). */
  connections: () => number;
  /** Requests whose headers arrived: the SDK did write them. */
  requests: () => number;
  /** Closes the listener and every connection it holds (a call still waiting then fails at once). */
  close: () => Promise<void>;
}

/**
 * A real TCP server on 127.0.0.1 that plays a dependency gone quiet after the connection: a black hole, a
 * stuck load balancer, a partition after connect. `silent` accepts, reads each request and never writes a
 * byte; `stall` answers a request with a 200's status line and headers and the first bytes of a body it
 * says is longer, then nothing more (the service or a proxy died mid-answer).
 */
export async function startBlackHole(mode: 'silent' | 'stall' = 'silent'): Promise<BlackHole> {
  const sockets = new Set<Socket>();
  let connections = 0;
  let requests = 0;
  const server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {}); // the client gives up and resets: expected
    let head = '';
    socket.on('data', (chunk: Buffer) => {
      if (head.includes('\r\n\r\n')) return; // the body of a request already counted
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      requests++;
      if (mode === 'stall') {
        socket.write(
          'HTTP/1.1 200 OK\r\ncontent-type: application/x-amz-json-1.0\r\ncontent-length: 4096\r\n\r\n{"',
        );
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    connections: () => connections,
    requests: () => requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
