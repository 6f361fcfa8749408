import type { IncomingHttpHeaders } from 'node:http';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Refusal } from '../../../devhost/devConsole/refusal.js';
import { guardAgainstCrossSiteRequests, guardAgainstRebinding } from '../../../devhost/devConsole/requestGuards.js';

/** The status a guard refuses `headers` with, or 'passes'. */
function verdict(guard: (request: { headers: IncomingHttpHeaders }) => void, headers: IncomingHttpHeaders) {
  try {
    guard({ headers });
    return 'passes';
  } catch (error) {
    if (error instanceof Refusal) return error.status;
    throw error;
  }
}

const json = 'application/json';
const form = 'application/x-www-form-urlencoded';

describe('guardAgainstRebinding', () => {
  it.each(['localhost', 'LOCALHOST:7071', '127.0.0.1', '127.0.0.1:80', '[::1]:7071'])(
    'lets Host %s through',
    (host) => {
      expect(verdict(guardAgainstRebinding, { host })).toBe('passes');
    },
  );

  it.each(['evil.example', 'localhost.evil.example', '127.0.0.1.nip.io', 'localhost:7071@evil', '127.0.0.2', ''])(
    'refuses Host %j with 403',
    (host) => {
      expect(verdict(guardAgainstRebinding, { host })).toBe(403);
    },
  );

  it('refuses a request without a Host header', () => {
    expect(verdict(guardAgainstRebinding, {})).toBe(403);
  });
});

describe('guardAgainstCrossSiteRequests', () => {
  it('lets a server-side JSON request through: no Origin, no Sec-Fetch-Site (the app posting a callback)', () => {
    expect(verdict(guardAgainstCrossSiteRequests, { 'content-type': `${json}; charset=utf-8` })).toBe('passes');
  });

  it('lets the console’s own form posts through, including Origin: null under no-referrer', () => {
    for (const headers of [
      { 'content-type': form, 'sec-fetch-site': 'same-origin' },
      { 'content-type': form, 'sec-fetch-site': 'same-origin', origin: 'null' },
      { 'content-type': form, 'sec-fetch-site': 'same-origin', origin: 'http://localhost:7071' },
      { 'content-type': 'multipart/form-data; boundary=x', 'sec-fetch-site': 'none' },
    ]) {
      expect(verdict(guardAgainstCrossSiteRequests, headers), JSON.stringify(headers)).toBe('passes');
    }
  });

  it('refuses a form post the browser did not mark as first-party, and Origin: null without same-origin', () => {
    for (const headers of [
      { 'content-type': form },
      { 'content-type': 'text/plain' },
      { 'content-type': form, origin: 'null' },
      { 'content-type': json, origin: 'null', 'sec-fetch-site': 'none' },
    ]) {
      expect(verdict(guardAgainstCrossSiteRequests, headers), JSON.stringify(headers)).toBe(403);
    }
  });

  it('refuses a request from a foreign or non-http origin, JSON or not', () => {
    for (const origin of ['https://evil.example', 'http://localhost.evil.example', 'https://localhost:7071']) {
      expect(verdict(guardAgainstCrossSiteRequests, { 'content-type': json, origin }), origin).toBe(403);
    }
  });

  it('refuses every request a browser marks cross-site or same-site, whatever else it carries', () => {
    const contentTypes = fc.constantFrom(json, form, 'text/plain', 'multipart/form-data', '', 'APPLICATION/JSON');
    const origins = fc.constantFrom(
      undefined,
      'null',
      'http://localhost:7071',
      'http://127.0.0.1',
      'https://a.example',
    );
    fc.assert(
      fc.property(fc.constantFrom('cross-site', 'same-site'), contentTypes, origins, (site, type, origin) => {
        const headers: IncomingHttpHeaders = { 'sec-fetch-site': site, 'content-type': type };
        if (origin !== undefined) headers.origin = origin;
        expect(verdict(guardAgainstCrossSiteRequests, headers)).toBe(403);
      }),
    );
  });

  it('passes only JSON, or a form type the browser marked first-party', () => {
    const sites = fc.constantFrom(undefined, 'same-origin', 'none');
    const types = fc.constantFrom(json, form, 'text/plain', 'multipart/form-data', 'application/xml', '');
    fc.assert(
      fc.property(sites, types, (site, type) => {
        const headers: IncomingHttpHeaders = { 'content-type': type };
        if (site !== undefined) headers['sec-fetch-site'] = site;
        const allowed = type === json || (type !== 'application/xml' && type !== '' && site !== undefined);
        expect(verdict(guardAgainstCrossSiteRequests, headers)).toBe(allowed ? 'passes' : 403);
      }),
    );
  });
});
