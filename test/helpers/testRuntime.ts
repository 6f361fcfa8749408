import { TableClient, TableServiceClient } from '@azure/data-tables';
import { inject } from 'vitest';
import { verifyFunctionName } from '../../core/functionNames.js';
import { startRuntime, type RunningRuntime, type RuntimeOptions } from '../../devhost/runtime.js';
import { freeRuntimePorts } from '../../devhost/freePort.js';

export const testFunctionKey = 'test-function-key-0123456789';
/**
 * The tests' cap on the task hub's polling back-off (host.json says 10 s): each step of an enrollment still waits
 * for a poll, as in Azure, but for at most this long.
 */
export const testMaxQueuePollingIntervalMs = 100;
/** The verify function's own key, as ops set it up: HR's key does not open it. */
export const testRelyingServiceKey = 'test-relying-service-key-0123456789';

export interface TestRuntime extends RunningRuntime {
  /** Every log line the runtime and the app's functions wrote. */
  readonly logs: string[];
  /** POST/GET against the runtime with the function key. */
  api(path: string, init?: RequestInit & { json?: unknown; key?: string | null }): Promise<Response>;
  /** Every entity of every table in the Azurite account, as JSON text (for secret scans). */
  dumpTables(): Promise<string>;
  countTableRows(): Promise<number>;
}

/**
 * Starts the local runtime against the run's shared Azurite, with its own task hub and table prefix so test files
 * never see each other's data. `options` can set the local vault's limits, or reach that Azurite another way (through
 * a counting proxy, say).
 */
export async function startTestRuntime(
  settings: Record<string, string> = {},
  options: Partial<Pick<RuntimeOptions, 'vaultLimits' | 'storageConnectionString' | 'now'>> = {},
): Promise<TestRuntime> {
  const connectionString = inject('azuriteConnectionString');
  const unique = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const logs: string[] = [];
  const runtime = await startRuntime({
    storageConnectionString: connectionString,
    ports: await freeRuntimePorts(),
    settings: { TASKHUB_NAME: `Hub${unique}`, APP_TABLE_PREFIX: `T${unique}`, ...settings },
    functionKeys: [testFunctionKey],
    keysByFunction: { [verifyFunctionName]: [testRelyingServiceKey] },
    maxQueuePollingIntervalMs: testMaxQueuePollingIntervalMs,
    log: (line) => logs.push(line),
    ...options,
  });
  const service = TableServiceClient.fromConnectionString(connectionString, { allowInsecureConnection: true });
  const ownTables = async () => {
    const names: string[] = [];
    for await (const table of service.listTables()) {
      const name = table.name ?? '';
      if (name.includes(unique)) names.push(name);
    }
    return names;
  };
  const rows = async () => {
    const all: unknown[] = [];
    for (const name of await ownTables()) {
      const client = TableClient.fromConnectionString(connectionString, name, { allowInsecureConnection: true });
      for await (const entity of client.listEntities()) all.push({ table: name, ...entity });
    }
    return all;
  };
  return {
    ...runtime,
    logs,
    async api(path, init = {}) {
      const { json, key, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (key !== null) headers.set('x-functions-key', key ?? testFunctionKey);
      if (json !== undefined) headers.set('content-type', 'application/json');
      return fetch(`${runtime.url}${path}`, {
        ...rest,
        headers,
        ...(json === undefined ? {} : { body: JSON.stringify(json) }),
      });
    },
    async dumpTables() {
      return JSON.stringify(await rows());
    },
    async countTableRows() {
      return (await rows()).length;
    },
  };
}
