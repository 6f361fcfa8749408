import type { InvocationContext } from '@azure/functions';
import type { ThrottledError } from '../../../core/errors.js';
import { vaultThrottled, type ActivityFailure } from '../../../core/orchestrationContract.js';
import { redact } from '../../../core/redact.js';

/**
 * Key Vault throttled the activity, so it did nothing: logged, as the first sign of a vault near its limits, and
 * handed back for the orchestration to wait out on a durable timer.
 */
export function throttled(error: ThrottledError, context: InvocationContext): ActivityFailure {
  const asked = error.retryAfterMs === undefined ? '' : ` ${error.retryAfterMs} ms, as asked,`;
  context.warn(redact(`${error.message}; the enrollment waits${asked} and tries again`));
  return vaultThrottled(error.retryAfterMs);
}
