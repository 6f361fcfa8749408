import type { InvocationContext as InvocationContextType } from '@azure/functions';
import { InvocationContext } from '../azureFunctions.js';
import { EventType, historyEvents, isSchedulingEvent, type HistoryEvent, type RetryPolicy } from './history.js';

/** durable-functions' ActionType numbers (lib/src/actions/ActionType.js). */
const ActionType = {
  CallActivity: 0,
  CallActivityWithRetry: 1,
  CreateTimer: 5,
  WaitForExternalEvent: 6,
  WhenAny: 11,
  WhenAll: 12,
} as const;

interface Action {
  readonly actionType: number;
  readonly functionName?: string;
  readonly input?: unknown;
  readonly retryOptions?: RetryPolicy;
  readonly fireAt?: string | Date;
  readonly isCanceled?: boolean;
  readonly compoundActions?: readonly Action[];
}

interface OrchestratorState {
  readonly isDone: boolean;
  readonly actions: readonly (readonly Action[])[];
  readonly output?: unknown;
  readonly error?: string;
  readonly customStatus?: unknown;
}

export type OrchestratorHandler = (trigger: unknown, context: InvocationContextType) => unknown;

export interface ActivityWork {
  readonly taskScheduledId: number;
  readonly name: string;
  /** JSON text of the activity input, as stored in history. */
  readonly input: string;
}

export interface TimerWork {
  readonly timerId: number;
  readonly fireAt: string;
}

export interface EpisodeOutcome {
  /** The whole history after this episode, ready to be stored. */
  readonly history: HistoryEvent[];
  readonly runtimeStatus: 'Running' | 'Completed' | 'Failed';
  readonly customStatus: unknown;
  readonly output: unknown;
  readonly activities: ActivityWork[];
  readonly timers: TimerWork[];
  readonly cancelledTimerIds: number[];
}

export interface EpisodeInput {
  readonly handler: OrchestratorHandler;
  readonly functionName: string;
  readonly instanceId: string;
  readonly input: unknown;
  readonly history: readonly HistoryEvent[];
  /** The one new event this episode delivers (ExecutionStarted for a new instance). */
  readonly newEvent: HistoryEvent;
  readonly now: Date;
}

/**
 * Runs one orchestrator episode the way the Durable extension does for out-of-process workers: send the history to
 * durable-functions' own replay executor, then turn the returned actions into new history and work.
 *
 * Sequence numbers: the library numbers activities and timers in the order it creates them, and matches completions
 * by that number; the extension assigns the same numbers on its side. Here every new leaf action gets the next
 * number, and retries follow DTFx's RetryInterceptor: a failed attempt is followed by a retry timer (also after the
 * last attempt, which is when the library gives up) and, if attempts remain, a new TaskScheduled. One new event per
 * episode keeps this numbering exact.
 */
export async function runEpisode(episode: EpisodeInput): Promise<EpisodeOutcome> {
  const { now } = episode;
  const history: HistoryEvent[] = [...episode.history, historyEvents.orchestratorStarted(now), episode.newEvent];
  let nextId = episode.history.filter(isSchedulingEvent).length;
  const knownLeaves = 1 + Math.max(-1, ...episode.history.map((event) => event.ActionIndex ?? -1));
  const added: HistoryEvent[] = [];
  const activities: ActivityWork[] = [];
  const timers: TimerWork[] = [];
  const cancelledTimerIds: number[] = [];

  // The retry bookkeeping the library expects before any new action of this episode (see above).
  const retry = retryFollowUp(episode.history, episode.newEvent, now);
  if (retry?.kind === 'timer') {
    const id = nextId++;
    added.push(historyEvents.timerCreated(now, id, retry.fields));
    timers.push({ timerId: id, fireAt: retry.fields.fireAt });
  } else if (retry?.kind === 'reschedule') {
    const id = nextId++;
    added.push(historyEvents.taskScheduled(now, id, retry.fields));
    activities.push({ taskScheduledId: id, name: retry.fields.name, input: retry.fields.input });
  }

  const state = await invoke(episode, history);
  const leaves = state.actions.flatMap((group) => group.flatMap(flattenLeaves));
  const failure = state.error ?? checkDeterminism(leaves, episode.history, knownLeaves);

  if (failure === undefined) {
    leaves.forEach((leaf, index) => {
      if (index < knownLeaves) {
        if (leaf.actionType === ActionType.CreateTimer && leaf.isCanceled === true) {
          const created = episode.history.find(
            (e) => e.EventType === EventType.TimerCreated && e.ActionIndex === index,
          );
          if (created !== undefined) cancelledTimerIds.push(created.EventId);
        }
        return;
      }
      const id = nextId++;
      if (leaf.actionType === ActionType.CreateTimer) {
        const fireAt = new Date(leaf.fireAt ?? now).toISOString();
        added.push(historyEvents.timerCreated(now, id, { fireAt, actionIndex: index }));
        if (leaf.isCanceled !== true) timers.push({ timerId: id, fireAt });
        return;
      }
      const input = JSON.stringify(leaf.input ?? null);
      const name = leaf.functionName ?? '';
      added.push(
        historyEvents.taskScheduled(now, id, {
          name,
          input,
          actionIndex: index,
          attempt: 1,
          ...(leaf.retryOptions === undefined ? {} : { retryOptions: pickRetry(leaf.retryOptions) }),
        }),
      );
      activities.push({ taskScheduledId: id, name, input });
    });
  }

  history.push(...added, historyEvents.orchestratorCompleted(now));
  if (failure !== undefined) {
    history.push(historyEvents.executionFailed(now, failure));
    return {
      history,
      runtimeStatus: 'Failed',
      customStatus: state.customStatus ?? null,
      output: failure,
      activities: [],
      timers: [],
      cancelledTimerIds: [],
    };
  }
  if (state.isDone) {
    history.push(historyEvents.executionCompleted(now, state.output));
    return {
      history,
      runtimeStatus: 'Completed',
      customStatus: state.customStatus ?? null,
      output: state.output ?? null,
      activities: [],
      timers: [],
      cancelledTimerIds: [],
    };
  }
  return {
    history,
    runtimeStatus: 'Running',
    customStatus: state.customStatus ?? null,
    output: null,
    activities,
    timers,
    cancelledTimerIds,
  };
}

const outOfProcLabel = '$OutOfProcData$:';

async function invoke(episode: EpisodeInput, history: readonly HistoryEvent[]): Promise<OrchestratorState> {
  const trigger = {
    // The library converts Timestamps to Dates in place: always hand it a copy.
    history: structuredClone(history),
    input: episode.input,
    instanceId: episode.instanceId,
    isReplaying: false,
    // What extension 2.x sends (schema V3); see devhost/README.md.
    upperSchemaVersion: 1,
    upperSchemaVersionNew: 2,
    longRunningTimerIntervalDuration: '3.00:00:00',
    // Large on purpose: the runtime fires each timer once at its final time instead of splitting long timers.
    maximumShortTimerDuration: '36500.00:00:00',
    defaultHttpAsyncRequestSleepTimeMillseconds: 30_000,
  };
  const context = new InvocationContext({
    functionName: episode.functionName,
    invocationId: crypto.randomUUID(),
    options: { trigger: { type: 'orchestrationTrigger', name: 'context' }, extraInputs: [], extraOutputs: [] },
  });
  try {
    return (await episode.handler(trigger, context)) as OrchestratorState;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const at = message.indexOf(outOfProcLabel);
    if (at >= 0) {
      const state = JSON.parse(message.slice(at + outOfProcLabel.length)) as OrchestratorState;
      return { ...state, error: state.error ?? message.slice(0, at).trim() };
    }
    return { isDone: false, actions: [], error: `Orchestrator function '${episode.functionName}' failed: ${message}` };
  }
}

function flattenLeaves(action: Action): Action[] {
  if (action.actionType === ActionType.WaitForExternalEvent) return [];
  if (action.actionType === ActionType.WhenAny || action.actionType === ActionType.WhenAll) {
    return (action.compoundActions ?? []).flatMap(flattenLeaves);
  }
  if (
    action.actionType === ActionType.CallActivity ||
    action.actionType === ActionType.CallActivityWithRetry ||
    action.actionType === ActionType.CreateTimer
  ) {
    return [action];
  }
  throw new Error(`The local runtime does not support action type ${action.actionType} (see devhost/README.md)`);
}

/** DTFx's check: a replay must schedule the same kind and name at the same position as the first run did. */
function checkDeterminism(
  leaves: readonly Action[],
  history: readonly HistoryEvent[],
  known: number,
): string | undefined {
  for (let index = 0; index < known; index += 1) {
    const leaf = leaves[index];
    const recorded = history.find((event) => isSchedulingEvent(event) && event.ActionIndex === index);
    if (recorded === undefined) continue;
    const leafIsTimer = leaf?.actionType === ActionType.CreateTimer;
    const recordedIsTimer = recorded.EventType === EventType.TimerCreated;
    const sameName = leafIsTimer || (leaf?.functionName ?? '').toLowerCase() === (recorded.Name ?? '').toLowerCase();
    if (leaf === undefined || leafIsTimer !== recordedIsTimer || !sameName) {
      const was = recordedIsTimer ? 'a timer' : `activity '${recorded.Name ?? ''}'`;
      const now = leaf === undefined ? 'nothing' : leafIsTimer ? 'a timer' : `activity '${leaf.functionName ?? ''}'`;
      return `Non-deterministic workflow detected: a previous execution scheduled ${was} at position ${index}, but the replay scheduled ${now}.`;
    }
  }
  return undefined;
}

function pickRetry(options: RetryPolicy): RetryPolicy {
  return {
    firstRetryIntervalInMilliseconds: options.firstRetryIntervalInMilliseconds,
    maxNumberOfAttempts: options.maxNumberOfAttempts,
    ...(options.backoffCoefficient === undefined ? {} : { backoffCoefficient: options.backoffCoefficient }),
    ...(options.maxRetryIntervalInMilliseconds === undefined
      ? {}
      : { maxRetryIntervalInMilliseconds: options.maxRetryIntervalInMilliseconds }),
  };
}

type RetryFollowUp =
  | { kind: 'timer'; fields: { fireAt: string; retryForEventId: number; attempt: number } }
  | {
      kind: 'reschedule';
      fields: { name: string; input: string; actionIndex: number; attempt: number; retryOptions: RetryPolicy };
    };

function retryFollowUp(history: readonly HistoryEvent[], event: HistoryEvent, now: Date): RetryFollowUp | undefined {
  if (event.EventType === EventType.TaskFailed) {
    const scheduled = history.find(
      (e) => e.EventType === EventType.TaskScheduled && e.EventId === event.TaskScheduledId,
    );
    const policy = scheduled?.RetryOptions;
    if (scheduled === undefined || policy === undefined) return undefined;
    const attempt = scheduled.Attempt ?? 1;
    const delay = Math.min(
      policy.firstRetryIntervalInMilliseconds * (policy.backoffCoefficient ?? 1) ** (attempt - 1),
      policy.maxRetryIntervalInMilliseconds ?? Number.POSITIVE_INFINITY,
    );
    return {
      kind: 'timer',
      fields: { fireAt: new Date(now.getTime() + delay).toISOString(), retryForEventId: scheduled.EventId, attempt },
    };
  }
  if (event.EventType === EventType.TimerFired) {
    const timer = history.find((e) => e.EventType === EventType.TimerCreated && e.EventId === event.TimerId);
    if (timer?.RetryForEventId === undefined) return undefined;
    const failed = history.find((e) => e.EventType === EventType.TaskScheduled && e.EventId === timer.RetryForEventId);
    const policy = failed?.RetryOptions;
    const attempt = (timer.Attempt ?? 1) + 1;
    if (failed === undefined || policy === undefined || attempt > policy.maxNumberOfAttempts) return undefined;
    return {
      kind: 'reschedule',
      fields: {
        name: failed.Name ?? '',
        input: failed.Input ?? 'null',
        actionIndex: failed.ActionIndex ?? -1,
        attempt,
        retryOptions: policy,
      },
    };
  }
  return undefined;
}
