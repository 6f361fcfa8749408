import type { Action } from './actions.js';
import { azureStorageProvider } from './azureStorageProvider.js';
import { EventType, type HistoryEvent, type RetryPolicy } from './history.js';

/*
 * What the extension and DTFx schedule on their own, without a new action from the orchestrator: the timers and new
 * attempts of an activity called with retry (DTFx `RetryInterceptor`), and the steps of a long timer (the extension's
 * `DurableOrchestrationContext.CreateTimer`). durable-functions mirrors each of them with a sequence number of its own
 * (`RetryableTask`, `LongTimerTask`), so they must be created in the same order the library numbers them.
 */

export interface TimerFields {
  readonly fireAt: string;
  readonly actionIndex?: number;
  readonly retryForEventId?: number;
  readonly attempt?: number;
  readonly finalFireAt?: string;
}

export interface ActivityFields {
  readonly name: string;
  readonly input: string;
  readonly actionIndex: number;
  readonly attempt: number;
  readonly retryOptions?: RetryPolicy;
}

export type FollowUp =
  | { readonly kind: 'timer'; readonly fields: TimerFields }
  | { readonly kind: 'activity'; readonly fields: ActivityFields };

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The timer a new CreateTimer action becomes. Further away than `maximumShortTimerDuration` it is a long timer, whose
 * first step ends one `longRunningTimerIntervalDuration` from now; each step remembers the whole timer's fireAt.
 */
export function timerFor(fireAt: string, actionIndex: number, now: Date): TimerFields {
  const { maximumShortTimerMs, longRunningTimerIntervalMs } = azureStorageProvider;
  if (Date.parse(fireAt) - now.getTime() <= maximumShortTimerMs) return { fireAt, actionIndex };
  return { fireAt: iso(now.getTime() + longRunningTimerIntervalMs), actionIndex, finalFireAt: fireAt };
}

/**
 * What DTFx and the extension schedule when `event` is delivered, before the orchestrator resumes. `history` is
 * everything before the event; `leaves` the orchestrator's actions as this episode ends (a long timer it cancelled
 * gets no further step).
 */
export function followUpOf(
  event: HistoryEvent,
  history: readonly HistoryEvent[],
  leaves: readonly Action[],
  now: Date,
): FollowUp | undefined {
  if (event.EventType === EventType.TaskFailed) return retryTimer(event, history, now);
  if (event.EventType !== EventType.TimerFired) return undefined;
  const timer = history.find((e) => e.EventType === EventType.TimerCreated && e.EventId === event.TimerId);
  if (timer === undefined) return undefined;
  if (timer.RetryForEventId !== undefined) return nextAttempt(timer, history);
  if (timer.FinalFireAt !== undefined) return nextStep(timer, leaves, now);
  return undefined;
}

/**
 * `RetryInterceptor.Invoke`: after a failed attempt, a timer for the next one (first interval × backoff^n, capped at
 * the maximum interval, 6 days unless set). After the last attempt a timer that fires at once ("Dummy timer for back-compat", since
 * DTFx commit 657586bc), after which the library gives up.
 */
function retryTimer(failed: HistoryEvent, history: readonly HistoryEvent[], now: Date): FollowUp | undefined {
  const scheduled = history.find(
    (e) => e.EventType === EventType.TaskScheduled && e.EventId === failed.TaskScheduledId,
  );
  const policy = scheduled?.RetryOptions;
  if (scheduled === undefined || policy === undefined) return undefined;
  const attempt = scheduled.Attempt ?? 1;
  const last = attempt >= policy.maxNumberOfAttempts;
  const delay = last
    ? azureStorageProvider.retryTimerAfterLastAttemptMs
    : Math.min(
        policy.firstRetryIntervalInMilliseconds * (policy.backoffCoefficient ?? 1) ** (attempt - 1),
        policy.maxRetryIntervalInMilliseconds ?? azureStorageProvider.defaultMaxRetryIntervalMs,
      );
  return {
    kind: 'timer',
    fields: { fireAt: iso(now.getTime() + delay), retryForEventId: scheduled.EventId, attempt },
  };
}

/** `RetryInterceptor.Invoke`: a fired retry timer starts the next attempt, while attempts remain. */
function nextAttempt(timer: HistoryEvent, history: readonly HistoryEvent[]): FollowUp | undefined {
  const failed = history.find((e) => e.EventType === EventType.TaskScheduled && e.EventId === timer.RetryForEventId);
  const policy = failed?.RetryOptions;
  const attempt = (timer.Attempt ?? 1) + 1;
  if (failed === undefined || policy === undefined || attempt > policy.maxNumberOfAttempts) return undefined;
  return {
    kind: 'activity',
    fields: {
      name: failed.Name ?? '',
      input: failed.Input ?? 'null',
      actionIndex: failed.ActionIndex ?? -1,
      attempt,
      retryOptions: policy,
    },
  };
}

/**
 * `DurableOrchestrationContext.CreateTimer`'s loop: when a step fires before the whole timer is due, the next step
 * ends one interval from now, or at the timer's fireAt when less than an interval remains. A cancelled long timer
 * schedules no further step: its cancellation token ends the loop.
 */
function nextStep(timer: HistoryEvent, leaves: readonly Action[], now: Date): FollowUp | undefined {
  const finalFireAt = timer.FinalFireAt ?? '';
  const actionIndex = timer.ActionIndex ?? -1;
  if (leaves[actionIndex]?.isCanceled === true) return undefined;
  const remaining = Date.parse(finalFireAt) - now.getTime();
  if (remaining <= 0) return undefined;
  const step = Math.min(remaining, azureStorageProvider.longRunningTimerIntervalMs);
  return {
    kind: 'timer',
    fields: {
      fireAt: step === remaining ? finalFireAt : iso(now.getTime() + step),
      actionIndex,
      finalFireAt,
    },
  };
}
