import type { InvocationContext } from '@azure/functions';
import { generateAppPassword } from '../../../core/appPassword.js';
import { hashAppPassword } from '../../../core/appPasswordHash.js';
import { labelOf } from '../../../core/appPasswordLabels.js';
import type { Config } from '../../../core/config.js';
import { isPermanentError, isThrottledError } from '../../../core/errors.js';
import { mfaNotRegistered, type MintInput, type MintResult } from '../../../core/orchestrationContract.js';
import type { AppPasswordReference, EnrollmentRecord, Vault } from '../../../core/ports.js';
import type { OrchestrationAudit } from './audit.js';
import { throttled } from './throttled.js';
import type { ActivityDependencies } from '../activities.js';

/** The secret name for an enrollment's app password: opaque (no UPN: names appear in vault logs), stable per enrollment. */
export const appPasswordSecretName = (enrollmentId: string) => `apppw-${enrollmentId.toLowerCase()}`;

export type MintDependencies = Pick<
  ActivityDependencies,
  'enrollments' | 'vault' | 'credentials' | 'directory' | 'now' | 'generatePassword'
> & {
  readonly config: Pick<Config, 'APP_PASSWORD_VALID_FOR'>;
};

/**
 * Mints the enrollment's app password into Key Vault and stores the hash the verify API checks. It returns only a
 * reference: the result goes into the orchestration's history in plain text.
 */
export function createMintAppPassword(deps: MintDependencies, audit: OrchestrationAudit) {
  /**
   * Stores the slow hash the verify API checks, once per vault version. A retried mint that found the version an
   * earlier try wrote has no value in hand; it reads it back once, which happens only on that rare path.
   */
  async function recordHash(
    record: EnrollmentRecord,
    reference: AppPasswordReference,
    password: string | undefined,
  ): Promise<void> {
    const credentials = await deps.credentials();
    const label = labelOf(record);
    const { credentials: existing } = await credentials.list(record.userPrincipalName);
    const stored = existing.find(
      (credential) =>
        credential.enrollmentId === record.enrollmentId && credential.issued?.version === reference.version,
    );
    if (stored !== undefined) return;
    const value = password ?? (await (await deps.vault()).readAppPassword(reference));
    const salt = await credentials.salt(record.userPrincipalName);
    await credentials.issue(record.userPrincipalName, label, record.enrollmentId, {
      secretName: reference.secretName,
      version: reference.version,
      issuedAt: deps.now().toISOString(),
      expiresAt: reference.expiresOn,
      hash: await hashAppPassword(value, salt),
    });
  }

  /**
   * The directory's word just before a mint. When MFA is gone (never there, or reset since the event), the employee's
   * own confirmation is cleared too, so the page opens step 1 again and the enrollment waits for MFA once more.
   */
  async function mfaStillRegistered(record: EnrollmentRecord): Promise<boolean> {
    if (await (await deps.directory()).hasRegisteredMfa(record.userPrincipalName)) return true;
    await (await deps.enrollments()).clearVerified(record.enrollmentId, 'mfa');
    await audit(record.enrollmentId, 'app-password-mint-deferred', 'the directory shows no MFA registered');
    return false;
  }

  /** A new password in the vault, with the enrollment's tags and the configured lifetime. */
  async function store(vault: Vault, secretName: string, record: EnrollmentRecord) {
    const now = deps.now();
    const lifetime = deps.config.APP_PASSWORD_VALID_FOR;
    const password = (deps.generatePassword ?? generateAppPassword)();
    const reference = await vault.storeAppPassword(
      secretName,
      password,
      {
        enrollmentId: record.enrollmentId,
        employeeId: record.employeeId,
        issuedAt: now.toISOString(),
        deviceLabel: labelOf(record),
      },
      lifetime === undefined ? undefined : new Date(now.getTime() + lifetime),
    );
    return { reference, password };
  }

  return async (input: MintInput, context: InvocationContext): Promise<MintResult> => {
    const enrollments = await deps.enrollments();
    const record = await enrollments.get(input.enrollmentId);
    if (record === undefined) return { ok: false, reason: 'enrollment-missing' };
    const vault = await deps.vault();
    const secretName = appPasswordSecretName(record.enrollmentId);
    try {
      // A retried mint (the first try wrote, then failed before returning) hands back what is already there,
      // so one enrollment never ends up with two live passwords.
      let reference = await vault.findLiveAppPassword(secretName);
      let password: string | undefined;
      if (reference === undefined) {
        if (!(await mfaStillRegistered(record))) return { ok: false, reason: mfaNotRegistered };
        ({ reference, password } = await store(vault, secretName, record));
      }
      await recordHash(record, reference, password);
      await enrollments.setAppPassword(record.enrollmentId, {
        secretName: reference.secretName,
        version: reference.version,
      });
      await audit(record.enrollmentId, 'app-password-minted', `version ${reference.version}`);
      return { ok: true, ...reference };
    } catch (error) {
      // Nothing was written, or the retry finds what was: the orchestration waits as asked and mints again.
      if (isThrottledError(error)) return throttled(error, context);
      if (!isPermanentError(error)) throw error;
      await audit(record.enrollmentId, 'app-password-mint-refused', error.message);
      return { ok: false, reason: 'vault-refused' };
    }
  };
}
