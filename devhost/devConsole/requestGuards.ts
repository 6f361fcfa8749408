import type { IncomingMessage } from 'node:http';
import { Refusal } from './refusal.js';
import { mediaTypeOf } from './requestBodies.js';

/*
 * The console is served on loopback only and needs no key, so it guards itself against the two ways a web page in
 * the developer's browser could still reach it: DNS rebinding (a foreign name resolving to 127.0.0.1, seen in the Host
 * header) and cross-site form posts (CSRF). The app's own callback POSTs pass both guards as any server-side JSON
 * request does: addressed to localhost, with `content-type: application/json` and no Origin.
 */

const loopbackHost = /^(?:localhost|127\.0\.0\.1|\[::1\])(?::\d{1,5})?$/i;
const loopbackOrigin = /^http:\/\/(?:localhost|127\.0\.0\.1|\[::1\])(?::\d{1,5})?$/i;
/** The enctypes an HTML form can send without CORS; JSON cannot be sent cross-origin without a preflight. */
const formMediaTypes = new Set(['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain']);

/** Refuses (403) a request whose Host is not a loopback name: a rebound DNS name reaches the port but not this. */
export function guardAgainstRebinding(request: Pick<IncomingMessage, 'headers'>): void {
  if (!loopbackHost.test(request.headers.host ?? '')) {
    throw new Refusal(403, 'The dev console only answers requests addressed to localhost or 127.0.0.1.');
  }
}

/**
 * A state-changing request must be JSON (which a cross-origin page cannot send without a CORS preflight this console
 * never grants) or a form post the browser marks as coming from the console itself (`Sec-Fetch-Site: same-origin`)
 * or from the user (`none`: typed or bookmarked). Any request a browser marks as cross-site, or from a foreign origin,
 * is refused outright. The console's pages are served with `Referrer-Policy: no-referrer`, under which Chromium and
 * Firefox send `Origin: null` on the console's own form posts: an opaque origin is accepted only together with the
 * browser's `same-origin` mark, which no other site can make it send.
 */
export function guardAgainstCrossSiteRequests(request: Pick<IncomingMessage, 'headers'>): void {
  const fetchSite = request.headers['sec-fetch-site'];
  const firstParty = fetchSite === 'same-origin' || fetchSite === 'none';
  if (fetchSite !== undefined && !firstParty) {
    throw new Refusal(403, `Refused a ${fetchSite} request: the dev console only accepts its own forms.`);
  }
  const origin = request.headers.origin;
  const ownOpaqueOrigin = origin === 'null' && fetchSite === 'same-origin';
  if (origin !== undefined && !loopbackOrigin.test(origin) && !ownOpaqueOrigin) {
    throw new Refusal(403, 'Refused a request from another origin.');
  }
  const type = mediaTypeOf(request);
  if (type === 'application/json') return;
  if (formMediaTypes.has(type) && firstParty) return;
  throw new Refusal(
    403,
    'State-changing requests must send Content-Type: application/json, or be a form post from the console itself.',
  );
}
