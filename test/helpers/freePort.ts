import { createServer } from 'node:net';

/** Asks the OS for a free loopback port. A tiny race remains until the caller binds it; tests accept that. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        reject(new Error('Could not read the port of a probe server'));
        return;
      }
      server.close(() => {
        resolve(address.port);
      });
    });
  });
}
