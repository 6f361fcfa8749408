import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { maskEmail, maskPhone } from '../../../core/oneTimeCode.js';
import type { RevealClaim, RevealClaimStore } from '../../../core/ports.js';
import type { Stage } from '../../../core/stages.js';
import {
  enrollmentPage,
  messagePage,
  revealLandingPage,
  type MessageKind,
  type Notice,
  type RenderedPage,
} from '../../../pages/employeePages.js';
import { isReady, type ReadyLink, type Resolved } from './link.js';
import type { OneTimeCodes, Refusal } from './oneTimeCodes.js';
import type { PageResponses } from './responses.js';
import type { Sessions } from './session.js';

const finalKinds: Partial<Record<Stage, MessageKind>> = {
  revealed: 'alreadyShown',
  expired: 'expired',
  cancelled: 'cancelled',
  failed: 'failed',
};

/** The message an enrollment that has ended shows instead of its form; undefined while it runs. */
export function finalPage(link: Resolved): RenderedPage | undefined {
  const kind = finalKinds[link.stage];
  return kind === undefined ? undefined : messagePage(link.frame, kind);
}

/**
 * What a ready link shows once its reveal is taken: already shown when the employee took it, cancelled when the
 * orchestration did (an expired link never gets this far).
 */
export function takenPage(link: ReadyLink, claim: RevealClaim | undefined): RenderedPage {
  return messagePage(link.frame, claim?.holder === 'orchestration' ? 'cancelled' : 'alreadyShown');
}

/** The pages a link shows, from what was resolved with it and what is waiting for the employee. */
export interface Rendering {
  renderEnrollment(request: HttpRequest, link: Resolved, notice?: Notice, status?: number): Promise<RenderedPage>;
  /** The reveal landing page: the ready link's stage comes from its claim row, anything else's from its status. */
  renderReveal(
    request: HttpRequest,
    link: ReadyLink | Resolved,
    notice?: Notice,
    status?: number,
  ): Promise<RenderedPage>;
  /** The page the link itself shows: the reveal landing for a reveal link, else the enrollment page. */
  renderFor(request: HttpRequest, link: ReadyLink | Resolved, notice?: Notice, status?: number): Promise<RenderedPage>;
  /** The page for a refused code or send: the form with its notice, and `Retry-After` on a 429. */
  refused(request: HttpRequest, link: ReadyLink | Resolved, refusal: Refusal): Promise<HttpResponseInit>;
}

export interface RenderingDependencies {
  readonly mfaSetupUrl: string;
  /** Whether an SMS provider is configured: only then is a phone offered as a channel. */
  readonly smsConfigured: boolean;
  readonly revealClaims: () => Promise<RevealClaimStore>;
}

export function createRendering(
  deps: RenderingDependencies,
  units: { readonly sessions: Sessions; readonly codes: OneTimeCodes; readonly responses: PageResponses },
): Rendering {
  const { sessions, codes, responses } = units;

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
      codes.isSent(link, link.stage === 'ready' ? 'reveal' : 'contact'),
      sessions.has(request, link),
    ]);
    const page = enrollmentPage({
      ...link.frame,
      basePath: link.basePath,
      displayName: link.record.displayName,
      stage: link.stage,
      mfaRegistered: link.mfaRegistered,
      contactVerified: link.contactVerified,
      mfaSetupUrl: deps.mfaSetupUrl,
      csrf: link.csrf,
      channels: {
        ...(contact.email === undefined ? {} : { email: maskEmail(contact.email) }),
        ...(contact.phone === undefined || !deps.smsConfigured ? {} : { sms: maskPhone(contact.phone) }),
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
      sessions.has(request, link),
      codes.isSent(link, 'reveal'),
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

  return {
    renderEnrollment,
    renderReveal,
    renderFor,
    async refused(request, link, refusal) {
      const shown = await renderFor(request, link, refusal.notice, refusal.status);
      const retryAfterMs = shown.status === 429 ? refusal.retryAfterMs : undefined;
      return responses.respond(request, retryAfterMs === undefined ? shown : { ...shown, retryAfterMs });
    },
  };
}
