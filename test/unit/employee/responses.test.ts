import { describe, expect, it } from 'vitest';
import { createPageResponses, limited } from '../../../functions/handlers/employee/responses.js';
import { pageRequest } from './harness.js';

const page = { status: 200, html: '<h1>Hi</h1>' };
const headersOf = (init: { headers?: unknown }) => new Headers(init.headers as Record<string, string>);

describe('page responses', () => {
  it('carry the page headers on every answer: never cached, framed, referred or scripted from elsewhere', () => {
    const { respond, redirect } = createPageResponses('https://enroll.contoso.example');
    for (const response of [respond(pageRequest('/e/t'), page), redirect('/e/t')]) {
      const headers = headersOf(response);
      expect(headers.get('cache-control')).toBe('no-store');
      expect(headers.get('referrer-policy')).toBe('no-referrer');
      expect(headers.get('x-frame-options')).toBe('DENY');
      expect(headers.get('x-content-type-options')).toBe('nosniff');
      expect(headers.get('content-security-policy')).toContain("default-src 'none'");
      expect(headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(headers.get('strict-transport-security')).toBe('max-age=31536000');
    }
  });

  it('send HSTS only when the pages are served over https', () => {
    const { respond, redirect } = createPageResponses('http://localhost:7071');
    expect(headersOf(respond(pageRequest('/e/t'), page)).has('strict-transport-security')).toBe(false);
    expect(headersOf(redirect('/e/t')).has('strict-transport-security')).toBe(false);
  });

  it('answer HEAD with the headers and no body', () => {
    const { respond } = createPageResponses('https://enroll.contoso.example');
    expect(respond(pageRequest('/e/t'), page).body).toBe(page.html);
    const head = respond(pageRequest('/e/t', { method: 'HEAD' }), page);
    expect(head.status).toBe(200);
    expect(head).not.toHaveProperty('body');
  });

  it('say when to come back after a limit, in whole seconds rounded up', () => {
    const { respond } = createPageResponses('https://enroll.contoso.example');
    const answer = respond(pageRequest('/e/t'), limited(page, 1_001));
    expect(answer.status).toBe(429);
    expect(headersOf(answer).get('retry-after')).toBe('2');
    expect(headersOf(respond(pageRequest('/e/t'), page)).has('retry-after')).toBe(false);
  });

  it('pass a page’s refresh on as a Refresh header, the CSP allowing no inline script', () => {
    const { respond } = createPageResponses('https://enroll.contoso.example');
    const answer = respond(pageRequest('/e/t'), { ...page, refresh: { seconds: 5, url: '/e/t' } });
    expect(headersOf(answer).get('refresh')).toBe('5; url=/e/t');
  });

  it('redirect a post with 303, so a reload never posts again', () => {
    const answer = createPageResponses('https://enroll.contoso.example').redirect('/e/t?lang=da');
    expect(answer.status).toBe(303);
    expect(headersOf(answer).get('location')).toBe('/e/t?lang=da');
  });
});
