import type { HttpRequest, InvocationContext } from '@azure/functions';
import { toStatusBody } from '../../../core/enrollmentStatus.js';
import { abusePolicy, csrfTokenFor } from '../../../core/oneTimeCode.js';
import type { LinkPurpose, LinkTokenRecord, Locale } from '../../../core/ports.js';
import { hashToken, isWellFormedToken } from '../../../core/tokens.js';
import { messagePage } from '../../../pages/employeePages.js';
import { clientAddress } from '../http.js';
import type { Frames } from './frames.js';
import type { HandOff } from './handOff.js';
import type { Link, ReadyLink, Resolution, Resolved } from './link.js';
import { limited, type ShownPage } from './responses.js';
import type { Sessions } from './session.js';
import type { EmployeePageDependencies } from '../employeePages.js';

/** The audit partition for links that match no enrollment. */
export const unmatchedLinksAudit = '~unmatched-links';

/** A link's row that matched one of the purposes asked for, and whether the session opens it when that was read. */
interface Found {
  readonly token: string;
  readonly tokenHash: string;
  readonly row: LinkTokenRecord;
  readonly session?: boolean;
}

/** Whether to read the session cookie's row alongside the link's: for the pages that show or use the session. */
export interface Preload {
  readonly session: boolean;
}

export interface LinkResolution {
  /** The link with its enrollment record and the orchestration's status. */
  resolve(
    request: HttpRequest,
    context: InvocationContext,
    purposes: readonly LinkPurpose[],
    preload?: Preload,
  ): Promise<Resolution>;
  /**
   * The reveal's own resolution: a ready link carrying its snapshot is all the reveal page and the reveal need; any
   * other link (the invitation link, an older ready link) is resolved with its enrollment.
   */
  resolveForReveal(
    request: HttpRequest,
    context: InvocationContext,
    purposes: readonly LinkPurpose[],
  ): Promise<Resolution<ReadyLink | Resolved>>;
}

export type LinkResolutionDependencies = Pick<
  EmployeePageDependencies,
  'rateLimiter' | 'audit' | 'linkTokens' | 'enrollments' | 'instances' | 'now'
> & {
  readonly defaultLocale: Locale;
};

const instant = (iso: string | undefined) => {
  const date = iso === undefined ? undefined : new Date(iso);
  return date === undefined || Number.isNaN(date.getTime()) ? undefined : date;
};

export function createLinkResolution(
  deps: LinkResolutionDependencies,
  units: { readonly frames: Frames; readonly sessions: Sessions; readonly handOff: HandOff },
): LinkResolution {
  const { frames, sessions, handOff } = units;

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
    const fallback = frames.frameFor(request, deps.defaultLocale);
    const client = clientAddress(request);
    const limiter = await deps.rateLimiter();
    const grant = await limiter.take(`link-miss:${client}`, abusePolicy.linkMissesPerClient, abusePolicy.windowMs);
    if (!grant.granted) {
      return { ok: false, page: limited(messagePage(fallback, 'tooManyRequests'), grant.retryAfterMs) };
    }
    const miss = async (reason: string, status?: number) => {
      await (
        await deps.audit()
      ).append({
        enrollmentId: unmatchedLinksAudit,
        at: deps.now().toISOString(),
        action: 'link-miss',
        actor: `client ${client}`,
        detail: reason,
      });
      const page = messagePage(fallback, 'invalid');
      return { ok: false, page: status === undefined ? page : { ...page, status } } as const;
    };
    // Not a token at all (a malformed percent-escape, a wrong length): the request is bad, not the link unknown. The
    // same friendly page either way; the status only tells a well-formed link that matches nothing (404) apart.
    if (!isWellFormedToken(token)) return miss('malformed', 400);
    const tokenHash = hashToken(token);
    const sessionHash = preload.session ? sessions.hashOf(request) : undefined;
    const tokens = await deps.linkTokens();
    const [row, sessionRow] = await Promise.all([
      tokens.find(tokenHash),
      sessionHash === undefined ? undefined : tokens.find(sessionHash),
    ]);
    if (row === undefined) return miss('unknown');
    if (!purposes.includes(row.purpose)) return miss(`wrong purpose ${row.purpose}`);
    // Should the slot not go back, it counts as a miss, which errs towards limiting.
    handOff.later(context, 'giving a link-miss slot back', () => limiter.release(grant.slot));
    return {
      ok: true,
      found: {
        token,
        tokenHash,
        row,
        ...(preload.session ? { session: sessions.opens(sessionRow, row.enrollmentId) } : {}),
      },
    };
  }

  /** What every matched link shows, however much else is read: paths, frame and CSRF token in its language. */
  function linkOf(request: HttpRequest, found: Found, pageSecret: string, locale: Locale): Link {
    const { token, tokenHash, row } = found;
    const basePath = `/${row.purpose === 'reveal' ? 'r' : 'e'}/${token}`;
    const frame = frames.frameFor(request, locale, basePath);
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
      return { ok: false, page: messagePage(frames.frameFor(request, deps.defaultLocale), 'invalid') };
    }
    const link = linkOf(request, found, record.pageSecret, record.locale);
    if (new Date(found.row.expiresAt) <= deps.now()) return { ok: false, page: messagePage(link.frame, 'expired') };
    if (status === undefined) return { ok: false, page: messagePage(link.frame, 'invalid') };
    const body = toStatusBody(record.enrollmentId, status);
    const invitationExpiresAt = instant(body.invitationExpiresAt);
    const retrievalExpiresAt = instant(body.retrievalExpiresAt);
    return {
      ok: true,
      link: {
        ...link,
        record,
        stage: body.stage,
        // The record is written before the event is raised, so a page rendered right after a confirmation agrees.
        mfaRegistered: body.mfaRegistered || record.mfaConfirmedAt !== undefined,
        contactVerified: body.contactVerified || record.contactVerifiedAt !== undefined,
        ...(invitationExpiresAt === undefined ? {} : { invitationExpiresAt }),
        ...(retrievalExpiresAt === undefined ? {} : { retrievalExpiresAt }),
      },
    };
  }

  return {
    async resolve(request, context, purposes, preload = { session: false }) {
      const found = await findLink(request, context, purposes, preload);
      if (!found.ok) return found;
      return withEnrollment(request, context, found.found);
    },

    async resolveForReveal(request, context, purposes) {
      const found = await findLink(request, context, purposes, { session: true });
      if (!found.ok) return found;
      const snapshot = found.found.row.reveal;
      if (snapshot === undefined) return withEnrollment(request, context, found.found);
      const link = linkOf(request, found.found, snapshot.pageSecret, snapshot.locale);
      // A ready link lives exactly until the retrieval deadline.
      const retrievalExpiresAt = new Date(found.found.row.expiresAt);
      if (retrievalExpiresAt <= deps.now()) return { ok: false, page: messagePage(link.frame, 'expired') };
      return { ok: true, link: { ...link, snapshot, retrievalExpiresAt } };
    },
  };
}
