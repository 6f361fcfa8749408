import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventType, type HistoryEvent } from '../../devhost/durable/history.js';
import { TestClock } from '../helpers/durableHarness.js';
import { readyWithSession, stageOf, untilStage } from '../helpers/enrollmentJourney.js';
import { startTestRuntime, type TestRuntime } from '../helpers/testRuntime.js';
import { waitFor } from '../helpers/waitFor.js';

/*
 * The acceptance check of the long-timer split, through the whole local runtime with the production policy (7-day
 * retrieval, 14-day invitation): what `GET /_dev/api/instances/{id}` shows once an enrollment is ready, and after its
 * retrieval wait has run out on the task hub's clock. Azure's limits: no timer over 6 days
 * (AzureStorageDurabilityProvider.cs); the wait itself is taken in 3-day steps by orchestrations/raceWithTimer.ts.
 */

const day = 86_400_000;
const clock = new TestClock(Date.now());
let runtime: TestRuntime;

beforeAll(async () => {
  runtime = await startTestRuntime({}, { now: clock.now });
});

afterAll(async () => {
  await runtime.stop();
});

async function historyOf(id: string): Promise<HistoryEvent[]> {
  const response = await fetch(`${runtime.url}/_dev/api/instances/${id}`);
  return ((await response.json()) as { historyEvents: HistoryEvent[] }).historyEvents;
}

const timers = (history: readonly HistoryEvent[]) =>
  history
    .filter((event) => event.EventType === EventType.TimerCreated)
    .map((event) => ({ createdAt: Date.parse(event.Timestamp), fireAt: Date.parse(event.FireAt ?? '') }));

describe('the retrieval wait in the local runtime', () => {
  it('shows no timer over six days once ready, and waits seven days as 3-day steps plus the remainder', async () => {
    const { id } = await readyWithSession(runtime);
    // The stage says ready before the orchestration has sent the ready mail and started its wait: the retrieval
    // wait's first timer is the first one after the last activity it scheduled (the ready mail).
    const atReady = await waitFor('the retrieval wait to start', async () => {
      const history = await historyOf(id);
      const lastTimer = history.findLastIndex((event) => event.EventType === EventType.TimerCreated);
      const lastActivity = history.findLastIndex((event) => event.EventType === EventType.TaskScheduled);
      return lastTimer > lastActivity ? timers(history) : undefined;
    });
    expect(atReady.every((timer) => timer.fireAt - timer.createdAt <= 6 * day)).toBe(true);
    const first = atReady.at(-1);
    if (first === undefined) throw new Error('no retrieval timer');
    expect(first.fireAt - first.createdAt, 'the first step').toBe(3 * day);
    const readyAt = first.createdAt;
    // The retrieval wait's timers: the last one at ready and every one after it.
    const retrievalTimers = async () => timers(await historyOf(id)).slice(atReady.length - 1);

    for (const steps of [2, 3]) {
      clock.advance(3 * day);
      await waitFor(`step ${steps}`, async () => ((await retrievalTimers()).length === steps ? true : undefined));
      expect(await stageOf(runtime, id)).toBe('ready');
    }
    clock.advance(day);
    await untilStage(runtime, id, 'expired');
    const retrieval = await retrievalTimers();
    expect(retrieval.map((timer) => (timer.fireAt - readyAt) / day)).toEqual([3, 6, 7]);
    expect(retrieval.map((timer) => (timer.fireAt - timer.createdAt) / day)).toEqual([3, 3, 1]);
  });
});
