import type { OrchestrationContext, Task } from 'durable-functions';
import { describe, expect, it } from 'vitest';
import { EventType, type HistoryEvent } from '../../devhost/durable/history.js';
import { registerOrchestrator, TestClock, useTaskHub } from '../helpers/durableHarness.js';
import { waitFor } from '../helpers/waitFor.js';

/*
 * Pins: a cancelled timer is still created and still fires. The extension creates the timer and then cancels its
 * token (Listener/OutOfProcOrchestrationShim.cs, CreateTimer with action.IsCanceled); DTFx only forgets the open task
 * ("TODO: Cancel the timer", DurableTask.Core/TaskOrchestrationContext.cs, CreateTimer<T>), so the timer message stays
 * in the queue, its TimerFired arrives in an episode of its own, and HandleTimerFiredEvent ignores it. The library
 * must ignore it too.
 */

const hour = 3_600_000;
const start = new Date('2026-05-04T09:00:00.000Z');

registerOrchestrator('ConformanceCancelledTimer', function* (context: OrchestrationContext) {
  const go = context.df.waitForExternalEvent('Go');
  const timeout = context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + hour));
  const winner = (yield context.df.Task.any([go, timeout])) as Task;
  if (winner === timeout) return 'timed out';
  timeout.cancel();
  const done: unknown = yield context.df.waitForExternalEvent('Done');
  return { went: go.result, done };
});

const clock = new TestClock(start.getTime());
const taskHub = useTaskHub({ clock });

const historyOf = async (id: string): Promise<HistoryEvent[]> =>
  (await taskHub().hub.status(id, true))?.historyEvents ?? [];
const count = (history: readonly HistoryEvent[], type: number) =>
  history.filter((event) => event.EventType === type).length;

describe('cancelled timers', () => {
  it('still fire in an episode of their own, which the orchestrator ignores', async () => {
    await taskHub().hub.startNew('ConformanceCancelledTimer', 'cancelled-timer', null);
    await waitFor('the timer', async () =>
      count(await historyOf('cancelled-timer'), EventType.TimerCreated) ? true : undefined,
    );
    await taskHub().hub.raiseEvent('cancelled-timer', 'Go', 'first');
    const episodes = async () => count(await historyOf('cancelled-timer'), EventType.OrchestratorStarted);
    await waitFor('the Go episode', async () => ((await episodes()) === 2 ? true : undefined));

    clock.advance(hour);
    const fired = await waitFor('the cancelled timer to fire', async () => {
      const history = await historyOf('cancelled-timer');
      return count(history, EventType.TimerFired) === 1 ? history : undefined;
    });
    expect(count(fired, EventType.OrchestratorStarted), 'an episode of its own').toBe(3);
    expect((await taskHub().hub.status('cancelled-timer'))?.runtimeStatus).toBe('Running');

    await taskHub().hub.raiseEvent('cancelled-timer', 'Done', 'second');
    const done = await waitFor('completion', async () => {
      const status = await taskHub().hub.status('cancelled-timer');
      return status?.runtimeStatus === 'Completed' ? status : undefined;
    });
    expect(done.output).toEqual({ went: 'first', done: 'second' });
  });
});
