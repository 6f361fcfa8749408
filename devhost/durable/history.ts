/**
 * History events as the Durable extension serialises them for out-of-process workers (PascalCase, DTFx names).
 * durable-functions replays these; the local runtime stores them in Table Storage. Fields the JS library ignores
 * (ActionIndex, Attempt, RetryOptions, RetryForEventId, FinalFireAt) are the runtime's own bookkeeping, kept on the
 * same events.
 */
export const EventType = {
  ExecutionStarted: 0,
  ExecutionCompleted: 1,
  ExecutionFailed: 2,
  ExecutionTerminated: 3,
  TaskScheduled: 4,
  TaskCompleted: 5,
  TaskFailed: 6,
  TimerCreated: 10,
  TimerFired: 11,
  OrchestratorStarted: 12,
  OrchestratorCompleted: 13,
  EventRaised: 15,
} as const;

export type EventTypeNumber = (typeof EventType)[keyof typeof EventType];

export interface RetryPolicy {
  readonly firstRetryIntervalInMilliseconds: number;
  readonly maxNumberOfAttempts: number;
  readonly backoffCoefficient?: number;
  readonly maxRetryIntervalInMilliseconds?: number;
}

export interface HistoryEvent {
  readonly EventType: EventTypeNumber;
  readonly EventId: number;
  readonly IsPlayed: boolean;
  readonly Timestamp: string;
  readonly Name?: string;
  readonly Input?: string;
  readonly Result?: string;
  readonly Reason?: string;
  readonly Details?: string;
  readonly TaskScheduledId?: number;
  readonly TimerId?: number;
  readonly FireAt?: string;
  readonly ActionIndex?: number;
  readonly Attempt?: number;
  readonly RetryOptions?: RetryPolicy;
  /** On a retry timer: the EventId of the failed TaskScheduled it retries. */
  readonly RetryForEventId?: number;
  /** On each step of a long timer: when the whole timer fires (the orchestrator's fireAt). */
  readonly FinalFireAt?: string;
}

const base = (type: EventTypeNumber, at: Date, eventId = -1) => ({
  EventType: type,
  EventId: eventId,
  IsPlayed: false,
  Timestamp: at.toISOString(),
});

export const historyEvents = {
  executionStarted: (at: Date, name: string, input: unknown): HistoryEvent => ({
    ...base(EventType.ExecutionStarted, at),
    Name: name,
    Input: JSON.stringify(input ?? null),
  }),
  orchestratorStarted: (at: Date): HistoryEvent => base(EventType.OrchestratorStarted, at),
  orchestratorCompleted: (at: Date): HistoryEvent => base(EventType.OrchestratorCompleted, at),
  taskCompleted: (at: Date, taskScheduledId: number, result: unknown): HistoryEvent => ({
    ...base(EventType.TaskCompleted, at),
    TaskScheduledId: taskScheduledId,
    // An activity returning undefined must still be valid JSON: the library JSON.parses every result.
    Result: JSON.stringify(result ?? null),
  }),
  taskFailed: (at: Date, taskScheduledId: number, reason: string, details: string): HistoryEvent => ({
    ...base(EventType.TaskFailed, at),
    TaskScheduledId: taskScheduledId,
    Reason: reason,
    Details: details,
  }),
  timerFired: (at: Date, timerId: number, fireAt: string): HistoryEvent => ({
    ...base(EventType.TimerFired, at),
    TimerId: timerId,
    FireAt: fireAt,
  }),
  eventRaised: (at: Date, name: string, input: unknown): HistoryEvent => ({
    ...base(EventType.EventRaised, at),
    Name: name,
    ...(input === undefined ? {} : { Input: JSON.stringify(input) }),
  }),
  executionCompleted: (at: Date, output: unknown): HistoryEvent => ({
    ...base(EventType.ExecutionCompleted, at),
    Result: JSON.stringify(output ?? null),
  }),
  executionFailed: (at: Date, reason: string): HistoryEvent => ({
    ...base(EventType.ExecutionFailed, at),
    Reason: reason,
  }),
  executionTerminated: (at: Date, reason: string): HistoryEvent => ({
    ...base(EventType.ExecutionTerminated, at),
    Input: JSON.stringify(reason),
  }),
  taskScheduled: (
    at: Date,
    eventId: number,
    fields: { name: string; input: string; actionIndex: number; attempt: number; retryOptions?: RetryPolicy },
  ): HistoryEvent => ({
    ...base(EventType.TaskScheduled, at, eventId),
    Name: fields.name,
    Input: fields.input,
    ActionIndex: fields.actionIndex,
    Attempt: fields.attempt,
    ...(fields.retryOptions === undefined ? {} : { RetryOptions: fields.retryOptions }),
  }),
  timerCreated: (
    at: Date,
    eventId: number,
    fields: { fireAt: string; actionIndex?: number; retryForEventId?: number; attempt?: number; finalFireAt?: string },
  ): HistoryEvent => ({
    ...base(EventType.TimerCreated, at, eventId),
    FireAt: fields.fireAt,
    ...(fields.actionIndex === undefined ? {} : { ActionIndex: fields.actionIndex }),
    ...(fields.finalFireAt === undefined ? {} : { FinalFireAt: fields.finalFireAt }),
    ...(fields.retryForEventId === undefined ? {} : { RetryForEventId: fields.retryForEventId }),
    ...(fields.attempt === undefined ? {} : { Attempt: fields.attempt }),
  }),
};

/**
 * The event as stored once an episode has processed it: DTFx marks every event it processed, except
 * OrchestratorStarted, as played (`TaskOrchestrationExecutor.ExecuteCore`), and the next episode hands the worker the
 * stored flags (the extension's `isReplaying` is the ExecutionStarted event's).
 */
export const played = (event: HistoryEvent): HistoryEvent => ({ ...event, IsPlayed: true });

export const isSchedulingEvent = (event: HistoryEvent) =>
  event.EventType === EventType.TaskScheduled || event.EventType === EventType.TimerCreated;
