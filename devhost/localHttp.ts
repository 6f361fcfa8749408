import type { IncomingMessage, Server, ServerResponse } from 'node:http';

/*
 * The HTTP plumbing the local stand-in servers (vault, mail sink, directory, functions host, durable API) have in
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
