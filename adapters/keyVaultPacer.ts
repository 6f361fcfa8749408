import { setTimeout as delay } from 'node:timers/promises';
import { ThrottledError } from '../core/errors.js';
import type { KeyVaultBudget, KeyVaultLimits } from '../core/keyVaultLimits.js';
import { SlidingWindowLog } from '../core/slidingWindow.js';

/** How much wider than the budget the spacing is: 2 %, 200 ms on Key Vault's 10-second window. */
const slack = 0.02;

/**
 * Client-side throttling, as Key Vault's guidance asks: this instance spaces its requests evenly, one per window ÷
 * budget (34 ms for Key Vault's 300 secret writes per 10 s), so a crowd of mints arriving at once reaches the vault
 * at its rate instead of as a burst it answers with 429s, and no window ever holds more than the budget. Requests
 * take turns in arrival order, spaced 2 % wider than the budget so that the vault, counting on arrival, never sees
 * more than the budget in a window. One whose turn comes within half a window waits for it here; one whose turn is
 * further off is not sent at all but refused with a `ThrottledError` saying when, which the orchestration waits out
 * on a durable timer as it does a 429 from the vault. The budget is per instance: several instances together can
 * still exceed the vault's limit, and then the vault's own 429s take over.
 */
export class KeyVaultPacer {
  readonly #turns: Record<KeyVaultBudget, SlidingWindowLog>;
  readonly #longestWaitMs: number;

  constructor(budget: KeyVaultLimits) {
    // A window of one request per interval is the even spacing; it keeps any window of the budget's length within it.
    // The slack covers the difference between when a request leaves here and when the vault counts it: without it,
    // one that waited longer on the way could land in the same window as the budget's worth after it.
    const spaced = (perWindow: number) => new SlidingWindowLog(1, (budget.windowMs / perWindow) * (1 + slack));
    this.#turns = { secretWrites: spaced(budget.secretWrites), otherOperations: spaced(budget.otherOperations) };
    this.#longestWaitMs = budget.windowMs / 2;
  }

  /** Resolves when a request against `budget` may be sent; `what` names it in the error when it may not yet. */
  async turn(budget: KeyVaultBudget, what: string): Promise<void> {
    const turns = this.#turns[budget];
    const now = Date.now();
    const opening = turns.nextOpening(now);
    if (opening - now > this.#longestWaitMs) {
      throw new ThrottledError(`${what} held back: this instance's Key Vault budget for ${budget} is spent`, {
        retryAfterMs: Math.ceil(opening - now),
      });
    }
    turns.record(opening);
    if (opening > now) await delay(opening - now);
  }
}
