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
