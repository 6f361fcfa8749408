import { PermanentError, TransientError } from '../core/errors.js';
import type { HrCallback, HrCallbackSender } from '../core/ports.js';
import type { WebhookSigningKey } from '../core/webhookSignature.js';
import { parseRetryAfter } from '../core/retryAfter.js';
import { networkErrorCode } from './networkErrors.js';

export interface HrCallbackSenderOptions {
  readonly signingKey: WebhookSigningKey;
  /** How long one attempt may take, answer included, before it counts as a transient failure. Default 10 s. */
  readonly timeoutMs?: number;
  /** The clock of `webhook-timestamp`; tests move it. */
  readonly now?: () => Date;
}

const defaultTimeoutMs = 10_000;
const userAgent = 'app-password-enrollment/hr-callbacks';

/**
 * The `HrCallbackSender` port over `fetch`: one POST per attempt, signed the Standard Webhooks way at send time
 * (`webhook-timestamp` is the attempt's, so a retry hours later still passes the receiver's replay window).
 *
 * Redirects are never followed: the URL was checked when HR gave it, and a redirect could point anywhere (an internal
 * address included). Error messages name the event, the receiver's origin and the status only: never the body, the
 * headers or the rest of the URL, whose path or query may hold a token of HR's. They end up in Durable history.
 */
export function createHrCallbackSender(options: HrCallbackSenderOptions): HrCallbackSender {
  const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new RangeError('timeoutMs must be a positive number');
  const now = options.now ?? (() => new Date());

  return {
    async send({ url, eventId, body }: HrCallback): Promise<void> {
      const operation = `HR callback ${eventId} to ${new URL(url).origin}`;
      const timestamp = Math.floor(now().getTime() / 1000);
      let response: Response;
      try {
        response = await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'user-agent': userAgent,
            'webhook-id': eventId,
            'webhook-timestamp': String(timestamp),
            'webhook-signature': options.signingKey.sign(eventId, timestamp, body),
          },
          body,
          redirect: 'manual',
          signal: AbortSignal.timeout(timeoutMs),
        });
        // The answer's body means nothing to us; discarding it frees the connection.
        await response.body?.cancel();
      } catch (error) {
        if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
          throw new TransientError(`${operation}: no answer within ${timeoutMs} ms`);
        }
        // Not attached as cause: undici's errors can echo the request.
        throw new TransientError(`${operation}: request failed (${networkErrorCode(error) ?? 'network error'})`);
      }
      const status = response.status;
      if (status >= 200 && status < 300) return;
      if (status === 408 || status === 429 || status >= 500) {
        throw new TransientError(`${operation}: HTTP ${status}; retry later`, {
          retryAfterMs: parseRetryAfter(response.headers.get('retry-after')),
        });
      }
      if (status >= 300 && status < 400) {
        throw new PermanentError(`${operation}: HTTP ${status}, a redirect, which is never followed`);
      }
      throw new PermanentError(`${operation}: HTTP ${status}, refused by the receiver`);
    },
  };
}
