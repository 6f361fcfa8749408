import type { HttpRequest, InvocationContext } from '@azure/functions';
import type { Config } from '../../core/config.js';
import type {
  AppPasswordCredentialStore,
  AuditLog,
  EnrollmentInstances,
  EnrollmentStore,
  RateLimiter,
  Vault,
} from '../../core/ports.js';
import { createAppPasswordAudit } from './appPassword/audit.js';
import { createAppPasswordListing } from './appPassword/listing.js';
import { createReissueHandler } from './appPassword/reissue.js';
import { createVerifyHandler } from './appPassword/verify.js';
import { withProblemDetails, type HttpHandler } from './http.js';

export { userAuditSubject } from './appPassword/audit.js';

export interface AppPasswordApiDependencies {
  readonly config: Config;
  readonly credentials: () => Promise<AppPasswordCredentialStore>;
  readonly enrollments: () => Promise<EnrollmentStore>;
  readonly rateLimiter: () => Promise<RateLimiter>;
  readonly audit: () => Promise<AuditLog>;
  readonly vault: () => Promise<Vault>;
  readonly instances: (request: HttpRequest, context: InvocationContext) => EnrollmentInstances;
  readonly now: () => Date;
  readonly newId: () => string;
}

export interface AppPasswordApiHandlers {
  readonly verify: HttpHandler;
  readonly list: HttpHandler;
  readonly revoke: HttpHandler;
  readonly revokeAll: HttpHandler;
  readonly reissue: HttpHandler;
}

/**
 * The machine-facing side of app passwords: the relying services' verify call (`appPassword/verify.ts`), and HR's
 * list and revoke (`appPassword/listing.ts`) and re-issue (`appPassword/reissue.ts`). Every failure is a problem
 * document.
 */
export function createAppPasswordApiHandlers(deps: AppPasswordApiDependencies): AppPasswordApiHandlers {
  const audit = createAppPasswordAudit(deps);
  const listing = createAppPasswordListing(deps, audit);
  return {
    verify: withProblemDetails(createVerifyHandler(deps, audit)),
    list: withProblemDetails(listing.list),
    revoke: withProblemDetails(listing.revoke),
    revokeAll: withProblemDetails(listing.revokeAll),
    reissue: withProblemDetails(createReissueHandler(deps, audit)),
  };
}
