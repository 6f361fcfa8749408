/**
 * The service's small error set. Adapters translate SDK failures into these, activities decide from them whether
 * Durable should retry (transient) or the enrollment has failed for good (permanent), and HTTP handlers map the
 * request errors to problem documents.
 */

/** A failure that may go away by itself (throttling, 5xx, network): Durable retry policies retry it. */
export class TransientError extends Error {
  override readonly name: string = 'TransientError';
  /** When the remote side said how long to wait (`Retry-After`), in milliseconds. */
  readonly retryAfterMs: number | undefined;

  constructor(message: string, options: { retryAfterMs?: number | undefined; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.retryAfterMs = options.retryAfterMs;
  }
}

/**
 * The service refused the request because of its rate limit (HTTP 429): nothing went wrong, and nothing was done.
 * Callers wait (`retryAfterMs` when the service said how long) and ask again, without counting it as a failed attempt.
 */
export class ThrottledError extends TransientError {
  override readonly name: string = 'ThrottledError';
}

/** A failure that retrying cannot fix (a rejected recipient, a forbidden vault): the caller reports it. */
export class PermanentError extends Error {
  override readonly name = 'PermanentError';
}

/**
 * A continuation token that the store did not issue (truncated, edited, or from another API): the caller's mistake,
 * so the HTTP API answers 400 rather than treating it as a storage failure.
 */
export class InvalidContinuationTokenError extends Error {
  override readonly name = 'InvalidContinuationTokenError';
}

export const isTransientError = (error: unknown): error is TransientError => error instanceof TransientError;
export const isThrottledError = (error: unknown): error is ThrottledError => error instanceof ThrottledError;
export const isPermanentError = (error: unknown): error is PermanentError => error instanceof PermanentError;
export const isInvalidContinuationTokenError = (error: unknown): error is InvalidContinuationTokenError =>
  error instanceof InvalidContinuationTokenError;

/** Turns anything caught into an `Error` so callers can read `.message` safely. */
export function ensureError(value: unknown): Error {
  if (value instanceof Error) return value;
  let text: string;
  try {
    text = typeof value === 'string' ? value : JSON.stringify(value);
  } catch {
    text = String(value);
  }
  return new Error(text);
}
