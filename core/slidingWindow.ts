/**
 * A sliding-window log: at most `limit` events in any `windowMs`, the way Key Vault counts its service limits. It
 * remembers only the events it recorded, so a refused request costs nothing (Key Vault does not count its 429s). Pure:
 * the caller passes the time, so it serves both a server deciding whether to admit a request now and a client
 * reserving the earliest moment it may send one.
 */
export class SlidingWindowLog {
  /** Times of the recorded events still inside the window (and any reserved ahead), ascending, from `#head` on. */
  readonly #times: number[] = [];
  #head = 0;

  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError('limit must be a positive integer');
    if (!(windowMs > 0)) throw new RangeError('windowMs must be positive');
  }

  /**
   * The earliest time, not before `now` nor before the last recorded event, at which one more event keeps every
   * window within the limit. Events are recorded in order, so reservations are served first come, first served.
   */
  nextOpening(now: number): number {
    this.#forgetUpTo(now - this.windowMs);
    const recorded = this.#times.length - this.#head;
    const last = this.#times.at(-1) ?? now;
    if (recorded < this.limit) return Math.max(now, last);
    // The `limit`-th newest event leaving the window makes room; it is in the window, so this is after `last`.
    return (this.#times[this.#times.length - this.limit] ?? now) + this.windowMs;
  }

  /** Records an event at `at`, which must be a time `nextOpening` returned and nothing was recorded since. */
  record(at: number): void {
    this.#times.push(at);
  }

  #forgetUpTo(cutoff: number): void {
    while ((this.#times[this.#head] ?? Infinity) <= cutoff) this.#head += 1;
    // Compacted now and then, so a long-running process does not keep every event it ever recorded.
    if (this.#head > 1024 && this.#head * 2 > this.#times.length) {
      this.#times.splice(0, this.#head);
      this.#head = 0;
    }
  }
}

/**
 * The most of `sortedTimes` (ascending) that fall within any `windowMs`-long span, however the span is placed: what
 * a sliding-window limit of that length must have kept at or below its limit.
 */
export function busiestWindow(sortedTimes: readonly number[], windowMs: number): number {
  let most = 0;
  let start = 0;
  for (let end = 0; end < sortedTimes.length; end += 1) {
    const last = sortedTimes[end] ?? 0;
    while ((sortedTimes[start] ?? last) <= last - windowMs) start += 1;
    most = Math.max(most, end - start + 1);
  }
  return most;
}
