import type { HttpRequest, InvocationContext } from '@azure/functions';
import type { Config } from '../../core/config.js';
import type { EnrollmentInstances } from '../../core/ports.js';
import type { Services } from '../composition.js';
import { createEmployeeAudit } from './employee/audit.js';
import { createFrames } from './employee/frames.js';
import { createHandOff } from './employee/handOff.js';
import { createLinkResolution } from './employee/linkResolution.js';
import { createOneTimeCodes } from './employee/oneTimeCodes.js';
import { createPageHandlers } from './employee/pageHandlers.js';
import { createRendering } from './employee/rendering.js';
import { createPageResponses } from './employee/responses.js';
import { createRevealActions } from './employee/reveal.js';
import { createSessions } from './employee/session.js';
import { createVerificationSteps } from './employee/verificationSteps.js';
import type { HttpHandler } from './http.js';

export { unmatchedLinksAudit } from './employee/linkResolution.js';

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

/**
 * The employee's pages, built from their units in `employee/`. GET only ever shows state; every change is a POST
 * carrying the page's CSRF token, refused when the browser says it came from another site. The reveal also needs
 * proof of the person: the session cookie set when they verified their contact, or a fresh code sent to that contact.
 */
export function createEmployeePageHandlers(deps: EmployeePageDependencies): EmployeePageHandlers {
  const { config } = deps;
  const responses = createPageResponses(config.PUBLIC_BASE_URL);
  const frames = createFrames(config.TIME_ZONE);
  const handOff = createHandOff(deps.followUps);
  const audit = createEmployeeAudit(deps, handOff);
  const sessions = createSessions({
    publicBaseUrl: config.PUBLIC_BASE_URL,
    retrievalValidForMs: config.RETRIEVAL_VALID_FOR,
    linkTokens: deps.linkTokens,
    now: deps.now,
  });
  const links = createLinkResolution({ ...deps, defaultLocale: config.DEFAULT_LOCALE }, { frames, sessions, handOff });
  const codes = createOneTimeCodes({ ...deps, timeZone: config.TIME_ZONE }, audit);
  const rendering = createRendering(
    { mfaSetupUrl: config.MFA_SETUP_URL, smsConfigured: deps.sms !== undefined, revealClaims: deps.revealClaims },
    { sessions, codes, responses },
  );
  const { page, post } = createPageHandlers(
    { defaultLocale: config.DEFAULT_LOCALE, rateLimiter: deps.rateLimiter },
    { responses, frames, handOff, audit },
  );
  const steps = createVerificationSteps(deps, { sessions, codes, audit, rendering, responses });
  const reveal = createRevealActions(deps, { sessions, codes, audit, handOff, rendering, responses });

  const resolving =
    (purposes: Parameters<typeof links.resolve>[2]) => (request: HttpRequest, context: InvocationContext) =>
      links.resolve(request, context, purposes);
  const resolvingForReveal =
    (purposes: Parameters<typeof links.resolveForReveal>[2]) => (request: HttpRequest, context: InvocationContext) =>
      links.resolveForReveal(request, context, purposes);

  return {
    enrollmentPage: page(async (request, context) => {
      const resolved = await links.resolve(request, context, ['enroll'], { session: true });
      if (!resolved.ok) return responses.respond(request, resolved.page);
      return responses.respond(request, await rendering.renderEnrollment(request, resolved.link));
    }),
    confirmMfa: post(resolving(['enroll']), steps.confirmMfa),
    sendContactCode: post(resolving(['enroll']), steps.sendContactCode),
    verifyContactCode: post(resolving(['enroll']), steps.verifyContactCode),
    revealPage: page(async (request, context) => {
      const resolved = await links.resolveForReveal(request, context, ['reveal']);
      if (!resolved.ok) return responses.respond(request, resolved.page);
      return responses.respond(request, await rendering.renderReveal(request, resolved.link));
    }),
    sendRevealCode: post(resolving(['reveal', 'enroll']), reveal.sendCode),
    reveal: post(resolvingForReveal(['reveal', 'enroll']), reveal.reveal),
  };
}
