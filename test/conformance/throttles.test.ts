import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { OrchestrationContext } from 'durable-functions';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { QueuePollingBackoff } from '../../devhost/durable/queuePolling.js';
import type { WorkItem } from '../../devhost/durable/taskHubStore.js';
import { WorkDispatcher } from '../../devhost/durable/workDispatcher.js';
import type { FunctionRegistry, Registration } from '../../devhost/functionsCore.js';
import { readHostSettings } from '../../devhost/hostJson.js';
import { registerActivity, registerOrchestrator, registry, startTaskHub } from '../helpers/durableHarness.js';
import { waitFor } from '../helpers/waitFor.js';

/*
 * Pins the throughput behaviour of the Azure Storage provider: host.json's maxConcurrentActivityFunctions and
 * maxConcurrentOrchestratorFunctions (extension Options/DurableTaskOptions.cs, defaults in
 * AzureStorageDurabilityProviderFactory.cs) and storageProvider.maxQueuePollingInterval (Options/AzureStorageOptions.cs),
 * and DTFx's queue polling back-off (Azure/durabletask src/DurableTask.AzureStorage/BackoffPollingHelper.cs, 50 ms
 * minimum in Messaging/TaskHubQueue.cs): an idle queue is polled less and less often, and nothing wakes it early.
 */

const hostJson = new URL('../../host.json', import.meta.url);

describe('host.json', () => {
  it('gives the task hub its throttles and polling interval', async () => {
    expect(await readHostSettings(hostJson)).toEqual({
      routePrefix: '',
      durable: {
        maxConcurrentActivityFunctions: 10,
        maxConcurrentOrchestratorFunctions: 5,
        maxQueuePollingIntervalMs: 10_000,
      },
    });
  });

  it('refuses values the extension refuses, naming them', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'hostjson-'));
    const file = join(folder, 'host.json');
    await writeFile(
      file,
      JSON.stringify({
        extensions: {
          durableTask: { maxConcurrentActivityFunctions: 0, storageProvider: { maxQueuePollingInterval: '10s' } },
        },
      }),
    );
    await expect(readHostSettings(pathToFileURL(file))).rejects.toThrow(
      /extensions\.durableTask\.maxConcurrentActivityFunctions[\s\S]*extensions\.durableTask\.storageProvider\.maxQueuePollingInterval/,
    );
  });
});

describe('queue polling back-off', () => {
  const waits = (backoff: QueuePollingBackoff, count: number) =>
    Array.from({ length: count }, () => backoff.nextWaitMs());

  it('doubles the wait after each empty poll, from 50 ms up to maxQueuePollingInterval, and starts over after work', () => {
    const backoff = new QueuePollingBackoff(10_000, () => 0.5);
    expect(waits(backoff, 13)).toEqual([0, 50, 100, 150, 250, 450, 850, 1650, 3250, 6450, 10_000, 10_000, 10_000]);
    backoff.reset();
    expect(waits(backoff, 3)).toEqual([0, 50, 100]);
  });

  it('jitters each step by up to 20 %', () => {
    expect(waits(new QueuePollingBackoff(10_000, () => 0), 4)).toEqual([0, 50, 90, 130]);
    expect(waits(new QueuePollingBackoff(10_000, () => 0.999_999), 3).map(Math.round)).toEqual([0, 50, 110]);
  });

  describe('in the dispatcher', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it('finds work enqueued while it waits only at its next poll', async () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: 0 });
      const polls: number[] = [];
      const ran: number[] = [];
      const item: WorkItem = { key: 'k', instanceId: 'i', kind: 'event', dueAt: 0, payload: '{}' };
      const dispatcher = new WorkDispatcher({
        name: 'test',
        concurrency: 1,
        maxQueuePollingIntervalMs: 10_000,
        random: () => 0.5,
        fetch: () => {
          polls.push(Date.now());
          return Promise.resolve(Date.now() >= 400 && ran.length === 0 ? [item] : []);
        },
        units: (items) => items.map((unit) => ({ key: unit.key, items: [unit] })),
        run: () => {
          ran.push(Date.now());
          return Promise.resolve();
        },
        log: () => undefined,
      });
      dispatcher.start();
      await vi.advanceTimersByTimeAsync(1_000);
      await dispatcher.stop();
      // Enqueued at 400 ms, while the queue waited from 300 ms to 550 ms: found at 550 ms, not before.
      expect(polls.slice(0, 6)).toEqual([0, 0, 50, 150, 300, 550]);
      expect(ran).toEqual([550]);
    });
  });
});

describe('concurrency limits', () => {
  /** A gate each blocked unit waits on, and the highest number of units inside at once. */
  const gauge = () => {
    const waiting: (() => void)[] = [];
    let inside = 0;
    let most = 0;
    return {
      async pass(): Promise<void> {
        inside += 1;
        most = Math.max(most, inside);
        await new Promise<void>((resolve) => waiting.push(resolve));
        inside -= 1;
      },
      releaseOne(): void {
        waiting.shift()?.();
      },
      /** How many wait at the gate now. */
      get blocked() {
        return waiting.length;
      },
      get most() {
        return most;
      },
    };
  };

  it('runs at most maxConcurrentActivityFunctions activities at once', async () => {
    const activities = gauge();
    registerActivity('ConformanceBlocking', async (input: unknown) => {
      await activities.pass();
      return input;
    });
    registerOrchestrator('ConformanceFanOut', function* (context: OrchestrationContext) {
      const results: unknown = yield context.df.Task.all(
        [1, 2, 3, 4, 5, 6].map((n) => context.df.callActivity('ConformanceBlocking', { n })),
      );
      return results;
    });
    const taskHub = await startTaskHub({ limits: { maxConcurrentActivityFunctions: 2 } });
    try {
      await taskHub.hub.startNew('ConformanceFanOut', 'fan-out', null);
      await waitFor('two activities running', () => (activities.blocked === 2 ? true : undefined));
      for (let released = 0; released < 6; released += 1) {
        await waitFor('a running activity', () => (activities.blocked > 0 ? true : undefined));
        activities.releaseOne();
      }
      const done = await waitFor('completion', async () => {
        const status = await taskHub.hub.status('fan-out');
        return status?.runtimeStatus === 'Completed' ? status : undefined;
      });
      expect(done.output).toHaveLength(6);
      expect(activities.most).toBe(2);
    } finally {
      await taskHub.stop();
    }
  });

  it('runs at most maxConcurrentOrchestratorFunctions episodes at once', async () => {
    const episodes = gauge();
    registerOrchestrator('ConformanceQuick', function* () {
      yield* [];
      return 'done';
    });
    const quick = registry.get('ConformanceQuick');
    if (quick === undefined) throw new Error('ConformanceQuick did not register');
    const blocking: Registration = {
      ...quick,
      handler: async (trigger, context) => {
        await episodes.pass();
        return quick.handler(trigger, context);
      },
    };
    const blockingRegistry: FunctionRegistry = {
      get: (name) => (name === 'ConformanceQuick' ? blocking : registry.get(name)),
      all: () => registry.all(),
    };
    const taskHub = await startTaskHub({
      registry: blockingRegistry,
      limits: { maxConcurrentOrchestratorFunctions: 1 },
    });
    try {
      for (const id of ['one', 'two', 'three']) await taskHub.hub.startNew('ConformanceQuick', id, null);
      for (let released = 0; released < 3; released += 1) {
        await waitFor('a running episode', () => (episodes.blocked > 0 ? true : undefined));
        episodes.releaseOne();
      }
      for (const id of ['one', 'two', 'three']) {
        await waitFor(`${id} to complete`, async () =>
          (await taskHub.hub.status(id))?.runtimeStatus === 'Completed' ? true : undefined,
        );
      }
      expect(episodes.most).toBe(1);
    } finally {
      await taskHub.stop();
    }
  });
});
