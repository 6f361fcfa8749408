import { request } from 'node:http';

/**
 * `fetch` from another client address: the request's socket is bound to `localAddress` (any address in 127.0.0.0/8
 * on Linux reaches a server on 127.0.0.1). The local runtime, like App Service's front end, appends the connection's
 * address to X-Forwarded-For, so this is how a test presents several clients without trusting a header it sends.
 * Plain http to loopback only: enough for the runtime, and nothing else is ever reached.
 */
export function fetchFrom(localAddress: string): typeof fetch {
  return (input, init = {}) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (url.protocol !== 'http:') throw new Error('fetchFrom speaks plain http to loopback only');
    const headers = new Headers(init.headers);
    if (init.body !== undefined && init.body !== null && typeof init.body !== 'string') {
      throw new Error('fetchFrom sends string bodies only');
    }
    const body = init.body ?? undefined;
    return new Promise<Response>((resolve, reject) => {
      const outgoing = request(
        {
          hostname: url.hostname,
          port: url.port,
          path: `${url.pathname}${url.search}`,
          method: init.method ?? 'GET',
          headers: Object.fromEntries(headers),
          localAddress,
        },
        (incoming) => {
          const chunks: Buffer[] = [];
          incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
          incoming.on('error', reject);
          incoming.on('end', () => {
            const answered = new Headers();
            for (const [name, value] of Object.entries(incoming.headers)) {
              for (const item of Array.isArray(value) ? value : value === undefined ? [] : [value]) {
                answered.append(name, item);
              }
            }
            const status = incoming.statusCode ?? 500;
            const noBody = status === 204 || status === 304 || init.method === 'HEAD';
            resolve(new Response(noBody ? null : Buffer.concat(chunks), { status, headers: answered }));
          });
        },
      );
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  };
}
