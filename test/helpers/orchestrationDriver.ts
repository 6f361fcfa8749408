import {
  runEpisode,
  type ActivityWork,
  type OrchestratorHandler,
  type TimerWork,
} from '../../devhost/durable/episode.js';
import { historyEvents, type HistoryEvent } from '../../devhost/durable/history.js';

/**
 * Drives one orchestration through the local runtime's episode executor (and so through durable-functions' own
 * replay), with a clock the test moves: history in, actions out, one event at a time.
 */
export class OrchestrationDriver {
  history: HistoryEvent[] = [];
  runtimeStatus: 'Pending' | 'Running' | 'Completed' | 'Failed' = 'Pending';
  customStatus: unknown = null;
  output: unknown = null;
  now: Date;
  readonly activities: ActivityWork[] = [];
  readonly timers: TimerWork[] = [];
  /** Every activity ever scheduled, in order, for assertions about what happened. */
  readonly scheduled: ActivityWork[] = [];

  constructor(
    private readonly handler: OrchestratorHandler,
    private readonly functionName: string,
    private readonly input: unknown,
    start: Date,
    private readonly instanceId = 'test-instance',
  ) {
    this.now = start;
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
    const work = this.take(name);
    await this.deliver(historyEvents.taskCompleted(this.now, work.taskScheduledId, result));
  }

  async failActivity(name: string, reason: string): Promise<void> {
    const work = this.take(name);
    await this.deliver(historyEvents.taskFailed(this.now, work.taskScheduledId, reason, 'Error'));
  }

  async raiseEvent(name: string, data?: unknown): Promise<void> {
    await this.deliver(historyEvents.eventRaised(this.now, name, data));
  }

  /** Moves the clock to the earliest pending timer and fires it. */
  async fireNextTimer(): Promise<TimerWork> {
    const next = [...this.timers].sort((a, b) => a.fireAt.localeCompare(b.fireAt))[0];
    if (next === undefined) throw new Error('No timer is pending');
    this.timers.splice(this.timers.indexOf(next), 1);
    const fireAt = new Date(next.fireAt);
    if (fireAt > this.now) this.now = fireAt;
    await this.deliver(historyEvents.timerFired(this.now, next.timerId, next.fireAt));
    return next;
  }

  /** Fires timers in turn until the one due at `instant` has fired; returns them. */
  async fireTimersThrough(instant: string): Promise<TimerWork[]> {
    const fired: TimerWork[] = [];
    while (fired.at(-1)?.fireAt !== instant) {
      const next = [...this.timers].sort((a, b) => a.fireAt.localeCompare(b.fireAt))[0];
      if (next === undefined || next.fireAt > instant) {
        throw new Error(`No timer fires at ${instant} (fired: ${fired.map((timer) => timer.fireAt).join(', ')})`);
      }
      fired.push(await this.fireNextTimer());
    }
    return fired;
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

  private async deliver(event: HistoryEvent): Promise<void> {
    if (this.runtimeStatus === 'Completed' || this.runtimeStatus === 'Failed') {
      throw new Error(`The instance has already ${this.runtimeStatus.toLowerCase()}`);
    }
    const outcome = await runEpisode({
      handler: this.handler,
      functionName: this.functionName,
      instanceId: this.instanceId,
      input: this.input,
      history: this.history,
      newEvent: event,
      now: this.now,
    });
    this.history = outcome.history;
    this.runtimeStatus = outcome.runtimeStatus;
    this.customStatus = outcome.customStatus;
    this.output = outcome.output;
    this.activities.push(...outcome.activities);
    this.scheduled.push(...outcome.activities);
    this.timers.push(...outcome.timers);
    for (const id of outcome.cancelledTimerIds) {
      const index = this.timers.findIndex((timer) => timer.timerId === id);
      if (index >= 0) this.timers.splice(index, 1);
    }
    if (outcome.runtimeStatus !== 'Running') this.timers.length = 0;
  }
}
