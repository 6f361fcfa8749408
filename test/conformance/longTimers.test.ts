import type { OrchestrationContext, Task } from 'durable-functions';
import { describe, expect, it } from 'vitest';
import { EventType, type HistoryEvent } from '../../devhost/durable/history.js';
import { registerActivity, registerOrchestrator, TestClock, useTaskHub } from '../helpers/durableHarness.js';
import { OrchestrationDriver } from '../helpers/orchestrationDriver.js';
import { waitFor } from '../helpers/waitFor.js';

/*
 * Pins: the Azure Storage provider's timer limits (extension AzureStorageDurabilityProvider.cs: MaximumDelayTime 6 days,
 * LongRunningTimerIntervalLength 3 days), sent in the trigger (Bindings/OrchestrationTriggerAttributeBindingProvider.cs),
 * and the extension's long-timer loop (ContextImplementations/DurableOrchestrationContext.cs, CreateTimer<T>): one
 * timer per step, the next step when one fires, no further step once cancelled (Listener/OutOfProcOrchestrationShim.cs
 * cancels right after creating it), replayed against DTFx's check (DurableTask.Core/TaskOrchestrationContext.cs,
 * HandleTimerCreatedEvent). durable-functions mirrors the steps with its LongTimerTask (src/task/LongTimerTask.ts).
 */

const day = 86_400_000;
const start = new Date('2026-05-04T09:00:00.000Z');
const at = (days: number) => new Date(start.getTime() + days * day).toISOString();

const timersIn = (history: readonly HistoryEvent[]) =>
  history.filter((event) => event.EventType === EventType.TimerCreated);
const longest = (history: readonly HistoryEvent[]) =>
  Math.max(...timersIn(history).map((event) => Date.parse(event.FireAt ?? '') - Date.parse(event.Timestamp)));

let triggers: Record<string, unknown>[] = [];
const capturing =
  (handler: ReturnType<typeof registerOrchestrator>): ReturnType<typeof registerOrchestrator> =>
  (trigger, context) => {
    triggers.push(trigger as Record<string, unknown>);
    return handler(trigger, context);
  };

const waitSevenDays = registerOrchestrator('ConformanceWaitSevenDays', function* (context: OrchestrationContext) {
  yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + 7 * day));
  const result: unknown = yield context.df.callActivity('ConformanceEcho', { said: 'after' });
  return result;
});
registerActivity('ConformanceEcho', (input: unknown) => input);

/** The race the app first had: one timer for the whole wait, cancelled when the event wins. */
const naiveRace = registerOrchestrator('ConformanceNaiveLongRace', function* (context: OrchestrationContext) {
  const approved = context.df.waitForExternalEvent('Approved');
  const deadline = context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + 14 * day));
  const winner = (yield context.df.Task.any([approved, deadline])) as Task;
  if (winner === deadline) return 'expired';
  deadline.cancel();
  yield context.df.waitForExternalEvent('Filed');
  const result: unknown = yield context.df.callActivity('ConformanceEcho', { said: 'approved' });
  return result;
});

describe('long timers, as the Azure Storage provider runs them', () => {
  it('sends the library the provider limits: 6-day short timers, 3-day steps, schema V3', async () => {
    triggers = [];
    const driver = new OrchestrationDriver(capturing(waitSevenDays), 'ConformanceWaitSevenDays', null, start);
    await driver.start();
    expect(triggers[0]).toMatchObject({
      maximumShortTimerDuration: '6.00:00:00',
      longRunningTimerIntervalDuration: '3.00:00:00',
      upperSchemaVersion: 1,
      upperSchemaVersionNew: 2,
    });
  });

  it('waits out seven days as 3-day steps plus the remainder, never a timer over six days', async () => {
    const driver = new OrchestrationDriver(waitSevenDays, 'ConformanceWaitSevenDays', null, start);
    await driver.start();
    expect(driver.timers.map((timer) => timer.fireAt)).toEqual([at(3)]);
    const steps = await driver.fireTimersThrough(at(7));
    expect(steps.map((step) => step.fireAt)).toEqual([at(3), at(6), at(7)]);
    expect(timersIn(driver.history).map((event) => [event.EventId, event.FireAt])).toEqual([
      [0, at(3)],
      [1, at(6)],
      [2, at(7)],
    ]);
    expect(longest(driver.history)).toBeLessThanOrEqual(6 * day);
    // The library numbers the steps as the extension does, so the activity after the wait is task 3 and completes.
    expect(driver.activities).toEqual([{ taskScheduledId: 3, name: 'ConformanceEcho', input: '{"said":"after"}' }]);
    await driver.completeActivity('ConformanceEcho', { said: 'after' });
    expect(driver.runtimeStatus).toBe('Completed');
    expect(driver.output).toEqual({ said: 'after' });
  });

  it('fails as non-deterministic when a long timer is cancelled after one of its steps fired', async () => {
    const driver = new OrchestrationDriver(naiveRace, 'ConformanceNaiveLongRace', null, start);
    await driver.start();
    await driver.fireNextTimer();
    expect(
      driver.timers.map((timer) => timer.fireAt),
      'the second step',
    ).toEqual([at(6)]);
    driver.advance(day);
    await driver.raiseEvent('Approved');
    // The extension replays the cancelled timer as its first step only; DTFx then finds step 2 in history unscheduled.
    expect(driver.runtimeStatus).toBe('Failed');
    expect(driver.output).toMatch(/^Non-Deterministic workflow detected: .*sequence number 1 /);
  });

  it('never finishes when a cancelled long timer’s step fires while the instance goes on', async () => {
    const driver = new OrchestrationDriver(naiveRace, 'ConformanceNaiveLongRace', null, start);
    await driver.start();
    driver.advance(day);
    await driver.raiseEvent('Approved');
    expect(driver.timers, 'cancelled').toEqual([]);
    const [stale] = driver.queuedTimers;
    if (stale === undefined) throw new Error('the cancelled step is no longer queued');
    // The step's message still fires. The extension schedules nothing for it; the library starts another step of its
    // cancelled LongTimerTask, taking sequence number 1 for itself.
    await driver.fire(stale);
    await driver.raiseEvent('Filed');
    expect(driver.activities, 'the extension numbers the activity 1').toEqual([
      { taskScheduledId: 1, name: 'ConformanceEcho', input: '{"said":"approved"}' },
    ]);
    await driver.completeActivity('ConformanceEcho', { said: 'approved' });
    // ... and the library waits for its task 2, which will never complete.
    expect(driver.runtimeStatus).toBe('Running');
    expect(driver.activities).toEqual([]);
  });

  describe('in the task hub, by its clock', () => {
    const clock = new TestClock(start.getTime());
    const taskHub = useTaskHub({ clock });

    it('fires each step when it is due and completes after the whole wait', async () => {
      await taskHub().hub.startNew('ConformanceWaitSevenDays', 'seven-days', null);
      const history = async () => (await taskHub().hub.status('seven-days', true))?.historyEvents ?? [];
      await waitFor('the first step', async () => (timersIn(await history()).length === 1 ? true : undefined));
      for (const [days, steps] of [
        [3, 2],
        [6, 3],
      ] as const) {
        clock.advance(3 * day);
        await waitFor(`the step after day ${days}`, async () =>
          timersIn(await history()).length === steps ? true : undefined,
        );
      }
      expect((await taskHub().hub.status('seven-days'))?.runtimeStatus).toBe('Running');
      clock.advance(day);
      const done = await waitFor('completion', async () => {
        const status = await taskHub().hub.status('seven-days');
        return status?.runtimeStatus === 'Completed' ? status : undefined;
      });
      expect(done.output).toEqual({ said: 'after' });
      expect(timersIn(await history()).map((event) => event.FireAt)).toEqual([at(3), at(6), at(7)]);
      expect(longest(await history())).toBeLessThanOrEqual(6 * day);
    });
  });
});
