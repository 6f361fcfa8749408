import type { FunctionRegistry, Registration } from '../functionsCore.js';
import { decodePath } from '../pathDecoding.js';

/* The app's HTTP triggers as the Functions host routes them: route templates, methods and auth levels. */

/** One HTTP-triggered function: where it is served, for which methods, behind which key. */
export interface HttpRoute {
  readonly registration: Registration;
  /** Upper case. */
  readonly methods: readonly string[];
  /** 'anonymous', 'function' or 'admin'. */
  readonly authLevel: string;
  readonly pattern: RegExp;
  /** The template's parameter names, in the order of the pattern's captures. */
  readonly names: readonly string[];
}

/** What a request's method and path find among the routes. */
export type RouteMatch =
  | { readonly kind: 'found'; readonly route: HttpRoute; readonly params: Readonly<Record<string, string>> }
  | { readonly kind: 'methodNotAllowed'; readonly allow: readonly string[] }
  | { readonly kind: 'notFound' };

/** Turns a Functions route template (`api/enrollments/{id}/events/{event?}`) into a matcher. */
export function compileRoute(template: string): { pattern: RegExp; names: string[] } {
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

/** The registry's HTTP triggers, with the host's defaults: route = function name, GET and POST, function key. */
export function httpRoutesOf(registry: FunctionRegistry, routePrefix: string): HttpRoute[] {
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

/**
 * The first route serving `method` (HEAD by a GET route) at `pathname`, with its parameters decoded as the host
 * decodes them; else 405 with every method the path has, or 404.
 */
export function matchRoute(routes: readonly HttpRoute[], method: string, pathname: string): RouteMatch {
  const matches = routes
    .map((route) => ({ route, match: route.pattern.exec(pathname) }))
    .filter((candidate) => candidate.match !== null);
  const chosen = matches.find((candidate) => candidate.route.methods.includes(method === 'HEAD' ? 'GET' : method));
  if (chosen === undefined) {
    if (matches.length === 0) return { kind: 'notFound' };
    return { kind: 'methodNotAllowed', allow: [...new Set(matches.flatMap((candidate) => candidate.route.methods))] };
  }
  const { route, match } = chosen;
  const params: Record<string, string> = {};
  route.names.forEach((name, index) => {
    const value = match?.[index + 1];
    if (value !== undefined) params[name] = decodePath(value) ?? value;
  });
  return { kind: 'found', route, params };
}
