import { createServer } from 'node:net';
import type { AzuriteOptions } from './azurite.js';
import type { RuntimeOptions } from './runtime.js';

/**
 * Asks the OS for a free loopback port. A tiny race remains until the caller binds it; tests and benchmarks accept
 * that (`npm start` uses fixed ports and checks them instead).
 */
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

/** Free ports for everything `startRuntime` serves: the host and the four local stand-ins. */
export async function freeRuntimePorts(): Promise<RuntimeOptions['ports']> {
  return {
    host: await freePort(),
    vault: await freePort(),
    mail: await freePort(),
    directory: await freePort(),
    sms: await freePort(),
  };
}

/** Free ports for an Azurite of its own (tests and benchmarks run beside `npm start` and each other). */
export async function freeAzuritePorts(): Promise<Pick<AzuriteOptions, 'blobPort' | 'queuePort' | 'tablePort'>> {
  return { blobPort: await freePort(), queuePort: await freePort(), tablePort: await freePort() };
}
