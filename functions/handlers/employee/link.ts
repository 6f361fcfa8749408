import type { EnrollmentRecord, LinkPurpose, Locale, RevealSnapshot } from '../../../core/ports.js';
import type { Stage } from '../../../core/stages.js';
import type { PageFrame } from '../../../pages/employeePages.js';
import type { ShownPage } from './responses.js';

/** A link that matched, however much of its enrollment was read: what every page and form needs. */
export interface Link {
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
export interface Resolved extends Link {
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
export interface ReadyLink extends Link {
  readonly snapshot: RevealSnapshot;
  readonly retrievalExpiresAt: Date;
}

export type Resolution<L extends Link = Resolved> =
  { readonly ok: true; readonly link: L } | { readonly ok: false; readonly page: ShownPage };

export const isReady = (link: Link): link is ReadyLink => 'snapshot' in link;
