/*
 * What the Durable extension does on the Azure Storage provider, in one place, each value beside the upstream file it
 * comes from (Azure/azure-functions-durable-extension, src/WebJobs.Extensions.DurableTask/, and Azure/durabletask,
 * src/DurableTask.*). The local runtime takes these as they are; tests that cannot wait days move the task hub's
 * clock instead of changing them.
 */

const second = 1_000;
const day = 86_400_000;

export const azureStorageProvider = {
  /**
   * A timer further away than this is a long timer: `AzureStorageDurabilityProvider.MaximumDelayTime` (6 days), sent to
   * the library as `maximumShortTimerDuration`.
   */
  maximumShortTimerMs: 6 * day,
  /**
   * A long timer waits in steps of this (`AzureStorageDurabilityProvider.LongRunningTimerIntervalLength`, 3 days),
   * sent as `longRunningTimerIntervalDuration`; `DurableOrchestrationContext.CreateTimer` creates one timer per step.
   */
  longRunningTimerIntervalMs: 3 * day,
  /** `OrchestrationTriggerAttributeBindingProvider.OrchestrationContextToString`: schema V2, and V3 in the new field. */
  upperSchemaVersion: 1,
  upperSchemaVersionNew: 2,
  /** `DurableOrchestrationContext.DefaultHttpAsyncRequestSleepTimeMillseconds`. */
  defaultHttpAsyncRequestSleepTimeMs: 30 * second,
  /**
   * `DurableOrchestrationContext.SetCustomStatus` (16) through `MessagePayloadDataConverter.Serialize`: the custom
   * status's JSON, as UTF-16, in whole KB, may not exceed this.
   */
  maxCustomStatusKb: 16,
  /**
   * `RetryInterceptor.Invoke`: the timer after an activity's last failed attempt fires at once ("Dummy timer for
   * back-compat", DTFx commit 657586bc); before it, a full interval followed the last attempt too.
   */
  retryTimerAfterLastAttemptMs: 0,
  /** `HttpApiHandler.HandleRaiseEventRequestAsync`: the one media type an event's body may have. */
  raiseEventMediaType: 'application/json',
  /** `RetryOptions.DefaultMaxRetryinterval`: the cap on a retry's wait when the orchestrator sets none (6 days). */
  defaultMaxRetryIntervalMs: 6 * day,
  /** `TaskHubQueue`: the shortest wait between two polls of a queue (50 ms). */
  minQueuePollingMs: 50,
  /** `AzureStorageOptions.MaxQueuePollingInterval` when host.json does not set it (30 s). */
  defaultMaxQueuePollingMs: 30 * second,
  /**
   * `AzureStorageDurabilityProviderFactory` when host.json sets neither: 10 activities and 10 orchestrator episodes at
   * once per processor (the Consumption plan's 5 and 10 apply only there).
   */
  defaultMaxConcurrentPerProcessor: 10,
} as const;

/** A duration as .NET's `TimeSpan.ToString()` writes it (`6.00:00:00`), which is how the extension sends them. */
export function timeSpan(ms: number): string {
  const days = Math.floor(ms / day);
  const rest = ms - days * day;
  const pad = (n: number) => String(n).padStart(2, '0');
  const hours = Math.floor(rest / 3_600_000);
  const minutes = Math.floor((rest % 3_600_000) / 60_000);
  const seconds = Math.floor((rest % 60_000) / 1_000);
  const fraction = rest % 1_000 === 0 ? '' : `.${String((rest % 1_000) * 10_000).padStart(7, '0')}`;
  return `${days > 0 ? `${days}.` : ''}${pad(hours)}:${pad(minutes)}:${pad(seconds)}${fraction}`;
}

/**
 * Parses a .NET TimeSpan as host.json writes one (`00:00:10`, `1.02:03:04.5`); undefined when it is not one. Only the
 * constant format: host.json's duration settings use it.
 */
export function parseTimeSpan(text: string): number | undefined {
  const match = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?$/.exec(text.trim());
  if (match === null) return undefined;
  const [, days = '0', hours = '0', minutes = '0', seconds = '0', fraction = ''] = match;
  if (Number(hours) > 23 || Number(minutes) > 59 || Number(seconds) > 59) return undefined;
  return (
    Number(days) * day +
    Number(hours) * 3_600_000 +
    Number(minutes) * 60_000 +
    Number(seconds) * second +
    Math.round(Number(`0.${fraction || '0'}`) * second)
  );
}

/** A status API instant (`HttpApiHandler.ConvertFrom`: `ToString("s") + "Z"`): whole seconds, fraction cut off. */
export function statusTime(iso: string): string {
  return `${iso.slice(0, 19)}Z`;
}
