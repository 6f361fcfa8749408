import { PermanentError, TransientError } from '../../core/errors.js';

/**
 * The subset of the SDK's `RestError` we read. Duck-typed on purpose: `instanceof RestError` breaks as soon as two
 * copies of `@azure/core-rest-pipeline` end up in node_modules, and the SDK itself checks `name === 'RestError'`.
 */
interface RestErrorLike {
  readonly name: 'RestError';
  readonly statusCode?: number | undefined;
  readonly code?: string | undefined;
  readonly response?: { readonly headers?: { get(name: string): string | undefined } } | undefined;
}

function isRestErrorLike(error: unknown): error is RestErrorLike {
  return error instanceof Error && error.name === 'RestError';
}

/** The HTTP status of a failed Table Storage call, or undefined when there was no response (or it is no SDK error). */
export function sdkStatusCode(error: unknown): number | undefined {
  return isRestErrorLike(error) ? error.statusCode : undefined;
}

/** Node's system error codes that mean "the network hiccuped", for errors that reach us without a RestError wrapper. */
const networkCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/**
 * Maps a failure caught around a Table Storage call to the service's error set: throttling (429), timeouts (408),
 * server errors (5xx) and requests that never got a response become `TransientError` (with `retryAfterMs` from the
 * service's `Retry-After` hint), everything else becomes `PermanentError`. Errors already in that set pass through,
 * so a helper can be wrapped twice without losing its classification.
 *
 * The message names the operation (callers pass `Table.operation`) plus the status and service error code, but never
 * the SDK's own message or URL: both can carry keys (an employee id) or entity contents. The original error stays
 * available as `cause`; the SDK already hides its request and response from `JSON.stringify` and redacts them when
 * inspected.
 */
export function toStoreError(operation: string, error: unknown): Error {
  if (error instanceof TransientError || error instanceof PermanentError) return error;

  if (isRestErrorLike(error)) {
    const status = error.statusCode;
    const code = error.code === undefined ? '' : ` (${error.code})`;
    if (status === undefined) {
      // The request never got an HTTP response: connection refused/reset, DNS, timeout.
      return new TransientError(`Table storage ${operation} failed: no response${code}`, { cause: error });
    }
    const what = `Table storage ${operation} failed: HTTP ${status}${code}`;
    if (status === 408 || status === 429 || status >= 500) {
      return new TransientError(what, { retryAfterMs: retryAfterMs(error), cause: error });
    }
    return new PermanentError(what, { cause: error });
  }

  if (error instanceof Error && error.name === 'AbortError') {
    return new TransientError(`Table storage ${operation} timed out or was aborted`, { cause: error });
  }
  const systemCode = systemErrorCode(error);
  if (systemCode !== undefined && networkCodes.has(systemCode)) {
    return new TransientError(`Table storage ${operation} failed: ${systemCode}`, { cause: error });
  }
  return new PermanentError(`Table storage ${operation} failed unexpectedly`, { cause: error });
}

function systemErrorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}

/**
 * Reads the service's wait hint. Storage sends `Retry-After` in seconds; the `*-ms` variants and the HTTP-date form are
 * accepted too because gateways in front of the service use them.
 */
function retryAfterMs(error: RestErrorLike): number | undefined {
  const headers = error.response?.headers;
  if (headers === undefined) return undefined;
  for (const name of ['retry-after-ms', 'x-ms-retry-after-ms']) {
    const raw = headers.get(name);
    if (raw === undefined || raw.trim() === '') continue;
    const value = Number(raw);
    if (Number.isFinite(value) && value >= 0) return value;
  }
  const header = headers.get('retry-after');
  if (header === undefined || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : undefined;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
