import type { InvocationContext } from '@azure/functions';
import type { Config } from '../../core/config.js';
import type {
  ActivityResult,
  DisableInput,
  DisableResult,
  MintInput,
  MintResult,
  NotifyHrInput,
  RecordOutcomeInput,
  SendEmailInput,
} from '../../core/orchestrationContract.js';
import type {
  AppPasswordCredentialStore,
  AuditLog,
  Directory,
  EnrollmentStore,
  HrCallbackSender,
  LinkTokenStore,
  Mailer,
  RevealClaimStore,
  SmsSender,
  Vault,
} from '../../core/ports.js';
import { createOrchestrationAudit } from './activity/audit.js';
import { createDisableAppPassword } from './activity/disableAppPassword.js';
import { createLabelRelease } from './activity/labels.js';
import { createMintAppPassword } from './activity/mintAppPassword.js';
import { createNotifyHr } from './activity/notifyHr.js';
import { createRecordOutcome } from './activity/recordOutcome.js';
import { createSendEnrollmentEmail } from './activity/sendEnrollmentEmail.js';
import type { FollowUps } from '../followUps.js';

export { appPasswordSecretName } from './activity/mintAppPassword.js';

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
  /** Retries what must not fail an activity once its effect is out (the audit row of a sent mail). */
  readonly followUps: Pick<FollowUps, 'settle'>;
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
 * The orchestration's activities, each in its own file under `activity/`, created from the ports it uses. They throw
 * only for transient failures, so Durable's retry policy retries them, and return `{ ok: false, reason }` for what
 * retrying cannot fix. Their results go into history in plain text, so none of them returns a secret.
 */
export function createActivities(deps: ActivityDependencies): Activities {
  const audit = createOrchestrationAudit(deps);
  const releaseLabel = createLabelRelease(deps);
  return {
    sendEnrollmentEmail: createSendEnrollmentEmail(deps, audit),
    mintAppPassword: createMintAppPassword(deps, audit),
    disableAppPassword: createDisableAppPassword(deps, audit, releaseLabel),
    recordOutcome: createRecordOutcome(deps, audit, releaseLabel),
    notifyHr: createNotifyHr(deps, audit),
  };
}
