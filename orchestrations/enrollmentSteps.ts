import * as df from 'durable-functions';
import type { OrchestrationContext, Task } from 'durable-functions';
import {
  activityNames,
  defaultVaultThrottleSpreadMs,
  vaultThrottledReason,
  type ActivityResult,
  type ActivityRetryPolicy,
  type DisableInput,
  type DisableResult,
  type EnrollmentInput,
  type EnrollmentOutcome,
  type EnrollmentProgress,
  type NotifyHrInput,
  type RecordOutcomeInput,
  type SendEmailInput,
} from '../core/orchestrationContract.js';
import { addMilliseconds } from '../core/schedule.js';
import type { FinalStage } from '../core/stages.js';
import { vaultThrottleWaitMs } from '../core/vaultThrottle.js';

export type Step<T> = Generator<Task, T, unknown>;

function retryOptions(policy: ActivityRetryPolicy): df.RetryOptions {
  const options = new df.RetryOptions(policy.firstRetryIntervalMs, policy.maxNumberOfAttempts);
  options.backoffCoefficient = policy.backoffCoefficient;
  options.maxRetryIntervalInMilliseconds = policy.maxRetryIntervalMs;
  return options;
}

/**
 * The enrollment's building blocks, bound to one orchestration: its custom status, HR's callbacks, activity calls
 * with their retry policies, the mails and the ending. Each is deterministic, as the orchestrator that uses them.
 */
export interface EnrollmentSteps {
  /** Merges `next` into the custom status the status API and the pages read. */
  readonly report: (next: Partial<EnrollmentProgress>) => void;
  /** Queues the current progress as HR's next event; its id is the same in every replay and every retry. */
  readonly announce: () => void;
  /** Sends HR every queued event, in order; one whose retries run out is let go. */
  readonly flushCallbacks: () => Step<void>;
  readonly call: <T extends object>(name: string, payload: object) => Step<ActivityResult<T>>;
  /**
   * An activity that uses Key Vault. One that Key Vault throttled did nothing: the enrollment waits on a durable timer
   * for as long as Key Vault asked (spread, see core/vaultThrottle.ts) and calls it again, for as long as it takes.
   * Throttling spends no attempt of the retry policy, which stays for real failures.
   */
  readonly callVault: <T extends object>(name: string, payload: object) => Step<ActivityResult<T>>;
  readonly sendEmail: (
    kind: SendEmailInput['kind'],
    linkExpiresAt?: Date,
    recipient?: SendEmailInput['recipient'],
  ) => Step<ActivityResult>;
  /** Reports the final stage, records the outcome (freeing the employee), then tells HR. */
  readonly finish: (stage: FinalStage, reason?: string) => Step<EnrollmentOutcome>;
  /**
   * Disables the password, unless the activity finds the employee's claim on its reveal: then it was shown (its
   * PasswordRevealed event lost on the way) and stays, and the enrollment ends revealed. The claim row is the truth.
   */
  readonly disableUnlessRevealed: (reference: { secretName: string; version: string }) => Step<boolean>;
}

export function createEnrollmentSteps(
  context: OrchestrationContext,
  input: EnrollmentInput,
  invitationExpiresAt: Date,
): EnrollmentSteps {
  const { policy } = input;
  const retry = retryOptions(policy.activityRetry);
  // Only read when notifying: instances started before callbacks existed have no callbackRetry in their input.
  const callbackRetry = input.notifyHr ? retryOptions(policy.callbackRetry) : undefined;
  let progress: EnrollmentProgress = {
    stage: 'invited',
    mfaRegistered: false,
    contactVerified: false,
    invitationExpiresAt: invitationExpiresAt.toISOString(),
  };
  const report = (next: Partial<EnrollmentProgress>) => {
    progress = { ...progress, ...next };
    context.df.setCustomStatus(progress);
  };
  const callbacks: NotifyHrInput[] = [];
  let announced = 0;

  function announce(): void {
    if (callbackRetry === undefined) return;
    announced += 1;
    callbacks.push({
      ...progress,
      enrollmentId: input.enrollmentId,
      eventId: `evt_${input.enrollmentId}_${announced}`,
      occurredAt: context.df.currentUtcDateTime.toISOString(),
    });
  }

  function* flushCallbacks(): Step<void> {
    if (callbackRetry === undefined) return;
    for (let event = callbacks.shift(); event !== undefined; event = callbacks.shift()) {
      try {
        yield context.df.callActivityWithRetry(activityNames.notifyHr, callbackRetry, event);
      } catch {
        // Retries exhausted: each failed attempt is in the audit log, HR can still poll the status API, and the
        // enrollment goes on.
      }
    }
  }

  function* call<T extends object>(name: string, payload: object): Step<ActivityResult<T>> {
    try {
      return (yield context.df.callActivityWithRetry(name, retry, payload)) as ActivityResult<T>;
    } catch {
      // Retries exhausted on a transient failure: the error text stays in history; the enrollment fails cleanly.
      return { ok: false, reason: `${name}-unavailable` };
    }
  }

  function* callVault<T extends object>(name: string, payload: object): Step<ActivityResult<T>> {
    const spreadMs = policy.vaultThrottleSpreadMs ?? defaultVaultThrottleSpreadMs;
    for (let throttled = 0; ; throttled += 1) {
      const result = yield* call<T>(name, payload);
      if (result.ok || result.reason !== vaultThrottledReason) return result;
      const waitMs = vaultThrottleWaitMs(result.retryAfterMs, throttled, input.enrollmentId, spreadMs);
      yield context.df.createTimer(addMilliseconds(context.df.currentUtcDateTime, waitMs));
    }
  }

  function* sendEmail(
    kind: SendEmailInput['kind'],
    linkExpiresAt?: Date,
    recipient: SendEmailInput['recipient'] = 'invitee',
  ): Step<ActivityResult> {
    const payload: SendEmailInput = {
      enrollmentId: input.enrollmentId,
      kind,
      ...(linkExpiresAt === undefined ? {} : { linkExpiresAt: linkExpiresAt.toISOString() }),
      ...(recipient === 'invitee' ? {} : { recipient }),
    };
    return yield* call(activityNames.sendEmail, payload);
  }

  function* finish(stage: FinalStage, reason?: string): Step<EnrollmentOutcome> {
    report({ stage, ...(reason === undefined ? {} : { reason }) });
    announce();
    const payload: RecordOutcomeInput = {
      enrollmentId: input.enrollmentId,
      employeeId: input.employeeId,
      stage,
      ...(reason === undefined ? {} : { reason }),
    };
    // The outcome (which frees the employee for a new enrollment) is recorded before HR hears of it.
    yield context.df.callActivityWithRetry(activityNames.recordOutcome, retry, payload);
    yield* flushCallbacks();
    return { stage, ...(reason === undefined ? {} : { reason }) };
  }

  function* disableUnlessRevealed(reference: { secretName: string; version: string }): Step<boolean> {
    const payload: DisableInput = { enrollmentId: input.enrollmentId, ...reference };
    const disabled = (yield* callVault(activityNames.disableAppPassword, payload)) as DisableResult;
    return disabled.ok && disabled.revealed === true;
  }

  return { report, announce, flushCallbacks, call, callVault, sendEmail, finish, disableUnlessRevealed };
}
