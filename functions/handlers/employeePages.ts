import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import type { Config } from '../../core/config.js';
import { composeMail } from '../../core/emails.js';
import { isPermanentError } from '../../core/errors.js';
import { messagesFor } from '../../core/i18n/index.js';
import { detectMailClient } from '../../core/mailClients.js';
import {
  abusePolicy,
  codePolicy,
  csrfTokenFor,
  hashOneTimeCode,
  maskEmail,
  maskPhone,
  newOneTimeCode,
} from '../../core/oneTimeCode.js';
import { enrollmentEvents, type EnrollmentProgress } from '../../core/orchestrationContract.js';
import type { CodeChannel, EnrollmentInstances, EnrollmentRecord, LinkPurpose, Locale } from '../../core/ports.js';
import { redact } from '../../core/redact.js';
import type { Stage } from '../../core/stages.js';
import { digestsEqual, hashToken, isWellFormedToken, newLinkToken } from '../../core/tokens.js';
import {
  enrollmentPage,
  messagePage,
  passwordPage,
  revealLandingPage,
  type MessageKind,
  type Notice,
  type PageFrame,
  type RenderedPage,
} from '../../pages/employeePages.js';
import { toStatusBody } from './hrApi.js';
import type { Services } from '../composition.js';
import { clientAddress, type HttpHandler } from './http.js';

/** The composition root's adapters the pages use, plus the per-invocation Durable client. */
export interface EmployeePageDependencies extends Pick<
  Services,
  | 'enrollments'
  | 'linkTokens'
  | 'oneTimeCodes'
  | 'revealClaims'
  | 'audit'
  | 'rateLimiter'
  | 'vault'
  | 'mailer'
  | 'sms'
  | 'directory'
  | 'now'
> {
  readonly config: Pick<
    Config,
    | 'PUBLIC_BASE_URL'
    | 'MFA_SETUP_URL'
    | 'TIME_ZONE'
    | 'DEFAULT_LOCALE'
    | 'RETRIEVAL_VALID_FOR'
    | 'MAIL_IMAP_SERVER'
    | 'MAIL_SMTP_SERVER'
  >;
  readonly instances: (request: HttpRequest, context: InvocationContext) => EnrollmentInstances;
  readonly now: () => Date;
}

export interface EmployeePageHandlers {
  readonly enrollmentPage: HttpHandler;
  readonly confirmMfa: HttpHandler;
  readonly sendContactCode: HttpHandler;
  readonly verifyContactCode: HttpHandler;
  readonly revealPage: HttpHandler;
  readonly sendRevealCode: HttpHandler;
  readonly reveal: HttpHandler;
}

const sessionCookie = 'enrollment_session';
/** The audit partition for links that match no enrollment. */
export const unmatchedLinksAudit = '~unmatched-links';

const maxFormBytes = 4 * 1024;

/** Every employee-facing response: never cached, never framed, no referrer, no inline code, nothing third-party. */
const pageHeaders = {
  'Content-Type': 'text/html; charset=utf-8',
  'Cache-Control': 'no-store',
  'Referrer-Policy': 'no-referrer',
  'Content-Security-Policy':
    "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
};

interface Resolved {
  readonly token: string;
  readonly tokenHash: string;
  readonly purpose: LinkPurpose;
  readonly record: EnrollmentRecord;
  readonly stage: Stage;
  readonly mfaRegistered: boolean;
  readonly contactVerified: boolean;
  readonly frame: PageFrame;
  readonly basePath: string;
  /** The link's GET page, keeping a language the visitor picked: where POSTs redirect to. */
  readonly home: string;
  readonly csrf: string;
  readonly invitationExpiresAt?: Date;
  readonly retrievalExpiresAt?: Date;
}

type Resolution = { readonly ok: true; readonly link: Resolved } | { readonly ok: false; readonly page: RenderedPage };

/**
 * The employee's pages. GET only ever shows state; every change is a POST carrying the page's CSRF token, refused when
 * the browser says it came from another site. The reveal also needs proof of the person: the session cookie set when
 * they verified their contact, or a fresh code sent to that contact.
 */
export function createEmployeePageHandlers(deps: EmployeePageDependencies): EmployeePageHandlers {
  const secureCookies = !/^http:\/\/(localhost|127\.0\.0\.1)(:\d+)?$/.test(deps.config.PUBLIC_BASE_URL);

  const respond = (
    request: HttpRequest,
    page: RenderedPage,
    extra: Partial<HttpResponseInit> = {},
  ): HttpResponseInit => ({
    status: page.status,
    headers:
      page.refresh === undefined
        ? pageHeaders
        : { ...pageHeaders, Refresh: `${page.refresh.seconds}; url=${page.refresh.url}` },
    ...(request.method === 'HEAD' ? {} : { body: page.html }),
    ...extra,
  });

  const redirect = (location: string, extra: Partial<HttpResponseInit> = {}): HttpResponseInit => ({
    status: 303,
    headers: { ...pageHeaders, Location: location },
    ...extra,
  });

  /**
   * The page's language: one the visitor picked (?lang= on a GET, the form's lang field on a POST), else the
   * enrollment's. The switch links to `path`, the GET page, also from the answer to a POST.
   */
  function frameFor(request: HttpRequest, locale: Locale, path?: string, picked?: string | null): PageFrame {
    const requested = picked ?? request.query.get('lang');
    const chosen = requested === 'da' || requested === 'en' ? requested : undefined;
    const shown: Locale = chosen ?? locale;
    // Every route is /e/{token}… or /r/{token}…: the first two segments are the link's GET page.
    const page = path ?? new URL(request.url).pathname.split('/').slice(0, 3).join('/');
    return {
      locale: shown,
      timeZone: deps.config.TIME_ZONE,
      otherLanguageHref: `${page}?lang=${shown === 'da' ? 'en' : 'da'}`,
      languageChosen: chosen !== undefined,
    };
  }

  /** The same link seen through a language picked in a form. */
  function withPickedLanguage(request: HttpRequest, link: Resolved, picked: string | null): Resolved {
    const frame = frameFor(request, link.record.locale, link.basePath, picked);
    return { ...link, frame, home: frame.languageChosen ? `${link.basePath}?lang=${frame.locale}` : link.basePath };
  }

  async function resolve(
    request: HttpRequest,
    context: InvocationContext,
    purposes: readonly LinkPurpose[],
  ): Promise<Resolution> {
    const token = request.params['token'] ?? '';
    const fallback = frameFor(request, deps.config.DEFAULT_LOCALE);
    const client = clientAddress(request);
    const limiter = await deps.rateLimiter();
    const missKey = `link-miss:${client}`;
    if (await limiter.isLimited(missKey, abusePolicy.linkMissesPerClient, abusePolicy.windowMs)) {
      return { ok: false, page: messagePage(fallback, 'tooManyRequests') };
    }
    // Every unknown, malformed or misused link counts against the client and is audited: 256-bit tokens cannot be
    // guessed, so a stream of misses is a probe, and the limit keeps it from costing storage reads at will.
    const miss = async (reason: string): Promise<Resolution> => {
      const { allowed } = await limiter.hit(missKey, abusePolicy.linkMissesPerClient, abusePolicy.windowMs);
      await (
        await deps.audit()
      ).append({
        enrollmentId: unmatchedLinksAudit,
        at: deps.now().toISOString(),
        action: 'link-miss',
        actor: `client ${client}`,
        detail: reason,
      });
      return { ok: false, page: messagePage(fallback, allowed ? 'invalid' : 'tooManyRequests') };
    };
    if (!isWellFormedToken(token)) return miss('malformed');
    const tokenHash = hashToken(token);
    const link = await (await deps.linkTokens()).find(tokenHash);
    if (link === undefined) return miss('unknown');
    if (!purposes.includes(link.purpose)) return miss(`wrong purpose ${link.purpose}`);
    const record = await (await deps.enrollments()).get(link.enrollmentId);
    if (record === undefined) return { ok: false, page: messagePage(fallback, 'invalid') };
    const prefix = link.purpose === 'reveal' ? 'r' : 'e';
    const basePath = `/${prefix}/${token}`;
    const frame = frameFor(request, record.locale, basePath);
    if (new Date(link.expiresAt) <= deps.now()) return { ok: false, page: messagePage(frame, 'expired') };
    const status = await deps.instances(request, context).status(record.enrollmentId);
    if (status === undefined) return { ok: false, page: messagePage(frame, 'invalid') };
    const body = toStatusBody(record.enrollmentId, status);
    const progress = status.customStatus as Partial<EnrollmentProgress> | null;
    const instant = (iso: string | undefined) => {
      const date = iso === undefined ? undefined : new Date(iso);
      return date === undefined || Number.isNaN(date.getTime()) ? undefined : date;
    };
    const invitationExpiresAt = instant(body.invitationExpiresAt);
    const retrievalExpiresAt = instant(body.retrievalExpiresAt);
    return {
      ok: true,
      link: {
        token,
        tokenHash,
        purpose: link.purpose,
        record,
        stage: body.stage,
        // The record is written before the event is raised, so a page rendered right after a confirmation agrees.
        mfaRegistered: (progress?.mfaRegistered ?? false) || record.mfaConfirmedAt !== undefined,
        contactVerified: (progress?.contactVerified ?? false) || record.contactVerifiedAt !== undefined,
        frame,
        basePath,
        home: frame.languageChosen ? `${basePath}?lang=${frame.locale}` : basePath,
        csrf: csrfTokenFor(record.pageSecret, tokenHash),
        ...(invitationExpiresAt === undefined ? {} : { invitationExpiresAt }),
        ...(retrievalExpiresAt === undefined ? {} : { retrievalExpiresAt }),
      },
    };
  }

  function finalPage(link: Resolved): RenderedPage | undefined {
    const kinds: Partial<Record<Stage, MessageKind>> = {
      revealed: 'alreadyShown',
      expired: 'expired',
      cancelled: 'cancelled',
      failed: 'failed',
    };
    const kind = kinds[link.stage];
    return kind === undefined ? undefined : messagePage(link.frame, kind);
  }

  async function readForm(request: HttpRequest): Promise<URLSearchParams | undefined> {
    const type = (request.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/x-www-form-urlencoded') return undefined;
    const text = await request.text();
    return text.length > maxFormBytes ? undefined : new URLSearchParams(text);
  }

  /**
   * CSRF: the token from the page (an HMAC only the server can make), and the browser's own word on where the request
   * came from. The Origin header is not used: with Referrer-Policy no-referrer browsers send `Origin: null`.
   */
  function csrfOk(request: HttpRequest, form: URLSearchParams | undefined, link: Resolved): boolean {
    const site = request.headers.get('sec-fetch-site');
    if (site !== null && site !== 'same-origin' && site !== 'none') return false;
    const presented = form?.get('csrf') ?? '';
    const a = Buffer.from(presented);
    const b = Buffer.from(link.csrf);
    return a.length === b.length && digestsEqual(a.toString('hex'), b.toString('hex'));
  }

  async function hasSession(request: HttpRequest, link: Resolved): Promise<boolean> {
    const cookie = request.headers
      .get('cookie')
      ?.split(';')
      .map((part) => part.trim())
      .find((part) => part.startsWith(`${sessionCookie}=`));
    const value = cookie?.slice(sessionCookie.length + 1) ?? '';
    if (!isWellFormedToken(value)) return false;
    const session = await (await deps.linkTokens()).find(hashToken(value));
    return (
      session?.purpose === 'session' &&
      session.enrollmentId === link.record.enrollmentId &&
      new Date(session.expiresAt) > deps.now()
    );
  }

  async function codeSent(link: Resolved, purpose: string): Promise<boolean> {
    const code = await (await deps.oneTimeCodes()).get(link.record.enrollmentId, purpose);
    return code !== undefined && new Date(code.expiresAt) > deps.now() && code.attempts < codePolicy.maxAttempts;
  }

  async function audit(link: Resolved, action: string, detail?: string): Promise<void> {
    await (
      await deps.audit()
    ).append({
      enrollmentId: link.record.enrollmentId,
      at: deps.now().toISOString(),
      action,
      actor: 'employee',
      ...(detail === undefined ? {} : { detail }),
    });
  }

  async function renderEnrollment(
    request: HttpRequest,
    link: Resolved,
    notice?: Notice,
    status?: number,
  ): Promise<RenderedPage> {
    const final = finalPage(link);
    if (final !== undefined) return final;
    const contact = link.record.contact;
    const page = enrollmentPage({
      ...link.frame,
      basePath: link.basePath,
      displayName: link.record.displayName,
      stage: link.stage,
      mfaRegistered: link.mfaRegistered,
      contactVerified: link.contactVerified,
      mfaSetupUrl: deps.config.MFA_SETUP_URL,
      csrf: link.csrf,
      channels: {
        ...(contact.email === undefined ? {} : { email: maskEmail(contact.email) }),
        ...(contact.phone === undefined || deps.sms === undefined ? {} : { sms: maskPhone(contact.phone) }),
      },
      codeSent: await codeSent(link, link.stage === 'ready' ? 'reveal' : 'contact'),
      hasSession: await hasSession(request, link),
      ...(notice === undefined ? {} : { notice }),
      ...(link.invitationExpiresAt === undefined ? {} : { invitationExpiresAt: link.invitationExpiresAt }),
      ...(link.retrievalExpiresAt === undefined ? {} : { retrievalExpiresAt: link.retrievalExpiresAt }),
      autoRefresh: request.query.get('refresh') !== 'off',
    });
    return status === undefined ? page : { ...page, status };
  }

  async function renderReveal(
    request: HttpRequest,
    link: Resolved,
    notice?: Notice,
    status?: number,
  ): Promise<RenderedPage> {
    const final = finalPage(link);
    if (final !== undefined) return final;
    if (link.stage !== 'ready') return messagePage(link.frame, 'invalid');
    const page = revealLandingPage({
      ...link.frame,
      basePath: link.basePath,
      csrf: link.csrf,
      hasSession: await hasSession(request, link),
      codeSent: await codeSent(link, 'reveal'),
      ...(notice === undefined ? {} : { notice }),
      ...(link.retrievalExpiresAt === undefined ? {} : { retrievalExpiresAt: link.retrievalExpiresAt }),
    });
    return status === undefined ? page : { ...page, status };
  }

  const renderFor = (request: HttpRequest, link: Resolved, notice?: Notice, status?: number) =>
    link.purpose === 'reveal'
      ? renderReveal(request, link, notice, status)
      : renderEnrollment(request, link, notice, status);

  /** Sends a fresh code, within the resend limit. Returns a notice to show when it could not. */
  async function sendCode(link: Resolved, purpose: string, channel: CodeChannel): Promise<Notice | undefined> {
    const store = await deps.oneTimeCodes();
    const now = deps.now();
    const existing = await store.get(link.record.enrollmentId, purpose);
    const windowOpen =
      existing !== undefined && now.getTime() - new Date(existing.windowStartedAt).getTime() < codePolicy.sendWindowMs;
    const sendsInWindow = windowOpen ? existing.sendsInWindow : 0;
    if (sendsInWindow >= codePolicy.maxSendsPerWindow) return { kind: 'tooManyCodes' };
    const code = newOneTimeCode();
    const stored = await store.put(
      link.record.enrollmentId,
      purpose,
      {
        codeHash: hashOneTimeCode(link.record.pageSecret, purpose, code),
        channel,
        expiresAt: new Date(now.getTime() + codePolicy.validForMs).toISOString(),
        attempts: 0,
        sendsInWindow: sendsInWindow + 1,
        windowStartedAt: windowOpen ? existing.windowStartedAt : now.toISOString(),
      },
      existing?.etag,
    );
    // A concurrent send won the race: its code is the live one, and sending ours would only confuse.
    if (!stored) return undefined;
    const { email, phone } = link.record.contact;
    try {
      if (channel === 'sms' && phone !== undefined && deps.sms !== undefined) {
        const text = messagesFor(link.frame.locale).sms.code(code, codePolicy.validForMs / 60_000);
        await (await deps.sms()).send({ to: phone, text });
      } else if (email !== undefined) {
        const mail = composeMail(
          { to: email, displayName: link.record.displayName, locale: link.record.locale },
          { kind: 'contact-code', code, validForMinutes: codePolicy.validForMs / 60_000 },
          deps.config.TIME_ZONE,
        );
        await (await deps.mailer()).send(mail);
      } else {
        return { kind: 'sendFailed' };
      }
    } catch (error) {
      await store.delete(link.record.enrollmentId, purpose);
      if (isPermanentError(error)) return { kind: 'sendFailed' };
      throw error;
    }
    await audit(link, `code-sent:${purpose}`, channel);
    return undefined;
  }

  type CodeCheck = { readonly ok: true } | { readonly ok: false; readonly notice: Notice; readonly status: number };

  /** Checks a code: expired or missing, locked after 5 wrong tries, constant-time comparison; one use only. */
  async function checkCode(link: Resolved, purpose: string, presented: string): Promise<CodeCheck> {
    const store = await deps.oneTimeCodes();
    for (let round = 0; round < 3; round += 1) {
      const stored = await store.get(link.record.enrollmentId, purpose);
      if (stored === undefined || new Date(stored.expiresAt) <= deps.now()) {
        return { ok: false, notice: { kind: 'codeExpired' }, status: 400 };
      }
      if (stored.attempts >= codePolicy.maxAttempts) {
        return { ok: false, notice: { kind: 'tooManyAttempts' }, status: 429 };
      }
      const expected = hashOneTimeCode(link.record.pageSecret, purpose, /^\d{6}$/.test(presented) ? presented : '');
      if (/^\d{6}$/.test(presented) && digestsEqual(expected, stored.codeHash)) {
        await store.delete(link.record.enrollmentId, purpose);
        return { ok: true };
      }
      const attempts = stored.attempts + 1;
      const { etag: _etag, ...rest } = stored;
      // ETag-conditional: two wrong guesses racing cannot both count as one.
      if (!(await store.put(link.record.enrollmentId, purpose, { ...rest, attempts }, stored.etag))) continue;
      await audit(link, `code-wrong:${purpose}`, `attempt ${attempts}`);
      const left = codePolicy.maxAttempts - attempts;
      return left > 0
        ? { ok: false, notice: { kind: 'wrongCode', attemptsLeft: left }, status: 400 }
        : { ok: false, notice: { kind: 'tooManyAttempts' }, status: 429 };
    }
    return { ok: false, notice: { kind: 'codeExpired' }, status: 409 };
  }

  /** Wraps a POST handler: resolves the link, checks the form and CSRF, turns failures into pages. */
  function post(
    purposes: readonly LinkPurpose[],
    action: (
      request: HttpRequest,
      context: InvocationContext,
      link: Resolved,
      form: URLSearchParams,
    ) => Promise<HttpResponseInit>,
  ): HttpHandler {
    return page(async (request, context) => {
      const resolved = await resolve(request, context, purposes);
      if (!resolved.ok) return respond(request, resolved.page);
      const form = await readForm(request);
      if (form === undefined || !csrfOk(request, form, resolved.link)) {
        await audit(resolved.link, 'form-refused', 'csrf');
        const { allowed } = await (
          await deps.rateLimiter()
        ).hit(
          `refused-posts:${resolved.link.record.enrollmentId}`,
          abusePolicy.refusedPostsPerEnrollment,
          abusePolicy.windowMs,
        );
        return respond(request, messagePage(resolved.link.frame, allowed ? 'forbidden' : 'tooManyRequests'));
      }
      const link = withPickedLanguage(request, resolved.link, form.get('lang'));
      const final = finalPage(link);
      if (final !== undefined) return respond(request, final);
      return action(request, context, link, form);
    });
  }

  function page(handler: HttpHandler): HttpHandler {
    return async (request, context) => {
      try {
        return await handler(request, context);
      } catch (error) {
        context.error(redact(`employee page failed: ${error instanceof Error ? error.message : String(error)}`));
        return respond(request, messagePage(frameFor(request, deps.config.DEFAULT_LOCALE), 'error'));
      }
    };
  }

  async function revealWith(
    request: HttpRequest,
    context: InvocationContext,
    link: Resolved,
    form: URLSearchParams,
  ): Promise<HttpResponseInit> {
    if (link.stage !== 'ready' || link.record.appPassword === undefined) {
      return respond(request, await renderFor(request, link));
    }
    if (!(await hasSession(request, link))) {
      const check = await checkCode(link, 'reveal', form.get('code') ?? '');
      if (!check.ok) return respond(request, await renderFor(request, link, check.notice, check.status));
    }
    const reference = link.record.appPassword;
    const claimedAt = deps.now().toISOString();
    if (!(await (await deps.revealClaims()).claim(link.record.enrollmentId, reference.version, claimedAt))) {
      await audit(link, 'reveal-refused', 'already shown');
      return respond(request, messagePage(link.frame, 'alreadyShown'));
    }
    let password: string;
    try {
      password = await (await deps.vault()).readAppPassword(reference);
    } catch (error) {
      // The employee has not seen it: give the reveal back so a retry can succeed.
      await (await deps.revealClaims()).release(link.record.enrollmentId, reference.version, claimedAt);
      throw error;
    }
    await audit(link, 'app-password-revealed', `version ${reference.version}`);
    await deps.instances(request, context).raiseEvent(link.record.enrollmentId, enrollmentEvents.passwordRevealed);
    return respond(
      request,
      passwordPage({
        ...link.frame,
        password,
        userPrincipalName: link.record.userPrincipalName,
        mailClient: detectMailClient(request.headers.get('user-agent')),
        servers: { imap: deps.config.MAIL_IMAP_SERVER, smtp: deps.config.MAIL_SMTP_SERVER },
      }),
    );
  }

  return {
    enrollmentPage: page(async (request, context) => {
      const resolved = await resolve(request, context, ['enroll']);
      if (!resolved.ok) return respond(request, resolved.page);
      return respond(request, await renderEnrollment(request, resolved.link));
    }),

    confirmMfa: post(['enroll'], async (request, context, link) => {
      if (!link.mfaRegistered) {
        const registered = await (await deps.directory()).hasRegisteredMfa(link.record.userPrincipalName);
        if (!registered) {
          return respond(request, await renderEnrollment(request, link, { kind: 'mfaNotYet' }));
        }
        const at = deps.now().toISOString();
        await (await deps.enrollments()).markVerified(link.record.enrollmentId, 'mfa', at);
        await deps.instances(request, context).raiseEvent(link.record.enrollmentId, enrollmentEvents.mfaRegistered);
        await audit(link, 'mfa-confirmed');
      }
      return redirect(link.home);
    }),

    sendContactCode: post(['enroll'], async (request, _context, link, form) => {
      if (link.contactVerified) return redirect(link.home);
      const channel: CodeChannel = form.get('channel') === 'sms' ? 'sms' : 'email';
      const notice = await sendCode(link, 'contact', channel);
      if (notice !== undefined) return respond(request, await renderEnrollment(request, link, notice, 429));
      return redirect(link.home);
    }),

    verifyContactCode: post(['enroll'], async (request, context, link, form) => {
      if (link.contactVerified) return redirect(link.home);
      const check = await checkCode(link, 'contact', form.get('code') ?? '');
      if (!check.ok) return respond(request, await renderEnrollment(request, link, check.notice, check.status));
      const now = deps.now();
      await (await deps.enrollments()).markVerified(link.record.enrollmentId, 'contact', now.toISOString());
      await deps.instances(request, context).raiseEvent(link.record.enrollmentId, enrollmentEvents.contactVerified);
      const session = newLinkToken();
      const lifetimeMs = deps.config.RETRIEVAL_VALID_FOR + 14 * 86_400_000;
      await (
        await deps.linkTokens()
      ).save(session.hash, {
        enrollmentId: link.record.enrollmentId,
        purpose: 'session',
        expiresAt: new Date(now.getTime() + lifetimeMs).toISOString(),
      });
      await audit(link, 'contact-verified');
      return redirect(link.home, {
        cookies: [
          {
            name: sessionCookie,
            value: session.token,
            path: '/',
            httpOnly: true,
            sameSite: 'Strict',
            secure: secureCookies,
            maxAge: Math.floor(lifetimeMs / 1000),
          },
        ],
      });
    }),

    revealPage: page(async (request, context) => {
      const resolved = await resolve(request, context, ['reveal']);
      if (!resolved.ok) return respond(request, resolved.page);
      return respond(request, await renderReveal(request, resolved.link));
    }),

    sendRevealCode: post(['reveal', 'enroll'], async (request, _context, link) => {
      if (link.stage !== 'ready') return respond(request, await renderFor(request, link));
      const channel: CodeChannel = link.record.contact.email === undefined ? 'sms' : 'email';
      const notice = await sendCode(link, 'reveal', channel);
      if (notice !== undefined) return respond(request, await renderFor(request, link, notice, 429));
      return redirect(link.home);
    }),

    reveal: post(['reveal', 'enroll'], revealWith),
  };
}
