import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Which requests a fault applies to: the HTTP method and a pattern over the path (table name, keys). */
export interface TableRequestMatch {
  readonly method: string;
  readonly path: RegExp;
}

/**
 * `fail`: answer `status` without passing the request on. `lose-answer`: pass it on (it takes effect in Azurite), then
 * answer 503 instead of Azurite's answer, as a timeout or a dropped connection after the write would. `hang`: read the
 * request and answer nothing, until the fault is cleared, which drops the connection.
 */
export type TableFaultKind = 'fail' | 'lose-answer' | 'hang';

export interface TableFaultProxy {
  /** A connection string like Azurite's, with the table endpoint pointing at the proxy. */
  readonly connectionString: string;
  /** Faults the next `count` requests that match; a `fail` answers `status` (503, which clients retry, by default). */
  inject(match: TableRequestMatch, count: number, kind?: TableFaultKind, status?: number): void;
  /** How many requests were faulted since the start or the last `clear`. */
  readonly faulted: number;
  /** Drops the faults still queued, cuts the requests held by a hang, and resets the count. */
  clear(): void;
  close(): Promise<void>;
}

interface Rule {
  readonly match: TableRequestMatch;
  readonly kind: TableFaultKind;
  readonly status: number;
  remaining: number;
}

/**
 * A loopback proxy in front of Azurite's table endpoint that faults chosen requests, so a test can make storage fail
 * at one exact step of a flow (the audit insert after a reveal's claim, the answer to the claim itself) while the
 * rest of the app, the real SDK and Azurite behave as they do. Shared-key signatures cover the path, not the host,
 * so requests pass through unchanged.
 */
export async function startTableFaultProxy(azuriteConnectionString: string): Promise<TableFaultProxy> {
  const tableEndpoint = /TableEndpoint=([^;]+)/.exec(azuriteConnectionString)?.[1];
  if (tableEndpoint === undefined) throw new Error('The connection string has no TableEndpoint');
  const target = new URL(tableEndpoint);
  const rules: Rule[] = [];
  const hung = new Set<ServerResponse>();
  let faulted = 0;

  const take = (incoming: IncomingMessage): Rule | undefined => {
    const rule = rules.find(
      (candidate) =>
        candidate.remaining > 0 &&
        candidate.match.method === incoming.method &&
        candidate.match.path.test(incoming.url ?? ''),
    );
    if (rule === undefined) return undefined;
    rule.remaining -= 1;
    faulted += 1;
    return rule;
  };

  const unavailable = (response: ServerResponse, status = 503) => {
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ 'odata.error': { code: 'ServerBusy', message: { value: 'Injected by a test' } } }));
  };

  const server = createServer((incoming, response) => {
    const fault = take(incoming);
    if (fault?.kind === 'hang') {
      incoming.resume();
      hung.add(response);
      response.once('close', () => hung.delete(response));
      return;
    }
    if (fault?.kind === 'fail') {
      incoming.resume();
      incoming.once('end', () => {
        unavailable(response, fault.status);
      });
      return;
    }
    const forwarded = request(
      {
        hostname: target.hostname,
        port: target.port,
        path: incoming.url,
        method: incoming.method,
        headers: incoming.headers,
      },
      (answer) => {
        if (fault?.kind === 'lose-answer') {
          answer.resume();
          answer.once('end', () => {
            unavailable(response);
          });
          return;
        }
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    forwarded.on('error', () => {
      if (!response.headersSent) unavailable(response);
      else response.destroy();
    });
    incoming.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const proxied = `http://127.0.0.1:${port}${target.pathname}`;

  return {
    connectionString: azuriteConnectionString.replace(tableEndpoint, proxied),
    inject(match, count, kind = 'fail', status = 503) {
      rules.push({ match, kind, status, remaining: count });
    },
    get faulted() {
      return faulted;
    },
    clear() {
      rules.length = 0;
      faulted = 0;
      for (const response of hung) response.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}
