import type { IncomingMessage, ServerResponse } from 'node:http';

/*
 * Fault injection for the local stand-ins (mail sink, SMS sink, vault). Tests tell a stand-in to misbehave for its next
 * few requests so that the retry, timeout and error paths of the real clients run against it; what is here is the part
 * that does not depend on which service the stand-in speaks. Each stand-in still words its own error bodies.
 */

/** The failures a stand-in can be told to answer with: throttled, broken, unavailable. */
export type FailStatus = 429 | 500 | 503;

/** One injected fault: answer with `status` (and `Retry-After` when given), or read the request and never answer. */
export type Fault =
  | { readonly kind: 'fail'; readonly status: FailStatus; readonly retryAfterSeconds?: number }
  | { readonly kind: 'hang' };

/** The part of a stand-in's handle that injects faults; the sinks expose exactly these to tests. */
export interface FaultInjection {
  /** Answers the next `count` sends with `status` (and `Retry-After` when given) instead of accepting them. */
  failNext(count: number, status: FailStatus, retryAfterSeconds?: number): void;
  /** Reads the next `count` sends but never answers them, so clients can test their timeouts. */
  hangNext(count: number): void;
}

interface Run {
  readonly fault: Fault;
  /** Requests this fault still applies to; the run leaves the queue when it reaches 0. */
  remaining: number;
}

/**
 * The faults a stand-in is told to inject into its next requests, first in, first out. Kept as runs (a fault and how
 * many requests it still applies to) rather than one entry a request, so a large count costs nothing.
 */
export class FaultQueue {
  readonly #runs: Run[] = [];
  /**
   * Responses a hang fault is holding open. They are tracked so that closing the server can destroy them (see
   * `closeServer`); nothing else would ever end them. A response leaves the set when its connection closes.
   */
  readonly hung = new Set<ServerResponse>();

  /** Queues a failure with `status` for the next `count` requests (none when `count` is not positive). */
  fail(count: number, status: FailStatus, retryAfterSeconds?: number): void {
    // exactOptionalPropertyTypes: an absent Retry-After is left out, not stored as undefined.
    this.#add(
      count,
      retryAfterSeconds === undefined ? { kind: 'fail', status } : { kind: 'fail', status, retryAfterSeconds },
    );
  }

  /** Queues a hang for the next `count` requests (none when `count` is not positive). */
  hang(count: number): void {
    this.#add(count, { kind: 'hang' });
  }

  /** Drops every fault still queued; responses already hung stay hung. */
  clear(): void {
    this.#runs.length = 0;
  }

  /** The fault for the request at hand, which it uses up, or undefined when none is queued. */
  take(): Fault | undefined {
    const run = this.#runs[0];
    if (run === undefined) return undefined;
    run.remaining -= 1;
    if (run.remaining <= 0) this.#runs.shift();
    return run.fault;
  }

  /**
   * Lets the next queued fault, if any, take this request instead of the stand-in, and returns whether it did; if so,
   * the caller must leave the request alone. A hang keeps the response open until the client gives up or the server
   * closes. A failure sets `Retry-After` when it has one and calls `answer` to write the service's own error body.
   */
  intercept(request: IncomingMessage, response: ServerResponse, answer: (status: FailStatus) => void): boolean {
    const fault = this.take();
    if (fault === undefined) return false;
    // The body is drained unread, so the client gets to finish sending and then waits on (or reads) the answer; a
    // hang is meant to test the client's response timeout, not a stalled upload.
    request.resume();
    if (fault.kind === 'hang') {
      this.hung.add(response);
      response.once('close', () => this.hung.delete(response));
      return true;
    }
    if (fault.retryAfterSeconds !== undefined) response.setHeader('Retry-After', String(fault.retryAfterSeconds));
    answer(fault.status);
    return true;
  }

  #add(count: number, fault: Fault): void {
    // Written so that NaN, like 0 and negatives, queues nothing; a fractional count rounds up, as a loop to it would.
    if (!(count > 0)) return;
    this.#runs.push({ fault, remaining: count });
  }
}
