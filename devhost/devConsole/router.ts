import type { IncomingMessage, ServerResponse } from 'node:http';
import { callbackInboxPath, type DevConsole } from './dependencies.js';
import { Refusal } from './refusal.js';
import { guardAgainstCrossSiteRequests, guardAgainstRebinding } from './requestGuards.js';
import { sendApiJson, sendPage } from './responses.js';
import { errorPage } from './views/layout.js';

/** One request as a handler sees it: `params` are the route pattern's captures, still percent-encoded. */
export interface Exchange {
  readonly request: IncomingMessage;
  readonly response: ServerResponse;
  readonly url: URL;
  readonly params: readonly string[];
}

export type Handler = (exchange: Exchange) => Promise<void>;

const methods = ['GET', 'PUT', 'POST'] as const;
export type Method = (typeof methods)[number];

/** A path pattern and what each method does there; HEAD is served by GET. */
export interface Route {
  readonly pattern: RegExp;
  readonly handlers: Readonly<Partial<Record<Method, Handler>>>;
}

/**
 * Serves `routes` under /_dev and nothing else. Every request passes the DNS-rebinding guard; every state-changing
 * one (not GET or HEAD) the cross-site guard too. A Refusal thrown anywhere becomes the answer: JSON under /_dev/api
 * and at the callback inbox (called by the app, not a browser), an error page elsewhere. Any other error is the
 * caller's, as from any handler.
 */
export function devConsoleRouter(routes: readonly Route[]): DevConsole {
  return async (request, url, response) => {
    const path = url.pathname;
    if (path !== '/_dev' && !path.startsWith('/_dev/')) return false;
    try {
      guardAgainstRebinding(request);
      const method = (request.method ?? 'GET').toUpperCase();
      const { route, handler } = handlerFor(routes, method, path, response);
      if (method !== 'GET' && method !== 'HEAD') guardAgainstCrossSiteRequests(request);
      const params = (route.pattern.exec(path) ?? []).slice(1);
      await handler({ request, response, url, params });
    } catch (error) {
      if (!(error instanceof Refusal)) throw error;
      request.resume();
      if (answersInJson(path)) sendApiJson(response, error.status, { error: error.message });
      else sendPage(response, error.status, errorPage(error.status, error.message));
    }
    return true;
  };
}

/** The first route matching `path` and its handler for `method`; a Refusal 404, or 405 with `Allow` set. */
function handlerFor(
  routes: readonly Route[],
  method: string,
  path: string,
  response: ServerResponse,
): { readonly route: Route; readonly handler: Handler } {
  const route = routes.find((candidate) => candidate.pattern.test(path));
  if (route === undefined) throw new Refusal(404, `Nothing at ${path}.`);
  const served = method === 'HEAD' ? 'GET' : method;
  const handler = isMethod(served) ? route.handlers[served] : undefined;
  if (handler === undefined) {
    const allowed = Object.keys(route.handlers);
    response.setHeader('Allow', (allowed.includes('GET') ? [...allowed, 'HEAD'] : allowed).join(', '));
    throw new Refusal(405, `${method} is not allowed on ${path}.`);
  }
  return { route, handler };
}

const isMethod = (name: string): name is Method => methods.some((known) => known === name);

function answersInJson(path: string): boolean {
  return path === '/_dev/api' || path.startsWith('/_dev/api/') || path === callbackInboxPath;
}
