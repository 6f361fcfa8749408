import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/*
 * The HTTP plumbing the local stand-in servers (vault, mail and SMS sinks, directory, functions host, durable API) have in
 * common. Each of them speaks a different service's protocol; what is here is the part that does not depend on which.
 */

/**
 * Starts `server` on `port` and `host` and resolves with the port it is bound to, which is the one the OS picked when
 * `port` is 0. Rejects when listening fails (port in use, unknown host) rather than leaving an unhandled 'error' event.
 */
export async function listen(server: Server, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      // Only a failure to start is ours to report; errors after that belong to whoever runs the server.
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  // A listening TCP server always has an AddressInfo; the string form is for pipes, which these servers never use.
  return address !== null && typeof address === 'object' ? address.port : port;
}

/**
 * Creates a server that runs the asynchronous `handle` for each request, so that a handler's failure is answered
 * rather than left as an unhandled rejection and a client waiting forever. When `handle` rejects before the answer
 * has started, `internalError` writes a 500 in the service's own error shape, given the error's message; once headers
 * are out, the connection is cut instead, since a truncated answer must not pass for a complete one.
 */
export function createAsyncServer(
  handle: (request: IncomingMessage, response: ServerResponse) => Promise<void>,
  internalError: (response: ServerResponse, message: string) => void,
): Server {
  return createServer((request, response) => {
    void handle(request, response).catch((error: unknown) => {
      if (response.headersSent) {
        response.destroy();
        return;
      }
      internalError(response, error instanceof Error ? error.message : 'internal error');
    });
  });
}

/**
 * Stops `server` and resolves once it has closed; rejects as `server.close` does (when it was not running, say). Open
 * connections are cut rather than waited for: SDK clients keep idle keep-alive sockets open, which would hold the close
 * until they time out. `hung` are responses a fault deliberately never answers (see `FaultQueue`); they are destroyed
 * first, since nothing else would ever end them.
 */
export async function closeServer(server: Server, hung: Iterable<ServerResponse> = []): Promise<void> {
  // Asked first, so the server stops accepting before the open connections are cut.
  const closed = new Promise<void>((resolve, reject) => {
    server.close((error) => {
      if (error === undefined) resolve();
      else reject(error);
    });
  });
  for (const response of hung) response.destroy();
  server.closeAllConnections();
  await closed;
}

/** `host` as it stands in a URL: an IPv6 literal needs brackets (`[::1]`), a name or an IPv4 address does not. */
export function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * Answers `status` with `body` as JSON. Content-Length is always set, so clients and keep-alive know where the body
 * ends without chunked encoding; an undefined `body` sends an empty one under the same content type, as the Durable
 * extension does. The content type is the caller's because the real services differ (Graph adds
 * `odata.metadata=minimal`, Key Vault and Durable a charset, SendGrid nothing). Headers already set on `response`
 * (Allow, Retry-After, ...) are sent along.
 */
export function sendJson(
  response: ServerResponse,
  status: number,
  body?: unknown,
  contentType = 'application/json',
): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  response.statusCode = status;
  response.setHeader('Content-Type', contentType);
  response.setHeader('Content-Length', Buffer.byteLength(text));
  response.end(text);
}

/**
 * Turns away every request but a POST to `path`, as a service with a single operation does: 404 for another path,
 * else 405 with `Allow: POST`, the body of each written by `refuse` in the service's own error shape. Returns whether
 * it answered, in which case the caller must leave the request alone. The body is drained unread, so that the client
 * gets to finish sending and reads the answer instead of a reset connection.
 */
export function refuseUnlessPost(
  request: IncomingMessage,
  response: ServerResponse,
  pathname: string,
  path: string,
  refuse: (status: 404 | 405) => void,
): boolean {
  if (pathname === path && request.method === 'POST') return false;
  request.resume();
  if (pathname === path) response.setHeader('Allow', 'POST');
  refuse(pathname === path ? 405 : 404);
  return true;
}

/**
 * Reads the whole request body, or resolves with undefined as soon as the bytes received pass `limitBytes`. Nothing
 * past the limit is buffered, so a runaway client cannot eat memory, but the rest is still drained, so the client gets
 * to read the 413 the caller answers instead of a reset connection (a caller that would rather drop the connection
 * destroys the request itself).
 */
export async function readBody(request: IncomingMessage, limitBytes: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    request.on('data', (chunk: Buffer) => {
      if (tooLarge) return;
      size += chunk.length;
      if (size > limitBytes) {
        tooLarge = true;
        chunks.length = 0;
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    request.once('end', () => {
      if (!tooLarge) resolve(Buffer.concat(chunks));
    });
    request.once('error', reject);
  });
}

/** A plain JSON object: not null and not an array, which `typeof` alone would let through. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
