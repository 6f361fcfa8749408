import type { Cookie, HttpRequest } from '@azure/functions';
import type { LinkTokenRecord, LinkTokenStore } from '../../../core/ports.js';
import { hashToken, isWellFormedToken, newLinkToken } from '../../../core/tokens.js';
import type { Link } from './link.js';

const sessionCookieName = 'enrollment_session';
/** A session outlives the retrieval window by two weeks: a reveal that comes late still finds it. */
const lifetimeBeyondRetrievalMs = 14 * 86_400_000;

/**
 * The session an employee gets by verifying their contact: proof of the person for the reveal, so the reveal needs
 * no second code. Its cookie holds a link token of purpose `session`; only the token's hash is stored.
 */
export interface Sessions {
  /** The request's session cookie as the hash its row is stored under, when it carries a well-formed one. */
  hashOf(request: HttpRequest): string | undefined;
  /** Whether a session row (read alongside a link) opens that link's enrollment. */
  opens(session: LinkTokenRecord | undefined, enrollmentId: string): boolean;
  /** Whether the request's session cookie opens the link's enrollment: known already when read with the link. */
  has(request: HttpRequest, link: Link): Promise<boolean>;
  /** Stores a new session for the enrollment and returns the cookie that carries it. */
  start(enrollmentId: string, now: Date): Promise<Cookie>;
}

export interface SessionDependencies {
  readonly publicBaseUrl: string;
  readonly retrievalValidForMs: number;
  readonly linkTokens: () => Promise<LinkTokenStore>;
  readonly now: () => Date;
}

export function createSessions(deps: SessionDependencies): Sessions {
  const secureCookies = !/^http:\/\/(localhost|127\.0\.0\.1)(:\d+)?$/.test(deps.publicBaseUrl);
  // The __Host- prefix makes the browser refuse the cookie unless it is Secure, for this host only and for every path:
  // no other subdomain, and no plain-http page, can set or shadow it.
  const cookieName = secureCookies ? `__Host-${sessionCookieName}` : sessionCookieName;

  function hashOf(request: HttpRequest): string | undefined {
    const cookie = request.headers
      .get('cookie')
      ?.split(';')
      .map((part) => part.trim())
      .find((part) => part.startsWith(`${cookieName}=`));
    const value = cookie?.slice(cookieName.length + 1) ?? '';
    return isWellFormedToken(value) ? hashToken(value) : undefined;
  }

  const opens = (session: LinkTokenRecord | undefined, enrollmentId: string): boolean =>
    session?.purpose === 'session' && session.enrollmentId === enrollmentId && new Date(session.expiresAt) > deps.now();

  return {
    hashOf,
    opens,
    async has(request, link) {
      if (link.session !== undefined) return link.session;
      const hash = hashOf(request);
      if (hash === undefined) return false;
      return opens(await (await deps.linkTokens()).find(hash), link.enrollmentId);
    },
    async start(enrollmentId, now) {
      const session = newLinkToken();
      const lifetimeMs = deps.retrievalValidForMs + lifetimeBeyondRetrievalMs;
      await (
        await deps.linkTokens()
      ).save(session.hash, {
        enrollmentId,
        purpose: 'session',
        expiresAt: new Date(now.getTime() + lifetimeMs).toISOString(),
      });
      return {
        name: cookieName,
        value: session.token,
        path: '/',
        httpOnly: true,
        sameSite: 'Strict',
        secure: secureCookies,
        maxAge: Math.floor(lifetimeMs / 1000),
      };
    },
  };
}
