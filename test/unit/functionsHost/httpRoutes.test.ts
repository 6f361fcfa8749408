import { describe, expect, it } from 'vitest';
import type { FunctionRegistry, Registration } from '../../../devhost/functionsCore.js';
import { keyOpens, type HostKeys } from '../../../devhost/functionsHost/functionKeys.js';
import { compileRoute, httpRoutesOf, matchRoute } from '../../../devhost/functionsHost/httpRoutes.js';

function registration(name: string, trigger: Record<string, unknown> | undefined): Registration {
  const bindings = trigger === undefined ? {} : { request: { type: 'httpTrigger', direction: 'in', ...trigger } };
  return {
    metadata: { name, bindings },
    handler: () => undefined,
    triggerType: trigger === undefined ? 'activityTrigger' : 'httpTrigger',
  };
}

const registry = (registrations: Registration[]): FunctionRegistry => ({
  get: (name) => registrations.find((candidate) => candidate.metadata.name === name),
  all: () => registrations,
});

const routes = httpRoutesOf(
  registry([
    registration('getEnrollment', { route: 'enrollments/{id}', methods: ['get'], authLevel: 'function' }),
    registration('cancelEnrollment', { route: 'enrollments/{id}', methods: ['DELETE'] }),
    registration('raise', { route: 'enrollments/{id}/events/{event?}', methods: ['POST'], authLevel: 'admin' }),
    registration('page', { route: 'e/{*rest}', methods: ['GET', 'POST'], authLevel: 'anonymous' }),
    registration('byName', {}),
    registration('notHttp', undefined),
  ]),
  'api',
);
const named = (name: string) => {
  const route = routes.find((candidate) => candidate.registration.metadata.name === name);
  if (route === undefined) throw new Error(`no route ${name}`);
  return route;
};

describe('httpRoutesOf and matchRoute', () => {
  it('takes only HTTP triggers, with the host’s defaults: the function’s name, GET and POST, a function key', () => {
    expect(routes.map((route) => route.registration.metadata.name)).not.toContain('notHttp');
    const byName = named('byName');
    expect(byName.methods).toEqual(['GET', 'POST']);
    expect(byName.authLevel).toBe('function');
    expect(matchRoute(routes, 'POST', '/api/byName')).toMatchObject({ kind: 'found', route: byName });
  });

  it('matches ignoring case, with or without a trailing slash, and decodes the parameters', () => {
    const match = matchRoute(routes, 'GET', '/API/Enrollments/a%20b/');
    expect(match).toMatchObject({ kind: 'found', route: named('getEnrollment'), params: { id: 'a b' } });
  });

  it('serves HEAD with a GET route, and picks the route by method where two share a path', () => {
    expect(matchRoute(routes, 'HEAD', '/api/enrollments/1')).toMatchObject({ route: named('getEnrollment') });
    expect(matchRoute(routes, 'DELETE', '/api/enrollments/1')).toMatchObject({ route: named('cancelEnrollment') });
  });

  it('leaves an optional parameter out, and a catch-all takes the rest of the path', () => {
    expect(matchRoute(routes, 'POST', '/api/enrollments/1/events')).toMatchObject({ params: { id: '1' } });
    expect(matchRoute(routes, 'POST', '/api/enrollments/1/events/done')).toMatchObject({
      params: { id: '1', event: 'done' },
    });
    expect(matchRoute(routes, 'GET', '/api/e/tok/reveal')).toMatchObject({ params: { rest: 'tok/reveal' } });
  });

  it('answers 405 with every method the path has, and 404 where no route matches', () => {
    expect(matchRoute(routes, 'PUT', '/api/enrollments/1')).toEqual({
      kind: 'methodNotAllowed',
      allow: ['GET', 'DELETE'],
    });
    expect(matchRoute(routes, 'GET', '/api/enrollments')).toEqual({ kind: 'notFound' });
    expect(matchRoute(routes, 'GET', '/enrollments/1')).toEqual({ kind: 'notFound' });
  });

  it('escapes the template’s literal text', () => {
    const { pattern } = compileRoute('api/v1.0/{id}');
    expect(pattern.test('/api/v1.0/x')).toBe(true);
    expect(pattern.test('/api/v1x0/x')).toBe(false);
  });
});

describe('keyOpens', () => {
  const keys: HostKeys = {
    functionKeys: ['shared'],
    keysByFunction: { cancelEnrollment: ['own'] },
    masterKeys: ['master'],
  };
  const opens = (name: string, presented: string | string[] | undefined) => keyOpens(named(name), keys, presented);

  it('opens an anonymous function to anyone', () => {
    expect(opens('page', undefined)).toBe(true);
  });

  it('opens a function with the shared keys, or its own keys instead when it has some, or a master key', () => {
    expect(opens('getEnrollment', 'shared')).toBe(true);
    expect(opens('getEnrollment', 'own')).toBe(false);
    expect(opens('cancelEnrollment', 'own')).toBe(true);
    expect(opens('cancelEnrollment', 'shared')).toBe(false);
    expect(opens('cancelEnrollment', 'master')).toBe(true);
  });

  it('opens an admin function with a master key only', () => {
    expect(opens('raise', 'master')).toBe(true);
    expect(opens('raise', 'shared')).toBe(false);
    expect(keyOpens(named('raise'), { functionKeys: ['shared'] }, 'shared')).toBe(false);
  });

  it('refuses no key, an empty one and a repeated header', () => {
    expect(opens('getEnrollment', undefined)).toBe(false);
    expect(opens('getEnrollment', '')).toBe(false);
    expect(opens('getEnrollment', ['shared', 'shared'])).toBe(false);
  });
});
