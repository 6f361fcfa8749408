import type { OrchestrationContext, Task } from 'durable-functions';
import { addMilliseconds } from '../core/schedule.js';

export type RaceResult = { readonly timedOut: true } | { readonly timedOut: false; readonly winner: Task };

/**
 * The longest durable timer an orchestrator here creates: the Azure Storage provider's long-timer interval (3 days).
 *
 * A timer further away than the host's `maximumShortTimerDuration` (6 days on Azure Storage) becomes a durable-functions
 * LongTimerTask, which the extension waits out in steps, and such a timer cannot be cancelled safely. The extension
 * replays a cancelled long timer as its first step only, so cancelling one after a step has fired fails the instance
 * as non-deterministic; and a step that fires after the cancel makes the library number the tasks that follow
 * differently from the extension, so the instance waits for ever. Every retrieval and verification deadline is
 * cancelled when the employee acts first, so waits longer than this are taken in steps of ordinary timers, each
 * cancelled safely. test/conformance/longTimers.test.ts shows both failures in the local runtime.
 */
const maxTimerMs = 3 * 86_400_000;

/**
 * Waits for the first of `tasks` or the instant `fireAt`, whichever comes first, and always cancels the timer when a
 * task wins: an uncancelled timer keeps the instance alive in the task hub until it fires. Use with `yield*` from an
 * orchestrator.
 */
export function* raceWithTimer(
  context: OrchestrationContext,
  tasks: readonly Task[],
  fireAt: Date,
): Generator<Task, RaceResult, unknown> {
  for (;;) {
    // durable-functions' Task.any never completes for a child that finished before it was built (its compound task
    // only reacts to completions it sees), so a task that has already won is returned without starting a race.
    const finished = tasks.find((task) => task.isCompleted || task.isFaulted);
    if (finished !== undefined) return { timedOut: false, winner: finished };
    const now = context.df.currentUtcDateTime;
    const last = fireAt.getTime() - now.getTime() <= maxTimerMs;
    const timer = context.df.createTimer(last ? fireAt : addMilliseconds(now, maxTimerMs));
    // Task.any resumes the generator with the winning child task.
    const winner = (yield context.df.Task.any([...tasks, timer])) as Task;
    if (winner !== timer) {
      timer.cancel();
      return { timedOut: false, winner };
    }
    if (last) return { timedOut: true };
  }
}
