import type { InvocationContext } from '@azure/functions';
import { generateAppPassword } from '../../core/appPassword.js';
import { hashAppPassword } from '../../core/appPasswordHash.js';
import { labelOf } from '../../core/appPasswordLabels.js';
import type { Config } from '../../core/config.js';
import { composeMail, type MailContent } from '../../core/emails.js';
import { ensureError, isPermanentError, isThrottledError, type ThrottledError } from '../../core/errors.js';
import { hrCallbackEvent } from '../../core/hrCallbackEvent.js';
import { enrollmentLink, revealLink } from '../../core/links.js';
import type {
  ActivityFailure,
  ActivityResult,
  DisableInput,
  DisableResult,
  MintInput,
  MintResult,
  NotifyHrInput,
  RecordOutcomeInput,
  SendEmailInput,
} from '../../core/orchestrationContract.js';
import { mfaNotRegistered, vaultThrottled } from '../../core/orchestrationContract.js';
import type {
  AppPasswordCredentialStore,
  AppPasswordReference,
  AuditLog,
  Directory,
  EnrollmentRecord,
  EnrollmentStore,
  HrCallbackSender,
  LinkTokenStore,
  Mailer,
  RevealClaim,
  RevealClaimStore,
  RevealSnapshot,
  SmsSender,
  Vault,
} from '../../core/ports.js';
import { formatDateTime, messagesFor } from '../../core/i18n/index.js';
import { redact } from '../../core/redact.js';
import { newLinkToken } from '../../core/tokens.js';

export interface ActivityDependencies {
  readonly config: Pick<Config, 'PUBLIC_BASE_URL' | 'TIME_ZONE' | 'APP_PASSWORD_VALID_FOR'>;
  readonly enrollments: () => Promise<EnrollmentStore>;
  readonly linkTokens: () => Promise<LinkTokenStore>;
  readonly vault: () => Promise<Vault>;
  readonly credentials: () => Promise<AppPasswordCredentialStore>;
  /** The reveal's claim row: whether a password the orchestration is about to disable was shown after all. */
  readonly revealClaims: () => Promise<RevealClaimStore>;
  /** Asked once more just before a password is minted: an app password bypasses MFA for what it unlocks. */
  readonly directory: () => Promise<Directory>;
  readonly mailer: () => Promise<Mailer>;
  /** Undefined when no SMS provider is configured. */
  readonly sms: (() => Promise<SmsSender>) | undefined;
  readonly audit: () => Promise<AuditLog>;
  /** Undefined when the deployment has no callback signing secret. */
  readonly hrCallbacks?: (() => Promise<HrCallbackSender>) | undefined;
  readonly now: () => Date;
  /** Overridable so the distribution test and nothing else can steer the generator. */
  readonly generatePassword?: () => string;
}

export type ActivityHandler<I, O> = (input: I, context: InvocationContext) => Promise<O>;

export interface Activities {
  readonly sendEnrollmentEmail: ActivityHandler<SendEmailInput, ActivityResult>;
  readonly mintAppPassword: ActivityHandler<MintInput, MintResult>;
  readonly disableAppPassword: ActivityHandler<DisableInput, DisableResult>;
  readonly recordOutcome: ActivityHandler<RecordOutcomeInput, null>;
  readonly notifyHr: ActivityHandler<NotifyHrInput, ActivityResult>;
}

/**
 * Key Vault throttled the activity, so it did nothing: logged, as the first sign of a vault near its limits, and
 * handed back for the orchestration to wait out on a durable timer.
 */
function throttled(error: ThrottledError, context: InvocationContext): ActivityFailure {
  const asked = error.retryAfterMs === undefined ? '' : ` ${error.retryAfterMs} ms, as asked,`;
  context.warn(redact(`${error.message}; the enrollment waits${asked} and tries again`));
  return vaultThrottled(error.retryAfterMs);
}

/**
 * What the ready link's row carries for the reveal (see `RevealSnapshot`): the record as it stands once the password is
 * minted, which is when the ready mail goes out. Without a minted password there is nothing to carry.
 */
function revealSnapshotOf(record: EnrollmentRecord): RevealSnapshot | undefined {
  if (record.appPassword === undefined) return undefined;
  return {
    appPassword: record.appPassword,
    pageSecret: record.pageSecret,
    userPrincipalName: record.userPrincipalName,
    locale: record.locale,
  };
}

/** The secret name for an enrollment's app password: opaque (no UPN: names appear in vault logs), stable per enrollment. */
export const appPasswordSecretName = (enrollmentId: string) => `apppw-${enrollmentId.toLowerCase()}`;

/**
 * The orchestration's activities, thin over the ports. They throw only for transient failures, so Durable's retry
 * policy retries them, and return `{ ok: false, reason }` for what retrying cannot fix. Their results go into
 * history in plain text, so none of them returns a secret.
 */
export function createActivities(deps: ActivityDependencies): Activities {
  const audit = async (enrollmentId: string, action: string, detail?: string) => {
    await (
      await deps.audit()
    ).append({
      enrollmentId,
      at: deps.now().toISOString(),
      action,
      actor: 'orchestration',
      ...(detail ? { detail } : {}),
    });
  };

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

  /** A re-issued password's link for a verified contact that is a phone number only. */
  async function sendReadyText(record: EnrollmentRecord, link: string, until: Date): Promise<ActivityResult> {
    const phone = record.contact.phone;
    if (phone === undefined || deps.sms === undefined) {
      await audit(record.enrollmentId, 'sms-unavailable:ready');
      return { ok: false, reason: 'no-contact-channel' };
    }
    const when = formatDateTime(until, record.locale, deps.config.TIME_ZONE);
    try {
      await (await deps.sms()).send({ to: phone, text: messagesFor(record.locale).sms.ready(link, when) });
    } catch (error) {
      if (!isPermanentError(error)) throw error;
      await audit(record.enrollmentId, 'sms-rejected:ready');
      return { ok: false, reason: 'recipient-rejected' };
    }
    await audit(record.enrollmentId, 'sms-sent:ready');
    return { ok: true };
  }

  /**
   * Whether the employee took the reveal before the orchestration could: the claim row decides. The orchestration
   * takes it itself (insert-if-absent), so no reveal can start once this returns false, and one that was taken first
   * is never disabled behind the employee's back.
   */
  async function revealedFirst(input: DisableInput): Promise<boolean> {
    const claims = await deps.revealClaims();
    const ours: RevealClaim = {
      id: `orchestration:${input.enrollmentId}`,
      holder: 'orchestration',
      claimedAt: deps.now().toISOString(),
    };
    if (await claims.claim(input.enrollmentId, input.version, ours)) return false;
    const holder = (await claims.find(input.enrollmentId, input.version))?.holder;
    // Held by an earlier try of this activity (the claim is the orchestration's, whatever its time): disable.
    if (holder === 'orchestration') return false;
    if (holder === 'employee') return true;
    // Given back between the two calls (the employee's vault read failed): take it now.
    return !(await claims.claim(input.enrollmentId, input.version, ours));
  }

  /** `version V claimed at T` for the outcome of a revealed enrollment, from its claim row. */
  async function revealDetail(enrollmentId: string): Promise<string | undefined> {
    const reference = (await (await deps.enrollments()).get(enrollmentId))?.appPassword;
    if (reference === undefined) return undefined;
    const claim = await (await deps.revealClaims()).find(enrollmentId, reference.version);
    return claim === undefined ? undefined : `version ${reference.version} claimed at ${claim.claimedAt}`;
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

  /** Frees the label of an enrollment that ended without a usable password (no-op when it was never reserved). */
  async function releaseLabel(enrollmentId: string): Promise<void> {
    const record = await (await deps.enrollments()).get(enrollmentId);
    if (record === undefined) return;
    await (await deps.credentials()).remove(record.userPrincipalName, labelOf(record), enrollmentId);
  }

  return {
    async sendEnrollmentEmail(input) {
      const record = await (await deps.enrollments()).get(input.enrollmentId);
      if (record === undefined) return { ok: false, reason: 'enrollment-missing' };
      let content: MailContent;
      if (input.kind === 'expired') {
        content = { kind: 'expired' };
      } else {
        if (input.linkExpiresAt === undefined) return { ok: false, reason: 'link-expiry-missing' };
        // A new token per message: only hashes are stored, so an earlier link cannot be re-sent, only replaced.
        const { token, hash } = newLinkToken();
        const purpose = input.kind === 'ready' ? 'reveal' : 'enroll';
        const reveal = purpose === 'reveal' ? revealSnapshotOf(record) : undefined;
        await (
          await deps.linkTokens()
        ).save(hash, {
          enrollmentId: record.enrollmentId,
          purpose,
          expiresAt: input.linkExpiresAt,
          ...(reveal === undefined ? {} : { reveal }),
        });
        const link =
          purpose === 'reveal'
            ? revealLink(deps.config.PUBLIC_BASE_URL, token)
            : enrollmentLink(deps.config.PUBLIC_BASE_URL, token);
        content = { kind: input.kind, link, linkExpiresAt: new Date(input.linkExpiresAt) };
      }
      const contactByText = input.recipient === 'contact' && record.contact.email === undefined;
      if (contactByText && content.kind === 'ready') return sendReadyText(record, content.link, content.linkExpiresAt);
      const mail = composeMail(
        {
          to: input.recipient === 'contact' ? (record.contact.email ?? record.inviteEmail) : record.inviteEmail,
          displayName: record.displayName,
          locale: record.locale,
        },
        content,
        deps.config.TIME_ZONE,
      );
      try {
        await (await deps.mailer()).send(mail);
      } catch (error) {
        if (!isPermanentError(error)) throw error;
        await audit(record.enrollmentId, `mail-rejected:${input.kind}`);
        return { ok: false, reason: 'recipient-rejected' };
      }
      await audit(record.enrollmentId, `mail-sent:${input.kind}`);
      return { ok: true };
    },

    async mintAppPassword(input, context) {
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
          const now = deps.now();
          const lifetime = deps.config.APP_PASSWORD_VALID_FOR;
          password = (deps.generatePassword ?? generateAppPassword)();
          reference = await vault.storeAppPassword(
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
    },

    async disableAppPassword(input, context) {
      if (await revealedFirst(input)) {
        await audit(input.enrollmentId, 'app-password-kept', `version ${input.version} was revealed`);
        return { ok: true, revealed: true };
      }
      try {
        await (await deps.vault()).disableAppPassword({ secretName: input.secretName, version: input.version });
      } catch (error) {
        if (isThrottledError(error)) return throttled(error, context);
        if (!isPermanentError(error)) throw error;
        await audit(input.enrollmentId, 'app-password-disable-refused', error.message);
        return { ok: false, reason: 'vault-refused' };
      }
      // The hash goes with it: a disabled password must never verify.
      await releaseLabel(input.enrollmentId);
      await audit(input.enrollmentId, 'app-password-disabled', `version ${input.version}`);
      return { ok: true, revealed: false };
    },

    async recordOutcome(input) {
      // A revealed enrollment's entry says when the reveal was claimed: the page's own audit row is written after the
      // password is shown and may have been let go, this one is retried until it lands.
      const detail = input.stage === 'revealed' ? await revealDetail(input.enrollmentId) : input.reason;
      await audit(input.enrollmentId, `enrollment-${input.stage}`, detail);
      // Only a revealed password keeps its label; any other ending frees it for the next request.
      if (input.stage !== 'revealed') await releaseLabel(input.enrollmentId);
      // Frees the employee's slot so HR can start a new enrollment; only this enrollment's claim is released.
      await (await deps.enrollments()).releaseActive(input.employeeId, input.enrollmentId);
      return null;
    },

    async notifyHr(input) {
      const record = await (await deps.enrollments()).get(input.enrollmentId);
      if (record === undefined) return { ok: false, reason: 'enrollment-missing' };
      if (record.callbackUrl === undefined) return { ok: false, reason: 'no-callback-url' };
      const detail = `${input.eventId} ${input.stage}`;
      // The signing secret was removed after this enrollment started: nothing can be sent, and retrying will not help.
      if (deps.hrCallbacks === undefined) {
        await audit(record.enrollmentId, 'hr-callback-not-configured', detail);
        return { ok: false, reason: 'callbacks-not-configured' };
      }
      const body = JSON.stringify(hrCallbackEvent(record, input));
      try {
        await (await deps.hrCallbacks()).send({ url: record.callbackUrl, eventId: input.eventId, body });
      } catch (error) {
        const message = ensureError(error).message;
        if (isPermanentError(error)) {
          await audit(record.enrollmentId, 'hr-callback-refused', `${detail}: ${message}`);
          return { ok: false, reason: 'receiver-refused' };
        }
        // Every failed attempt is audited, so one that runs out of retries leaves its whole story behind.
        await audit(record.enrollmentId, 'hr-callback-failed', `${detail}: ${message}`);
        throw error;
      }
      await audit(record.enrollmentId, 'hr-callback-delivered', detail);
      return { ok: true };
    },
  };
}
