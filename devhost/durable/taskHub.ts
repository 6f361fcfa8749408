import { InvocationContext } from '../azureFunctions.js';
import { redact } from '../../core/redact.js';
import type { FunctionRegistry } from '../functionsCore.js';
import { azureStorageProvider, statusTime } from './azureStorageProvider.js';
import { runEpisode } from './episode.js';
import { EventType, historyEvents, type HistoryEvent } from './history.js';
import { workKey, type InstanceState, type RuntimeStatus, type TaskHubStore, type WorkItem } from './taskHubStore.js';
import { WorkDispatcher } from './workDispatcher.js';

/** host.json's extensions.durableTask throughput settings (see hostJson.ts). */
export interface TaskHubLimits {
  readonly maxConcurrentActivityFunctions: number;
  readonly maxConcurrentOrchestratorFunctions: number;
  /** extensions.durableTask.storageProvider.maxQueuePollingInterval. */
  readonly maxQueuePollingIntervalMs: number;
}

export interface TaskHubOptions {
  readonly store: TaskHubStore;
  readonly registry: FunctionRegistry;
  /** The task hub's clock: episode times and when timers are due. Tests move it to cross days in seconds. */
  readonly now?: () => Date;
  /** What is left out takes Azure Storage's defaults for one processor (azureStorageProvider.ts); see hostJson.ts. */
  readonly limits?: Partial<TaskHubLimits>;
  /** The polling back-off's jitter; Math.random unless a test pins it. */
  readonly random?: () => number;
  readonly log?: (line: string) => void;
}

export interface StatusPayload {
  readonly name: string;
  readonly instanceId: string;
  readonly runtimeStatus: RuntimeStatus;
  readonly input: unknown;
  readonly customStatus: unknown;
  readonly output: unknown;
  readonly createdTime: string;
  readonly lastUpdatedTime: string;
  readonly historyEvents?: HistoryEvent[];
}

export type Delivery = 'accepted' | 'not-found' | 'gone';

const terminal = new Set<RuntimeStatus>(['Completed', 'Failed', 'Terminated']);
const completionOf = (event: HistoryEvent): number | undefined =>
  event.EventType === EventType.TaskCompleted || event.EventType === EventType.TaskFailed
    ? event.TaskScheduledId
    : undefined;

/**
 * The local Durable task hub: starts instances, delivers events, runs activities and fires timers, persisting
 * everything through `TaskHubStore` so a restarted runtime resumes where it stopped. Like the Azure Storage provider it
 * has two queues, each polled with back-off and throttled by host.json: orchestrator episodes (all of an instance's
 * pending messages in one episode, one episode per instance at a time) and activities, which run at least once (a
 * crash after an activity ran but before its result was stored runs it again, as in Azure).
 */
export class TaskHub {
  private readonly store: TaskHubStore;
  private readonly registry: FunctionRegistry;
  private readonly now: () => Date;
  private readonly log: (line: string) => void;
  private readonly episodes: WorkDispatcher;
  private readonly activities: WorkDispatcher;

  constructor(options: TaskHubOptions) {
    this.store = options.store;
    this.registry = options.registry;
    this.now = options.now ?? (() => new Date());
    this.log = options.log ?? (() => undefined);
    const limits = options.limits ?? {};
    const defaultConcurrency = azureStorageProvider.defaultMaxConcurrentPerProcessor;
    const common = {
      maxQueuePollingIntervalMs: limits.maxQueuePollingIntervalMs ?? azureStorageProvider.defaultMaxQueuePollingMs,
      log: this.log,
      ...(options.random === undefined ? {} : { random: options.random }),
    };
    this.episodes = new WorkDispatcher({
      ...common,
      name: 'orchestrator',
      concurrency: limits.maxConcurrentOrchestratorFunctions ?? defaultConcurrency,
      fetch: (limit) => this.store.dueWork(this.now().getTime(), 'orchestration', limit),
      units: episodeBatches,
      run: (items) => this.runEpisodeFor(items),
    });
    this.activities = new WorkDispatcher({
      ...common,
      name: 'activity',
      concurrency: limits.maxConcurrentActivityFunctions ?? defaultConcurrency,
      fetch: (limit) => this.store.dueWork(this.now().getTime(), 'activity', limit),
      units: (items) => items.map((item) => ({ key: item.key, items: [item] })),
      run: ([item]) => (item === undefined ? Promise.resolve() : this.runActivity(item)),
    });
  }

  /** Re-creates work lost in a crash, then starts both queue listeners. */
  async start(): Promise<void> {
    await this.reconcile();
    this.episodes.start();
    this.activities.start();
  }

  async stop(): Promise<void> {
    await Promise.all([this.episodes.stop(), this.activities.stop()]);
  }

  /**
   * In Azure Storage's order: the ExecutionStarted message first, then the instance row. A start that fails in between
   * leaves a message whose episode creates the row and runs the instance, never a row that nothing will run; so a
   * start that failed may still run, and an instance that exists always will.
   */
  async startNew(name: string, instanceId: string, input: unknown): Promise<'created' | 'exists'> {
    if (this.registry.get(name)?.triggerType !== 'orchestrationTrigger') {
      throw new Error(`No orchestrator function named '${name}' is registered`);
    }
    if ((await this.store.getState(instanceId)) !== undefined) return 'exists';
    const now = this.now();
    await this.enqueueStart(instanceId, name, input ?? null, now);
    if (await this.store.create(pendingState(instanceId, name, input ?? null, now))) return 'created';
    // The row may be our own, written by the episode of the message just sent.
    const state = await this.store.getState(instanceId);
    return state?.createdTime === now.toISOString() ? 'created' : 'exists';
  }

  async raiseEvent(instanceId: string, eventName: string, data: unknown): Promise<Delivery> {
    return this.deliverExternal(instanceId, historyEvents.eventRaised(this.now(), eventName, data), 'event');
  }

  async terminate(instanceId: string, reason: string): Promise<Delivery> {
    return this.deliverExternal(instanceId, historyEvents.executionTerminated(this.now(), reason), 'terminate');
  }

  async status(instanceId: string, showHistory = false): Promise<StatusPayload | undefined> {
    const state = await this.store.getState(instanceId);
    if (state === undefined) return undefined;
    return {
      ...toPayload(state),
      ...(showHistory ? { historyEvents: await this.store.getHistory(instanceId) } : {}),
    };
  }

  async list(): Promise<StatusPayload[]> {
    return (await this.store.listStates()).map(toPayload);
  }

  async purge(instanceId: string): Promise<number> {
    return this.store.purge(instanceId);
  }

  private async deliverExternal(instanceId: string, event: HistoryEvent, tag: string): Promise<Delivery> {
    const state = await this.store.getState(instanceId);
    if (state === undefined) return 'not-found';
    if (terminal.has(state.runtimeStatus)) return 'gone';
    const now = this.now().getTime();
    await this.store.enqueue([
      {
        key: workKey(now, instanceId, `${tag}-${crypto.randomUUID()}`),
        instanceId,
        kind: 'event',
        dueAt: now,
        payload: JSON.stringify(event),
      },
    ]);
    return 'accepted';
  }

  private async enqueueStart(instanceId: string, name: string, input: unknown, at: Date): Promise<void> {
    await this.store.enqueue([
      {
        key: workKey(at.getTime(), instanceId, 'start'),
        instanceId,
        kind: 'event',
        dueAt: at.getTime(),
        payload: JSON.stringify(historyEvents.executionStarted(at, name, input)),
      },
    ]);
  }

  /**
   * One episode for the messages of one instance (see episodeBatches): what was already consumed (a redelivery after
   * a crash) or duplicates history is dropped, the rest is delivered in order.
   */
  private async runEpisodeFor(items: readonly WorkItem[]): Promise<void> {
    const instanceId = items[0]?.instanceId ?? '';
    const deleteItems = async () => {
      for (const item of items) await this.store.deleteWork(item.key);
    };
    const state = (await this.store.getState(instanceId)) ?? (await this.createFromStart(items));
    if (state === undefined || terminal.has(state.runtimeStatus)) return deleteItems();
    const now = this.now();
    const history = await this.store.getHistory(instanceId);
    const events: HistoryEvent[] = [];
    for (const item of items) {
      if (state.consumed.includes(item.key)) continue;
      const event =
        item.kind === 'timer' ? timerFiredFrom(item.payload, now) : (JSON.parse(item.payload) as HistoryEvent);
      if (!isDuplicate(event, [...history, ...events])) events.push(event);
    }
    const consumed = consumedBy(state, items, now);
    const terminated = events.find((event) => event.EventType === EventType.ExecutionTerminated);

    let next: InstanceState;
    let added: HistoryEvent[];
    let newWork: WorkItem[] = [];
    let dropKeys: string[] = [];
    if (events.length === 0) {
      next = consumed;
      added = [];
    } else if (terminated !== undefined) {
      added = [historyEvents.orchestratorStarted(now), terminated];
      next = { ...consumed, runtimeStatus: 'Terminated', output: terminated.Input ?? 'null' };
      dropKeys = outstandingTimerKeys(instanceId, history);
    } else {
      const registration = this.registry.get(state.name);
      if (registration === undefined) throw new Error(`No orchestrator function named '${state.name}' is registered`);
      const outcome = await runEpisode({
        handler: registration.handler,
        functionName: state.name,
        instanceId,
        input: JSON.parse(state.input) as unknown,
        history,
        newEvents: events,
        now,
      });
      added = outcome.history.slice(history.length);
      next = {
        ...consumed,
        runtimeStatus: outcome.runtimeStatus,
        customStatus:
          outcome.customStatus === undefined ? state.customStatus : JSON.stringify(outcome.customStatus ?? null),
        output: JSON.stringify(outcome.output ?? null),
      };
      // Cancelled timers included: in Azure their messages stay queued and fire later, and the library ignores them.
      newWork = [
        ...outcome.activities.map((activity) => activityItem(instanceId, now.getTime(), activity)),
        ...outcome.timers.map((timer) => timerItem(instanceId, timer.timerId, timer.fireAt)),
      ];
      // A finished instance's timers would only be discarded when they fire: they go now.
      if (outcome.runtimeStatus !== 'Running') dropKeys = outstandingTimerKeys(instanceId, outcome.history);
      if (outcome.runtimeStatus === 'Failed')
        this.log(redact(`instance ${instanceId} failed: ${String(outcome.output)}`));
    }
    await this.store.commit({ ...next, historyLength: history.length + added.length }, added);
    await this.store.enqueue(newWork);
    for (const key of dropKeys) await this.store.deleteWork(key);
    await deleteItems();
  }

  /** A start message whose instance row was never written (its start failed after sending it) creates the row. */
  private async createFromStart(items: readonly WorkItem[]): Promise<InstanceState | undefined> {
    const start = items
      .map((item) => (item.kind === 'event' ? (JSON.parse(item.payload) as HistoryEvent) : undefined))
      .find((event) => event?.EventType === EventType.ExecutionStarted);
    const instanceId = items[0]?.instanceId;
    if (start === undefined || instanceId === undefined) return undefined;
    const input = JSON.parse(start.Input ?? 'null') as unknown;
    await this.store.create(pendingState(instanceId, start.Name ?? '', input, new Date(start.Timestamp)));
    return this.store.getState(instanceId);
  }

  private async runActivity(item: WorkItem): Promise<void> {
    const state = await this.store.getState(item.instanceId);
    if (state === undefined || terminal.has(state.runtimeStatus)) {
      await this.store.deleteWork(item.key);
      return;
    }
    // A poll that listed this item just before an earlier run of it finished can dispatch it again: only run it while
    // its work item still exists.
    if (!(await this.store.hasWork(item.key))) return;
    const work = JSON.parse(item.payload) as { taskScheduledId: number; name: string; input: string };
    const registration = this.registry.get(work.name);
    let result: HistoryEvent;
    try {
      if (registration?.triggerType !== 'activityTrigger')
        throw new Error(`Activity function '${work.name}' is not registered`);
      const context = new InvocationContext({
        functionName: work.name,
        invocationId: crypto.randomUUID(),
        options: { trigger: { type: 'activityTrigger', name: 'input' }, extraInputs: [], extraOutputs: [] },
        logHandler: (level, ...args) => {
          this.log(redact(`[${work.name}] ${level}: ${args.map(String).join(' ')}`));
        },
      });
      const output = await registration.handler(JSON.parse(work.input), context);
      result = historyEvents.taskCompleted(this.now(), work.taskScheduledId, output);
    } catch (error) {
      const message = redact(error instanceof Error ? error.message : String(error));
      this.log(`activity ${work.name} for ${item.instanceId} failed: ${message}`);
      result = historyEvents.taskFailed(
        this.now(),
        work.taskScheduledId,
        message,
        error instanceof Error ? error.name : 'Error',
      );
    }
    await this.store.enqueue([
      {
        key: resultKey(item.instanceId, work.taskScheduledId),
        instanceId: item.instanceId,
        kind: 'event',
        dueAt: 0,
        payload: JSON.stringify(result),
      },
    ]);
    await this.store.deleteWork(item.key);
  }

  /** After a crash: every instance's outstanding activities and timers get their work items back. */
  private async reconcile(): Promise<void> {
    for (const state of await this.store.listStates()) {
      if (terminal.has(state.runtimeStatus)) continue;
      const history = await this.store.getHistory(state.instanceId);
      if (history.length === 0) {
        await this.enqueueStart(
          state.instanceId,
          state.name,
          JSON.parse(state.input) as unknown,
          new Date(state.createdTime),
        );
        continue;
      }
      const completed = new Set(history.map(completionOf).filter((id) => id !== undefined));
      const fired = new Set(history.filter((e) => e.EventType === EventType.TimerFired).map((e) => e.TimerId));
      for (const event of history) {
        if (event.EventType === EventType.TaskScheduled && !completed.has(event.EventId)) {
          const item = activityItem(state.instanceId, new Date(event.Timestamp).getTime(), {
            taskScheduledId: event.EventId,
            name: event.Name ?? '',
            input: event.Input ?? 'null',
          });
          const pendingResult = await this.store.hasWork(resultKey(state.instanceId, event.EventId));
          if (!pendingResult && !(await this.store.hasWork(item.key))) await this.store.enqueue([item]);
        }
        if (event.EventType === EventType.TimerCreated && !fired.has(event.EventId)) {
          // Cancelled timers too: they fire in Azure as well, and the library ignores them.
          await this.store.enqueue([timerItem(state.instanceId, event.EventId, event.FireAt ?? event.Timestamp)]);
        }
      }
    }
  }
}

function toPayload(state: InstanceState): StatusPayload {
  return {
    name: state.name,
    instanceId: state.instanceId,
    runtimeStatus: state.runtimeStatus,
    input: JSON.parse(state.input) as unknown,
    customStatus: JSON.parse(state.customStatus) as unknown,
    output: JSON.parse(state.output) as unknown,
    createdTime: statusTime(state.createdTime),
    lastUpdatedTime: statusTime(state.lastUpdatedTime),
  };
}

function consumedBy(state: InstanceState, items: readonly WorkItem[], now: Date): InstanceState {
  return {
    ...state,
    runtimeStatus: state.runtimeStatus === 'Pending' ? 'Running' : state.runtimeStatus,
    lastUpdatedTime: now.toISOString(),
    consumed: [...state.consumed, ...items.map((item) => item.key)].slice(-50),
  };
}

const isTermination = (item: WorkItem) =>
  item.kind === 'event' && (JSON.parse(item.payload) as HistoryEvent).EventType === EventType.ExecutionTerminated;

/**
 * An instance's pending messages go to one episode together, in queue order, as the Azure Storage provider batches a
 * control queue's messages per instance; a termination is handled on its own, and first when it comes first.
 */
function episodeBatches(items: readonly WorkItem[]): { key: string; items: WorkItem[] }[] {
  const byInstance = new Map<string, WorkItem[]>();
  for (const item of items) byInstance.set(item.instanceId, [...(byInstance.get(item.instanceId) ?? []), item]);
  return [...byInstance].map(([instanceId, pending]) => {
    const termination = pending.findIndex(isTermination);
    const batch = termination === 0 ? pending.slice(0, 1) : termination > 0 ? pending.slice(0, termination) : pending;
    return { key: instanceId, items: batch };
  });
}

function pendingState(instanceId: string, name: string, input: unknown, at: Date): InstanceState {
  return {
    instanceId,
    name,
    runtimeStatus: 'Pending',
    input: JSON.stringify(input),
    output: 'null',
    customStatus: 'null',
    createdTime: at.toISOString(),
    lastUpdatedTime: at.toISOString(),
    historyLength: 0,
    consumed: [],
  };
}

function isDuplicate(event: HistoryEvent, history: readonly HistoryEvent[]): boolean {
  const completed = completionOf(event);
  if (completed !== undefined) return history.some((e) => completionOf(e) === completed);
  if (event.EventType === EventType.TimerFired) {
    return history.some((e) => e.EventType === EventType.TimerFired && e.TimerId === event.TimerId);
  }
  return event.EventType === EventType.ExecutionStarted && history.length > 0;
}

const resultKey = (instanceId: string, taskScheduledId: number) => workKey(0, instanceId, `res-${taskScheduledId}`);

function activityItem(
  instanceId: string,
  at: number,
  work: { taskScheduledId: number; name: string; input: string },
): WorkItem {
  return {
    key: workKey(at, instanceId, `act-${work.taskScheduledId}`),
    instanceId,
    kind: 'activity',
    dueAt: at,
    payload: JSON.stringify(work),
  };
}

function timerItem(instanceId: string, timerId: number, fireAt: string): WorkItem {
  const due = new Date(fireAt).getTime();
  return {
    key: workKey(due, instanceId, `tmr-${timerId}`),
    instanceId,
    kind: 'timer',
    dueAt: due,
    payload: JSON.stringify({ timerId, fireAt }),
  };
}

function timerFiredFrom(payload: string, now: Date): HistoryEvent {
  const { timerId, fireAt } = JSON.parse(payload) as { timerId: number; fireAt: string };
  return historyEvents.timerFired(now, timerId, fireAt);
}

/** The work items of every timer that has not fired yet. */
function outstandingTimerKeys(instanceId: string, history: readonly HistoryEvent[]): string[] {
  const fired = new Set(history.filter((e) => e.EventType === EventType.TimerFired).map((e) => e.TimerId));
  return history
    .filter((e) => e.EventType === EventType.TimerCreated && !fired.has(e.EventId) && e.FireAt !== undefined)
    .map((e) => timerItem(instanceId, e.EventId, e.FireAt ?? '').key);
}
