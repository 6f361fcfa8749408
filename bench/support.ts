import { fileURLToPath, pathToFileURL } from 'node:url';
import { startAzurite, type RunningAzurite } from '../devhost/azurite.js';
import { freeAzuritePorts, freeRuntimePorts } from '../devhost/freePort.js';
import { startRuntime, type RunningRuntime, type RuntimeOptions } from '../devhost/runtime.js';

/** What the benchmarks share: a bounded pool, polling, percentiles, and the runtime on the bundle. */

export const root = fileURLToPath(new URL('../../', import.meta.url));

export async function pool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const item = items[next++] as T;
        await work(item);
      }
    }),
  );
}

export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 120_000,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export const percentile = (sorted: readonly number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

export interface BenchRuntime {
  readonly runtime: RunningRuntime;
  stop(): Promise<void>;
}

/** In-memory Azurite and the local runtime running the deployable bundle, on free ports. */
export async function startBenchRuntime(options: {
  functionKey: string;
  keysByFunction?: Readonly<Record<string, readonly string[]>>;
  settings?: Readonly<Record<string, string>>;
  vaultLimits?: RuntimeOptions['vaultLimits'];
}): Promise<BenchRuntime> {
  const azurite: RunningAzurite = await startAzurite(await freeAzuritePorts());
  const runtime = await startRuntime({
    storageConnectionString: azurite.connectionString,
    ports: await freeRuntimePorts(),
    functionKeys: [options.functionKey],
    ...(options.keysByFunction === undefined ? {} : { keysByFunction: options.keysByFunction }),
    ...(options.settings === undefined ? {} : { settings: options.settings }),
    ...(options.vaultLimits === undefined ? {} : { vaultLimits: options.vaultLimits }),
    // The tests' polling cap: the benchmarks compare the app's costs, not Azure's 10 s queue back-off.
    maxQueuePollingIntervalMs: 100,
    appEntry: pathToFileURL(`${root}dist/app/index.js`).href,
  });
  return {
    runtime,
    async stop() {
      await runtime.stop();
      await azurite.stop();
    },
  };
}
