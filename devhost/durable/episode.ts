import type { InvocationContext as InvocationContextType } from '@azure/functions';
import { InvocationContext } from '../azureFunctions.js';
import { checkDeterminism, isTimer, leavesOf, type Action, type OrchestratorState } from './actions.js';
import { azureStorageProvider, timeSpan } from './azureStorageProvider.js';
import { followUpOf, timerFor, type ActivityFields, type TimerFields } from './followUps.js';
import { EventType, historyEvents, isSchedulingEvent, played, type HistoryEvent, type RetryPolicy } from './history.js';

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
  /** The custom status to store; undefined keeps the one stored before (it was refused, see below). */
  readonly customStatus: unknown;
  readonly output: unknown;
  readonly activities: ActivityWork[];
  /** Every timer this episode created: a cancelled one is created (and later fires) all the same, as in Azure. */
  readonly timers: TimerWork[];
  /** Unfired timers the orchestrator has cancelled; they still fire, and the library ignores them. */
  readonly cancelledTimerIds: number[];
}

export interface EpisodeInput {
  readonly handler: OrchestratorHandler;
  readonly functionName: string;
  readonly instanceId: string;
  readonly input: unknown;
  readonly history: readonly HistoryEvent[];
  /** The events this episode delivers, in order (ExecutionStarted first for a new instance). At least one. */
  readonly newEvents: readonly HistoryEvent[];
  readonly now: Date;
}

/**
 * Runs one orchestrator episode the way the Durable extension does for out-of-process workers: send the history and
 * the new events to durable-functions' own replay executor, then turn the returned actions into new history and work.
 *
 * Sequence numbers: the library numbers activities and timers in the order it creates them, and matches completions
 * by that number; the extension (through DTFx) numbers them the same way. That includes what DTFx schedules on its own
 * for an event (a retry's timer and next attempt, a long timer's next step; see followUps.ts), which comes before
 * whatever the orchestrator does once it resumes. With several new events, the library is asked once per event so
 * that each event's share of new actions is known and numbered in turn.
 */
export async function runEpisode(episode: EpisodeInput): Promise<EpisodeOutcome> {
  const { now, history: past, newEvents } = episode;
  const started = historyEvents.orchestratorStarted(now);
  let state: OrchestratorState = { isDone: false, actions: [] };
  const leavesAfterEvent: number[] = [];
  for (let count = 1; count <= newEvents.length; count += 1) {
    state = await invoke(episode, [...past, started, ...newEvents.slice(0, count)]);
    leavesAfterEvent.push(leavesOf(state).leaves.length);
  }
  const { leaves, unsupported } = leavesOf(state);
  const known = 1 + Math.max(-1, ...past.map((event) => event.ActionIndex ?? -1));
  const history = [...past, started, ...newEvents.map(played)];
  const refusal = customStatusRefusal(episode.functionName, state);
  const failure = state.error ?? unsupported ?? checkDeterminism(leaves, past, known) ?? refusal;

  if (failure !== undefined) {
    history.push(historyEvents.orchestratorCompleted(now), historyEvents.executionFailed(now, failure));
    // A refused custom status is never stored: the one from before stays.
    return finished(history, 'Failed', failure === refusal ? undefined : (state.customStatus ?? null), failure);
  }

  const added = scheduleWork({ past, newEvents, leaves, known, leavesAfterEvent, now });
  history.push(...added.events, historyEvents.orchestratorCompleted(now));
  if (state.isDone) {
    history.push(historyEvents.executionCompleted(now, state.output));
    return finished(history, 'Completed', state.customStatus ?? null, state.output ?? null);
  }
  return {
    history,
    runtimeStatus: 'Running',
    customStatus: state.customStatus ?? null,
    output: null,
    activities: added.activities,
    timers: added.timers,
    cancelledTimerIds: cancelledTimers(history, leaves),
  };
}

function finished(
  history: HistoryEvent[],
  runtimeStatus: 'Completed' | 'Failed',
  customStatus: unknown,
  output: unknown,
): EpisodeOutcome {
  return { history, runtimeStatus, customStatus, output, activities: [], timers: [], cancelledTimerIds: [] };
}

interface NewWork {
  readonly events: HistoryEvent[];
  readonly activities: ActivityWork[];
  readonly timers: TimerWork[];
}

/** TaskScheduled and TimerCreated for this episode, numbered in the order DTFx and the library number them. */
function scheduleWork(episode: {
  readonly past: readonly HistoryEvent[];
  readonly newEvents: readonly HistoryEvent[];
  readonly leaves: readonly Action[];
  readonly known: number;
  readonly leavesAfterEvent: readonly number[];
  readonly now: Date;
}): NewWork {
  const { past, newEvents, leaves, now } = episode;
  const work: NewWork = { events: [], activities: [], timers: [] };
  let nextId = past.filter(isSchedulingEvent).length;
  const addTimer = (fields: TimerFields) => {
    const id = nextId++;
    work.events.push(historyEvents.timerCreated(now, id, fields));
    work.timers.push({ timerId: id, fireAt: fields.fireAt });
  };
  const addActivity = (fields: ActivityFields) => {
    const id = nextId++;
    work.events.push(historyEvents.taskScheduled(now, id, fields));
    work.activities.push({ taskScheduledId: id, name: fields.name, input: fields.input });
  };

  let scheduledLeaves = episode.known;
  newEvents.forEach((event, position) => {
    const followUp = followUpOf(event, [...past, ...work.events], leaves, now);
    if (followUp?.kind === 'timer') addTimer(followUp.fields);
    if (followUp?.kind === 'activity') addActivity(followUp.fields);
    const upTo = episode.leavesAfterEvent[position] ?? scheduledLeaves;
    for (; scheduledLeaves < upTo; scheduledLeaves += 1) {
      const leaf = leaves[scheduledLeaves];
      if (leaf === undefined) break;
      if (isTimer(leaf)) {
        addTimer(timerFor(new Date(leaf.fireAt ?? now).toISOString(), scheduledLeaves, now));
      } else {
        addActivity({
          name: leaf.functionName ?? '',
          input: JSON.stringify(leaf.input ?? null),
          actionIndex: scheduledLeaves,
          attempt: 1,
          ...(leaf.retryOptions === undefined ? {} : { retryOptions: pickRetry(leaf.retryOptions) }),
        });
      }
    }
  });
  return work;
}

/** The unfired timers (a long timer's current step) whose action the orchestrator has cancelled. */
function cancelledTimers(history: readonly HistoryEvent[], leaves: readonly Action[]): number[] {
  const fired = new Set(history.filter((e) => e.EventType === EventType.TimerFired).map((e) => e.TimerId));
  return history
    .filter(
      (e) =>
        e.EventType === EventType.TimerCreated &&
        !fired.has(e.EventId) &&
        e.ActionIndex !== undefined &&
        leaves[e.ActionIndex]?.isCanceled === true,
    )
    .map((e) => e.EventId);
}

/**
 * The extension stores a custom status only up to 16 KB of UTF-16 JSON; a larger one throws while the episode is
 * replayed (`DurableOrchestrationContext.SetCustomStatus`, `MessagePayloadDataConverter.Serialize`), failing the
 * instance with this message.
 */
function customStatusRefusal(functionName: string, state: OrchestratorState): string | undefined {
  if (state.customStatus === undefined || state.customStatus === null) return undefined;
  const json = JSON.stringify(state.customStatus);
  // UTF-16 is two bytes per JavaScript string unit.
  const kb = Math.floor((json.length * 2) / 1024);
  if (kb <= azureStorageProvider.maxCustomStatusKb) return undefined;
  return (
    `Orchestrator function '${functionName}' failed: The UTF-16 size of the JSON-serialized payload must not exceed ` +
    `${azureStorageProvider.maxCustomStatusKb} KB. The current payload size is ${kb.toLocaleString('en-US')} KB.`
  );
}

const outOfProcLabel = '$OutOfProcData$:';

async function invoke(episode: EpisodeInput, history: readonly HistoryEvent[]): Promise<OrchestratorState> {
  const trigger = {
    // The library converts Timestamps to Dates in place: always hand it a copy.
    history: structuredClone(history),
    input: episode.input,
    instanceId: episode.instanceId,
    // The extension's isReplaying is the ExecutionStarted event's IsPlayed: true once an episode has run.
    isReplaying: episode.history.length > 0,
    upperSchemaVersion: azureStorageProvider.upperSchemaVersion,
    upperSchemaVersionNew: azureStorageProvider.upperSchemaVersionNew,
    longRunningTimerIntervalDuration: timeSpan(azureStorageProvider.longRunningTimerIntervalMs),
    maximumShortTimerDuration: timeSpan(azureStorageProvider.maximumShortTimerMs),
    defaultHttpAsyncRequestSleepTimeMillseconds: azureStorageProvider.defaultHttpAsyncRequestSleepTimeMs,
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
