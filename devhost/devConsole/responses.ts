import type { ServerResponse } from 'node:http';
import type { SafeHtml } from '../../pages/html.js';
import { sendJson } from '../localHttp.js';

/*
 * How the console answers: JSON for the API, pages under a strict CSP (no script at all), and a 303 back home after a
 * form post. Nothing it serves is cached: every answer is the state of the moment.
 */

const jsonContentType = 'application/json; charset=utf-8';

const pageHeaders = {
  'Content-Type': 'text/html; charset=utf-8',
  'Cache-Control': 'no-store',
  'Referrer-Policy': 'no-referrer',
  'Content-Security-Policy':
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
};

export function sendApiJson(response: ServerResponse, status: number, body: unknown): void {
  response.setHeader('Cache-Control', 'no-store');
  response.setHeader('X-Content-Type-Options', 'nosniff');
  sendJson(response, status, body, jsonContentType);
}

export function sendPage(
  response: ServerResponse,
  status: number,
  page: SafeHtml,
  headers: Readonly<Record<string, string>> = {},
): void {
  const text = page.value;
  response.writeHead(status, { ...pageHeaders, ...headers, 'Content-Length': Buffer.byteLength(text) });
  response.end(text);
}

export function redirectHome(response: ServerResponse): void {
  response.writeHead(303, { Location: '/_dev', 'Cache-Control': 'no-store', 'Content-Length': 0 });
  response.end();
}
