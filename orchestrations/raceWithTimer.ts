import type { OrchestrationContext, Task } from 'durable-functions';

export type RaceResult = { readonly timedOut: true } | { readonly timedOut: false; readonly winner: Task };

/**
 * Waits for the first of `tasks` or a durable timer at `fireAt`, and always cancels the timer when a task wins:
 * an uncancelled timer keeps the instance alive in the task hub until it fires.
 * Use with `yield*` from an orchestrator.
 */
export function* raceWithTimer(
  context: OrchestrationContext,
  tasks: readonly Task[],
  fireAt: Date,
): Generator<Task, RaceResult, unknown> {
  // durable-functions' Task.any never completes for a child that finished before it was built (its compound task
  // only reacts to completions it sees), so a task that has already won is returned without starting a race.
  const finished = tasks.find((task) => task.isCompleted || task.isFaulted);
  if (finished !== undefined) return { timedOut: false, winner: finished };
  const timer = context.df.createTimer(fireAt);
  // Task.any resumes the generator with the winning child task.
  const winner = (yield context.df.Task.any([...tasks, timer])) as Task;
  if (winner === timer) return { timedOut: true };
  timer.cancel();
  return { timedOut: false, winner };
}
