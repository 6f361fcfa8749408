import type { AppPasswordReference, MailKind } from './ports.js';
import type { FinalStage, Stage } from './stages.js';

/**
 * The contract between the HTTP functions, the orchestration and its activities: names and payload types in one
 * place so a rename cannot leave one side behind. Nothing here may ever carry a secret: every payload below ends up
 * in the task hub's history tables in plain text.
 */

export const enrollmentOrchestrationName = 'enrollment';

export const enrollmentEvents = {
  mfaRegistered: 'MfaRegistered',
  contactVerified: 'ContactVerified',
  cancelled: 'Cancelled',
  passwordRevealed: 'PasswordRevealed',
} as const;

export const activityNames = {
  sendEmail: 'sendEnrollmentEmail',
  mintAppPassword: 'mintAppPassword',
  disableAppPassword: 'disableAppPassword',
  recordOutcome: 'recordOutcome',
  notifyHr: 'notifyHr',
} as const;

/** Retry policy for activities, in the shape Durable's RetryOptions takes. */
export interface ActivityRetryPolicy {
  readonly firstRetryIntervalMs: number;
  readonly maxNumberOfAttempts: number;
  readonly backoffCoefficient: number;
  readonly maxRetryIntervalMs: number;
}

/** The timing rules an enrollment runs under, fixed when it starts (settings are read by the starter, not replayed). */
export interface EnrollmentPolicy {
  readonly invitationValidForMs: number;
  readonly reminderIntervalMs: number;
  readonly maxReminders: number;
  readonly retrievalValidForMs: number;
  readonly activityRetry: ActivityRetryPolicy;
  /** For HR callbacks: longer and more patient than activityRetry, since HR's receiver may be down for a while. */
  readonly callbackRetry: ActivityRetryPolicy;
  /**
   * After Key Vault throttles a mint or disable, the wait it asked for is spread by up to this much (see
   * core/vaultThrottle.ts). Absent in instances started before it existed, which use the default.
   */
  readonly vaultThrottleSpreadMs?: number;
}

/** The spread for instances whose input has none: one Key Vault limit window. */
export const defaultVaultThrottleSpreadMs = 10_000;

export interface EnrollmentInput {
  readonly enrollmentId: string;
  readonly employeeId: string;
  readonly policy: EnrollmentPolicy;
  /**
   * Set for another app password of a finished enrollment (POST /api/enrollments/{id}/app-passwords): the id of that
   * enrollment. No invitation and no verification; the ready link goes to the contact verified there.
   */
  readonly reissueOf?: string;
  /**
   * Whether HR asked for stage-change callbacks. The URL stays in the enrollment record; absent (falsy) in instances
   * started before callbacks existed, which therefore make no callback calls on replay.
   */
  readonly notifyHr: boolean;
}

/** The orchestration's custom status: what the status API and the employee pages show. */
export interface EnrollmentProgress {
  readonly stage: Stage;
  readonly mfaRegistered: boolean;
  readonly contactVerified: boolean;
  /** Until when the invitation link works (ISO 8601). */
  readonly invitationExpiresAt: string;
  /** Until when the password can be revealed, once it is ready. */
  readonly retrievalExpiresAt?: string;
  /** A short machine-readable reason for `failed`, `expired` or `cancelled`. */
  readonly reason?: string;
}

export interface EnrollmentOutcome {
  readonly stage: FinalStage;
  readonly reason?: string;
}

export type EmailActivityKind = Extract<MailKind, 'invitation' | 'reminder' | 'ready' | 'expired'>;

export interface SendEmailInput {
  readonly enrollmentId: string;
  readonly kind: EmailActivityKind;
  /** For kinds that carry a link: when the link stops working (ISO 8601). */
  readonly linkExpiresAt?: string;
  /**
   * Who gets it: the invitation address (the default, left out of history), or the contact the employee verified,
   * by e-mail or else by SMS (re-issued passwords: the invitation address may be a mailbox the employee no longer
   * reads, or one the new password is for).
   */
  readonly recipient?: 'invitee' | 'contact';
}

/**
 * Activities return a typed failure for what retrying cannot fix and throw for what it can, with one exception: an
 * activity that Key Vault throttled returns `vault-throttled`, so that the orchestration waits on a durable timer as
 * long as Key Vault asked rather than spending an attempt of its retry policy (docs/architecture.md).
 */
export type ActivityResult<T extends object = object> = ({ readonly ok: true } & T) | ActivityFailure;

export interface ActivityFailure {
  readonly ok: false;
  readonly reason: string;
  /** With `vault-throttled`: how long Key Vault asked to wait, when it said. */
  readonly retryAfterMs?: number;
}

export const vaultThrottledReason = 'vault-throttled';

/** The answer of an activity that Key Vault throttled: nothing was done, ask again after `retryAfterMs`. */
export function vaultThrottled(retryAfterMs: number | undefined): ActivityFailure {
  return { ok: false, reason: vaultThrottledReason, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
}

export interface MintInput {
  readonly enrollmentId: string;
}

export type MintResult = ActivityResult<AppPasswordReference>;

/**
 * The mint's reason when the directory no longer shows MFA registered: not a failure, the enrollment waits for MFA
 * again.
 */
export const mfaNotRegistered = 'mfa-not-registered';

export interface DisableInput {
  readonly enrollmentId: string;
  readonly secretName: string;
  readonly version: string;
}

/**
 * `revealed`: the employee had taken the reveal (its claim row), so the password was kept and the enrollment is
 * revealed after all. Absent in results recorded before the check existed, which replay as "disabled".
 */
export type DisableResult = ActivityResult<{ readonly revealed?: boolean }>;

/** One stage change to POST to HR: the progress as it was at that moment, with the event's identity and time. */
export interface NotifyHrInput extends EnrollmentProgress {
  readonly enrollmentId: string;
  /** The Standard Webhooks `webhook-id`: one per stage change, the same in every retry, so HR can de-duplicate. */
  readonly eventId: string;
  /** When the stage changed (orchestration time, ISO 8601), not when the callback is sent. */
  readonly occurredAt: string;
}

export interface RecordOutcomeInput {
  readonly enrollmentId: string;
  readonly employeeId: string;
  readonly stage: FinalStage;
  readonly reason?: string;
}
