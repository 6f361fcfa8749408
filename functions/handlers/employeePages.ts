import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import type { Config } from '../../core/config.js';
import { composeMail } from '../../core/emails.js';
import { ensureError, isPermanentError } from '../../core/errors.js';
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
import type {
  CodeChannel,
  EnrollmentInstances,
  EnrollmentRecord,
  LinkPurpose,
  Locale,
  RevealClaim,
} from '../../core/ports.js';
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

const sessionCookieName = 'enrollment_session';
/** A year, the least HSTS preload lists accept; sent only when the pages are served over https. */
const strictTransportSecurity = 'max-age=31536000';
/** The audit partition for links that match no enrollment. */
export const unmatchedLinksAudit = '~unmatched-links';

const maxFormBytes = 4 * 1024;
/** Reads of a code that another guess keeps changing before this one is counted, then refused as too many. */
const maxCountRounds = 8;
/** Tries of each step after a reveal's claim (the audit row, the event), 100 ms apart and doubling. */
const settleAttempts = 3;
const settleBackoffMs = 100;
/** How long the password page waits for those steps. */
const settleBudgetMs = 2_000;

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

/** A page as answered: a refusal for too many attempts says when to come back. */
type ShownPage = RenderedPage & { readonly retryAfterMs?: number };

const limited = (page: RenderedPage, retryAfterMs: number): ShownPage => ({ ...page, status: 429, retryAfterMs });

type Resolution = { readonly ok: true; readonly link: Resolved } | { readonly ok: false; readonly page: ShownPage };

/**
 * The employee's pages. GET only ever shows state; every change is a POST carrying the page's CSRF token, refused when
 * the browser says it came from another site. The reveal also needs proof of the person: the session cookie set when
 * they verified their contact, or a fresh code sent to that contact.
 */
export function createEmployeePageHandlers(deps: EmployeePageDependencies): EmployeePageHandlers {
  const secureCookies = !/^http:\/\/(localhost|127\.0\.0\.1)(:\d+)?$/.test(deps.config.PUBLIC_BASE_URL);
  // The __Host- prefix makes the browser refuse the cookie unless it is Secure, for this host only and for every path:
  // no other subdomain, and no plain-http page, can set or shadow it.
  const sessionCookie = secureCookies ? `__Host-${sessionCookieName}` : sessionCookieName;
  const servedOverHttps = deps.config.PUBLIC_BASE_URL.startsWith('https://');

  const respond = (request: HttpRequest, page: ShownPage, extra: Partial<HttpResponseInit> = {}): HttpResponseInit => ({
    status: page.status,
    headers: {
      ...pageHeaders,
      ...(servedOverHttps ? { 'Strict-Transport-Security': strictTransportSecurity } : {}),
      ...(page.refresh === undefined ? {} : { Refresh: `${page.refresh.seconds}; url=${page.refresh.url}` }),
      ...(page.retryAfterMs === undefined ? {} : { 'Retry-After': String(Math.ceil(page.retryAfterMs / 1000)) }),
    },
    ...(request.method === 'HEAD' ? {} : { body: page.html }),
    ...extra,
  });

  const redirect = (location: string, extra: Partial<HttpResponseInit> = {}): HttpResponseInit => ({
    status: 303,
    headers: {
      ...pageHeaders,
      ...(servedOverHttps ? { 'Strict-Transport-Security': strictTransportSecurity } : {}),
      Location: location,
    },
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
    // Every unknown, malformed or misused link counts against the client and is audited: 256-bit tokens cannot be
    // guessed, so a stream of misses is a probe. The slot is taken before the token is looked up, so racing probes
    // cannot make more lookups than the limit allows; a link that matches gives its slot back.
    const grant = await limiter.take(`link-miss:${client}`, abusePolicy.linkMissesPerClient, abusePolicy.windowMs);
    if (!grant.granted) {
      return { ok: false, page: limited(messagePage(fallback, 'tooManyRequests'), grant.retryAfterMs) };
    }
    const miss = async (reason: string): Promise<Resolution> => {
      await (
        await deps.audit()
      ).append({
        enrollmentId: unmatchedLinksAudit,
        at: deps.now().toISOString(),
        action: 'link-miss',
        actor: `client ${client}`,
        detail: reason,
      });
      return { ok: false, page: messagePage(fallback, 'invalid') };
    };
    if (!isWellFormedToken(token)) return miss('malformed');
    const tokenHash = hashToken(token);
    const link = await (await deps.linkTokens()).find(tokenHash);
    if (link === undefined) return miss('unknown');
    if (!purposes.includes(link.purpose)) return miss(`wrong purpose ${link.purpose}`);
    // Should the slot not go back, it counts as a miss, which errs towards limiting.
    await limiter.release(grant.slot).catch((error: unknown) => {
      context.warn(redact(`link-miss slot not released: ${ensureError(error).message}`));
    });
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

  /** Sends a fresh code, within the resend limit. Returns what to show when it could not. */
  async function sendCode(link: Resolved, purpose: string, channel: CodeChannel): Promise<Refusal | undefined> {
    const store = await deps.oneTimeCodes();
    const now = deps.now();
    const existing = await store.get(link.record.enrollmentId, purpose);
    const windowOpen =
      existing !== undefined && now.getTime() - new Date(existing.windowStartedAt).getTime() < codePolicy.sendWindowMs;
    const sendsInWindow = windowOpen ? existing.sendsInWindow : 0;
    if (sendsInWindow >= codePolicy.maxSendsPerWindow) {
      const reopensAt = new Date(existing?.windowStartedAt ?? now).getTime() + codePolicy.sendWindowMs;
      return { notice: { kind: 'tooManyCodes' }, status: 429, retryAfterMs: reopensAt - now.getTime() };
    }
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
        return { notice: { kind: 'sendFailed' }, status: 429 };
      }
    } catch (error) {
      await store.delete(link.record.enrollmentId, purpose);
      if (isPermanentError(error)) return { notice: { kind: 'sendFailed' }, status: 429 };
      throw error;
    }
    await audit(link, `code-sent:${purpose}`, channel);
    return undefined;
  }

  /** What a refused code or send shows: a notice, the status, and for a limit when to come back. */
  interface Refusal {
    readonly notice: Notice;
    readonly status: number;
    readonly retryAfterMs?: number;
  }

  type CodeCheck = { readonly ok: true } | ({ readonly ok: false } & Refusal);

  /**
   * Checks a code: expired or missing, locked after 5 tries, constant-time comparison; one use only. The attempt is
   * counted (an ETag-conditional write) before the code is compared, so however many guesses race, at most
   * `codePolicy.maxAttempts` comparisons are ever made against one code, the right one among them only if it won a
   * count. A guess that keeps losing the race to count is refused as too many attempts, never as an error.
   */
  async function checkCode(link: Resolved, purpose: string, presented: string): Promise<CodeCheck> {
    const store = await deps.oneTimeCodes();
    const { enrollmentId, pageSecret } = link.record;
    for (let round = 0; round < maxCountRounds; round += 1) {
      const stored = await store.get(enrollmentId, purpose);
      const now = deps.now().getTime();
      if (stored === undefined || Date.parse(stored.expiresAt) <= now) {
        return { ok: false, notice: { kind: 'codeExpired' }, status: 400 };
      }
      const locked = {
        notice: { kind: 'tooManyAttempts' },
        status: 429,
        retryAfterMs: Date.parse(stored.expiresAt) - now,
      } as const;
      if (stored.attempts >= codePolicy.maxAttempts) return { ok: false, ...locked };
      const attempt = stored.attempts + 1;
      const { etag, ...rest } = stored;
      if (!(await store.put(enrollmentId, purpose, { ...rest, attempts: attempt }, etag))) continue;
      const candidate = /^\d{6}$/.test(presented) ? presented : '';
      if (digestsEqual(hashOneTimeCode(pageSecret, purpose, candidate), stored.codeHash) && candidate !== '') {
        await store.delete(enrollmentId, purpose);
        await audit(link, `code-accepted:${purpose}`, `attempt ${attempt}`);
        return { ok: true };
      }
      await audit(link, `code-wrong:${purpose}`, `attempt ${attempt}`);
      const left = codePolicy.maxAttempts - attempt;
      return left > 0
        ? { ok: false, notice: { kind: 'wrongCode', attemptsLeft: left }, status: 400 }
        : { ok: false, ...locked };
    }
    return { ok: false, notice: { kind: 'tooManyAttempts' }, status: 429, retryAfterMs: 1_000 };
  }

  /** The page for a refused code or send: the form with its notice, and `Retry-After` on a 429. */
  async function refused(request: HttpRequest, link: Resolved, refusal: Refusal): Promise<HttpResponseInit> {
    const shown = await renderFor(request, link, refusal.notice, refusal.status);
    const retryAfterMs = shown.status === 429 ? refusal.retryAfterMs : undefined;
    return respond(request, retryAfterMs === undefined ? shown : { ...shown, retryAfterMs });
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
        const grant = await (
          await deps.rateLimiter()
        ).take(
          `refused-posts:${resolved.link.record.enrollmentId}`,
          abusePolicy.refusedPostsPerEnrollment,
          abusePolicy.windowMs,
        );
        const forbidden = messagePage(resolved.link.frame, 'forbidden');
        return respond(
          request,
          grant.granted ? forbidden : limited(messagePage(resolved.link.frame, 'tooManyRequests'), grant.retryAfterMs),
        );
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

  /**
   * Runs a step after the reveal was claimed: retried a few times, then logged and let go, so the password is shown
   * whatever storage or the task hub does meanwhile.
   */
  async function settle(context: InvocationContext, what: string, step: () => Promise<void>): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await step();
        return;
      } catch (error) {
        if (attempt >= settleAttempts) {
          context.warn(redact(`${what} after a reveal failed ${attempt} times: ${ensureError(error).message}`));
          return;
        }
        await delay(settleBackoffMs * 2 ** (attempt - 1));
      }
    }
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
      if (!check.ok) return refused(request, link, check);
    }
    const reference = link.record.appPassword;
    const claims = await deps.revealClaims();
    const claim: RevealClaim = { id: randomUUID(), holder: 'employee', claimedAt: deps.now().toISOString() };
    if (!(await claims.claim(link.record.enrollmentId, reference.version, claim))) {
      await audit(link, 'reveal-refused', 'already shown');
      return respond(request, messagePage(link.frame, 'alreadyShown'));
    }
    // The one reveal is taken. Only the vault read may still keep the password from the employee; what follows it is
    // retried and then let go, never a reason to fail the page: the claim row is the record that counts, and the
    // orchestration reads it at the retrieval deadline should the event below never arrive.
    let password: string;
    try {
      password = await (await deps.vault()).readAppPassword(reference);
    } catch (error) {
      // The employee has not seen it: give the reveal back so a retry can succeed.
      await settle(context, 'giving the reveal back', () =>
        claims.release(link.record.enrollmentId, reference.version, claim.id),
      );
      throw error;
    }
    const afterClaim = Promise.all([
      settle(context, 'audit of the reveal', () =>
        audit(link, 'app-password-revealed', `version ${reference.version}`),
      ),
      settle(context, 'PasswordRevealed', () =>
        deps.instances(request, context).raiseEvent(link.record.enrollmentId, enrollmentEvents.passwordRevealed),
      ),
    ]);
    // A struggling store must not keep the employee waiting either: past the budget the page goes out, and the steps
    // finish (or are logged) on their own.
    await Promise.race([afterClaim, delay(settleBudgetMs, undefined, { ref: false })]);
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
      const refusal = await sendCode(link, 'contact', channel);
      if (refusal !== undefined) return refused(request, link, refusal);
      return redirect(link.home);
    }),

    verifyContactCode: post(['enroll'], async (request, context, link, form) => {
      if (link.contactVerified) return redirect(link.home);
      const check = await checkCode(link, 'contact', form.get('code') ?? '');
      if (!check.ok) return refused(request, link, check);
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
      const refusal = await sendCode(link, 'reveal', channel);
      if (refusal !== undefined) return refused(request, link, refusal);
      return redirect(link.home);
    }),

    reveal: post(['reveal', 'enroll'], revealWith),
  };
}
