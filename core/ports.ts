import type { UserHashSalt } from './appPasswordHash.js';

/**
 * The ports: the only I/O the domain asks for. Adapters in `adapters/` implement them with the real SDKs; tests and
 * the local runtime swap in real local components behind the same shapes. Transient failures are thrown as
 * `TransientError`, failures that retrying cannot fix as `PermanentError` (see core/errors.ts).
 */

/** What the orchestration may know about a minted app password: a reference, never the value. */
export interface AppPasswordReference {
  readonly secretName: string;
  readonly version: string;
  /** ISO 8601 instant, or null when the password does not expire. */
  readonly expiresOn: string | null;
}

/** Metadata stored with the secret so ops can tell whose it is without reading it. No UPN: tags are visible. */
export interface AppPasswordTags {
  readonly enrollmentId: string;
  readonly employeeId: string;
  readonly deviceLabel?: string;
  readonly issuedAt: string;
}

export interface Vault {
  /** Writes a new secret version holding `value`; exactly one vault write. */
  storeAppPassword(
    secretName: string,
    value: string,
    tags: AppPasswordTags,
    expiresOn: Date | undefined,
  ): Promise<AppPasswordReference>;
  /** The newest enabled version of `secretName`, if any: lets a retried mint return what an earlier try wrote. */
  findLiveAppPassword(secretName: string): Promise<AppPasswordReference | undefined>;
  /** Reads the value of one version. Throws PermanentError when it is disabled or missing. */
  readAppPassword(reference: Pick<AppPasswordReference, 'secretName' | 'version'>): Promise<string>;
  /** Disables one version so it can no longer be read; disabling a disabled or missing version is not an error. */
  disableAppPassword(reference: Pick<AppPasswordReference, 'secretName' | 'version'>): Promise<void>;
}

export type MailKind = 'invitation' | 'reminder' | 'contact-code' | 'ready' | 'expired';

export interface OutgoingMail {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  /** Used as the provider's category so delivery stats can be split by kind; never personal data. */
  readonly kind: MailKind;
}

export interface Mailer {
  /** Sends one message. Throws PermanentError when the provider rejects it (bad recipient), TransientError otherwise. */
  send(mail: OutgoingMail): Promise<void>;
}

export interface Directory {
  /** Whether the user has any authentication method besides a password registered. */
  hasRegisteredMfa(userPrincipalName: string): Promise<boolean>;
}

export type Locale = 'da' | 'en';

/** What HR asked for, as stored for the activities and pages. Personal data: lives in Table Storage, not in history. */
export interface EnrollmentRecord {
  readonly enrollmentId: string;
  readonly employeeId: string;
  readonly userPrincipalName: string;
  readonly displayName: string;
  readonly inviteEmail: string;
  readonly contact: { readonly email?: string; readonly phone?: string };
  readonly locale: Locale;
  readonly deviceLabel?: string;
  /**
   * Where HR wants the signed stage-change events. Kept here, never in the orchestration's input: it is HR's
   * address, and the input only says whether to notify.
   */
  readonly callbackUrl?: string;
  /** SHA-256 of the canonical request body: the idempotency key's fingerprint. */
  readonly requestFingerprint: string;
  readonly createdAt: string;
  /**
   * Random per-enrollment key for the employee pages' CSRF tokens and one-time code hashes. It is not a credential
   * on its own: a reveal also needs the session cookie or a fresh code.
   */
  readonly pageSecret: string;
  /** When the employee confirmed MFA / verified the contact on the pages (the pages' own record of it). */
  readonly mfaConfirmedAt?: string;
  readonly contactVerifiedAt?: string;
  /** Set by the mint activity so the reveal can read the vault without going through history. */
  readonly appPassword?: { readonly secretName: string; readonly version: string };
}

export type ClaimActiveResult =
  { readonly outcome: 'claimed' } | { readonly outcome: 'exists'; readonly active: ActiveEnrollment };

/** The employee's one active enrollment: the row that makes starts idempotent and race-free. */
export interface ActiveEnrollment {
  readonly enrollmentId: string;
  readonly requestFingerprint: string;
  readonly etag: string;
  readonly claimedAt?: string | undefined;
}

export interface EnrollmentListQuery {
  /** Only this employee's enrollments. */
  readonly employeeId?: string;
  /** At most this many records on the page. */
  readonly maxPageSize: number;
  /** Where the previous page stopped: a token this store issued. */
  readonly continuationToken?: string;
}

export interface EnrollmentRecordPage {
  readonly records: readonly EnrollmentRecord[];
  /**
   * Present when more records may follow; opaque (base64url). A page may be short, even empty, and still carry one:
   * Table Storage stops a query at partition boundaries and time limits, not only at the page size.
   */
  readonly continuationToken?: string;
}

export interface EnrollmentStore {
  /** Atomically claims the employee's active slot (insert-if-absent); a racing second claim sees `exists`. */
  claimActive(employeeId: string, enrollmentId: string, requestFingerprint: string): Promise<ClaimActiveResult>;
  /** Frees the slot, but only if it still belongs to `enrollmentId` (so a late release never frees a newer one). */
  releaseActive(employeeId: string, enrollmentId: string): Promise<void>;
  /** Frees a slot seen earlier, only if unchanged since (ETag): used to reclaim the slot of a finished enrollment. */
  releaseActiveIfUnchanged(employeeId: string, active: ActiveEnrollment): Promise<boolean>;
  save(record: EnrollmentRecord): Promise<void>;
  get(enrollmentId: string): Promise<EnrollmentRecord | undefined>;
  setAppPassword(enrollmentId: string, reference: { secretName: string; version: string }): Promise<void>;
  markVerified(enrollmentId: string, fact: 'mfa' | 'contact', at: string): Promise<void>;
  /** Forgets a confirmation: MFA the directory no longer shows when the password is about to be minted. */
  clearVerified(enrollmentId: string, fact: 'mfa' | 'contact'): Promise<void>;
  delete(enrollmentId: string): Promise<void>;
  /**
   * One page of enrollment records, ordered by enrollment id. Throws `InvalidContinuationTokenError` for a token this
   * store did not issue.
   */
  list(query: EnrollmentListQuery): Promise<EnrollmentRecordPage>;
}

/** enroll: the invitation link; reveal: the ready link; session: the employee's session cookie after verifying. */
export type LinkPurpose = 'enroll' | 'reveal' | 'session';

export interface LinkTokenRecord {
  readonly enrollmentId: string;
  readonly purpose: LinkPurpose;
  readonly expiresAt: string;
  /**
   * On a ready link (purpose `reveal`): what the reveal needs of its enrollment, copied when the ready mail is sent,
   * so that the reveal reads neither the record nor the orchestration's status. Absent on older ready links, which
   * are resolved through the record as every other link is.
   */
  readonly reveal?: RevealSnapshot;
}

/**
 * The enrollment as a reveal needs it, taken when its password was ready: the password's reference (never its
 * value), the page secret that signs the page's CSRF token and code hashes, and what the pages show. None of these
 * changes once the password is minted; whether it can still be revealed is the claim row's to say.
 */
export interface RevealSnapshot {
  readonly appPassword: { readonly secretName: string; readonly version: string };
  readonly pageSecret: string;
  readonly userPrincipalName: string;
  readonly locale: Locale;
}

export interface LinkTokenStore {
  /** Stores a token by its SHA-256 hash; the raw token is never stored. */
  save(tokenHash: string, record: LinkTokenRecord): Promise<void>;
  find(tokenHash: string): Promise<LinkTokenRecord | undefined>;
}

export type CodeChannel = 'email' | 'sms';

export interface OneTimeCodeRecord {
  readonly codeHash: string;
  readonly channel: CodeChannel;
  readonly expiresAt: string;
  readonly attempts: number;
  /** Sends in the current resend window and when that window started: the resend limit. */
  readonly sendsInWindow: number;
  readonly windowStartedAt: string;
  readonly etag: string;
}

export interface OneTimeCodeStore {
  get(enrollmentId: string, purpose: string): Promise<OneTimeCodeRecord | undefined>;
  /** Writes the record if the stored one still has `etag` (or none exists when `etag` is undefined); false on a lost race. */
  put(
    enrollmentId: string,
    purpose: string,
    record: Omit<OneTimeCodeRecord, 'etag'>,
    etag: string | undefined,
  ): Promise<boolean>;
  delete(enrollmentId: string, purpose: string): Promise<void>;
}

/**
 * Who took the one reveal of a password version: the employee (it was shown, or was being read to be shown), or the
 * orchestration at the retrieval deadline or a cancel (it is being disabled, and can no longer be shown).
 */
export type RevealClaimHolder = 'employee' | 'orchestration';

export interface RevealClaim {
  /** Random per attempt, so an attempt that lost its answer can tell its own claim from a rival's. */
  readonly id: string;
  readonly holder: RevealClaimHolder;
  readonly claimedAt: string;
}

export interface RevealClaimStore {
  /**
   * The one-reveal guarantee: true for exactly one claim per enrollment and password version, ever. An insert whose
   * outcome is unknown (a timeout, a retry that met its own first try) is settled by reading the row back.
   */
  claim(enrollmentId: string, version: string, claim: RevealClaim): Promise<boolean>;
  /** The claim on the version, if it has been taken. */
  find(enrollmentId: string, version: string): Promise<RevealClaim | undefined>;
  /**
   * Gives the reveal back, only if the stored claim is `claimId`: used when the vault read after a successful claim
   * failed, so the employee never saw the password and may try again.
   */
  release(enrollmentId: string, version: string, claimId: string): Promise<void>;
}

export interface AuditEntry {
  readonly enrollmentId: string;
  readonly at: string;
  readonly action: string;
  readonly actor: string;
  /** Free-form, non-secret detail (a stage, a reason code). Never a token, code or password. */
  readonly detail?: string;
}

export interface AuditLog {
  /** Appends; entries are never updated or deleted. */
  append(entry: AuditEntry): Promise<void>;
  /** Appends entries of one enrollment together, in one round trip: all of them or none. */
  appendAll(entries: readonly AuditEntry[]): Promise<void>;
  list(enrollmentId: string): Promise<AuditEntry[]>;
}

/** What the HTTP functions need from the Durable task hub about one enrollment. */
export interface InstanceStatus {
  readonly runtimeStatus: 'Pending' | 'Running' | 'Completed' | 'Failed' | 'Terminated' | 'Suspended' | 'Unknown';
  readonly customStatus: unknown;
  readonly input: unknown;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface EnrollmentInstances {
  start(instanceId: string, input: unknown): Promise<void>;
  /** Undefined when the task hub has no such instance. */
  status(instanceId: string): Promise<InstanceStatus | undefined>;
  raiseEvent(instanceId: string, eventName: string, data?: unknown): Promise<void>;
}

export interface OutgoingSms {
  /** E.164. */
  readonly to: string;
  readonly text: string;
}

export interface SmsSender {
  /** Sends one text message. PermanentError when the provider refuses it (bad number), TransientError otherwise. */
  send(sms: OutgoingSms): Promise<void>;
}

/**
 * One attempt's place under a limit, held from before the attempt is evaluated: kept when the attempt counts (a wrong
 * guess), given back when it does not (the right password).
 */
export interface AttemptSlot {
  readonly key: string;
  /** Which of the window's slots it is; opaque to callers. */
  readonly id: string;
}

export type SlotGrant =
  | { readonly granted: true; readonly slot: AttemptSlot }
  | {
      readonly granted: false;
      /** When a new window opens: what `Retry-After` says. */
      readonly retryAfterMs: number;
    };

/**
 * Attempt limits shared by every instance of the app, in fixed windows. A caller takes a slot *before* it compares
 * anything, so however many requests race, no more than `limit` attempts per key and window are ever evaluated.
 */
export interface RateLimiter {
  /**
   * Takes one of the `limit` slots of `key`'s current window. Refused when all are taken, and also when racing takers
   * kept it from every free one within its bounded tries: contention is answered as limited, never as an error.
   */
  take(key: string, limit: number, windowMs: number): Promise<SlotGrant>;
  /** Gives a slot back, for an attempt that turned out not to count. Releasing a released slot does nothing. */
  release(slot: AttemptSlot): Promise<void>;
}

/**
 * One of a user's app passwords as the verify API and HR see it: the label and dates, a reference to the vault
 * version, and the salted slow hash (core/appPasswordHash.ts). Never the value.
 */
export interface AppPasswordCredential {
  /** As HR spelled it; unique per user ignoring case. */
  readonly label: string;
  readonly enrollmentId: string;
  /** Fingerprint of the request that reserved the label, so a repeated request is recognised as the same one. */
  readonly requestFingerprint: string;
  readonly reservedAt: string;
  /** Set once the password is minted; until then the label is only reserved and nothing verifies. */
  readonly issued?: IssuedAppPassword;
}

export interface IssuedAppPassword {
  readonly secretName: string;
  readonly version: string;
  readonly issuedAt: string;
  /** ISO 8601, or null when the password does not expire. */
  readonly expiresAt: string | null;
  /** base64 scrypt output under the user's salt. */
  readonly hash: string;
}

export interface UserAppPasswords {
  /** Undefined until the user's first password is hashed. */
  readonly salt: UserHashSalt | undefined;
  readonly credentials: readonly AppPasswordCredential[];
}

export type ReserveLabelResult =
  | { readonly outcome: 'reserved' }
  | { readonly outcome: 'taken'; readonly credential: AppPasswordCredential }
  | { readonly outcome: 'limit-reached' };

export interface AppPasswordCredentialStore {
  /** All of one user's labels and the user's salt, in one partition read (the verify API's only storage read). */
  list(userPrincipalName: string): Promise<UserAppPasswords>;
  /** Reserves `label` (insert-if-absent, case-insensitive) unless the user already has `maxPerUser` labels. */
  reserve(
    userPrincipalName: string,
    credential: Omit<AppPasswordCredential, 'issued'>,
    maxPerUser: number,
  ): Promise<ReserveLabelResult>;
  /** The user's salt, created on first use; concurrent first uses agree on one. */
  salt(userPrincipalName: string): Promise<UserHashSalt>;
  /** Records the minted password on the label reserved by `enrollmentId` (creating it when it was never reserved). */
  issue(userPrincipalName: string, label: string, enrollmentId: string, issued: IssuedAppPassword): Promise<void>;
  /** Deletes the label; with `enrollmentId`, only while it still belongs to that enrollment. False when nothing went. */
  remove(userPrincipalName: string, label: string, enrollmentId?: string): Promise<boolean>;
}

/** One HR callback, ready to send: `body` is the exact JSON text to sign and POST. */
export interface HrCallback {
  readonly url: string;
  /** The Standard Webhooks `webhook-id`: the same for every attempt at one event, so HR can de-duplicate. */
  readonly eventId: string;
  readonly body: string;
}

export interface HrCallbackSender {
  /**
   * Signs and POSTs one callback. A 2xx answer means delivered. Throws TransientError when a retry may help (408,
   * 429, 5xx, timeout, network) and PermanentError when the receiver refused it (any other status, a redirect).
   */
  send(callback: HrCallback): Promise<void>;
}
