import { azureStorageProvider } from './azureStorageProvider.js';

/**
 * How long an Azure Storage queue listener waits before polling its queue again: DTFx's `BackoffPollingHelper` with
 * its `RandomizedExponentialBackoffStrategy` (DurableTask.AzureStorage/BackoffPollingHelper.cs). Each poll that finds
 * nothing waits longer, by about 50 ms × 2^n with ±20 % jitter, up to `maxQueuePollingInterval`; a poll that finds
 * work makes the next empty poll return at once and starts the climb again from 50 ms (`TaskHubQueue`). Nothing else
 * shortens a wait: a message enqueued meanwhile is seen at the next poll, which is why an idle task hub takes seconds
 * to notice an event.
 */
export class QueuePollingBackoff {
  private readonly min = azureStorageProvider.minQueuePollingMs;
  private readonly max: number;
  private current = 0;
  private exponent = 0;
  private signaled = false;

  constructor(
    maxQueuePollingIntervalMs: number,
    private readonly random: () => number = Math.random,
  ) {
    this.max = Math.max(this.min, maxQueuePollingIntervalMs);
  }

  /** A poll found work. */
  reset(): void {
    this.signaled = true;
  }

  /** How long to wait after a poll that found nothing, advancing the back-off as DTFx does. */
  nextWaitMs(): number {
    if (this.signaled) {
      this.signaled = false;
      this.current = this.min;
      this.exponent = 1;
      return 0;
    }
    const wait = this.current;
    this.grow();
    return wait;
  }

  private grow(): void {
    if (this.current === this.max) return;
    let next = this.min;
    if (this.exponent > 0) {
      const jitter = 0.8 + this.random() * 0.4;
      next += jitter * 2 ** (this.exponent - 1) * this.min;
    }
    if (next < this.max) {
      this.current = next;
      this.exponent += 1;
    } else {
      this.current = this.max;
    }
  }
}
