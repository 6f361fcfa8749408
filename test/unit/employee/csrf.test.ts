import { describe, expect, it } from 'vitest';
import { csrfOk, readForm } from '../../../functions/handlers/employee/csrf.js';
import { pageRequest } from './harness.js';

const formType = { 'content-type': 'application/x-www-form-urlencoded' };
const expected = 'sH7k2Qx9-csrf-token-from-the-page_0123456789';
const post = (form: string, headers: Record<string, string> = {}) =>
  pageRequest('/e/token/mfa', { form, headers: { ...formType, ...headers } });

describe('csrfOk', () => {
  it('accepts the page’s own token from the same origin, from the address bar, and from a browser that says nothing', async () => {
    for (const site of ['same-origin', 'none', undefined]) {
      const request = post(`csrf=${expected}`, site === undefined ? {} : { 'sec-fetch-site': site });
      expect(csrfOk(request, await readForm(request), expected), String(site)).toBe(true);
    }
  });

  it('refuses the right token when the browser says the post came from another site', async () => {
    for (const site of ['cross-site', 'same-site']) {
      const request = post(`csrf=${expected}`, { 'sec-fetch-site': site });
      expect(csrfOk(request, await readForm(request), expected), site).toBe(false);
    }
  });

  it.each([
    ['no token', ''],
    ['an empty token', 'csrf='],
    ['a prefix of the token', `csrf=${expected.slice(0, -1)}`],
    ['the token with more after it', `csrf=${expected}x`],
    ['another page’s token', `csrf=${expected.replace('s', 'S')}`],
  ])('refuses %s', async (_, form) => {
    const request = post(form, { 'sec-fetch-site': 'same-origin' });
    expect(csrfOk(request, await readForm(request), expected)).toBe(false);
  });

  it('refuses a post that is not a form at all', () => {
    expect(csrfOk(post(''), undefined, expected)).toBe(false);
  });
});

describe('readForm', () => {
  it('reads a urlencoded form, whatever the case and parameters of its media type', async () => {
    const form = await readForm(
      pageRequest('/e/t', {
        form: 'csrf=a&code=123456',
        headers: { 'content-type': 'Application/X-WWW-Form-Urlencoded; charset=UTF-8' },
      }),
    );
    expect(form?.get('code')).toBe('123456');
  });

  it.each([
    ['JSON', { 'content-type': 'application/json' }, '{"csrf":"a"}'],
    ['multipart', { 'content-type': 'multipart/form-data; boundary=x' }, 'csrf=a'],
    ['no media type', {}, 'csrf=a'],
    ['a form over 4 KiB', formType, `csrf=a&x=${'y'.repeat(4 * 1024)}`],
  ])('refuses %s', async (_, headers, body) => {
    expect(await readForm(pageRequest('/e/t', { form: body, headers }))).toBeUndefined();
  });

  it('reads a form of exactly 4 KiB', async () => {
    const body = `csrf=a&x=${'y'.repeat(4 * 1024 - 'csrf=a&x='.length)}`;
    expect((await readForm(pageRequest('/e/t', { form: body, headers: formType })))?.get('csrf')).toBe('a');
  });
});
