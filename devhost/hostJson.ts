import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { azureStorageProvider, parseTimeSpan } from './durable/azureStorageProvider.js';
import type { TaskHubLimits } from './durable/taskHub.js';

/** What the local runtime takes from host.json, with the Functions host's and the extension's defaults. */
export interface HostSettings {
  /** extensions.http.routePrefix ("api" when absent). */
  readonly routePrefix: string;
  /** extensions.durableTask throughput settings. */
  readonly durable: TaskHubLimits;
}

const positiveInteger = z.number().int().positive();

const hostJsonSchema = z.looseObject({
  extensions: z.optional(
    z.looseObject({
      http: z.optional(z.looseObject({ routePrefix: z.optional(z.string()) })),
      durableTask: z.optional(
        z.looseObject({
          maxConcurrentActivityFunctions: z.optional(positiveInteger),
          maxConcurrentOrchestratorFunctions: z.optional(positiveInteger),
          storageProvider: z.optional(
            z.looseObject({
              maxQueuePollingInterval: z.optional(
                z
                  .string()
                  .refine((text) => (parseTimeSpan(text) ?? 0) > 0, 'expected a positive TimeSpan such as "00:00:10"'),
              ),
            }),
          ),
        }),
      ),
    }),
  ),
});

/**
 * Reads the app's host.json as the Functions host and the Durable extension would: an invalid value stops the start
 * with a message naming it (the extension refuses non-positive throttles and polling intervals), a missing one takes
 * the default (10 per processor, `AzureStorageDurabilityProviderFactory`; 30 s, `AzureStorageOptions`).
 */
export async function readHostSettings(path: URL): Promise<HostSettings> {
  const text = await readFile(path, 'utf8').catch(() => '{}');
  const parsed = hostJsonSchema.safeParse(JSON.parse(text));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`host.json is not valid:\n${problems.join('\n')}`);
  }
  const durable = parsed.data.extensions?.durableTask;
  const perProcessor = azureStorageProvider.defaultMaxConcurrentPerProcessor * availableParallelism();
  const polling = durable?.storageProvider?.maxQueuePollingInterval;
  return {
    routePrefix: parsed.data.extensions?.http?.routePrefix ?? 'api',
    durable: {
      maxConcurrentActivityFunctions: durable?.maxConcurrentActivityFunctions ?? perProcessor,
      maxConcurrentOrchestratorFunctions: durable?.maxConcurrentOrchestratorFunctions ?? perProcessor,
      maxQueuePollingIntervalMs:
        (polling === undefined ? undefined : parseTimeSpan(polling)) ?? azureStorageProvider.defaultMaxQueuePollingMs,
    },
  };
}
