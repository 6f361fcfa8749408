import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import type { RenderedPage } from '../../../pages/employeePages.js';

/** A year, the least HSTS preload lists accept; sent only when the pages are served over https. */
const strictTransportSecurity = 'max-age=31536000';

/** Every employee-facing response: never cached, never framed, no referrer, no inline code, nothing third-party. */
export const pageHeaders = {
  'Content-Type': 'text/html; charset=utf-8',
  'Cache-Control': 'no-store',
  'Referrer-Policy': 'no-referrer',
  'Content-Security-Policy':
    "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
};

/** A page as answered: a refusal for too many attempts says when to come back. */
export type ShownPage = RenderedPage & { readonly retryAfterMs?: number };

export const limited = (page: RenderedPage, retryAfterMs: number): ShownPage => ({
  ...page,
  status: 429,
  retryAfterMs,
});

export interface PageResponses {
  /** The page with the headers every employee page carries; a HEAD gets the headers only. */
  readonly respond: (request: HttpRequest, page: ShownPage, extra?: Partial<HttpResponseInit>) => HttpResponseInit;
  /** See-other to a GET page: every POST answers this way once it has done its work. */
  readonly redirect: (location: string, extra?: Partial<HttpResponseInit>) => HttpResponseInit;
}

export function createPageResponses(publicBaseUrl: string): PageResponses {
  const servedOverHttps = publicBaseUrl.startsWith('https://');
  const hsts = servedOverHttps ? { 'Strict-Transport-Security': strictTransportSecurity } : {};
  return {
    respond: (request, page, extra = {}) => ({
      status: page.status,
      headers: {
        ...pageHeaders,
        ...hsts,
        ...(page.refresh === undefined ? {} : { Refresh: `${page.refresh.seconds}; url=${page.refresh.url}` }),
        ...(page.retryAfterMs === undefined ? {} : { 'Retry-After': String(Math.ceil(page.retryAfterMs / 1000)) }),
      },
      ...(request.method === 'HEAD' ? {} : { body: page.html }),
      ...extra,
    }),
    redirect: (location, extra = {}) => ({
      status: 303,
      headers: { ...pageHeaders, ...hsts, Location: location },
      ...extra,
    }),
  };
}
