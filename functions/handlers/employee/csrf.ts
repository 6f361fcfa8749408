import type { HttpRequest } from '@azure/functions';
import { digestsEqual } from '../../../core/tokens.js';

const maxFormBytes = 4 * 1024;

/** The POST's form, when it is one and small: anything else is refused like a forged post. */
export async function readForm(request: HttpRequest): Promise<URLSearchParams | undefined> {
  const type = (request.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') return undefined;
  const text = await request.text();
  return text.length > maxFormBytes ? undefined : new URLSearchParams(text);
}

/**
 * CSRF: the token from the page (an HMAC only the server can make), and the browser's own word on where the request
 * came from. The Origin header is not used: with Referrer-Policy no-referrer browsers send `Origin: null`.
 */
export function csrfOk(request: HttpRequest, form: URLSearchParams | undefined, expected: string): boolean {
  const site = request.headers.get('sec-fetch-site');
  if (site !== null && site !== 'same-origin' && site !== 'none') return false;
  const presented = form?.get('csrf') ?? '';
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && digestsEqual(a.toString('hex'), b.toString('hex'));
}
