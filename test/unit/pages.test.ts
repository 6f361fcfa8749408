import { HttpRequest, InvocationContext, type HttpResponseInit } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import { catalogues, formatDateTime } from '../../core/i18n/index.js';
import { mailClients, type MailServers } from '../../core/mailClients.js';
import { codePolicy, csrfTokenFor } from '../../core/oneTimeCode.js';
import type { EnrollmentProgress } from '../../core/orchestrationContract.js';
import type {
  AuditLog,
  Directory,
  EnrollmentInstances,
  EnrollmentRecord,
  EnrollmentStore,
  LinkTokenRecord,
  LinkTokenStore,
  Locale,
  Mailer,
  OneTimeCodeRecord,
  OneTimeCodeStore,
  OutgoingMail,
  OutgoingSms,
  RevealClaim,
  RevealClaimStore,
  SmsSender,
  Vault,
} from '../../core/ports.js';
import type { Stage } from '../../core/stages.js';
import { hashToken, newLinkToken } from '../../core/tokens.js';
import { createEmployeePageHandlers, type EmployeePageHandlers } from '../../functions/handlers/employeePages.js';
import { createFollowUps } from '../../functions/followUps.js';
import { script, stylesheet } from '../../pages/assets.js';
import {
  enrollmentPage,
  messagePage,
  passwordPage,
  revealLandingPage,
  type EnrollmentView,
  type MessageKind,
  type Notice,
  type PageFrame,
  type RenderedPage,
} from '../../pages/employeePages.js';
import { escapeHtml } from '../../pages/html.js';

const zone = 'Europe/Copenhagen';
const locales: readonly Locale[] = ['da', 'en'];
const displayName = 'Ada Lovelace';
const upn = 'ada.lovelace.with.a.rather.long.name@engineering.contoso.example';
const password = 'abcdefghijklmnop';
const maskedEmail = 'a…@example.com';
const maskedPhone = '+45 •• •• •• 56';
const invitationExpiresAt = new Date('2026-03-16T08:00:00.000Z');
const retrievalExpiresAt = new Date('2026-07-23T14:30:00.000Z');
const servers: MailServers = {
  imap: { host: 'imap.contoso.example', port: 993 },
  smtp: { host: 'smtp.contoso.example', port: 587 },
};

const frame = (locale: Locale): PageFrame => ({
  locale,
  timeZone: zone,
  otherLanguageHref: `/e/token?lang=${locale === 'da' ? 'en' : 'da'}`,
  languageChosen: false,
});

const enrollment = (locale: Locale, overrides: Partial<EnrollmentView> = {}): RenderedPage =>
  enrollmentPage({
    ...frame(locale),
    basePath: '/e/token',
    displayName,
    stage: 'invited',
    mfaRegistered: false,
    contactVerified: false,
    mfaSetupUrl: 'https://aka.ms/mysecurityinfo',
    csrf: 'csrf-token',
    channels: { email: maskedEmail, sms: maskedPhone },
    codeSent: false,
    hasSession: false,
    invitationExpiresAt,
    autoRefresh: true,
    ...overrides,
  });

const notices: readonly Notice[] = [
  { kind: 'mfaNotYet' },
  { kind: 'wrongCode', attemptsLeft: 3 },
  { kind: 'codeExpired' },
  { kind: 'tooManyAttempts' },
  { kind: 'tooManyCodes' },
  { kind: 'sendFailed' },
];
const messageKinds: readonly MessageKind[] = [
  'alreadyShown',
  'expired',
  'cancelled',
  'failed',
  'invalid',
  'forbidden',
  'tooManyRequests',
  'error',
];

/** Every state an employee can meet, as the handler renders it. */
function allStates(locale: Locale): [string, RenderedPage][] {
  const verified = { mfaRegistered: true, contactVerified: true } as const;
  const ready = { ...verified, stage: 'ready' as Stage, retrievalExpiresAt };
  return [
    ['welcome', enrollment(locale)],
    ...notices.map((notice): [string, RenderedPage] => [
      `notice ${notice.kind}`,
      enrollment(locale, { notice, codeSent: notice.kind === 'wrongCode' || notice.kind === 'codeExpired' }),
    ]),
    ['mfa done, code sent', enrollment(locale, { mfaRegistered: true, codeSent: true })],
    ['sms only', enrollment(locale, { channels: { sms: maskedPhone } })],
    ['waiting', enrollment(locale, { ...verified, stage: 'issuing' })],
    ['waiting, not refreshing', enrollment(locale, { ...verified, autoRefresh: false })],
    ['ready with session', enrollment(locale, { ...ready, hasSession: true })],
    ['ready without session', enrollment(locale, ready)],
    ['ready, reveal code sent', enrollment(locale, { ...ready, codeSent: true })],
    [
      'reveal landing with session',
      revealLandingPage({
        ...frame(locale),
        basePath: '/r/token',
        csrf: 'c',
        hasSession: true,
        codeSent: false,
        retrievalExpiresAt,
      }),
    ],
    [
      'reveal landing without session',
      revealLandingPage({ ...frame(locale), basePath: '/r/token', csrf: 'c', hasSession: false, codeSent: false }),
    ],
    [
      'reveal landing, wrong code',
      revealLandingPage({
        ...frame(locale),
        basePath: '/r/token',
        csrf: 'c',
        hasSession: false,
        codeSent: true,
        notice: { kind: 'wrongCode', attemptsLeft: 1 },
      }),
    ],
    ...mailClients.map((mailClient): [string, RenderedPage] => [
      `password for ${mailClient}`,
      passwordPage({ ...frame(locale), password, userPrincipalName: upn, mailClient, servers }),
    ]),
    [
      'password without server settings',
      passwordPage({ ...frame(locale), password, userPrincipalName: upn, mailClient: 'generic', servers: {} }),
    ],
    ...messageKinds.map((kind): [string, RenderedPage] => [`message ${kind}`, messagePage(frame(locale), kind)]),
  ];
}

type Leaf = { readonly path: string; readonly value: unknown };

function leaves(node: unknown, prefix: string): Leaf[] {
  if (node !== null && typeof node === 'object') {
    return Object.entries(node).flatMap(([key, value]) => leaves(value, `${prefix}.${key}`));
  }
  return [{ path: prefix, value: node }];
}

/** The arguments the states above give each message function; a new function must be added here. */
const sampleArguments = (locale: Locale): Readonly<Record<string, readonly unknown[]>> => ({
  'pages.enrollIntro': [displayName],
  'pages.enrollDeadline': [formatDateTime(invitationExpiresAt, locale, zone)],
  'pages.contact.sendByEmail': [maskedEmail],
  'pages.contact.sendBySms': [maskedPhone],
  'pages.contact.codeSent': [codePolicy.validForMs / 60_000],
  'pages.contact.wrongCode': [3],
  'pages.contact.tooManyCodes': [codePolicy.sendWindowMs / 60_000],
  'pages.password.autoRefresh': [5],
  'pages.password.revealDeadline': [formatDateTime(retrievalExpiresAt, locale, zone)],
});

const textContent = (fragment: string) =>
  fragment
    .replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');

const count = (text: string, pattern: RegExp) => [...text.matchAll(pattern)].length;

describe.each(locales)('employee pages in %s', (locale) => {
  const states = allStates(locale);
  const p = catalogues[locale].pages;

  it('shows every text of the pages catalogue in some state (no unused keys)', () => {
    const everything = states.map(([, page]) => page.html).join('\n');
    const args = sampleArguments(locale);
    const missing: string[] = [];
    for (const leaf of leaves(p, 'pages')) {
      let text: string;
      if (typeof leaf.value === 'string') text = leaf.value;
      else if (typeof leaf.value === 'function') {
        const sample = args[leaf.path];
        if (sample === undefined) throw new Error(`no sample arguments for ${leaf.path}`);
        text = String((leaf.value as (...values: readonly unknown[]) => unknown)(...sample));
      } else throw new Error(`${leaf.path} is a ${typeof leaf.value}`);
      if (!everything.includes(escapeHtml(text))) missing.push(leaf.path);
    }
    expect(missing).toEqual([]);
  });

  it.each(allStates(locale).map(([name, page]) => [name, page] as const))(
    '%s: one h1, landmarks, language switch, no inline code, labelled fields',
    (_name, page) => {
      const doc = page.html;
      expect(doc).toMatch(/^<!doctype html>\s*<html lang="(da|en)">/);
      expect(doc).toContain(`<html lang="${locale}">`);
      expect(count(doc, /<h1[ >]/g)).toBe(1);
      for (const landmark of ['header', 'main', 'footer'])
        expect(count(doc, new RegExp(`<${landmark}[ >]`, 'g'))).toBe(1);
      const other = locale === 'da' ? 'en' : 'da';
      expect(doc).toContain(`lang="${other}" hreflang="${other}"`);
      // The CSP allows no inline style or script, and nothing is loaded from elsewhere.
      expect(doc).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
      expect(count(doc, /<script/g)).toBe(1);
      expect(doc).toContain('<script src="/assets/app.js" defer></script>');
      expect(doc).not.toMatch(/\s(?:src|href)="(?:https?:)?\/\/(?!aka\.ms\/mysecurityinfo")/);
      const ids = [...doc.matchAll(/\sid="([^"]+)"/g)].map((match) => match[1]);
      expect(new Set(ids).size, 'unique ids').toBe(ids.length);
      for (const [, id] of doc.matchAll(/<input(?![^>]*type="hidden")[^>]*\sid="([^"]+)"/g)) {
        expect(doc, `label for ${id ?? ''}`).toContain(`<label for="${id ?? ''}">`);
      }
      for (const [form] of doc.matchAll(/<form method="post"[\s\S]*?<\/form>/g)) {
        expect(form).toContain('name="csrf"');
      }
      for (const [, role] of doc.matchAll(/class="notice (error|info)"[^>]*role="(\w+)"/g)) expect(role).toBeDefined();
      expect(doc).not.toMatch(/class="notice error"(?![^>]*role="alert")/);
      expect(doc).not.toMatch(/class="notice info"(?![^>]*role="status")/);
    },
  );

  it('shows the password as the text of #app-password, in groups of four without spaces, with the copy button', () => {
    const doc = passwordPage({
      ...frame(locale),
      password,
      userPrincipalName: upn,
      mailClient: 'generic',
      servers,
    }).html;
    const code = /<code id="app-password"[^>]*>([\s\S]*?)<\/code>/.exec(doc)?.[1] ?? '';
    expect(code).toBe('<span>abcd</span><span>efgh</span><span>ijkl</span><span>mnop</span>');
    expect(textContent(code)).toBe(password);
    expect(count(doc, new RegExp(password, 'g'))).toBe(0);
    expect(doc).toMatch(/<button type="button" data-copy="app-password" data-copied="[^"]+" hidden>/);
    expect(doc).toContain('<span id="copy-status" role="status" aria-live="polite"></span>');
    expect(doc).toContain(escapeHtml(p.password.noNeedToRemember));
    expect(doc).toContain(`<code>${upn}</code>`);
  });

  it.each(mailClients)('opens the %s guide first and only that one', (mailClient) => {
    const doc = passwordPage({ ...frame(locale), password, userPrincipalName: upn, mailClient, servers }).html;
    const guides = [...doc.matchAll(/<details class="guide" id="guide-(\w+)"\s*(open)?\s*>/g)];
    expect(guides.map((match) => match[1])).toEqual([mailClient, ...mailClients.filter((c) => c !== mailClient)]);
    expect(guides.map((match) => match[2] === 'open')).toEqual([true, false, false, false]);
    const first = /<details[\s\S]*?<\/details>/.exec(doc)?.[0] ?? '';
    expect(first).toContain(escapeHtml(p.guides[mailClient].title));
    expect(first).toContain(p.guides.suggested);
    // Numbered steps that say where the user name and the app password go.
    expect(count(first, /<li>/g)).toBeGreaterThanOrEqual(5);
    expect(first).toContain(`<code>${upn}</code>`);
    expect(first).toContain(escapeHtml(p.guides.pasteAppPassword));
    expect(first).toContain('imap.contoso.example');
    expect(first).toContain('smtp.contoso.example');
    expect(first).not.toContain(escapeHtml(p.guides.askIt));
  });

  it('says to ask IT for the servers when they are not configured', () => {
    const doc = passwordPage({
      ...frame(locale),
      password,
      userPrincipalName: upn,
      mailClient: 'generic',
      servers: {},
    }).html;
    expect(doc).toContain(escapeHtml(p.guides.askIt));
    expect(doc).not.toContain('contoso.example</code></dd></div>');
    expect(doc).not.toMatch(/<code>(993|587|SSL\/TLS|STARTTLS)<\/code>/);
    // Every guide still says where the servers go.
    for (const [guide] of doc.matchAll(/<details[\s\S]*?<\/details>/g))
      expect(guide).toContain(escapeHtml(p.guides.askIt));
  });

  it('shows the generic guide with port and encryption from the settings', () => {
    const doc = passwordPage({
      ...frame(locale),
      password,
      userPrincipalName: upn,
      mailClient: 'generic',
      servers,
    }).html;
    const generic = /<details class="guide" id="guide-generic"[\s\S]*?<\/details>/.exec(doc)?.[0] ?? '';
    for (const value of ['imap.contoso.example', '993', 'SSL/TLS', 'smtp.contoso.example', '587', 'STARTTLS']) {
      expect(generic).toContain(`<code>${value}</code>`);
    }
  });

  it('marks each step done or to do, visibly in words', () => {
    const doc = enrollment(locale, { mfaRegistered: true }).html;
    expect(doc).toMatch(
      new RegExp(`${escapeHtml(p.mfa.title)}</h2>\\s*<p class="status done">${escapeHtml(p.stepDone)}</p>`),
    );
    expect(doc).toMatch(
      new RegExp(`${escapeHtml(p.contact.title)}</h2>\\s*<p class="status">${escapeHtml(p.stepPending)}</p>`),
    );
  });

  it('shows the invitation deadline until both steps are done, and the retrieval deadline once ready', () => {
    const deadline = escapeHtml(p.enrollDeadline(formatDateTime(invitationExpiresAt, locale, zone)));
    expect(enrollment(locale).html).toContain(deadline);
    expect(enrollment(locale, { mfaRegistered: true }).html).toContain(deadline);
    expect(enrollment(locale, { mfaRegistered: true, contactVerified: true }).html).not.toContain(deadline);
    const ready = enrollment(locale, {
      stage: 'ready',
      mfaRegistered: true,
      contactVerified: true,
      hasSession: true,
      retrievalExpiresAt,
    }).html;
    expect(ready).not.toContain(escapeHtml(p.enrollDeadline(formatDateTime(invitationExpiresAt, locale, zone))));
    expect(ready).toContain(escapeHtml(p.password.revealDeadline(formatDateTime(retrievalExpiresAt, locale, zone))));
    // In the configured zone: 14:30 UTC in July is 16:30 in Copenhagen.
    expect(ready).toMatch(/16[.:]30/);
  });

  it('reloads itself while the password is being created, unless asked to stop', () => {
    const waiting = enrollment(locale, { mfaRegistered: true, contactVerified: true, stage: 'issuing' });
    expect(waiting.refresh).toEqual({ seconds: 5, url: '/e/token' });
    expect(waiting.html).toContain('href="/e/token?refresh=off"');
    expect(waiting.html).toContain(escapeHtml(p.password.checkNow));
    const stopped = enrollment(locale, { mfaRegistered: true, contactVerified: true, autoRefresh: false });
    expect(stopped.refresh).toBeUndefined();
    expect(stopped.html).toContain(escapeHtml(p.password.checkNow));
    expect(enrollment(locale).refresh).toBeUndefined();
    expect(enrollment(locale, { mfaRegistered: true, stage: 'ready', contactVerified: true }).refresh).toBeUndefined();
  });

  it('points the code field at a notice about the code', () => {
    const doc = enrollment(locale, { codeSent: true, notice: { kind: 'wrongCode', attemptsLeft: 4 } }).html;
    expect(doc).toContain(`<p class="notice error" id="notice" role="alert">${escapeHtml(p.contact.wrongCode(4))}</p>`);
    expect(doc).toMatch(/<input[^>]*id="code"[^>]*aria-invalid="true" aria-describedby="notice"/);
    expect(doc).toMatch(/autocomplete="one-time-code"/);
    expect(enrollment(locale, { codeSent: true }).html).not.toContain('aria-invalid');
  });

  it('carries a picked language in every form and link', () => {
    const doc = enrollmentPage({
      ...frame(locale),
      languageChosen: true,
      basePath: '/e/token',
      displayName,
      stage: 'issuing',
      mfaRegistered: true,
      contactVerified: false,
      mfaSetupUrl: 'https://aka.ms/mysecurityinfo',
      csrf: 'c',
      channels: { email: maskedEmail },
      codeSent: true,
      hasSession: false,
      autoRefresh: true,
    });
    const forms = [...doc.html.matchAll(/<form[\s\S]*?<\/form>/g)];
    expect(forms.length).toBeGreaterThan(0);
    for (const [form] of forms) expect(form).toContain(`<input type="hidden" name="lang" value="${locale}" />`);
    expect(enrollment(locale).html).not.toContain('name="lang"');
  });

  it('answers message pages with their status codes', () => {
    expect(messageKinds.map((kind) => messagePage(frame(locale), kind).status)).toEqual([
      410, 410, 410, 410, 404, 403, 429, 500,
    ]);
  });
});

describe('the texts the end-to-end tests look for', () => {
  it('are still on the pages', () => {
    expect(enrollment('en', { displayName: 'Anna Jensen' }).html).toContain('Hi Anna Jensen');
    expect(enrollment('en', { notice: { kind: 'mfaNotYet' } }).html).toContain('cannot see two-step sign-in');
    expect(enrollment('en', { codeSent: true, notice: { kind: 'wrongCode', attemptsLeft: 4 } }).html).toContain(
      '4 tries left',
    );
    expect(enrollment('en', { channels: { sms: maskedPhone } }).html).toContain('Text a code to +45 •• •• •• 56');
    const ready = { stage: 'ready' as Stage, mfaRegistered: true, contactVerified: true };
    expect(enrollment('en', { ...ready, hasSession: true }).html).toContain('Show my app password');
    expect(enrollment('da', ready).html).toContain('Send mig en kode');
    expect(messagePage(frame('en'), 'alreadyShown').html).toContain('Already shown');
    expect(messagePage(frame('en'), 'expired').html).toContain('This link has expired');
    expect(messagePage(frame('en'), 'cancelled').html).toContain('Set-up cancelled');
  });
});

/** WCAG relative luminance and contrast ratio of two #rrggbb colours. */
function contrast(a: string, b: string): number {
  const luminance = (colour: string) => {
    const hex = /^#[0-9a-f]{3}$/i.test(colour) ? colour.replace(/[0-9a-f]/gi, '$&$&') : colour;
    if (!/^#[0-9a-f]{6}$/i.test(hex)) throw new Error(`not a #rrggbb colour: ${colour}`);
    const [r, g, b2] = [1, 3, 5].map((i) => {
      const c = parseInt(hex.slice(i, i + 2), 16) / 255;
      return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * (r ?? 0) + 0.7152 * (g ?? 0) + 0.0722 * (b2 ?? 0);
  };
  const [high, low] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return ((high ?? 0) + 0.05) / ((low ?? 0) + 0.05);
}

describe('the stylesheet and script', () => {
  const variable = (name: string) => {
    const value = new RegExp(`--${name}: (#[0-9a-f]{6});`).exec(stylesheet)?.[1];
    if (value === undefined) throw new Error(`no --${name} in the stylesheet`);
    return value;
  };
  const rule = (selector: string) => {
    const escaped = selector.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const body = new RegExp(`(?:^|\\n)${escaped} \\{([^}]*)\\}`).exec(stylesheet)?.[1];
    if (body === undefined) throw new Error(`no rule for ${selector}`);
    return body;
  };
  const colour = (value: string) => (value.startsWith('var(') ? variable(value.slice(6, -1)) : value);
  const declared = (selector: string, property: string) => {
    const value = new RegExp(`(?:^|[ ;])${property}: ([^;]+);`).exec(rule(selector))?.[1];
    if (value === undefined) throw new Error(`no ${property} in ${selector}`);
    return colour(value.trim());
  };

  it('gives every text colour at least 4.5:1 against its background', () => {
    const white = '#ffffff';
    const pairs: [string, string, string][] = [
      ['body text on the page', variable('ink'), variable('page')],
      ['body text in main', variable('ink'), white],
      ['muted text', variable('muted'), white],
      ['footer', variable('muted'), variable('page')],
      ['links', variable('accent'), white],
      ['links on the page background', variable('accent'), variable('page')],
      ['links hovered', variable('accent-dark'), white],
      ['code', variable('ink'), variable('soft')],
      ['button', declared('button, .button', 'color'), declared('button, .button', 'background')],
      [
        'button hovered',
        declared('button:hover, .button:hover', 'color'),
        declared('button:hover, .button:hover', 'background'),
      ],
      ['secondary button', variable('accent'), white],
      ['secondary button hovered', variable('accent-dark'), variable('soft')],
      ['status to do', declared('.status', 'color'), declared('.status', 'background')],
      ['status done', declared('.status.done', 'color'), declared('.status.done', 'background')],
      ['error notice', declared('.notice.error', 'color'), declared('.notice.error', 'background')],
      ['info notice', variable('ink'), declared('.notice.info', 'background')],
      ['warning notice', variable('ink'), declared('.notice.warning', 'background')],
      ['suggested badge', declared('.badge', 'color'), declared('.badge', 'background')],
      ['copied', declared('#copy-status', 'color'), white],
    ];
    for (const [what, fg, bg] of pairs) expect(contrast(fg, bg), what).toBeGreaterThanOrEqual(4.5);
  });

  it('draws the focus ring and field borders at least 3:1 against their surroundings', () => {
    for (const bg of ['#ffffff', variable('page'), variable('soft')]) {
      expect(contrast(variable('focus'), bg)).toBeGreaterThanOrEqual(3);
    }
    expect(contrast('#6b6b6b', '#ffffff')).toBeGreaterThanOrEqual(3);
    expect(stylesheet).toContain(':focus-visible { outline: 3px solid var(--focus)');
  });

  it('lets long words wrap and keeps controls at least 24 px tall', () => {
    expect(rule('body')).toContain('overflow-wrap: anywhere');
    expect(rule('button, .button')).toContain('min-height: 2.75rem');
    expect(rule('.guide summary')).toContain('min-height: 2.75rem');
    expect(rule('.language')).toContain('min-height: 2rem');
  });

  it('stays small', () => {
    expect(stylesheet.length).toBeLessThan(8_000);
    expect(script.length).toBeLessThan(1_500);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Through the handler: what it reads from the orchestration, the request and the settings reaches the pages.

const unused = (): never => {
  throw new Error('not used in this test');
};

interface Fixture {
  readonly call: (
    handler: keyof EmployeePageHandlers,
    path: string,
    options?: { form?: Record<string, string>; headers?: Record<string, string> },
  ) => Promise<HttpResponseInit>;
  readonly enrollToken: string;
  readonly revealToken: string;
  /** A ready link whose row carries the reveal's snapshot, as the ready mail writes it. */
  readonly readyToken: string;
  readonly csrf: (token: string) => string;
  /** How often the enrollment record and the orchestration's status were read. */
  readonly reads: { records: number; statuses: number };
  /** Takes the reveal as someone else would: the employee elsewhere, or the orchestration disabling it. */
  takeReveal(holder: RevealClaim['holder']): void;
  readonly mail: OutgoingMail[];
  readonly sms: OutgoingSms[];
  setProgress(progress: Partial<EnrollmentProgress>): void;
  setMfa(registered: boolean): void;
}

function fixture(locale: Locale, publicBaseUrl = 'https://enroll.contoso.example'): Fixture {
  const now = new Date('2026-03-10T10:00:00.000Z');
  const record: EnrollmentRecord = {
    enrollmentId: 'enr-1',
    employeeId: 'E1',
    userPrincipalName: upn,
    displayName,
    inviteEmail: 'ada@example.org',
    contact: { email: 'ada.private@example.org', phone: '+4520123456' },
    locale,
    requestFingerprint: 'f',
    createdAt: now.toISOString(),
    pageSecret: 'page-secret',
    appPassword: { secretName: 'apppw-enr-1', version: 'v1' },
  };
  const enroll = newLinkToken();
  const reveal = newLinkToken();
  const ready = newLinkToken();
  const links = new Map<string, LinkTokenRecord>([
    [enroll.hash, { enrollmentId: 'enr-1', purpose: 'enroll', expiresAt: '2026-03-16T08:00:00.000Z' }],
    [reveal.hash, { enrollmentId: 'enr-1', purpose: 'reveal', expiresAt: '2026-03-17T08:00:00.000Z' }],
    [
      ready.hash,
      {
        enrollmentId: 'enr-1',
        purpose: 'reveal',
        expiresAt: '2026-03-17T08:00:00.000Z',
        reveal: {
          appPassword: { secretName: 'apppw-enr-1', version: 'v1' },
          pageSecret: 'page-secret',
          userPrincipalName: upn,
          locale,
        },
      },
    ],
  ]);
  const reads = { records: 0, statuses: 0 };
  const codes = new Map<string, OneTimeCodeRecord>();
  let progress: Partial<EnrollmentProgress> = {
    stage: 'awaiting-verification',
    mfaRegistered: false,
    contactVerified: false,
    invitationExpiresAt: '2026-03-16T08:00:00.000Z',
  };
  let mfa = false;
  const mail: OutgoingMail[] = [];
  const sms: OutgoingSms[] = [];
  let claimed: RevealClaim | undefined;

  const enrollments: EnrollmentStore = {
    claimActive: unused,
    releaseActive: unused,
    releaseActiveIfUnchanged: unused,
    save: unused,
    get: (id) => {
      reads.records += 1;
      return Promise.resolve(id === 'enr-1' ? record : undefined);
    },
    setAppPassword: unused,
    markVerified: () => Promise.resolve(),
    clearVerified: unused,
    delete: unused,
    list: unused,
  };
  const linkTokens: LinkTokenStore = {
    save: (hash, value) => Promise.resolve(void links.set(hash, value)),
    find: (hash) => Promise.resolve(links.get(hash)),
  };
  const oneTimeCodes: OneTimeCodeStore = {
    get: (id, purpose) => Promise.resolve(codes.get(`${id}/${purpose}`)),
    put: (id, purpose, value) => Promise.resolve(Boolean(codes.set(`${id}/${purpose}`, { ...value, etag: 'e' }))),
    delete: (id, purpose) => Promise.resolve(void codes.delete(`${id}/${purpose}`)),
  };
  const revealClaims: RevealClaimStore = {
    claim: (_id, _version, claim) => {
      if (claimed !== undefined) return Promise.resolve(false);
      claimed = claim;
      return Promise.resolve(true);
    },
    find: () => Promise.resolve(claimed),
    release: unused,
  };
  const audit: AuditLog = { append: () => Promise.resolve(), appendAll: () => Promise.resolve(), list: unused };
  const vault: Vault = {
    storeAppPassword: unused,
    findLiveAppPassword: unused,
    readAppPassword: () => Promise.resolve(password),
    disableAppPassword: unused,
  };
  const mailer: Mailer = { send: (message) => Promise.resolve(void mail.push(message)) };
  const smsSender: SmsSender = { send: (message) => Promise.resolve(void sms.push(message)) };
  const directory: Directory = { hasRegisteredMfa: () => Promise.resolve(mfa) };
  const instances: EnrollmentInstances = {
    start: unused,
    status: () => {
      reads.statuses += 1;
      return Promise.resolve({
        runtimeStatus: 'Running',
        customStatus: progress,
        input: { employeeId: 'E1' },
        createdAt: now.toISOString(),
        updatedAt: now.toISOString(),
      });
    },
    raiseEvent: () => Promise.resolve(),
  };

  const handlers = createEmployeePageHandlers({
    config: {
      PUBLIC_BASE_URL: publicBaseUrl,
      MFA_SETUP_URL: 'https://aka.ms/mysecurityinfo',
      TIME_ZONE: zone,
      DEFAULT_LOCALE: 'da',
      RETRIEVAL_VALID_FOR: 7 * 86_400_000,
      MAIL_IMAP_SERVER: { host: 'imap.contoso.example', port: 993 },
      MAIL_SMTP_SERVER: { host: 'smtp.contoso.example', port: 587 },
    },
    enrollments: () => Promise.resolve(enrollments),
    linkTokens: () => Promise.resolve(linkTokens),
    oneTimeCodes: () => Promise.resolve(oneTimeCodes),
    revealClaims: () => Promise.resolve(revealClaims),
    audit: () => Promise.resolve(audit),
    rateLimiter: () =>
      Promise.resolve({
        take: (key) => Promise.resolve({ granted: true, slot: { key, id: 'slot' } }),
        release: () => Promise.resolve(),
      }),
    vault: () => Promise.resolve(vault),
    mailer: () => Promise.resolve(mailer),
    sms: () => Promise.resolve(smsSender),
    directory: () => Promise.resolve(directory),
    instances: () => instances,
    followUps: createFollowUps({ log: unused }),
    now: () => now,
  });

  return {
    call: (handler, path, options = {}) => {
      const url = new URL(path, 'https://enroll.contoso.example');
      const token = url.pathname.split('/')[2] ?? '';
      const form = options.form;
      const request = new HttpRequest({
        method: form === undefined ? 'GET' : 'POST',
        url: url.href,
        params: { token },
        headers: {
          ...(form === undefined
            ? {}
            : { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin' }),
          ...options.headers,
        },
        ...(form === undefined ? {} : { body: { string: new URLSearchParams(form).toString() } }),
      });
      return handlers[handler](request, new InvocationContext());
    },
    enrollToken: enroll.token,
    revealToken: reveal.token,
    readyToken: ready.token,
    csrf: (token) => csrfTokenFor('page-secret', hashToken(token)),
    reads,
    takeReveal: (holder) => {
      claimed = { id: `${holder}-elsewhere`, holder, claimedAt: now.toISOString() };
    },
    mail,
    sms,
    setProgress: (next) => {
      progress = { ...progress, ...next };
    },
    setMfa: (registered) => {
      mfa = registered;
    },
  };
}

const bodyOf = (response: HttpResponseInit) => (typeof response.body === 'string' ? response.body : '');
const headersOf = (response: HttpResponseInit) => new Headers(response.headers);

describe('the employee page handlers', () => {
  it('show the invitation deadline from the orchestration in the enrollment language and zone', async () => {
    const app = fixture('da');
    const page = await app.call('enrollmentPage', `/e/${app.enrollToken}`);
    expect(page.status).toBe(200);
    expect(bodyOf(page)).toContain(escapeHtml(catalogues.da.pages.enrollDeadline('16. marts 2026 kl. 09.00')));
    const english = await app.call('enrollmentPage', `/e/${app.enrollToken}?lang=en`);
    expect(bodyOf(english)).toContain(catalogues.en.pages.enrollDeadline('16 March 2026 at 09:00'));
  });

  it('keep a picked language through a form post and its redirect', async () => {
    const app = fixture('da');
    const base = `/e/${app.enrollToken}`;
    const english = bodyOf(await app.call('enrollmentPage', `${base}?lang=en`));
    expect(english).toContain('<input type="hidden" name="lang" value="en" />');
    expect(english).toContain(`href="${base}?lang=da"`);
    const notYet = await app.call('confirmMfa', `${base}/mfa`, {
      form: { csrf: app.csrf(app.enrollToken), lang: 'en' },
    });
    expect(bodyOf(notYet)).toContain('cannot see two-step sign-in');
    // The language switch on the answer to a POST links to the GET page, not to the POST-only route.
    expect(bodyOf(notYet)).toContain(`href="${base}?lang=da"`);
    app.setMfa(true);
    const done = await app.call('confirmMfa', `${base}/mfa`, { form: { csrf: app.csrf(app.enrollToken), lang: 'en' } });
    expect(done.status).toBe(303);
    expect(headersOf(done).get('location')).toBe(`${base}?lang=en`);
    const plain = await app.call('confirmMfa', `${base}/mfa`, { form: { csrf: app.csrf(app.enrollToken) } });
    expect(headersOf(plain).get('location')).toBe(base);
  });

  it('answer a bad link in the default language, switching to the link’s GET page even from a POST route', async () => {
    const app = fixture('en');
    const bad = `/r/${'B'.repeat(43)}`;
    const page = await app.call('reveal', `${bad}/reveal`, { form: { csrf: 'x' } });
    expect(page.status).toBe(404);
    expect(bodyOf(page)).toContain('<html lang="da">');
    expect(bodyOf(page)).toContain(`href="${bad}?lang=en"`);
  });

  it('send the code by SMS with the catalogue text in the page language', async () => {
    const app = fixture('en');
    const sent = await app.call('sendContactCode', `/e/${app.enrollToken}/contact/send`, {
      form: { csrf: app.csrf(app.enrollToken), channel: 'sms' },
    });
    expect(sent.status).toBe(303);
    const code = /\d{6}/.exec(app.sms[0]?.text ?? '')?.[0] ?? 'missing';
    expect(app.sms[0]?.text).toBe(catalogues.en.sms.code(code, 10));
    const page = bodyOf(await app.call('enrollmentPage', `/e/${app.enrollToken}`));
    expect(page).toContain(catalogues.en.pages.contact.codeSent(10));
  });

  it('reload the page while the password is created, with a Refresh header that the visitor can stop', async () => {
    const app = fixture('en');
    app.setProgress({ stage: 'issuing', mfaRegistered: true, contactVerified: true });
    const base = `/e/${app.enrollToken}`;
    const waiting = await app.call('enrollmentPage', base);
    expect(headersOf(waiting).get('refresh')).toBe(`5; url=${base}`);
    expect(bodyOf(waiting)).not.toContain('http-equiv');
    const stopped = await app.call('enrollmentPage', `${base}?refresh=off`);
    expect(headersOf(stopped).get('refresh')).toBeNull();
    expect(bodyOf(stopped)).toContain(catalogues.en.pages.password.checkNow);
  });

  it('send HSTS for a year over https and name the session cookie __Host-, which then opens the reveal', async () => {
    const app = fixture('en');
    const base = `/e/${app.enrollToken}`;
    const page = await app.call('enrollmentPage', base);
    const hsts = /^max-age=(\d+)/.exec(headersOf(page).get('strict-transport-security') ?? '');
    expect(Number(hsts?.[1])).toBeGreaterThanOrEqual(365 * 86_400);
    const csrf = app.csrf(app.enrollToken);
    await app.call('sendContactCode', `${base}/contact/send`, { form: { csrf, channel: 'sms' } });
    const code = /\d{6}/.exec(app.sms[0]?.text ?? '')?.[0] ?? 'missing';
    const verified = await app.call('verifyContactCode', `${base}/contact/verify`, { form: { csrf, code } });
    expect(verified.status).toBe(303);
    expect(headersOf(verified).get('strict-transport-security')).toBe(hsts?.[0]);
    const [cookie] = verified.cookies ?? [];
    expect(cookie).toMatchObject({ name: '__Host-enrollment_session', secure: true, path: '/', httpOnly: true });
    expect(cookie?.domain).toBeUndefined();
    app.setProgress({ stage: 'ready', mfaRegistered: true, contactVerified: true });
    const shown = await app.call('reveal', `${base}/reveal`, {
      form: { csrf },
      headers: { cookie: `${cookie?.name ?? ''}=${cookie?.value ?? ''}` },
    });
    expect(shown.status).toBe(200);
  });

  it('send no HSTS and keep the plain cookie name on plain-http localhost', async () => {
    const app = fixture('en', 'http://localhost:7071');
    const base = `/e/${app.enrollToken}`;
    expect(headersOf(await app.call('enrollmentPage', base)).get('strict-transport-security')).toBeNull();
    const csrf = app.csrf(app.enrollToken);
    await app.call('sendContactCode', `${base}/contact/send`, { form: { csrf, channel: 'sms' } });
    const code = /\d{6}/.exec(app.sms[0]?.text ?? '')?.[0] ?? 'missing';
    const verified = await app.call('verifyContactCode', `${base}/contact/verify`, { form: { csrf, code } });
    expect(verified.cookies?.[0]).toMatchObject({ name: 'enrollment_session', secure: false });
  });

  it('show the retrieval deadline, then the password with the guide for the visitor’s device open', async () => {
    const app = fixture('en');
    app.setProgress({
      stage: 'ready',
      mfaRegistered: true,
      contactVerified: true,
      retrievalExpiresAt: '2026-03-17T08:00:00.000Z',
    });
    const base = `/r/${app.revealToken}`;
    const landing = bodyOf(await app.call('revealPage', base));
    expect(landing).toContain(catalogues.en.pages.password.revealDeadline('17 March 2026 at 09:00'));
    expect(landing).toContain('Send me a code');
    const csrf = app.csrf(app.revealToken);
    expect((await app.call('sendRevealCode', `${base}/code`, { form: { csrf } })).status).toBe(303);
    const code = /(?<!\d)\d{6}(?!\d)/.exec(app.mail[0]?.text ?? '')?.[0] ?? 'missing';
    const iPhone =
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
    const shown = await app.call('reveal', `${base}/reveal`, {
      form: { csrf, code },
      headers: { 'user-agent': iPhone },
    });
    expect(shown.status).toBe(200);
    const doc = bodyOf(shown);
    expect(/<code id="app-password"[^>]*>([\s\S]*?)<\/code>/.exec(doc)?.[1]?.replace(/<[^>]+>/g, '')).toBe(password);
    expect(doc).toMatch(/<details class="guide" id="guide-iosMail" open>/);
    expect(doc).toContain('<code>imap.contoso.example</code>');
  });

  it('reveal through a ready link that carries its snapshot, reading neither the record nor the status', async () => {
    const app = fixture('en');
    // Ready, as the orchestration says; the ready link itself never asks it.
    app.setProgress({ stage: 'ready', mfaRegistered: true, contactVerified: true });
    const base = `/r/${app.readyToken}`;
    const landing = bodyOf(await app.call('revealPage', base));
    // The deadline is the link's own expiry, in the snapshot's language.
    expect(landing).toContain(catalogues.en.pages.password.revealDeadline('17 March 2026 at 09:00'));
    const csrf = app.csrf(app.readyToken);
    const refusedCode = await app.call('reveal', `${base}/reveal`, { form: { csrf, code: '123456' } });
    expect(refusedCode.status).toBe(400);
    expect(app.reads).toEqual({ records: 0, statuses: 0 });
    // Sending the code needs the contact, which only the record holds.
    expect((await app.call('sendRevealCode', `${base}/code`, { form: { csrf } })).status).toBe(303);
    const code = /(?<!\d)\d{6}(?!\d)/.exec(app.mail[0]?.text ?? '')?.[0] ?? 'missing';
    const reads = { ...app.reads };
    const shown = await app.call('reveal', `${base}/reveal`, { form: { csrf, code } });
    expect(shown.status).toBe(200);
    expect(bodyOf(shown)).toContain(upn);
    expect(app.reads).toEqual(reads);
  });

  it.each([
    ['employee', 'alreadyShown'],
    ['orchestration', 'cancelled'],
  ] as const)('show a ready link whose reveal the %s took as %s, on the page and to a reveal', async (holder, kind) => {
    const app = fixture('en');
    const base = `/r/${app.readyToken}`;
    app.takeReveal(holder);
    const texts = catalogues.en.pages.messages;
    const title = kind === 'cancelled' ? texts.cancelledTitle : texts.alreadyShownTitle;
    const landing = await app.call('revealPage', base);
    expect(landing.status).toBe(410);
    expect(bodyOf(landing)).toContain(escapeHtml(title));
    const session = await app.call('reveal', `${base}/reveal`, { form: { csrf: app.csrf(app.readyToken) } });
    expect(session.status).toBe(410);
    expect(bodyOf(session)).toContain(escapeHtml(title));
  });
});
