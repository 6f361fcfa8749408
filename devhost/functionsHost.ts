import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { HttpResponse } from '@azure/functions';
import { redact } from '../core/redact.js';
import { durablePathPrefixes, handleDurableRequest } from './durable/durableHttpApi.js';
import type { TaskHub } from './durable/taskHub.js';
import type { FaultQueue } from './faults.js';
import type { FunctionRegistry } from './functionsCore.js';
import { keyOpens, type HostKeys } from './functionsHost/functionKeys.js';
import { httpRoutesOf, matchRoute, type HttpRoute } from './functionsHost/httpRoutes.js';
import { invokeFunction } from './functionsHost/invocation.js';
import { listen, readBody } from './localHttp.js';
import { decodePath } from './pathDecoding.js';

/*
 * The local Functions host's HTTP front: the dev console's routes, the body cap, the Durable HTTP API, and then the
 * app's HTTP triggers (functionsHost/httpRoutes.ts), their keys (functionKeys.ts) and the call (invocation.ts).
 */

/** Where the host listens, what it serves, and (from HostKeys) the keys it accepts. */
export interface FunctionsHostOptions extends HostKeys {
  readonly port: number;
  readonly host?: string;
  readonly registry: FunctionRegistry;
  readonly taskHub: TaskHub;
  readonly taskHubName: string;
  /** host.json's extensions.http.routePrefix ("api" when absent). */
  readonly routePrefix: string;
  /** Routes the local runtime itself serves (the dev console); return true when handled. */
  readonly extraRoutes?: (request: IncomingMessage, url: URL, response: ServerResponse) => Promise<boolean>;
  /** Faults for the Durable HTTP API's raise-event calls, so tests can make a `raiseEvent` from the app fail. */
  readonly raiseEventFaults?: FaultQueue;
  readonly log?: (line: string) => void;
}

export interface RunningFunctionsHost {
  readonly url: string;
  readonly server: Server;
  close(): Promise<void>;
}

/** The real host refuses bodies over 100 MB; locally a much smaller cap keeps a runaway client from eating memory. */
const maxBodyBytes = 4 * 1024 * 1024;

/** What serving one request needs: the options, the routes, and the host's URL once it listens. */
interface Host {
  readonly options: FunctionsHostOptions;
  readonly routes: readonly HttpRoute[];
  readonly log: (line: string) => void;
  origin: string;
}

function plain(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
  response.end(text);
}

/**
 * Serves the app's HTTP triggers the way the Functions host does: route templates, methods, auth levels, the
 * library's own HttpRequest and InvocationContext, and a durableClient input pointing at the local task hub.
 */
export async function startFunctionsHost(options: FunctionsHostOptions): Promise<RunningFunctionsHost> {
  const hostName = options.host ?? '127.0.0.1';
  const log = options.log ?? (() => undefined);
  const host: Host = { options, routes: httpRoutesOf(options.registry, options.routePrefix), log, origin: '' };
  const server = createServer((request, response) => {
    handle(host, request, response).catch((error: unknown) => {
      log(
        redact(
          `request ${request.method ?? ''} ${request.url ?? ''} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
        ),
      );
      if (!response.headersSent) plain(response, 500, 'Internal server error');
      else response.end();
    });
  });
  const port = await listen(server, options.port, hostName);
  host.origin = `http://${hostName === '127.0.0.1' ? 'localhost' : hostName}:${port}`;
  return {
    url: host.origin,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

/** One request: the runtime's own routes first, then the body cap, then the Durable HTTP API or a function. */
async function handle(host: Host, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const { options } = host;
  const url = new URL(request.url ?? '/', host.origin);
  if (options.extraRoutes !== undefined && (await options.extraRoutes(request, url, response))) return;
  // A declared length over the cap is refused before a byte of the body is read, as the real host does.
  if (Number(request.headers['content-length'] ?? 0) > maxBodyBytes) {
    response.setHeader('Connection', 'close');
    response.once('finish', () => request.destroy());
    plain(response, 413, 'Request body too large');
    return;
  }
  const body = await readBody(request, maxBodyBytes);
  if (body === undefined) {
    plain(response, 413, 'Request body too large');
    // readBody would drain the rest; the host drops the connection instead of reading a runaway body to its end.
    request.destroy();
    return;
  }
  if (durablePathPrefixes.some((prefix) => url.pathname.startsWith(prefix))) {
    const raising = request.method === 'POST' && url.pathname.includes('/raiseEvent/');
    const fail = (status: number) => {
      plain(response, status, 'Injected fault');
    };
    if (raising && options.raiseEventFaults?.intercept(request, response, fail) === true) return;
    await handleDurableRequest(
      options.taskHub,
      options.taskHubName,
      host.origin,
      request,
      body.toString('utf8'),
      response,
    );
    return;
  }
  await serveFunction(host, request, response, url, body);
}

/** A request for one of the app's HTTP triggers: routed, its key checked, the function called, its answer sent. */
async function serveFunction(
  host: Host,
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
  body: Buffer,
): Promise<void> {
  // Kestrel refuses a request target holding %00 before any routing; every other escape is decoded or kept as sent.
  if (decodePath(url.pathname) === undefined) {
    plain(response, 400, 'Bad Request');
    return;
  }
  const method = (request.method ?? 'GET').toUpperCase();
  const match = matchRoute(host.routes, method, url.pathname);
  if (match.kind === 'notFound') {
    plain(response, 404, 'Not found');
    return;
  }
  if (match.kind === 'methodNotAllowed') {
    response.setHeader('Allow', match.allow.join(', '));
    plain(response, 405, 'Method not allowed');
    return;
  }
  const { route, params } = match;
  if (!keyOpens(route, host.options, request.headers['x-functions-key'] ?? url.searchParams.get('code') ?? '')) {
    response.writeHead(401, { 'Cache-Control': 'no-store' });
    response.end();
    return;
  }
  const invocationHost = { origin: host.origin, taskHubName: host.options.taskHubName, log: host.log };
  const result = await invokeFunction(invocationHost, { route, request, url, body, params });
  await sendFunctionResponse(response, result, method);
}

async function sendFunctionResponse(response: ServerResponse, result: HttpResponse, method: string): Promise<void> {
  const payload = Buffer.from(await result.arrayBuffer());
  const headers: Record<string, string | string[]> = Object.fromEntries(result.headers.entries());
  const cookies = result.cookies.map((cookie) => serializeCookie(cookie));
  if (cookies.length > 0) headers['Set-Cookie'] = cookies;
  response.writeHead(result.status, headers);
  response.end(method === 'HEAD' ? undefined : payload);
}

function serializeCookie(cookie: HttpResponse['cookies'][number]): string {
  const parts = [`${cookie.name}=${cookie.value}`];
  if (cookie.path !== undefined) parts.push(`Path=${cookie.path}`);
  if (cookie.domain !== undefined) parts.push(`Domain=${cookie.domain}`);
  if (cookie.maxAge !== undefined) parts.push(`Max-Age=${cookie.maxAge}`);
  if (cookie.expires !== undefined) parts.push(`Expires=${new Date(cookie.expires).toUTCString()}`);
  if (cookie.secure === true) parts.push('Secure');
  if (cookie.httpOnly === true) parts.push('HttpOnly');
  if (cookie.sameSite !== undefined) parts.push(`SameSite=${cookie.sameSite}`);
  return parts.join('; ');
}
