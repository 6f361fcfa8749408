import { describe, expect, it } from 'vitest';
import {
  fingerprintRequest,
  parseEnrollmentRequest,
  type EnrollmentRequest,
  type ParseResult,
} from '../../core/enrollmentRequest.js';
import type { FieldProblem } from '../../core/problem.js';

const valid = {
  employeeId: 'E12345',
  userPrincipalName: 'ada.lovelace@contoso.com',
  displayName: 'Ada Lovelace',
  inviteEmail: 'ada@example.org',
  contact: { email: 'ada.private@example.org', phone: '+4520123456' },
  deviceLabel: 'Office printer',
};

function accepted(result: ParseResult<EnrollmentRequest>): EnrollmentRequest {
  if (!result.ok) throw new Error(`expected the request to parse, got ${JSON.stringify(result.errors)}`);
  return result.value;
}

function refused(result: ParseResult<EnrollmentRequest>): FieldProblem[] {
  if (result.ok) throw new Error('expected the request to be refused');
  return result.errors;
}

const pointers = (errors: readonly FieldProblem[]) => errors.map((error) => error.pointer);

describe('parseEnrollmentRequest', () => {
  it('accepts a valid request and applies the default locale', () => {
    const value = accepted(parseEnrollmentRequest(valid, 'da'));
    expect(value).toEqual({ ...valid, locale: 'da' });
    expect(accepted(parseEnrollmentRequest(valid, 'en')).locale).toBe('en');
  });

  it('keeps an explicit locale over the default', () => {
    expect(accepted(parseEnrollmentRequest({ ...valid, locale: 'en' }, 'da')).locale).toBe('en');
  });

  it('leaves absent optional fields absent rather than undefined-valued', () => {
    const { deviceLabel: _deviceLabel, ...withoutLabel } = valid;
    const value = accepted(
      parseEnrollmentRequest({ ...withoutLabel, contact: { email: 'ada.private@example.org' } }, 'da'),
    );
    expect('deviceLabel' in value).toBe(false);
    expect('callbackUrl' in value).toBe(false);
    expect('phone' in value.contact).toBe(false);
    expect(value.contact).toEqual({ email: 'ada.private@example.org' });

    const phoneOnly = accepted(parseEnrollmentRequest({ ...valid, contact: { phone: '+4520123456' } }, 'da'));
    expect('email' in phoneOnly.contact).toBe(false);
    expect(phoneOnly.contact).toEqual({ phone: '+4520123456' });
  });

  it('trims the display name and device label', () => {
    const value = accepted(parseEnrollmentRequest({ ...valid, displayName: '  Ada  ', deviceLabel: ' Phone ' }, 'da'));
    expect(value.displayName).toBe('Ada');
    expect(value.deviceLabel).toBe('Phone');
  });

  it('refuses a display name that is only whitespace', () => {
    expect(pointers(refused(parseEnrollmentRequest({ ...valid, displayName: '   ' }, 'da')))).toEqual(['/displayName']);
  });

  it('refuses control characters in the display name', () => {
    expect(pointers(refused(parseEnrollmentRequest({ ...valid, displayName: 'Ada\u0007' }, 'da')))).toEqual([
      '/displayName',
    ]);
  });

  it('points at a nested field', () => {
    const errors = refused(parseEnrollmentRequest({ ...valid, contact: { phone: '20123456' } }, 'da'));
    expect(errors).toEqual([{ pointer: '/contact/phone', detail: expect.stringContaining('E.164') as unknown }]);
  });

  it('requires at least one contact channel', () => {
    const errors = refused(parseEnrollmentRequest({ ...valid, contact: {} }, 'da'));
    expect(pointers(errors)).toEqual(['/contact']);
    expect(errors[0]?.detail).toContain('email or phone');
  });

  it('reports every problem at once', () => {
    const errors = refused(
      parseEnrollmentRequest({ ...valid, employeeId: '', inviteEmail: 'nope', locale: 'sv' }, 'da'),
    );
    expect(pointers(errors).sort()).toEqual(['/employeeId', '/inviteEmail', '/locale']);
  });

  it('points at missing required fields', () => {
    const errors = refused(parseEnrollmentRequest({}, 'da'));
    expect(pointers(errors).sort()).toEqual(
      ['/contact', '/displayName', '/employeeId', '/inviteEmail', '/userPrincipalName'].sort(),
    );
  });

  it('refuses a body that is not an object with a root pointer', () => {
    expect(pointers(refused(parseEnrollmentRequest(null, 'da')))).toEqual(['/']);
    expect(pointers(refused(parseEnrollmentRequest([valid], 'da')))).toEqual(['/']);
  });

  it('names unknown fields, top-level and nested', () => {
    const errors = refused(
      parseEnrollmentRequest({ ...valid, extra: 1, contact: { email: 'a@example.org', fax: '123' } }, 'da'),
    );
    expect(errors).toEqual(
      expect.arrayContaining([
        { pointer: '/extra', detail: 'unknown field' },
        { pointer: '/contact/fax', detail: 'unknown field' },
      ]),
    );
    expect(errors).toHaveLength(2);
  });

  it('keeps a callback URL as sent', () => {
    const url = 'https://hr.contoso.com/hooks/enrollment?tenant=dk';
    expect(accepted(parseEnrollmentRequest({ ...valid, callbackUrl: url }, 'da')).callbackUrl).toBe(url);
    expect(accepted(parseEnrollmentRequest({ ...valid, callbackUrl: 'http://127.0.0.1:8080/cb' }, 'da'))).toMatchObject(
      {
        callbackUrl: 'http://127.0.0.1:8080/cb',
      },
    );
  });

  it.each([
    ['a relative URL', '/hooks/enrollment', 'expected an absolute http(s) URL'],
    ['another scheme', 'ftp://hr.contoso.com/cb', 'expected an absolute http(s) URL'],
    ['javascript:', 'javascript:alert(1)', 'expected an absolute http(s) URL'],
    ['user info', 'https://hr:secret@hr.contoso.com/cb', 'expected a URL without a user name or password'],
    ['a user name only', 'https://hr@hr.contoso.com/cb', 'expected a URL without a user name or password'],
    ['over 2048 characters', `https://hr.contoso.com/${'a'.repeat(2030)}`, 'expected at most 2048 characters'],
    ['a number', 42, 'expected the callback URL as a string'],
  ])('refuses a callback URL that is %s', (_, callbackUrl, detail) => {
    expect(refused(parseEnrollmentRequest({ ...valid, callbackUrl }, 'da'))).toEqual([
      { pointer: '/callbackUrl', detail },
    ]);
  });

  it('escapes ~ and / in unknown key names as JSON Pointer requires', () => {
    const errors = refused(parseEnrollmentRequest({ ...valid, 'a/b': 1, 'c~d': 2, '~/': 3 }, 'da'));
    expect(pointers(errors).sort()).toEqual(['/a~1b', '/c~0d', '/~0~1'].sort());
  });
});

describe('fingerprintRequest', () => {
  const parse = (body: unknown) => accepted(parseEnrollmentRequest(body, 'da'));
  const base = fingerprintRequest(parse(valid));

  it('is a SHA-256 hex digest', () => {
    expect(base).toMatch(/^[0-9a-f]{64}$/);
  });

  it('is the same for the same request with keys in another order', () => {
    const reordered = {
      deviceLabel: valid.deviceLabel,
      contact: { phone: valid.contact.phone, email: valid.contact.email },
      inviteEmail: valid.inviteEmail,
      displayName: valid.displayName,
      userPrincipalName: valid.userPrincipalName,
      employeeId: valid.employeeId,
    };
    expect(JSON.stringify(reordered)).not.toBe(JSON.stringify(valid));
    expect(fingerprintRequest(parse(reordered))).toBe(base);
  });

  it('is the same with the default locale omitted or spelled out', () => {
    expect(fingerprintRequest(parse({ ...valid, locale: 'da' }))).toBe(base);
  });

  it('is the same when only surrounding whitespace differs', () => {
    expect(fingerprintRequest(parse({ ...valid, displayName: ` ${valid.displayName} ` }))).toBe(base);
  });

  it.each([
    ['employeeId', { ...valid, employeeId: 'E12346' }],
    ['userPrincipalName', { ...valid, userPrincipalName: 'ada@contoso.com' }],
    ['displayName', { ...valid, displayName: 'Ada King' }],
    ['inviteEmail', { ...valid, inviteEmail: 'ada2@example.org' }],
    ['contact.email', { ...valid, contact: { ...valid.contact, email: 'other@example.org' } }],
    ['contact.phone', { ...valid, contact: { ...valid.contact, phone: '+4520123457' } }],
    ['contact without phone', { ...valid, contact: { email: valid.contact.email } }],
    ['locale', { ...valid, locale: 'en' }],
    ['deviceLabel', { ...valid, deviceLabel: 'Laptop' }],
    ['deviceLabel absent', { ...valid, deviceLabel: undefined }],
    ['callbackUrl', { ...valid, callbackUrl: 'https://hr.contoso.com/cb' }],
  ])('differs when %s differs', (_field, body) => {
    expect(fingerprintRequest(parse(body))).not.toBe(base);
  });
});
