import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedCallback {
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** What the receiver does with one request: answer with a status (and headers), drop the connection, or never answer. */
export type CallbackAnswer =
  number | { readonly status: number; readonly headers: Record<string, string> } | 'drop' | 'hang';

export interface CallbackReceiver {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** Every request, in arrival order, dropped ones included. */
  readonly received: ReceivedCallback[];
  close(): Promise<void>;
}

/**
 * A real HTTP server on a free loopback port that plays HR's callback receiver: it records every request and answers
 * as `answer` says, so tests can make it fail, drop connections or recover.
 */
export async function startCallbackReceiver(
  answer: (callback: ReceivedCallback, received: readonly ReceivedCallback[]) => CallbackAnswer = () => 204,
): Promise<CallbackReceiver> {
  const received: ReceivedCallback[] = [];
  const server = createServer((request, response) => {
    void readBody(request).then((body) => {
      const callback: ReceivedCallback = { path: request.url ?? '', headers: flatHeaders(request), body };
      received.push(callback);
      const decision = answer(callback, received);
      if (decision === 'drop') {
        request.socket.destroy();
        return;
      }
      if (decision === 'hang') return;
      const { status, headers } = typeof decision === 'number' ? { status: decision, headers: {} } : decision;
      response.writeHead(status, headers).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function flatHeaders(request: IncomingMessage): Record<string, string> {
  return Object.fromEntries(
    Object.entries(request.headers).flatMap(([name, value]) =>
      value === undefined ? [] : [[name, Array.isArray(value) ? value.join(', ') : value]],
    ),
  );
}
