import { SmsClient, type SmsClientOptions, type SmsSendResult } from '@azure/communication-sms';
import type { TokenCredential } from '@azure/identity';
import { PermanentError, TransientError } from '../core/errors.js';
import type { OutgoingSms, SmsSender } from '../core/ports.js';
import { parseRetryAfter } from '../core/retryAfter.js';

/** Options for {@link createAcsSmsSender}. */
export interface AcsSmsSenderOptions {
  /** The Communication Services resource, e.g. `https://contoso.communication.azure.com`, or the local SMS sink's URL. */
  readonly endpoint: string;
  /** The sender: a phone number (E.164) or alphanumeric sender ID that the resource owns. */
  readonly from: string;
  /**
   * A TokenCredential (managed identity) in Azure; the resource's access key locally. A token credential needs an
   * https endpoint: the SDK's bearer policy refuses plain http whatever `allowInsecureConnection` says.
   */
  readonly credential: TokenCredential | { readonly accessKey: string };
  /** Allows an `http:` endpoint, for devhost/smsSink.ts. Never set it for Azure. */
  readonly allowInsecureConnection?: boolean;
  /** How long one send may take before it counts as a transient failure. Default 10 s. */
  readonly timeoutMs?: number;
}

const defaultTimeoutMs = 10_000;
/** The SDK's serializer enforces this limit and quotes the whole text in its error, so the adapter checks first. */
const maxTextLength = 2048;
const operation = 'ACS SMS send';

/**
 * The `SmsSender` port over Azure Communication Services SMS (`SmsClient.send`). Each call sends to exactly one
 * recipient, with delivery reports off and no tag: the tag would be echoed into Event Grid delivery reports, so
 * nothing personal may go there, and the service has nothing non-personal worth tagging.
 *
 * Failures become `TransientError` (429, 408, 5xx, network, timeout, identity hiccups; with `retryAfterMs` from the
 * throttling headers) or `PermanentError` (a recipient ACS refused, 400, 401/403, any other status). Texts carry
 * one-time codes, so no message names the recipient or quotes the text, and the SDK's error, which holds the request
 * body, is never attached as `cause`.
 */
export function createAcsSmsSender(options: AcsSmsSenderOptions): SmsSender {
  const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new RangeError('timeoutMs must be a positive number');
  if (options.from.trim() === '') throw new RangeError('from must name the sender number or ID');
  const insecure = new URL(options.endpoint).protocol === 'http:';
  if (insecure && options.allowInsecureConnection !== true) {
    throw new RangeError('An http: ACS endpoint needs allowInsecureConnection: true (local SMS sink only)');
  }

  const clientOptions: SmsClientOptions = {
    // maxRetries is the one limit of the SDK's retry policy, which runs both its throttling strategy (429/503 with
    // Retry-After: sleeps that long inside the activity, then resends) and its exponential one (408, 5xx, network).
    // With 0 the first answer is final, so Retry-After reaches Durable's retry policy as TransientError.retryAfterMs
    // instead of a blind resend.
    retryOptions: { maxRetries: 0 },
    // HMAC key auth does work over plain http, which is what lets the SDK talk to the local sink: communication-common's
    // access-key policy signs `VERB\npath?query\nx-ms-date;host;x-ms-content-sha256` with no TLS check of its own, and
    // the only http guard on that path is the Node http client (@typespec/ts-http-runtime), which refuses an http: URL
    // unless request.allowInsecureConnection is set; core-client's ServiceClient sets it from this client option.
    // A TokenCredential does not: core-rest-pipeline's bearerTokenAuthenticationPolicy throws for any non-https URL
    // before looking at allowInsecureConnection (checked against @azure/communication-sms 1.1.0,
    // communication-common 2.4, core-rest-pipeline 1.24).
    ...(options.allowInsecureConnection === true ? { allowInsecureConnection: true } : {}),
  };
  const credential = options.credential;
  let client: SmsClient;
  if ('accessKey' in credential) {
    // A plain KeyCredential rather than core-auth's AzureKeyCredential: the SDK only duck-types `{ key }` (as its own
    // connection-string parser builds), and this way the adapter does not import a package it does not declare.
    client = new SmsClient(options.endpoint, { key: credential.accessKey }, clientOptions);
  } else {
    if (insecure) throw new RangeError('A TokenCredential needs an https: ACS endpoint; use an access key locally');
    client = new SmsClient(options.endpoint, credential, clientOptions);
  }
  const from = options.from;

  return {
    async send(sms: OutgoingSms): Promise<void> {
      if (sms.text.length > maxTextLength) {
        throw new PermanentError(
          `${operation}: the text has ${sms.text.length} characters; ACS takes ${maxTextLength}`,
        );
      }
      const signal = AbortSignal.timeout(timeoutMs);
      let results: SmsSendResult[];
      try {
        results = await client.send(
          { from, to: [sms.to], message: sms.text },
          { enableDeliveryReport: false, abortSignal: signal },
        );
      } catch (error) {
        throw toSenderError(error, signal.aborted, timeoutMs);
      }
      const [result] = results;
      if (result === undefined || results.length !== 1) {
        throw new PermanentError(`${operation}: ACS answered with ${results.length} results for one recipient`);
      }
      if (!result.successful) throw recipientError(result.httpStatusCode);
    },
  };
}

/**
 * A recipient ACS refused inside an otherwise accepted (202) request. Its `errorMessage` is left out, as a provider's
 * wording may quote the number.
 */
function recipientError(status: number): Error {
  const message = `${operation}: ACS did not accept the recipient (HTTP ${status}`;
  if (isRetryableStatus(status)) return new TransientError(`${message}); retry later`);
  if (status === 400) return new PermanentError(`${message}): the number is invalid or cannot receive SMS`);
  return new PermanentError(`${message})`);
}

/** The shape of the SDK's RestError, read by duck typing: core-rest-pipeline is not a direct dependency. */
interface RestErrorFacts {
  readonly name?: unknown;
  readonly statusCode?: unknown;
  readonly code?: unknown;
  readonly response?: { readonly headers?: { readonly get?: (name: string) => string | undefined } };
}

/** Maps what `SmsClient.send` threw, reading only the name, status, error code and headers from it. */
function toSenderError(error: unknown, timedOut: boolean, timeoutMs: number): Error {
  const facts = (typeof error === 'object' && error !== null ? error : {}) as RestErrorFacts;
  if (timedOut) return new TransientError(`${operation} timed out after ${timeoutMs} ms`);

  const status = typeof facts.statusCode === 'number' ? facts.statusCode : undefined;
  const code = safeCode(facts.code);
  if (status !== undefined) {
    const prefix = `${operation} failed with HTTP ${status}${code === undefined ? '' : ` ${code}`}`;
    if (isRetryableStatus(status)) {
      return new TransientError(`${prefix}; retry later`, { retryAfterMs: retryAfterMs(facts) });
    }
    return new PermanentError(`${prefix}: ${permanentReasons[status] ?? 'ACS refused the request'}`);
  }
  if (facts.name === 'RestError') {
    // No status: the request never got an answer (refused connection, reset, DNS). The code is an errno name.
    return new TransientError(`${operation} failed before ACS answered (${code ?? 'network error'})`);
  }
  // Identity errors describe configuration or the identity endpoint, never the SMS, so they may be kept as cause.
  if (facts.name === 'CredentialUnavailableError') {
    return new PermanentError(`${operation}: no credential is configured for Communication Services`, { cause: error });
  }
  if (facts.name === 'AuthenticationError' || facts.name === 'AggregateAuthenticationError') {
    return new TransientError(`${operation}: could not get a token for Communication Services`, { cause: error });
  }
  // What is left is thrown before any request: the SDK could not build it. Sending it again will not help.
  return new PermanentError(`${operation}: the SDK could not build the request`);
}

const permanentReasons: Readonly<Partial<Record<number, string>>> = {
  400: 'ACS rejected the request (sender or payload)',
  401: 'the access key or token was not accepted',
  403: 'the identity may not send SMS from this resource or number',
  404: 'no such endpoint; check the ACS endpoint URL',
};

function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** Codes are identifiers; anything else in that field is dropped rather than risk echoing request content. */
function safeCode(code: unknown): string | undefined {
  return typeof code === 'string' && /^[\w.+-]{1,64}$/.test(code) ? code : undefined;
}

/**
 * The wait the service asked for, read from the same headers as the SDK's throttling strategy: `retry-after-ms` and
 * `x-ms-retry-after-ms` in milliseconds, else `Retry-After` in seconds or as an HTTP date.
 */
function retryAfterMs(facts: RestErrorFacts): number | undefined {
  const headers = facts.response?.headers;
  if (typeof headers?.get !== 'function') return undefined;
  const read = (name: string): string | undefined => {
    const value = headers.get?.(name)?.trim();
    return value === '' ? undefined : value;
  };
  for (const name of ['retry-after-ms', 'x-ms-retry-after-ms']) {
    const value = read(name);
    if (value !== undefined && /^\d+$/.test(value)) return Number(value);
  }
  return parseRetryAfter(read('retry-after'));
}
