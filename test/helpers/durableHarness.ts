import * as df from 'durable-functions';
import type { ActivityHandler, OrchestrationHandler } from 'durable-functions';
import { afterAll, beforeAll, inject } from 'vitest';
import { createTableClientFactory } from '../../adapters/tables/tableClients.js';
import type { OrchestratorHandler } from '../../devhost/durable/episode.js';
import { TaskHub, type TaskHubLimits } from '../../devhost/durable/taskHub.js';
import { TaskHubStore } from '../../devhost/durable/taskHubStore.js';
import { installFunctionsCore, type FunctionRegistry } from '../../devhost/functionsCore.js';

/*
 * Test orchestrations and activities registered through durable-functions' own `df.app` (as the app's are), and a task
 * hub of their own on the run's Azurite, for tests of the local runtime itself.
 */

/** The registry the injected `@azure/functions-core` fills; install before the first `df.app` call. */
export const registry: FunctionRegistry = installFunctionsCore();

export function registerOrchestrator(name: string, orchestrator: OrchestrationHandler): OrchestratorHandler {
  df.app.orchestration(name, orchestrator);
  const registration = registry.get(name);
  if (registration === undefined) throw new Error(`${name} did not register`);
  return registration.handler;
}

export function registerActivity(name: string, handler: ActivityHandler): void {
  df.app.activity(name, { handler });
}

/** A clock the test moves: the task hub's idea of now, so that days pass in an instant. */
export class TestClock {
  constructor(private at: number) {}

  readonly now = (): Date => new Date(this.at);

  advance(ms: number): void {
    this.at += ms;
  }
}

export interface TestTaskHub {
  readonly hub: TaskHub;
  readonly store: TaskHubStore;
  stop(): Promise<void>;
}

/** A started task hub with its own tables; polling capped at 100 ms unless `limits` says otherwise. */
export async function startTaskHub(
  options: { registry?: FunctionRegistry; clock?: TestClock; limits?: Partial<TaskHubLimits> } = {},
): Promise<TestTaskHub> {
  const tables = createTableClientFactory({ connectionString: inject('azuriteConnectionString') });
  const store = await TaskHubStore.open(
    tables,
    `Conf${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`,
  );
  const hub = new TaskHub({
    store,
    registry: options.registry ?? registry,
    limits: { maxQueuePollingIntervalMs: 100, ...options.limits },
    ...(options.clock === undefined ? {} : { now: options.clock.now }),
  });
  await hub.start();
  return { hub, store, stop: () => hub.stop() };
}

/** A task hub for the tests of the enclosing file or describe block: started before them, stopped after. */
export function useTaskHub(options: Parameters<typeof startTaskHub>[0] = {}): () => TestTaskHub {
  let taskHub: TestTaskHub | undefined;
  beforeAll(async () => {
    taskHub = await startTaskHub(options);
  });
  afterAll(async () => {
    await taskHub?.stop();
  });
  return () => {
    if (taskHub === undefined) throw new Error('The task hub has not started');
    return taskHub;
  };
}
