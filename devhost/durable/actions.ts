import { EventType, isSchedulingEvent, type HistoryEvent, type RetryPolicy } from './history.js';

/** durable-functions' ActionType numbers (lib/src/actions/ActionType.js). */
export const ActionType = {
  CallActivity: 0,
  CallActivityWithRetry: 1,
  CreateTimer: 5,
  WaitForExternalEvent: 6,
  WhenAny: 11,
  WhenAll: 12,
} as const;

export interface Action {
  readonly actionType: number;
  readonly functionName?: string;
  readonly input?: unknown;
  readonly retryOptions?: RetryPolicy;
  readonly fireAt?: string | Date;
  readonly isCanceled?: boolean;
  readonly compoundActions?: readonly Action[];
}

/** What the library's orchestrator handler returns (lib/src/orchestrations/OrchestratorState.js). */
export interface OrchestratorState {
  readonly isDone: boolean;
  readonly actions: readonly (readonly Action[])[];
  readonly output?: unknown;
  readonly error?: string;
  readonly customStatus?: unknown;
}

/**
 * Every action that takes a sequence number, in the order the orchestrator created them: activities and timers, out of
 * any Task.any / Task.all. Event waits take none (the library matches them by name). An action the local runtime does
 * not support (sub-orchestrations, entities, durable HTTP, continueAsNew) is named in `unsupported`.
 */
export function leavesOf(state: OrchestratorState): { leaves: Action[]; unsupported?: string } {
  try {
    return { leaves: state.actions.flatMap((group) => group.flatMap(flattenLeaves)) };
  } catch (error) {
    return { leaves: [], unsupported: error instanceof Error ? error.message : String(error) };
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
  const name = unsupportedActions[action.actionType] ?? `action type ${action.actionType}`;
  throw new Error(`The local runtime does not support ${name} (see devhost/README.md)`);
}

/** The actions durable-functions can send that the local runtime does not run, by number, for its error message. */
const unsupportedActions: Readonly<Record<number, string>> = {
  2: 'CallSubOrchestrator',
  3: 'CallSubOrchestratorWithRetry',
  4: 'ContinueAsNew',
  7: 'CallEntity',
  8: 'CallHttp',
  9: 'SignalEntity',
  13: 'LockEntities',
  14: 'ReleaseEntities',
};

export const isTimer = (action: Action | undefined) => action?.actionType === ActionType.CreateTimer;

/** DTFx's prefix for a replay that does not match history (`NonDeterministicOrchestrationException`). */
const nonDeterministic = 'Non-Deterministic workflow detected: ';

/**
 * DTFx's check (`TaskOrchestrationContext.HandleTaskScheduledEvent` / `HandleTimerCreatedEvent`): a replay must
 * schedule the same kind and name at the same position as the first run did, and every timer step in history must
 * be scheduled again. A long timer cancelled in this episode is replayed by the extension as its first step only
 * (`OutOfProcOrchestrationShim` cancels it as soon as it is created), so its later steps are no longer scheduled.
 */
export function checkDeterminism(
  leaves: readonly Action[],
  history: readonly HistoryEvent[],
  known: number,
): string | undefined {
  for (let index = 0; index < known; index += 1) {
    const leaf = leaves[index];
    const recorded = history.filter((event) => isSchedulingEvent(event) && event.ActionIndex === index);
    const first = recorded[0];
    if (first === undefined) continue;
    const recordedIsTimer = first.EventType === EventType.TimerCreated;
    const sameName = isTimer(leaf) || (leaf?.functionName ?? '').toLowerCase() === (first.Name ?? '').toLowerCase();
    if (leaf === undefined || isTimer(leaf) !== recordedIsTimer || !sameName) {
      const was = recordedIsTimer ? 'a timer' : `activity '${first.Name ?? ''}'`;
      const now = leaf === undefined ? 'nothing' : isTimer(leaf) ? 'a timer' : `activity '${leaf.functionName ?? ''}'`;
      return `${nonDeterministic}a previous execution scheduled ${was} at position ${index}, but the replay scheduled ${now}.`;
    }
    const laterStep = recorded.find((event, position) => position > 0 && event.FinalFireAt !== undefined);
    if (leaf.isCanceled === true && laterStep !== undefined) {
      return (
        `${nonDeterministic}A previous execution of this orchestration scheduled a timer task with sequence number ` +
        `${laterStep.EventId} but the current replay execution hasn't (yet?) scheduled this task. (A long timer ` +
        'cancelled after one of its steps fired is replayed as its first step only.)'
      );
    }
  }
  return undefined;
}
