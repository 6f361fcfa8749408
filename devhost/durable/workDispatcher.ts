import { redact } from '../../core/redact.js';
import { QueuePollingBackoff } from './queuePolling.js';
import type { WorkItem } from './taskHubStore.js';

export interface WorkDispatcherOptions {
  /**
   * For log lines: "orchestrator" or "activity" ("work item activity for <instance> failed: …" is what the fault soak
   * looks for when a result could not be stored).
   */
  readonly name: string;
  /** host.json's maxConcurrentOrchestratorFunctions or maxConcurrentActivityFunctions. */
  readonly concurrency: number;
  readonly maxQueuePollingIntervalMs: number;
  readonly random?: () => number;
  /** The queue's visible work, oldest first, at most `limit` items. */
  readonly fetch: (limit: number) => Promise<WorkItem[]>;
  /**
   * Splits fetched items into units of work, each run by one `run` call: an orchestrator episode takes all of an
   * instance's messages at once, an activity one message. `key` names what may not run twice at once (the instance
   * for episodes, the item for activities).
   */
  readonly units: (items: readonly WorkItem[]) => readonly { readonly key: string; readonly items: WorkItem[] }[];
  readonly run: (items: readonly WorkItem[]) => Promise<void>;
  readonly log: (line: string) => void;
}

/** How many items one poll may list beyond those in flight, which are still in the table until they finish. */
const pollBatch = 32;

/**
 * One queue listener and its work-item dispatcher, as DTFx runs them on Azure Storage: poll the queue with back-off
 * while it is empty (see QueuePollingBackoff), run at most `concurrency` units at once and fetch nothing while all
 * slots are taken. Messages for an instance whose episode is running wait in memory and run as soon as it ends, as
 * DTFx's session buffer does; nothing else cuts a back-off short.
 */
export class WorkDispatcher {
  private readonly backoff: QueuePollingBackoff;
  private readonly running = new Map<string, Promise<void>>();
  private readonly claimed = new Set<string>();
  private readonly buffered = new Set<string>();
  private readonly wakeUp = new WakeUp();
  private active = false;
  private loop: Promise<void> | undefined;

  constructor(private readonly options: WorkDispatcherOptions) {
    this.backoff = new QueuePollingBackoff(options.maxQueuePollingIntervalMs, options.random);
  }

  start(): void {
    this.active = true;
    this.loop = this.poll();
  }

  /** Stops polling and waits for the units in flight. */
  async stop(): Promise<void> {
    this.active = false;
    this.wakeUp.notify();
    await this.loop;
    await Promise.allSettled([...this.running.values()]);
  }

  private async poll(): Promise<void> {
    while (this.active) {
      if (this.running.size >= this.options.concurrency) {
        await this.wakeUp.sleep(this.options.maxQueuePollingIntervalMs);
        continue;
      }
      let dispatched = 0;
      try {
        const listed = await this.options.fetch(this.claimed.size + pollBatch);
        const visible = listed.filter((item) => !this.claimed.has(item.key));
        for (const unit of this.options.units(visible)) {
          if (this.running.size >= this.options.concurrency) break;
          if (this.running.has(unit.key)) {
            this.buffered.add(unit.key);
            continue;
          }
          this.dispatch(unit.key, unit.items);
          dispatched += 1;
        }
      } catch (error) {
        this.options.log(
          redact(`${this.options.name} queue poll failed: ${error instanceof Error ? error.message : String(error)}`),
        );
      }
      if (dispatched > 0) {
        this.backoff.reset();
        continue;
      }
      await this.wakeUp.sleep(this.backoff.nextWaitMs());
    }
  }

  private dispatch(key: string, items: WorkItem[]): void {
    for (const item of items) this.claimed.add(item.key);
    const work = this.options
      .run(items)
      .catch((error: unknown) => {
        this.options.log(
          redact(
            `work item ${this.options.name} for ${items[0]?.instanceId ?? ''} failed: ${error instanceof Error ? error.message : String(error)}`,
          ),
        );
      })
      .finally(() => {
        const wasFull = this.running.size >= this.options.concurrency;
        this.running.delete(key);
        for (const item of items) this.claimed.delete(item.key);
        if (this.buffered.delete(key) || wasFull) this.wakeUp.notify();
      });
    this.running.set(key, work);
  }
}

/** A sleep that `notify` ends early; a notification while nobody sleeps ends the next sleep at once. */
class WakeUp {
  private pending: (() => void) | undefined;
  private notified = false;

  sleep(ms: number): Promise<void> {
    if (this.notified) {
      this.notified = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.pending = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.pending = done;
    });
  }

  notify(): void {
    if (this.pending === undefined) this.notified = true;
    else this.pending();
  }
}
