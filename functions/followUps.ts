import { setTimeout as delay } from 'node:timers/promises';
import { ensureError } from '../core/errors.js';
import { redact } from '../core/redact.js';

/**
 * Work a request hands off so that its answer need not wait for it: the audit rows and the orchestration event after
 * a reveal, a link's limiter slot given back. Each step starts at once, is retried with backoff, and is logged when it
 * gives up; what it leaves undone must be something the system reconciles on its own (the reveal's claim row is read
 * at the retrieval deadline; a slot not given back counts as a miss, which errs towards limiting).
 */
export interface FollowUps {
  /** Starts `step` without holding up the caller. */
  start(what: string, step: () => Promise<void>): void;
  /** Runs `step` with the same retries, for a caller that must wait for it; never throws. */
  settle(what: string, step: () => Promise<void>): Promise<void>;
  /** Resolves once every step started so far has finished or given up: for a graceful shutdown. */
  idle(): Promise<void>;
}

export interface FollowUpOptions {
  /** Where a step that gave up is reported. */
  readonly log: (line: string) => void;
  /** Tries of each step; 4 by default. */
  readonly attempts?: number;
  /** The wait before the first retry, doubling after each; 100 ms by default (100, 200, 400). */
  readonly backoffMs?: number;
}

export function createFollowUps(options: FollowUpOptions): FollowUps {
  const attempts = options.attempts ?? 4;
  const backoffMs = options.backoffMs ?? 100;
  const running = new Set<Promise<void>>();

  async function settle(what: string, step: () => Promise<void>): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await step();
        return;
      } catch (error) {
        if (attempt >= attempts) {
          options.log(redact(`${what} failed ${attempt} times and was let go: ${ensureError(error).message}`));
          return;
        }
        await delay(backoffMs * 2 ** (attempt - 1));
      }
    }
  }

  return {
    start(what, step) {
      const run = settle(what, step).finally(() => running.delete(run));
      running.add(run);
    },
    settle,
    async idle() {
      while (running.size > 0) await Promise.allSettled([...running]);
    },
  };
}
