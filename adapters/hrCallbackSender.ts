import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { isCallableAddress, literalAddressProblem, type ResolveHost } from '../core/callbackUrl.js';
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
  /**
   * Set outside local emulation: the receiver's host is looked up with it at every send, every address must be one
   * HR can be reached at (core/callbackUrl.ts), and the connection goes to those addresses only.
   */
  readonly resolveHost?: ResolveHost;
}

const defaultTimeoutMs = 10_000;
const userAgent = 'app-password-enrollment/hr-callbacks';

/** Raised from the connection's address lookup when the receiver's host resolves to an address that is refused. */
class RefusedAddressError extends Error {
  override readonly name = 'RefusedAddressError';
}

/**
 * The connection's own address lookup, checking what it returns: the addresses checked are the ones connected to,
 * so a name cannot resolve to a public address for the check and to an internal one for the connection (DNS
 * rebinding). Node does not look IP literals up; `send` checks those itself.
 */
export function checkedLookup(resolveHost: ResolveHost): LookupFunction {
  return (hostname, options, callback) => {
    resolveHost(hostname.replace(/\.$/, '')).then(
      (addresses) => {
        const refused = addresses.length === 0 || !addresses.every((address) => isCallableAddress(address));
        if (refused) {
          callback(new RefusedAddressError('the host resolves to no address HR can be reached at'), '', 0);
          return;
        }
        const entries = addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
        const [first] = entries;
        if (options.all === true) callback(null, entries);
        else callback(null, first?.address ?? '', first?.family ?? 4);
      },
      (error: unknown) => {
        callback(error instanceof Error ? error : new Error(String(error)), '', 0);
      },
    );
  };
}

/** One POST; resolves with the answer's head once it arrives (its body is discarded). */
function post(
  url: URL,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
  lookup: LookupFunction | undefined,
): Promise<IncomingMessage> {
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const request = send(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        signal: AbortSignal.timeout(timeoutMs),
        ...(lookup === undefined ? {} : { lookup }),
      },
      (response) => {
        // The answer's body means nothing to us; draining it frees the connection.
        response.resume();
        resolve(response);
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

/**
 * The `HrCallbackSender` port over node:http(s): one POST per attempt, signed the Standard Webhooks way at send time
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
  const lookup = options.resolveHost === undefined ? undefined : checkedLookup(options.resolveHost);

  return {
    async send({ url, eventId, body }: HrCallback): Promise<void> {
      const target = new URL(url);
      const operation = `HR callback ${eventId} to ${target.origin}`;
      // An IP literal is never looked up, so the address policy is applied to it here.
      const literalProblem = lookup === undefined ? undefined : literalAddressProblem(url);
      if (literalProblem !== undefined) throw new PermanentError(`${operation}: ${literalProblem}`);
      const timestamp = Math.floor(now().getTime() / 1000);
      let response: IncomingMessage;
      try {
        response = await post(
          target,
          {
            'content-type': 'application/json',
            'user-agent': userAgent,
            'webhook-id': eventId,
            'webhook-timestamp': String(timestamp),
            'webhook-signature': options.signingKey.sign(eventId, timestamp, body),
          },
          body,
          timeoutMs,
          lookup,
        );
      } catch (error) {
        if (error instanceof RefusedAddressError) throw new PermanentError(`${operation}: ${error.message}`);
        if (error instanceof TransientError) throw new TransientError(`${operation}: ${error.message}`);
        if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
          throw new TransientError(`${operation}: no answer within ${timeoutMs} ms`);
        }
        // Not attached as cause: the request's errors can echo it.
        throw new TransientError(`${operation}: request failed (${networkErrorCode(error) ?? 'network error'})`);
      }
      const status = response.statusCode ?? 0;
      if (status >= 200 && status < 300) return;
      if (status === 408 || status === 429 || status >= 500) {
        throw new TransientError(`${operation}: HTTP ${status}; retry later`, {
          retryAfterMs: parseRetryAfter(response.headers['retry-after']),
        });
      }
      if (status >= 300 && status < 400) {
        throw new PermanentError(`${operation}: HTTP ${status}, a redirect, which is never followed`);
      }
      throw new PermanentError(`${operation}: HTTP ${status}, refused by the receiver`);
    },
  };
}
