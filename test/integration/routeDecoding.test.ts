import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRuntime, type TestRuntime } from '../helpers/testRuntime.js';

/**
 * Percent-escapes in routes, as the Functions host (Kestrel, ASP.NET Core's UrlDecoder) treats them: a malformed one
 * (`%ZZ`, a lone `%`, bytes that are not UTF-8) reaches the function as sent, and the app answers it like any other
 * bad value, with its own error page or problem document and 400; only `%00` is refused by the host itself. Never a 500, and
 * nothing thrown in the host.
 */

let runtime: TestRuntime;

beforeAll(async () => {
  runtime = await startTestRuntime();
});

afterAll(async () => {
  await runtime.stop();
});

const hostFailures = () => runtime.logs.filter((line) => line.includes('failed'));

describe('malformed percent-escapes in routes', () => {
  it.each(['/e/%ZZ', '/r/%ZZ', '/e/%', '/r/abc%E2%82', '/e/%FF%FE/mfa'])(
    'answers %s with the invalid-link page and 400: not a token at all',
    async (path) => {
      const response = await fetch(`${runtime.url}${path}`, {
        method: path.endsWith('/mfa') ? 'POST' : 'GET',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin' },
        ...(path.endsWith('/mfa') ? { body: 'csrf=x' } : {}),
      });
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(await response.text()).toContain('<h1>');
    },
  );

  it('answers /assets/%ZZ as an unknown asset', async () => {
    expect((await fetch(`${runtime.url}/assets/%ZZ`)).status).toBe(404);
  });

  it.each([
    ['GET', '/api/users/%ZZ/app-passwords'],
    ['DELETE', '/api/users/a%ZZ@contoso.dk/app-passwords/iPhone'],
    ['GET', '/api/enrollments/%ZZ'],
    ['POST', '/api/enrollments/%E0%A4/cancel'],
  ])('answers %s %s with a 400 problem document', async (method, path) => {
    const response = await runtime.api(path, { method, ...(method === 'POST' ? { json: {} } : {}) });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
    expect(await response.json()).toMatchObject({ status: 400 });
  });

  it('passes a malformed escape to the Durable HTTP API as sent: an unknown instance', async () => {
    const response = await fetch(`${runtime.url}/runtime/webhooks/durabletask/instances/%ZZ`);
    expect(response.status).toBe(404);
  });

  it('refuses %00 before routing, as Kestrel does', async () => {
    expect((await fetch(`${runtime.url}/e/%00`)).status).toBe(400);
    expect((await runtime.api('/api/enrollments/%00')).status).toBe(400);
    expect((await fetch(`${runtime.url}/runtime/webhooks/durabletask/instances/%00`)).status).toBe(400);
  });

  it('never failed in the host', () => {
    expect(hostFailures()).toEqual([]);
  });
});
