import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { HttpResponse as HttpResponseType, HttpResponseInit } from '@azure/functions';
import { HttpRequest, HttpResponse, InvocationContext } from './azureFunctions.js';
import { redact } from '../core/redact.js';
import { durableClientPayload, durablePathPrefixes, handleDurableRequest } from './durable/durableHttpApi.js';
import type { TaskHub } from './durable/taskHub.js';
import type { FaultQueue } from './faults.js';
import type { FunctionRegistry, Registration } from './functionsCore.js';
import { listen, readBody } from './localHttp.js';
import { decodePath } from './pathDecoding.js';

export interface FunctionsHostOptions {
  readonly port: number;
  readonly host?: string;
  readonly registry: FunctionRegistry;
  readonly taskHub: TaskHub;
  readonly taskHubName: string;
  /** host.json's extensions.http.routePrefix ("api" when absent). */
  readonly routePrefix: string;
  /**
   * Keys accepted for authLevel "function" (x-functions-key header or code query parameter) by every function not in
   * `keysByFunction`. In Azure a host key would open every function; the runbook hands out function keys only (HR's
   * on the HR functions, the relying services' on the verify function), and this models that set-up.
   */
  readonly functionKeys: readonly string[];
  /** Function keys of individual functions, which then accept these instead of `functionKeys`. */
  readonly keysByFunction?: Readonly<Record<string, readonly string[]>>;
  /** Keys accepted for authLevel "admin" (and "function"). */
  readonly masterKeys?: readonly string[];
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

interface Route {
  readonly registration: Registration;
  readonly methods: readonly string[];
  readonly authLevel: string;
  readonly pattern: RegExp;
  readonly names: readonly string[];
}

/** Turns a Functions route template (`api/enrollments/{id}/events/{event?}`) into a matcher. */
function compileRoute(template: string): { pattern: RegExp; names: string[] } {
  const names: string[] = [];
  const source = template
    .split('/')
    .filter(Boolean)
    .map((segment) => {
      const match = /^\{(\*?)([A-Za-z_][A-Za-z0-9_]*)(?::[^}?]+)?(\??)\}$/.exec(segment);
      if (match === null) return `/${segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`;
      const [, catchAll, name, optional] = match;
      names.push(name ?? '');
      const capture = catchAll === '*' ? '(.*)' : '([^/]+)';
      return optional === '?' ? `(?:/${capture})?` : `/${capture}`;
    })
    .join('');
  return { pattern: new RegExp(`^${source}/?$`, 'i'), names };
}

function routesOf(registry: FunctionRegistry, routePrefix: string): Route[] {
  return registry
    .all()
    .filter((registration) => registration.triggerType === 'httpTrigger')
    .map((registration) => {
      const trigger = Object.values(registration.metadata.bindings).find((binding) => binding.type === 'httpTrigger');
      const route = typeof trigger?.['route'] === 'string' ? trigger['route'] : registration.metadata.name;
      const methods = Array.isArray(trigger?.['methods']) ? (trigger['methods'] as string[]) : ['GET', 'POST'];
      const authLevel = typeof trigger?.['authLevel'] === 'string' ? trigger['authLevel'] : 'function';
      const { pattern, names } = compileRoute(`${routePrefix}/${route}`);
      return { registration, methods: methods.map((m) => m.toUpperCase()), authLevel, pattern, names };
    });
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
  const routes = routesOf(options.registry, options.routePrefix);
  let origin = '';

  const invoke = async (
    route: Route,
    request: IncomingMessage,
    url: URL,
    body: Buffer,
    params: Record<string, string>,
  ) => {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    // As App Service's front end does: append the connecting address with its port, so the last entry cannot be
    // forged (and the app must drop the port to key anything on it).
    const { remoteAddress, remotePort } = request.socket;
    const peer =
      remoteAddress === undefined
        ? 'unknown'
        : `${remoteAddress.includes(':') ? `[${remoteAddress}]` : remoteAddress}:${remotePort ?? 0}`;
    const forwarded = headers['x-forwarded-for'];
    headers['x-forwarded-for'] = forwarded === undefined ? peer : `${forwarded}, ${peer}`;
    const httpRequest = new HttpRequest({
      method: request.method ?? 'GET',
      url: url.toString(),
      headers,
      query: Object.fromEntries(url.searchParams),
      params,
      ...(body.byteLength > 0 ? { body: { bytes: new Uint8Array(body) } } : {}),
    });
    const bindings = Object.entries(route.registration.metadata.bindings);
    const extraInputs = bindings
      .filter(([, binding]) => binding.direction === 'in' && !binding.type.endsWith('Trigger'))
      .map(([name, binding]) => ({ ...binding, name }));
    const context = new InvocationContext({
      functionName: route.registration.metadata.name,
      invocationId: crypto.randomUUID(),
      options: {
        trigger: { type: 'httpTrigger', name: 'request' },
        extraInputs: extraInputs,
        extraOutputs: [],
      },
      logHandler: (level, ...args) => {
        log(redact(`[${route.registration.metadata.name}] ${level}: ${args.map(String).join(' ')}`));
      },
    });
    for (const binding of extraInputs) {
      if (binding.type === 'durableClient' || binding.type === 'orchestrationClient') {
        context.extraInputs.set(binding.name, durableClientPayload(origin, options.taskHubName));
      }
    }
    const result = (await route.registration.handler(httpRequest, context)) as
      HttpResponseInit | HttpResponseType | undefined;
    return result instanceof HttpResponse ? result : new HttpResponse(result ?? { status: 204 });
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', origin);
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
        origin,
        request,
        body.toString('utf8'),
        response,
      );
      return;
    }
    // Kestrel refuses a request target holding %00 before any routing; every other escape is decoded or kept as sent.
    if (decodePath(url.pathname) === undefined) {
      plain(response, 400, 'Bad Request');
      return;
    }
    const method = (request.method ?? 'GET').toUpperCase();
    const matches = routes
      .map((route) => ({ route, match: route.pattern.exec(url.pathname) }))
      .filter((candidate) => candidate.match !== null);
    const chosen = matches.find((candidate) => candidate.route.methods.includes(method === 'HEAD' ? 'GET' : method));
    if (chosen === undefined) {
      if (matches.length > 0) {
        response.setHeader('Allow', [...new Set(matches.flatMap((candidate) => candidate.route.methods))].join(', '));
        plain(response, 405, 'Method not allowed');
      } else {
        plain(response, 404, 'Not found');
      }
      return;
    }
    const { route, match } = chosen;
    if (route.authLevel !== 'anonymous') {
      const presented = request.headers['x-functions-key'] ?? url.searchParams.get('code') ?? '';
      const accepted =
        route.authLevel === 'admin'
          ? (options.masterKeys ?? [])
          : [
              ...(options.keysByFunction?.[route.registration.metadata.name] ?? options.functionKeys),
              ...(options.masterKeys ?? []),
            ];
      if (typeof presented !== 'string' || !accepted.includes(presented)) {
        response.writeHead(401, { 'Cache-Control': 'no-store' });
        response.end();
        return;
      }
    }
    const params: Record<string, string> = {};
    route.names.forEach((name, index) => {
      const value = match?.[index + 1];
      if (value !== undefined) params[name] = decodePath(value) ?? value;
    });
    const result = await invoke(route, request, url, body, params);
    const payload = Buffer.from(await result.arrayBuffer());
    const headers: Record<string, string | string[]> = Object.fromEntries(result.headers.entries());
    const cookies = result.cookies.map((cookie) => serializeCookie(cookie));
    if (cookies.length > 0) headers['Set-Cookie'] = cookies;
    response.writeHead(result.status, headers);
    response.end(method === 'HEAD' ? undefined : payload);
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
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
  origin = `http://${hostName === '127.0.0.1' ? 'localhost' : hostName}:${port}`;
  return {
    url: origin,
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

function serializeCookie(cookie: HttpResponseType['cookies'][number]): string {
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
