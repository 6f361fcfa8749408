import { randomUUID } from 'node:crypto';
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
import type {
  AuditEntry,
  CodeChannel,
  EnrollmentInstances,
  EnrollmentRecord,
  LinkPurpose,
  LinkTokenRecord,
  Locale,
  RevealClaim,
  RevealSnapshot,
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
  | 'followUps'
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

/** A link that matched, however much of its enrollment was read: what every page and form needs. */
interface Link {
  readonly token: string;
  readonly tokenHash: string;
  readonly purpose: LinkPurpose;
  readonly enrollmentId: string;
  /** Signs the page's CSRF token and hashes its one-time codes. */
  readonly pageSecret: string;
  readonly locale: Locale;
  readonly frame: PageFrame;
  readonly basePath: string;
  /** The link's GET page, keeping a language the visitor picked: where POSTs redirect to. */
  readonly home: string;
  readonly csrf: string;
  /** Whether the request's session cookie opens this enrollment, when it was read alongside the link. */
  readonly session?: boolean;
}

/** A link with its enrollment record and the orchestration's status: every page but the ready link's own. */
interface Resolved extends Link {
  readonly record: EnrollmentRecord;
  readonly stage: Stage;
  readonly mfaRegistered: boolean;
  readonly contactVerified: boolean;
  readonly invitationExpiresAt?: Date;
  readonly retrievalExpiresAt?: Date;
}

/**
 * A ready link whose row carries the reveal's snapshot: its page and the reveal read nothing else of the enrollment.
 * Whether the password can still be revealed is the claim row's to say, not the orchestration's status: the
 * orchestration takes the claim itself before it disables the password (on a cancel or a revoke, and at the retrieval
 * deadline, which is also when the link expires).
 */
interface ReadyLink extends Link {
  readonly snapshot: RevealSnapshot;
  readonly retrievalExpiresAt: Date;
}

/** A page as answered: a refusal for too many attempts says when to come back. */
type ShownPage = RenderedPage & { readonly retryAfterMs?: number };

const limited = (page: RenderedPage, retryAfterMs: number): ShownPage => ({ ...page, status: 429, retryAfterMs });

type Resolution<L extends Link = Resolved> =
  { readonly ok: true; readonly link: L } | { readonly ok: false; readonly page: ShownPage };

/** A link's row that matched one of the purposes asked for, and whether the session opens it when that was read. */
interface Found {
  readonly token: string;
  readonly tokenHash: string;
  readonly row: LinkTokenRecord;
  readonly session?: boolean;
}

/** Whether to read the session cookie's row alongside the link's: for the pages that show or use the session. */
interface Preload {
  readonly session: boolean;
}

const isReady = (link: Link): link is ReadyLink => 'snapshot' in link;

/** An audit row to write: its action and detail, stamped when it happened rather than when it is written. */
type AuditNote = readonly [action: string, detail?: string | undefined];

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
  function withPickedLanguage<L extends Link>(request: HttpRequest, link: L, picked: string | null): L {
    const frame = frameFor(request, link.locale, link.basePath, picked);
    return { ...link, frame, home: frame.languageChosen ? `${link.basePath}?lang=${frame.locale}` : link.basePath };
  }

  /** The request's session cookie as the hash its row is stored under, when it carries a well-formed one. */
  function sessionHashOf(request: HttpRequest): string | undefined {
    const cookie = request.headers
      .get('cookie')
      ?.split(';')
      .map((part) => part.trim())
      .find((part) => part.startsWith(`${sessionCookie}=`));
    const value = cookie?.slice(sessionCookie.length + 1) ?? '';
    return isWellFormedToken(value) ? hashToken(value) : undefined;
  }

  const sessionOpens = (session: LinkTokenRecord | undefined, enrollmentId: string): boolean =>
    session?.purpose === 'session' && session.enrollmentId === enrollmentId && new Date(session.expiresAt) > deps.now();

  /**
   * Finds the link's row. Every unknown, malformed or misused link counts against the client and is audited: 256-bit
   * tokens cannot be guessed, so a stream of misses is a probe. The slot is taken before the token is looked up, so
   * racing probes cannot make more lookups than the limit allows; a link that matches gives its slot back, after the
   * answer. When asked, the session cookie's row is read alongside the link's, under the same slot: a probe with a
   * cookie makes one lookup more, and still no more probes get to look anything up.
   */
  async function findLink(
    request: HttpRequest,
    context: InvocationContext,
    purposes: readonly LinkPurpose[],
    preload: Preload,
  ): Promise<{ readonly ok: true; readonly found: Found } | { readonly ok: false; readonly page: ShownPage }> {
    const token = request.params['token'] ?? '';
    const fallback = frameFor(request, deps.config.DEFAULT_LOCALE);
    const client = clientAddress(request);
    const limiter = await deps.rateLimiter();
    const grant = await limiter.take(`link-miss:${client}`, abusePolicy.linkMissesPerClient, abusePolicy.windowMs);
    if (!grant.granted) {
      return { ok: false, page: limited(messagePage(fallback, 'tooManyRequests'), grant.retryAfterMs) };
    }
    const miss = async (reason: string) => {
      await (
        await deps.audit()
      ).append({
        enrollmentId: unmatchedLinksAudit,
        at: deps.now().toISOString(),
        action: 'link-miss',
        actor: `client ${client}`,
        detail: reason,
      });
      return { ok: false, page: messagePage(fallback, 'invalid') } as const;
    };
    if (!isWellFormedToken(token)) return miss('malformed');
    const tokenHash = hashToken(token);
    const sessionHash = preload.session ? sessionHashOf(request) : undefined;
    const tokens = await deps.linkTokens();
    const [row, sessionRow] = await Promise.all([
      tokens.find(tokenHash),
      sessionHash === undefined ? undefined : tokens.find(sessionHash),
    ]);
    if (row === undefined) return miss('unknown');
    if (!purposes.includes(row.purpose)) return miss(`wrong purpose ${row.purpose}`);
    // Should the slot not go back, it counts as a miss, which errs towards limiting.
    later(context, 'giving a link-miss slot back', () => limiter.release(grant.slot));
    return {
      ok: true,
      found: {
        token,
        tokenHash,
        row,
        ...(preload.session ? { session: sessionOpens(sessionRow, row.enrollmentId) } : {}),
      },
    };
  }

  /** What every matched link shows, however much else is read: paths, frame and CSRF token in its language. */
  function linkOf(request: HttpRequest, found: Found, pageSecret: string, locale: Locale): Link {
    const { token, tokenHash, row } = found;
    const basePath = `/${row.purpose === 'reveal' ? 'r' : 'e'}/${token}`;
    const frame = frameFor(request, locale, basePath);
    return {
      token,
      tokenHash,
      purpose: row.purpose,
      enrollmentId: row.enrollmentId,
      pageSecret,
      locale,
      frame,
      basePath,
      home: frame.languageChosen ? `${basePath}?lang=${frame.locale}` : basePath,
      csrf: csrfTokenFor(pageSecret, tokenHash),
      ...(found.session === undefined ? {} : { session: found.session }),
    };
  }

  /** A found link with its enrollment record and the orchestration's status, which are read together. */
  async function withEnrollment(request: HttpRequest, context: InvocationContext, found: Found): Promise<Resolution> {
    const id = found.row.enrollmentId;
    const [record, status] = await Promise.all([
      deps.enrollments().then((store) => store.get(id)),
      deps.instances(request, context).status(id),
    ]);
    if (record === undefined) {
      return { ok: false, page: messagePage(frameFor(request, deps.config.DEFAULT_LOCALE), 'invalid') };
    }
    const link = linkOf(request, found, record.pageSecret, record.locale);
    if (new Date(found.row.expiresAt) <= deps.now()) return { ok: false, page: messagePage(link.frame, 'expired') };
    if (status === undefined) return { ok: false, page: messagePage(link.frame, 'invalid') };
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
        ...link,
        record,
        stage: body.stage,
        // The record is written before the event is raised, so a page rendered right after a confirmation agrees.
        mfaRegistered: (progress?.mfaRegistered ?? false) || record.mfaConfirmedAt !== undefined,
        contactVerified: (progress?.contactVerified ?? false) || record.contactVerifiedAt !== undefined,
        ...(invitationExpiresAt === undefined ? {} : { invitationExpiresAt }),
        ...(retrievalExpiresAt === undefined ? {} : { retrievalExpiresAt }),
      },
    };
  }

  async function resolve(
    request: HttpRequest,
    context: InvocationContext,
    purposes: readonly LinkPurpose[],
    preload: Preload = { session: false },
  ): Promise<Resolution> {
    const found = await findLink(request, context, purposes, preload);
    if (!found.ok) return found;
    return withEnrollment(request, context, found.found);
  }

  /**
   * The reveal's own resolution: a ready link carrying its snapshot is all the reveal page and the reveal need; any
   * other link (the invitation link, an older ready link) is resolved with its enrollment.
   */
  async function resolveForReveal(
    request: HttpRequest,
    context: InvocationContext,
    purposes: readonly LinkPurpose[],
  ): Promise<Resolution<ReadyLink | Resolved>> {
    const found = await findLink(request, context, purposes, { session: true });
    if (!found.ok) return found;
    const snapshot = found.found.row.reveal;
    if (snapshot === undefined) return withEnrollment(request, context, found.found);
    const link = linkOf(request, found.found, snapshot.pageSecret, snapshot.locale);
    // A ready link lives exactly until the retrieval deadline.
    const retrievalExpiresAt = new Date(found.found.row.expiresAt);
    if (retrievalExpiresAt <= deps.now()) return { ok: false, page: messagePage(link.frame, 'expired') };
    return { ok: true, link: { ...link, snapshot, retrievalExpiresAt } };
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

  /**
   * What a ready link shows once its reveal is taken: already shown when the employee took it, cancelled when the
   * orchestration did (an expired link never gets this far).
   */
  function takenPage(link: ReadyLink, claim: RevealClaim | undefined): RenderedPage {
    return messagePage(link.frame, claim?.holder === 'orchestration' ? 'cancelled' : 'alreadyShown');
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
  function csrfOk(request: HttpRequest, form: URLSearchParams | undefined, link: Link): boolean {
    const site = request.headers.get('sec-fetch-site');
    if (site !== null && site !== 'same-origin' && site !== 'none') return false;
    const presented = form?.get('csrf') ?? '';
    const a = Buffer.from(presented);
    const b = Buffer.from(link.csrf);
    return a.length === b.length && digestsEqual(a.toString('hex'), b.toString('hex'));
  }

  /** Whether the request's session cookie opens the link's enrollment: known already when read with the link. */
  async function hasSession(request: HttpRequest, link: Link): Promise<boolean> {
    if (link.session !== undefined) return link.session;
    const hash = sessionHashOf(request);
    if (hash === undefined) return false;
    return sessionOpens(await (await deps.linkTokens()).find(hash), link.enrollmentId);
  }

  async function codeSent(link: Link, purpose: string): Promise<boolean> {
    const code = await (await deps.oneTimeCodes()).get(link.enrollmentId, purpose);
    return code !== undefined && new Date(code.expiresAt) > deps.now() && code.attempts < codePolicy.maxAttempts;
  }

  const auditEntry = (link: Link, [action, detail]: AuditNote, at = deps.now().toISOString()): AuditEntry => ({
    enrollmentId: link.enrollmentId,
    at,
    action,
    actor: 'employee',
    ...(detail === undefined ? {} : { detail }),
  });

  async function audit(link: Link, action: string, detail?: string): Promise<void> {
    await (await deps.audit()).append(auditEntry(link, [action, detail]));
  }

  /** Writes audit rows after the answer, together, stamped with when they happened. */
  function auditLater(context: InvocationContext, link: Link, notes: readonly AuditNote[]): void {
    if (notes.length === 0) return;
    const at = deps.now().toISOString();
    const entries = notes.map((note) => auditEntry(link, note, at));
    later(context, `audit (${notes.map(([action]) => action).join(', ')})`, async () => {
      await (await deps.audit()).appendAll(entries);
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
    const [codeIsSent, session] = await Promise.all([
      codeSent(link, link.stage === 'ready' ? 'reveal' : 'contact'),
      hasSession(request, link),
    ]);
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
      codeSent: codeIsSent,
      hasSession: session,
      ...(notice === undefined ? {} : { notice }),
      ...(link.invitationExpiresAt === undefined ? {} : { invitationExpiresAt: link.invitationExpiresAt }),
      ...(link.retrievalExpiresAt === undefined ? {} : { retrievalExpiresAt: link.retrievalExpiresAt }),
      autoRefresh: request.query.get('refresh') !== 'off',
    });
    return status === undefined ? page : { ...page, status };
  }

  /** The reveal landing page: the ready link's stage comes from its claim row, anything else's from its status. */
  async function renderReveal(
    request: HttpRequest,
    link: ReadyLink | Resolved,
    notice?: Notice,
    status?: number,
  ): Promise<RenderedPage> {
    let taken: Promise<RevealClaim | undefined> = Promise.resolve(undefined);
    if (isReady(link)) {
      const { enrollmentId, snapshot } = link;
      taken = deps.revealClaims().then((claims) => claims.find(enrollmentId, snapshot.appPassword.version));
    } else {
      const final = finalPage(link);
      if (final !== undefined) return final;
      if (link.stage !== 'ready') return messagePage(link.frame, 'invalid');
    }
    const [claim, session, codeIsSent] = await Promise.all([
      taken,
      hasSession(request, link),
      codeSent(link, 'reveal'),
    ]);
    if (isReady(link) && claim !== undefined) return takenPage(link, claim);
    const page = revealLandingPage({
      ...link.frame,
      basePath: link.basePath,
      csrf: link.csrf,
      hasSession: session,
      codeSent: codeIsSent,
      ...(notice === undefined ? {} : { notice }),
      ...(link.retrievalExpiresAt === undefined ? {} : { retrievalExpiresAt: link.retrievalExpiresAt }),
    });
    return status === undefined ? page : { ...page, status };
  }

  const renderFor = (request: HttpRequest, link: ReadyLink | Resolved, notice?: Notice, status?: number) =>
    isReady(link) || link.purpose === 'reveal'
      ? renderReveal(request, link, notice, status)
      : renderEnrollment(request, link, notice, status);

  /** Sends a fresh code, within the resend limit. Returns what to show when it could not. */
  async function sendCode(link: Resolved, purpose: string, channel: CodeChannel): Promise<Refusal | undefined> {
    const store = await deps.oneTimeCodes();
    const now = deps.now();
    const existing = await store.get(link.enrollmentId, purpose);
    const windowOpen =
      existing !== undefined && now.getTime() - new Date(existing.windowStartedAt).getTime() < codePolicy.sendWindowMs;
    const sendsInWindow = windowOpen ? existing.sendsInWindow : 0;
    if (sendsInWindow >= codePolicy.maxSendsPerWindow) {
      const reopensAt = new Date(existing?.windowStartedAt ?? now).getTime() + codePolicy.sendWindowMs;
      return { notice: { kind: 'tooManyCodes' }, status: 429, retryAfterMs: reopensAt - now.getTime() };
    }
    const code = newOneTimeCode();
    const stored = await store.put(
      link.enrollmentId,
      purpose,
      {
        codeHash: hashOneTimeCode(link.pageSecret, purpose, code),
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
      await store.delete(link.enrollmentId, purpose);
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

  /** A right code, and which of its attempts it was: the caller spends the code and audits the comparison. */
  type CodeCheck = { readonly ok: true; readonly attempt: number } | ({ readonly ok: false } & Refusal);

  /**
   * Checks a code: expired or missing, locked after 5 tries, constant-time comparison. The attempt is counted (an
   * ETag-conditional write) before the code is compared, so however many guesses race, at most
   * `codePolicy.maxAttempts` comparisons are ever made against one code, the right one among them only if it won a
   * count. A guess that keeps losing the race to count is refused as too many attempts, never as an error. A wrong
   * guess is audited here; a right one is the caller's to audit and to spend (delete), with what it opened.
   */
  async function checkCode(link: Link, purpose: string, presented: string): Promise<CodeCheck> {
    const store = await deps.oneTimeCodes();
    const { enrollmentId, pageSecret } = link;
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
        return { ok: true, attempt };
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
  async function refused(
    request: HttpRequest,
    link: ReadyLink | Resolved,
    refusal: Refusal,
  ): Promise<HttpResponseInit> {
    const shown = await renderFor(request, link, refusal.notice, refusal.status);
    const retryAfterMs = shown.status === 429 ? refusal.retryAfterMs : undefined;
    return respond(request, retryAfterMs === undefined ? shown : { ...shown, retryAfterMs });
  }

  /** Wraps a POST handler: resolves the link, checks the form and CSRF, turns failures into pages. */
  function post<L extends ReadyLink | Resolved>(
    resolveLink: (request: HttpRequest, context: InvocationContext) => Promise<Resolution<L>>,
    action: (
      request: HttpRequest,
      context: InvocationContext,
      link: L,
      form: URLSearchParams,
    ) => Promise<HttpResponseInit>,
  ): HttpHandler {
    return page(async (request, context) => {
      const resolved = await resolveLink(request, context);
      if (!resolved.ok) return respond(request, resolved.page);
      const form = await readForm(request);
      if (form === undefined || !csrfOk(request, form, resolved.link)) {
        await audit(resolved.link, 'form-refused', 'csrf');
        const grant = await (
          await deps.rateLimiter()
        ).take(
          `refused-posts:${resolved.link.enrollmentId}`,
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
      const final = isReady(link) ? undefined : finalPage(link);
      if (final !== undefined) return respond(request, final);
      return action(request, context, link, form);
    });
  }

  const resolving =
    (purposes: readonly LinkPurpose[]) =>
    (request: HttpRequest, context: InvocationContext): Promise<Resolution> =>
      resolve(request, context, purposes);

  /** Work an invocation hands off, started once its handler has the answer: see `later`. */
  const handedOff = new WeakMap<InvocationContext, (() => void)[]>();

  /**
   * Hands `step` off to run after the answer (`FollowUps`): the employee waits for nothing that is not needed to
   * answer, and the step meets neither storage nor the event loop while the answer's own calls are still under way.
   */
  function later(context: InvocationContext, what: string, step: () => Promise<void>): void {
    const steps = handedOff.get(context) ?? [];
    steps.push(() => {
      deps.followUps.start(what, step);
    });
    handedOff.set(context, steps);
  }

  function page(handler: HttpHandler): HttpHandler {
    return async (request, context) => {
      try {
        return await handler(request, context);
      } catch (error) {
        context.error(redact(`employee page failed: ${error instanceof Error ? error.message : String(error)}`));
        return respond(request, messagePage(frameFor(request, deps.config.DEFAULT_LOCALE), 'error'));
      } finally {
        const steps = handedOff.get(context) ?? [];
        handedOff.delete(context);
        // On the next turn of the event loop: the host writes the answer first, and the steps' own set-up (signing,
        // connecting) is not paid for before it.
        if (steps.length > 0) {
          setImmediate(() => {
            for (const start of steps) start();
          });
        }
      }
    };
  }

  /** The password a link may reveal and whose it is: from the ready link's snapshot, or from a ready enrollment. */
  function revealable(
    link: ReadyLink | Resolved,
  ): { readonly appPassword: RevealSnapshot['appPassword']; readonly userPrincipalName: string } | undefined {
    if (isReady(link)) return link.snapshot;
    if (link.stage !== 'ready' || link.record.appPassword === undefined) return undefined;
    return { appPassword: link.record.appPassword, userPrincipalName: link.record.userPrincipalName };
  }

  /**
   * The one reveal. The employee proves presence (the session cookie, or a code sent to the verified contact, counted
   * before it is compared), then the reveal is claimed (insert-if-absent: exactly one claim per password version) and
   * only then is the vault read. Only that read may still keep the password from the employee: everything else (the
   * audit rows, the spent code, the PasswordRevealed event) happens after the answer, retried and then let go, never a
   * reason to fail the page. The claim row is the record that counts: the orchestration reads it at the retrieval
   * deadline should the event never arrive, and records the reveal's outcome from it.
   */
  async function revealWith(
    request: HttpRequest,
    context: InvocationContext,
    link: ReadyLink | Resolved,
    form: URLSearchParams,
  ): Promise<HttpResponseInit> {
    const target = revealable(link);
    if (target === undefined) return respond(request, await renderFor(request, link));
    const { enrollmentId } = link;
    const notes: AuditNote[] = [];
    // A right code is spent (single use) after the answer, once the reveal it opened is claimed; when the vault read
    // fails, the claim is given back and the code still serves the retry.
    let spendCode = (): void => undefined;
    if (!(await hasSession(request, link))) {
      const check = await checkCode(link, 'reveal', form.get('code') ?? '');
      if (!check.ok) return refused(request, link, check);
      notes.push(['code-accepted:reveal', `attempt ${check.attempt}`]);
      spendCode = () => {
        later(context, 'spending the reveal code', async () => {
          await (await deps.oneTimeCodes()).delete(enrollmentId, 'reveal');
        });
      };
    }
    const reference = target.appPassword;
    const claims = await deps.revealClaims();
    const claim: RevealClaim = { id: randomUUID(), holder: 'employee', claimedAt: deps.now().toISOString() };
    if (!(await claims.claim(enrollmentId, reference.version, claim))) {
      spendCode();
      auditLater(context, link, [...notes, ['reveal-refused', 'already shown']]);
      if (!isReady(link)) return respond(request, messagePage(link.frame, 'alreadyShown'));
      return respond(request, takenPage(link, await claims.find(enrollmentId, reference.version)));
    }
    let password: string;
    try {
      password = await (await deps.vault()).readAppPassword(reference);
    } catch (error) {
      // The employee has not seen it: give the reveal back, so a retry can succeed.
      await deps.followUps.settle('giving the reveal back', () =>
        claims.release(enrollmentId, reference.version, claim.id),
      );
      auditLater(context, link, notes);
      throw error;
    }
    // From here on nothing may fail the page: each step below is a follow-up, its own failure its own.
    auditLater(context, link, [...notes, ['app-password-revealed', `version ${reference.version}`]]);
    spendCode();
    later(context, 'PasswordRevealed', () =>
      deps.instances(request, context).raiseEvent(enrollmentId, enrollmentEvents.passwordRevealed),
    );
    return respond(
      request,
      passwordPage({
        ...link.frame,
        password,
        userPrincipalName: target.userPrincipalName,
        mailClient: detectMailClient(request.headers.get('user-agent')),
        servers: { imap: deps.config.MAIL_IMAP_SERVER, smtp: deps.config.MAIL_SMTP_SERVER },
      }),
    );
  }

  return {
    enrollmentPage: page(async (request, context) => {
      const resolved = await resolve(request, context, ['enroll'], { session: true });
      if (!resolved.ok) return respond(request, resolved.page);
      return respond(request, await renderEnrollment(request, resolved.link));
    }),

    confirmMfa: post(resolving(['enroll']), async (request, context, link) => {
      if (!link.mfaRegistered) {
        const registered = await (await deps.directory()).hasRegisteredMfa(link.record.userPrincipalName);
        if (!registered) {
          return respond(request, await renderEnrollment(request, link, { kind: 'mfaNotYet' }));
        }
        const at = deps.now().toISOString();
        await (await deps.enrollments()).markVerified(link.enrollmentId, 'mfa', at);
        await deps.instances(request, context).raiseEvent(link.enrollmentId, enrollmentEvents.mfaRegistered);
        await audit(link, 'mfa-confirmed');
      }
      return redirect(link.home);
    }),

    sendContactCode: post(resolving(['enroll']), async (request, _context, link, form) => {
      if (link.contactVerified) return redirect(link.home);
      const channel: CodeChannel = form.get('channel') === 'sms' ? 'sms' : 'email';
      const refusal = await sendCode(link, 'contact', channel);
      if (refusal !== undefined) return refused(request, link, refusal);
      return redirect(link.home);
    }),

    verifyContactCode: post(resolving(['enroll']), async (request, context, link, form) => {
      if (link.contactVerified) return redirect(link.home);
      const check = await checkCode(link, 'contact', form.get('code') ?? '');
      if (!check.ok) return refused(request, link, check);
      // One use only: the code is spent before anything it opens.
      await (await deps.oneTimeCodes()).delete(link.enrollmentId, 'contact');
      await audit(link, 'code-accepted:contact', `attempt ${check.attempt}`);
      const now = deps.now();
      await (await deps.enrollments()).markVerified(link.enrollmentId, 'contact', now.toISOString());
      await deps.instances(request, context).raiseEvent(link.enrollmentId, enrollmentEvents.contactVerified);
      const session = newLinkToken();
      const lifetimeMs = deps.config.RETRIEVAL_VALID_FOR + 14 * 86_400_000;
      await (
        await deps.linkTokens()
      ).save(session.hash, {
        enrollmentId: link.enrollmentId,
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
      const resolved = await resolveForReveal(request, context, ['reveal']);
      if (!resolved.ok) return respond(request, resolved.page);
      return respond(request, await renderReveal(request, resolved.link));
    }),

    sendRevealCode: post(resolving(['reveal', 'enroll']), async (request, _context, link) => {
      if (link.stage !== 'ready') return respond(request, await renderFor(request, link));
      const channel: CodeChannel = link.record.contact.email === undefined ? 'sms' : 'email';
      const refusal = await sendCode(link, 'reveal', channel);
      if (refusal !== undefined) return refused(request, link, refusal);
      return redirect(link.home);
    }),

    reveal: post((request, context) => resolveForReveal(request, context, ['reveal', 'enroll']), revealWith),
  };
}
