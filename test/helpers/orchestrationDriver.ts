import {
  runEpisode,
  type ActivityWork,
  type OrchestratorHandler,
  type TimerWork,
} from '../../devhost/durable/episode.js';
import { historyEvents, type HistoryEvent } from '../../devhost/durable/history.js';

/**
 * Drives one orchestration through the local runtime's episode executor (and so through durable-functions' own
 * replay), with a clock the test moves: history in, actions out, one event at a time (or several, with `deliver`).
 * Timers behave as on Azure Storage: a cancelled one stays queued and fires when its time comes.
 */
export class OrchestrationDriver {
  history: HistoryEvent[] = [];
  runtimeStatus: 'Pending' | 'Running' | 'Completed' | 'Failed' = 'Pending';
  customStatus: unknown = null;
  output: unknown = null;
  now: Date;
  readonly activities: ActivityWork[] = [];
  /** Every activity ever scheduled, in order, for assertions about what happened. */
  readonly scheduled: ActivityWork[] = [];
  /** Every timer queued and not fired yet, cancelled ones included. */
  readonly queuedTimers: TimerWork[] = [];
  private readonly cancelled = new Set<number>();

  constructor(
    private readonly handler: OrchestratorHandler,
    private readonly functionName: string,
    private readonly input: unknown,
    start: Date,
    private readonly instanceId = 'test-instance',
  ) {
    this.now = start;
  }

  /** The timers the orchestrator still waits for (queued and not cancelled). */
  get timers(): TimerWork[] {
    return this.queuedTimers.filter((timer) => !this.cancelled.has(timer.timerId));
  }

  async start(): Promise<void> {
    await this.deliver(historyEvents.executionStarted(this.now, this.functionName, this.input));
  }

  advance(ms: number): void {
    this.now = new Date(this.now.getTime() + ms);
  }

  pendingActivity(name: string): ActivityWork | undefined {
    return this.activities.find((activity) => activity.name === name);
  }

  async completeActivity(name: string, result: unknown): Promise<void> {
    await this.deliver(this.completion(name, result));
  }

  /** The TaskCompleted event for a pending activity, taking it off the pending list, for `deliver`. */
  completion(name: string, result: unknown): HistoryEvent {
    return historyEvents.taskCompleted(this.now, this.take(name).taskScheduledId, result);
  }

  async failActivity(name: string, reason: string): Promise<void> {
    await this.deliver(this.failure(name, reason));
  }

  /** The TaskFailed event for a pending activity, taking it off the pending list, for `deliver`. */
  failure(name: string, reason: string): HistoryEvent {
    return historyEvents.taskFailed(this.now, this.take(name).taskScheduledId, reason, 'Error');
  }

  /**
   * The TimerFired event of the earliest timer the orchestrator waits for, taking it off the queue and moving the
   * clock to its time, for `deliver`.
   */
  timerFiring(): HistoryEvent {
    const next = earliest(this.timers);
    if (next === undefined) throw new Error('No timer is pending');
    this.queuedTimers.splice(this.queuedTimers.indexOf(next), 1);
    if (new Date(next.fireAt) > this.now) this.now = new Date(next.fireAt);
    return historyEvents.timerFired(this.now, next.timerId, next.fireAt);
  }

  async raiseEvent(name: string, data?: unknown): Promise<void> {
    await this.deliver(historyEvents.eventRaised(this.now, name, data));
  }

  /**
   * Moves the clock to the earliest timer the orchestrator waits for and fires it. Cancelled timers due by then fire
   * first, each in its own episode, as their queued messages would.
   */
  async fireNextTimer(): Promise<TimerWork> {
    const next = earliest(this.timers);
    if (next === undefined) throw new Error('No timer is pending');
    for (const stale of this.queuedTimers.filter((timer) => this.cancelled.has(timer.timerId))) {
      if (stale.fireAt <= next.fireAt && this.runtimeStatus === 'Running') await this.fire(stale);
    }
    await this.fire(next);
    return next;
  }

  /** Fires timers in turn until the one due at `instant` has fired; returns those the orchestrator waited for. */
  async fireTimersThrough(instant: string): Promise<TimerWork[]> {
    const fired: TimerWork[] = [];
    while (fired.at(-1)?.fireAt !== instant) {
      const next = earliest(this.timers);
      if (next === undefined || next.fireAt > instant) {
        throw new Error(`No timer fires at ${instant} (fired: ${fired.map((timer) => timer.fireAt).join(', ')})`);
      }
      fired.push(await this.fireNextTimer());
    }
    return fired;
  }

  /** Fires one queued timer (cancelled or not), moving the clock to its time if that is later. */
  async fire(timer: TimerWork): Promise<void> {
    this.queuedTimers.splice(this.queuedTimers.indexOf(timer), 1);
    if (new Date(timer.fireAt) > this.now) this.now = new Date(timer.fireAt);
    await this.deliver(historyEvents.timerFired(this.now, timer.timerId, timer.fireAt));
  }

  private take(name: string): ActivityWork {
    const work = this.pendingActivity(name);
    if (work === undefined) {
      const pending = this.activities.map((activity) => activity.name).join(', ') || 'none';
      throw new Error(`Activity ${name} is not pending (pending: ${pending})`);
    }
    this.activities.splice(this.activities.indexOf(work), 1);
    return work;
  }

  /** Delivers `events` in one episode. */
  async deliver(...events: HistoryEvent[]): Promise<void> {
    if (this.runtimeStatus === 'Completed' || this.runtimeStatus === 'Failed') {
      throw new Error(`The instance has already ${this.runtimeStatus.toLowerCase()}`);
    }
    const outcome = await runEpisode({
      handler: this.handler,
      functionName: this.functionName,
      instanceId: this.instanceId,
      input: this.input,
      history: this.history,
      newEvents: events,
      now: this.now,
    });
    this.history = outcome.history;
    this.runtimeStatus = outcome.runtimeStatus;
    if (outcome.customStatus !== undefined) this.customStatus = outcome.customStatus;
    this.output = outcome.output;
    this.activities.push(...outcome.activities);
    this.scheduled.push(...outcome.activities);
    this.queuedTimers.push(...outcome.timers);
    for (const id of outcome.cancelledTimerIds) this.cancelled.add(id);
    if (outcome.runtimeStatus !== 'Running') this.queuedTimers.length = 0;
  }
}

function earliest(timers: readonly TimerWork[]): TimerWork | undefined {
  return [...timers].sort((a, b) => a.fireAt.localeCompare(b.fireAt))[0];
}
