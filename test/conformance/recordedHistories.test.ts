import * as df from 'durable-functions';
import type { OrchestrationContext, Task } from 'durable-functions';
import { describe, expect, it } from 'vitest';
import { EventType, historyEvents, type HistoryEvent } from '../../devhost/durable/history.js';
import { registerOrchestrator, registry } from '../helpers/durableHarness.js';
import { OrchestrationDriver } from '../helpers/orchestrationDriver.js';

/*
 * The shapes of durable-functions' own recorded test histories (Azure/azure-functions-durable-js,
 * test/testobjects/testhistories.ts, with the orchestrators of test/testobjects/TestOrchestrations.ts), written again
 * here and replayed through the local runtime's episode executor: each new event in an episode of its own, and the
 * events that can arrive together (both results of a race, a fan-in, two events) in one episode, as the Azure Storage
 * provider batches a control queue's messages per instance. Both ways must schedule what the recorded history holds
 * (sequence numbers, names, timers) and end the same way. The one place the runtime differs from the library's own
 * history is the long timer: the library's test history splits 7 days as 3 + 4 (its own LongTimerTask rule), the
 * extension as 3 + 3 + 1 (DurableOrchestrationContext.cs, CreateTimer<T>); the library accepts both.
 */

const start = new Date('2026-05-04T09:00:00.000Z');
const hour = 3_600_000;
const day = 24 * hour;

registerOrchestrator('ShapeSayHelloSequence', function* (context: OrchestrationContext) {
  const output: unknown[] = [];
  for (const city of ['Tokyo', 'Seattle', 'London']) output.push(yield context.df.callActivity('Hello', { city }));
  return output;
});

registerOrchestrator('ShapeAnyAOrB', function* (context: OrchestrationContext) {
  const winner = (yield context.df.Task.any([
    context.df.callActivity('TaskA', { a: 1 }),
    context.df.callActivity('TaskB', { b: 1 }),
  ])) as Task;
  return winner.result;
});

registerOrchestrator('ShapeTimerActivityRace', function* (context: OrchestrationContext) {
  const timer = context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + 1_000));
  const activity = context.df.callActivity('TaskA', { a: 1 });
  const winner = (yield context.df.Task.any([timer, activity])) as Task;
  if (winner === timer) return 'Timer finished';
  yield context.df.callActivity('TaskB', { b: 1 });
  return activity.result;
});

registerOrchestrator('ShapeAnyWithTaskSet', function* (context: OrchestrationContext) {
  const timeout = context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + 300_000));
  const both = context.df.Task.all([
    context.df.waitForExternalEvent('firstRequiredEvent'),
    context.df.waitForExternalEvent('secondRequiredEvent'),
  ]);
  const winner = (yield context.df.Task.any([both, timeout])) as Task;
  if (winner === timeout) return ['timeout'];
  const hello: unknown = yield context.df.callActivity('Hello', { city: 'Tokyo' });
  timeout.cancel();
  return [hello];
});

registerOrchestrator('ShapeFanOutFanIn', function* (context: OrchestrationContext) {
  const files = (yield context.df.callActivity('GetFileList', { directory: 'C:\\Dev' })) as string[];
  const sizes = (yield context.df.Task.all(
    files.map((file) => context.df.callActivity('GetFileSize', { file })),
  )) as number[];
  return sizes.reduce((sum, size) => sum + size, 0);
});

registerOrchestrator('ShapeSayHelloWithActivityRetry', function* (context: OrchestrationContext) {
  const output: unknown = yield context.df.callActivityWithRetry('Hello', new df.RetryOptions(10_000, 2), {
    city: 'World',
  });
  return output;
});

registerOrchestrator('ShapeSayHelloWithActivityRetryFanout', function* (context: OrchestrationContext) {
  const options = new df.RetryOptions(100, 5);
  const output: unknown = yield context.df.Task.all([
    context.df.callActivityWithRetry('Hello', options, { city: 'Tokyo' }),
    context.df.callActivityWithRetry('Hello', options, { city: 'Seattle' }),
  ]);
  return output;
});

/** Work resumed by one event and a retry caused by another: in one episode, numbered in event order. */
registerOrchestrator('ShapeRetryBesideSequence', function* (context: OrchestrationContext) {
  const flaky = context.df.callActivityWithRetry('Flaky', new df.RetryOptions(1_000, 2), { n: 1 });
  const tokyo = context.df.callActivity('Hello', { city: 'Tokyo' });
  yield context.df.Task.any([flaky, tokyo]);
  const seattle: unknown = yield context.df.callActivity('Hello', { city: 'Seattle' });
  const third: unknown = yield flaky;
  return [tokyo.result, seattle, third];
});

registerOrchestrator('ShapeWaitForExternalEvent', function* (context: OrchestrationContext) {
  const name: unknown = yield context.df.waitForExternalEvent('start');
  const output: unknown = yield context.df.callActivity('Hello', { name });
  return output;
});

registerOrchestrator('ShapeWaitOnTimer', function* (context: OrchestrationContext) {
  const days = context.df.getInput<number>();
  yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + days * day));
  return 'Timer fired!';
});

registerOrchestrator('ShapeThrowsExceptionFromActivityWithCatch', function* (context: OrchestrationContext) {
  try {
    yield context.df.callActivity('ThrowsErrorActivity', { n: 1 });
    return 'no error';
  } catch {
    const output: unknown = yield context.df.callActivity('Hello', { city: 'World' });
    return output;
  }
});

registerOrchestrator('ShapeThrowsExceptionFromActivity', function* (context: OrchestrationContext) {
  yield context.df.callActivity('ThrowsErrorActivity', { n: 1 });
});

type Delivery = (driver: OrchestrationDriver) => HistoryEvent;
const complete =
  (name: string, result: unknown): Delivery =>
  (driver) =>
    driver.completion(name, result);
const fail =
  (name: string, reason: string): Delivery =>
  (driver) =>
    driver.failure(name, reason);
const fire: Delivery = (driver) => driver.timerFiring();
const raise =
  (name: string, data: unknown): Delivery =>
  (driver) =>
    historyEvents.eventRaised(driver.now, name, data);

interface Shape {
  /** The recorded history in testhistories.ts this one has the shape of. */
  readonly history: string;
  readonly orchestrator: string;
  readonly input?: unknown;
  /** What arrives after the start; the deliveries of one inner list can come in one episode. */
  readonly episodes: readonly (readonly Delivery[])[];
  /** Everything scheduled, in order: "id name" for activities, "id timer Nd|Ns" for timers. */
  readonly scheduled: readonly string[];
  readonly status: 'Completed' | 'Failed';
  readonly output: unknown;
}

const shapes: readonly Shape[] = [
  {
    history: 'GetHelloSequenceReplayFinal',
    orchestrator: 'ShapeSayHelloSequence',
    episodes: [
      [complete('Hello', 'Hello, Tokyo!')],
      [complete('Hello', 'Hello, Seattle!')],
      [complete('Hello', 'Hello, London!')],
    ],
    scheduled: ['0 Hello', '1 Hello', '2 Hello'],
    status: 'Completed',
    output: ['Hello, Tokyo!', 'Hello, Seattle!', 'Hello, London!'],
  },
  {
    history: 'GetAnyAOrB (in order)',
    orchestrator: 'ShapeAnyAOrB',
    episodes: [[complete('TaskA', 'A'), complete('TaskB', 'B')]],
    scheduled: ['0 TaskA', '1 TaskB'],
    status: 'Completed',
    output: 'A',
  },
  {
    history: 'GetAnyAOrB (out of order)',
    orchestrator: 'ShapeAnyAOrB',
    episodes: [[complete('TaskB', 'B'), complete('TaskA', 'A')]],
    scheduled: ['0 TaskA', '1 TaskB'],
    status: 'Completed',
    output: 'B',
  },
  {
    history: 'GetTimerActivityRaceActivityWinsHistory',
    orchestrator: 'ShapeTimerActivityRace',
    episodes: [[complete('TaskA', 'a')], [complete('TaskB', 'b')]],
    scheduled: ['0 timer 1s', '1 TaskA', '2 TaskB'],
    status: 'Completed',
    output: 'a',
  },
  {
    history: 'GetTimerActivityRaceTimerWinsHistory',
    orchestrator: 'ShapeTimerActivityRace',
    episodes: [[fire]],
    scheduled: ['0 timer 1s', '1 TaskA'],
    status: 'Completed',
    output: 'Timer finished',
  },
  {
    history: 'GetAnyWithTaskSet',
    orchestrator: 'ShapeAnyWithTaskSet',
    episodes: [
      [raise('firstRequiredEvent', true), raise('secondRequiredEvent', true)],
      [complete('Hello', 'Hello Tokyo')],
    ],
    scheduled: ['0 timer 300s', '1 Hello'],
    status: 'Completed',
    output: ['Hello Tokyo'],
  },
  {
    history: 'GetFanOutFanInDiskUsageComplete',
    orchestrator: 'ShapeFanOutFanIn',
    episodes: [
      [complete('GetFileList', ['a.txt', 'b.txt', 'c.txt'])],
      [complete('GetFileSize', 1), complete('GetFileSize', 2), complete('GetFileSize', 3)],
    ],
    scheduled: ['0 GetFileList', '1 GetFileSize', '2 GetFileSize', '3 GetFileSize'],
    status: 'Completed',
    output: 6,
  },
  {
    history: 'GetSayHelloWithActivityRetryRetryOne',
    orchestrator: 'ShapeSayHelloWithActivityRetry',
    episodes: [[fail('Hello', 'Result: Failure')], [fire], [complete('Hello', 'Hello, World!')]],
    scheduled: ['0 Hello', '1 timer 10s', '2 Hello'],
    status: 'Completed',
    output: 'Hello, World!',
  },
  {
    history: 'GetSayHelloWithActivityRetryRetryTwo',
    orchestrator: 'ShapeSayHelloWithActivityRetry',
    episodes: [[fail('Hello', 'Result: Failure')], [fire], [fail('Hello', 'Result: Failure')], [fire]],
    scheduled: ['0 Hello', '1 timer 10s', '2 Hello', '3 timer 0s'],
    status: 'Failed',
    output: expect.stringContaining('Result: Failure') as unknown,
  },
  {
    history: 'GetSayHelloWithActivityRetryFanout',
    orchestrator: 'ShapeSayHelloWithActivityRetryFanout',
    episodes: [
      [fail('Hello', 'Result: Failure'), complete('Hello', 'Hello, Seattle!')],
      [fire],
      [complete('Hello', 'Hello, Tokyo!')],
    ],
    scheduled: ['0 Hello', '1 Hello', '2 timer 0.1s', '3 Hello'],
    status: 'Completed',
    output: ['Hello, Tokyo!', 'Hello, Seattle!'],
  },
  {
    history: 'GetSayHelloWithActivityRetryFanout, with the retry beside new work',
    orchestrator: 'ShapeRetryBesideSequence',
    episodes: [
      [complete('Hello', 'Hello, Tokyo!'), fail('Flaky', 'busy')],
      [fire],
      [complete('Hello', 'Hello, Seattle!'), complete('Flaky', 'done')],
    ],
    scheduled: ['0 Flaky', '1 Hello', '2 Hello', '3 timer 1s', '4 Flaky'],
    status: 'Completed',
    output: ['Hello, Tokyo!', 'Hello, Seattle!', 'done'],
  },
  {
    history: 'GetWaitForExternalEventEventReceived',
    orchestrator: 'ShapeWaitForExternalEvent',
    episodes: [[raise('start', 'Bob')], [complete('Hello', 'Hello, Bob!')]],
    scheduled: ['0 Hello'],
    status: 'Completed',
    output: 'Hello, Bob!',
  },
  {
    history: 'GetWaitOnTimerFired (short)',
    orchestrator: 'ShapeWaitOnTimer',
    input: 1 / 24,
    episodes: [[fire]],
    scheduled: ['0 timer 3600s'],
    status: 'Completed',
    output: 'Timer fired!',
  },
  {
    history: 'GetWaitOnTimerFired (long)',
    orchestrator: 'ShapeWaitOnTimer',
    input: 7,
    episodes: [[fire], [fire], [fire]],
    scheduled: ['0 timer 3d', '1 timer 3d', '2 timer 1d'],
    status: 'Completed',
    output: 'Timer fired!',
  },
  {
    history: 'GetThrowsExceptionFromActivityReplayOne (caught)',
    orchestrator: 'ShapeThrowsExceptionFromActivityWithCatch',
    episodes: [[fail('ThrowsErrorActivity', 'Kah-BOOOOM!!!')], [complete('Hello', 'Hello, World!')]],
    scheduled: ['0 ThrowsErrorActivity', '1 Hello'],
    status: 'Completed',
    output: 'Hello, World!',
  },
  {
    history: 'GetThrowsExceptionFromActivityReplayOne',
    orchestrator: 'ShapeThrowsExceptionFromActivity',
    episodes: [[fail('ThrowsErrorActivity', 'Kah-BOOOOM!!!')]],
    scheduled: ['0 ThrowsErrorActivity'],
    status: 'Failed',
    output: expect.stringContaining('Kah-BOOOOM!!!') as unknown,
  },
];

/** Each scheduled activity or timer as "id name" or "id timer <duration>". */
function scheduledIn(history: readonly HistoryEvent[]): string[] {
  const duration = (ms: number) => (ms >= day && ms % day === 0 ? `${ms / day}d` : `${ms / 1_000}s`);
  return history
    .filter((event) => event.EventType === EventType.TaskScheduled || event.EventType === EventType.TimerCreated)
    .map((event) =>
      event.EventType === EventType.TaskScheduled
        ? `${event.EventId} ${event.Name ?? ''}`
        : `${event.EventId} timer ${duration(Date.parse(event.FireAt ?? '') - Date.parse(event.Timestamp))}`,
    );
}

async function replay(shape: Shape, batched: boolean): Promise<OrchestrationDriver> {
  const handler = registry.get(shape.orchestrator)?.handler;
  if (handler === undefined) throw new Error(`${shape.orchestrator} is not registered`);
  const driver = new OrchestrationDriver(handler, shape.orchestrator, shape.input ?? null, start);
  await driver.start();
  for (const episode of shape.episodes) {
    if (batched) await driver.deliver(...episode.map((delivery) => delivery(driver)));
    // A message for an instance that has finished is dropped, as the task hub drops it.
    else for (const delivery of episode) if (driver.runtimeStatus === 'Running') await driver.deliver(delivery(driver));
  }
  return driver;
}

describe('durable-functions’ recorded history shapes, replayed through the local runtime', () => {
  describe.each([
    ['one episode per new event', false],
    ['several events per episode', true],
  ])('%s', (_mode, batched) => {
    it.each(shapes.map((shape) => [shape.history, shape] as const))('%s', async (_name, shape) => {
      const driver = await replay(shape, batched);
      expect(scheduledIn(driver.history)).toEqual(shape.scheduled);
      expect(driver.runtimeStatus).toBe(shape.status);
      expect(driver.output).toEqual(shape.output);
    });
  });
});
