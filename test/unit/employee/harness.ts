import { randomBytes } from 'node:crypto';
import { HttpRequest, InvocationContext } from '@azure/functions';
import { inject } from 'vitest';
import { createTableAuditLog } from '../../../adapters/tables/auditLog.js';
import { createTableEnrollmentStore } from '../../../adapters/tables/enrollmentStore.js';
import { createTableLinkTokenStore } from '../../../adapters/tables/linkTokenStore.js';
import { createTableOneTimeCodeStore } from '../../../adapters/tables/oneTimeCodeStore.js';
import { createTableRateLimiter } from '../../../adapters/tables/rateLimiter.js';
import { createTableRevealClaimStore } from '../../../adapters/tables/revealClaimStore.js';
import { createTableClientFactory } from '../../../adapters/tables/tableClients.js';
import { csrfTokenFor } from '../../../core/oneTimeCode.js';
import type { EnrollmentRecord, LinkPurpose } from '../../../core/ports.js';
import { hashToken, newLinkToken } from '../../../core/tokens.js';
import type { Link, Resolved } from '../../../functions/handlers/employee/link.js';

/**
 * What the employee-page unit tests share: the real table stores against the run's Azurite (each file its own tables),
 * a clock the test moves, and requests and links as the handlers would see them.
 */
export function tableStores(now: () => Date) {
  const tablePrefix = `u${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const tables = createTableClientFactory({ connectionString: inject('azuriteConnectionString') }, { tablePrefix });
  const stores = {
    enrollments: createTableEnrollmentStore(tables),
    linkTokens: createTableLinkTokenStore(tables),
    oneTimeCodes: createTableOneTimeCodeStore(tables),
    revealClaims: createTableRevealClaimStore(tables),
    audit: createTableAuditLog(tables),
    rateLimiter: createTableRateLimiter(tables, now),
  };
  return {
    ...stores,
    ports: {
      enrollments: () => Promise.resolve(stores.enrollments),
      linkTokens: () => Promise.resolve(stores.linkTokens),
      oneTimeCodes: () => Promise.resolve(stores.oneTimeCodes),
      revealClaims: () => Promise.resolve(stores.revealClaims),
      audit: () => Promise.resolve(stores.audit),
      rateLimiter: () => Promise.resolve(stores.rateLimiter),
    },
  };
}

/** A clock that stands still until the test moves it. */
export function testClock(start = '2026-03-10T10:00:00.000Z') {
  let at = new Date(start).getTime();
  return {
    now: () => new Date(at),
    advance: (ms: number) => {
      at += ms;
    },
  };
}

export function pageRequest(
  path: string,
  options: { method?: string; headers?: Record<string, string>; form?: string; token?: string } = {},
): HttpRequest {
  const url = new URL(path, 'https://enroll.contoso.example');
  return new HttpRequest({
    method: options.method ?? (options.form === undefined ? 'GET' : 'POST'),
    url: url.href,
    params: { token: options.token ?? url.pathname.split('/')[2] ?? '' },
    headers: options.headers ?? {},
    ...(options.form === undefined ? {} : { body: { string: options.form } }),
  });
}

export const invocation = () => new InvocationContext({ functionName: 'employeePage', logHandler: () => undefined });

export const enrollmentId = () => `enr-${randomBytes(6).toString('hex')}`;

/** A matched link as the resolution hands it over. */
export function linkFor(id: string, purpose: LinkPurpose = 'enroll', pageSecret = 'page-secret'): Link {
  const { token, hash } = newLinkToken();
  const basePath = `/${purpose === 'reveal' ? 'r' : 'e'}/${token}`;
  return {
    token,
    tokenHash: hashToken(token),
    purpose,
    enrollmentId: id,
    pageSecret,
    locale: 'en',
    frame: {
      locale: 'en',
      timeZone: 'Europe/Copenhagen',
      otherLanguageHref: `${basePath}?lang=da`,
      languageChosen: false,
    },
    basePath,
    home: basePath,
    csrf: csrfTokenFor(pageSecret, hash),
  };
}

export function recordFor(id: string, overrides: Partial<EnrollmentRecord> = {}): EnrollmentRecord {
  return {
    enrollmentId: id,
    employeeId: 'E1',
    userPrincipalName: 'ada@contoso.example',
    displayName: 'Ada Lovelace',
    inviteEmail: 'ada@example.org',
    contact: { email: 'ada.private@example.org' },
    locale: 'en',
    requestFingerprint: 'f',
    createdAt: '2026-03-10T09:00:00.000Z',
    pageSecret: 'page-secret',
    ...overrides,
  };
}

/** A link resolved with its enrollment, at the given stage. */
export function resolvedFor(id: string, overrides: Partial<Resolved> = {}): Resolved {
  return {
    ...linkFor(id),
    record: recordFor(id),
    stage: 'awaiting-verification',
    mfaRegistered: false,
    contactVerified: false,
    ...overrides,
  };
}
