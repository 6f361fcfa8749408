import { Agent, createServer, request as forward } from 'node:http';
import { closeServer, listen } from '../../devhost/localHttp.js';

/** One request that went through the proxy. */
export interface ProxiedRequest {
  readonly method: string;
  /** The path as sent, without the query string. */
  readonly path: string;
}

export interface CountingProxy {
  /** `http://127.0.0.1:<port>`: point a client here instead of at the target. */
  readonly origin: string;
  /** Every request forwarded so far, oldest first (live view). */
  readonly requests: readonly ProxiedRequest[];
  close(): Promise<void>;
}

/**
 * A pass-through HTTP proxy in front of `target` (an origin such as Azurite's table endpoint) that records each
 * request it forwards: how tests count the storage round trips of one operation through the real SDK clients.
 * Requests and answers pass unchanged; Azure Storage's shared-key signature does not cover the host, so a client
 * signs for the proxy exactly as it would for the target.
 */
export async function startCountingProxy(target: string): Promise<CountingProxy> {
  const upstream = new URL(target);
  const agent = new Agent({ keepAlive: true });
  const requests: ProxiedRequest[] = [];
  const server = createServer((incoming, outgoing) => {
    const url = incoming.url ?? '/';
    requests.push({ method: incoming.method ?? 'GET', path: url.split('?')[0] ?? url });
    const relay = forward(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: incoming.method,
        path: url,
        headers: incoming.headers,
        agent,
      },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    relay.on('error', () => outgoing.destroy());
    incoming.pipe(relay);
  });
  const port = await listen(server, 0, '127.0.0.1');
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    async close() {
      await closeServer(server);
      agent.destroy();
    },
  };
}
