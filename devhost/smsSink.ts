import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { FaultQueue, type FailStatus } from './faults.js';
import { createAsyncServer, formatHost, isRecord, listen, readBody, refuseUnlessPost, sendJson } from './localHttp.js';
import { Outbox, sinkHandle, type SinkHandle } from './mailSink.js';

/** One text message the sink accepted: one per accepted recipient, as ACS bills and reports them. */
export interface SunkSms {
  /** The `messageId` the sink answered with for this recipient. */
  readonly id: string;
  /** ISO 8601 instant the sink accepted the message. */
  readonly receivedAt: string;
  readonly from: string;
  /** The recipient, E.164. */
  readonly to: string;
  readonly text: string;
  /** `smsSendOptions.enableDeliveryReport` as sent. */
  readonly deliveryReport: boolean;
  /** `smsSendOptions.tag` as sent; undefined when there was none. ACS echoes it into delivery reports. */
  readonly tag: string | undefined;
}

/** Options for {@link startSmsSink}. */
export interface SmsSinkOptions {
  /** 0 lets the OS pick; `url` tells which port it chose. */
  readonly port: number;
  /** Defaults to 127.0.0.1: the sink holds one-time codes and must not be reachable from the network. */
  readonly host?: string;
  /** JSON file that keeps the outbox across restarts; omitted means in-memory only. */
  readonly dataFile?: string;
  /** The base64 access key requests must be signed with; defaults to {@link localSmsAccessKey}. */
  readonly accessKey?: string;
}

/** A running sink; see {@link startSmsSink}. */
export interface RunningSmsSink extends SinkHandle<SunkSms> {
  /** The endpoint to give `SmsClient` (`http://host:port`, no trailing slash); needs `allowInsecureConnection`. */
  readonly url: string;
  /** The base64 access key whose HMAC signatures the sink accepts. */
  readonly accessKey: string;
  /** `endpoint=<url>/;accesskey=<key>`, the form the Azure portal shows and `new SmsClient(connectionString)` takes. */
  readonly connectionString: string;
}

/** The key a sink accepts unless told otherwise: base64 of "local-sms-key". Not a secret; loopback only. */
export const localSmsAccessKey = 'bG9jYWwtc21zLWtleQ==';

const sendPath = '/sms';
/** Far above what a 2048-character message to 100 recipients needs; a bigger body is a client bug. */
const bodyLimitBytes = 256 * 1024;
/** ACS's limits for one send request (API 2021-03-07). */
const maxRecipients = 100;
const maxMessageLength = 2048;
/** How far x-ms-date may be from the sink's clock, as ACS allows, so a replayed signed request soon stops working. */
const maxClockSkewMs = 15 * 60 * 1000;
/** The headers the SDK's access-key policy signs; ACS wants at least these three. */
const requiredSignedHeaders = ['x-ms-date', 'host', 'x-ms-content-sha256'];
/** E.164: a plus, a country code not starting with 0, at most 15 digits in all. The sink wants at least 7. */
const e164Pattern = /^\+[1-9]\d{6,14}$/;
/** What ACS accepts as `from` besides a number: an alphanumeric sender ID of 1-11 characters with a letter in it. */
const senderIdPattern = /^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$/;
const jsonContentType = 'application/json; charset=utf-8';

/**
 * Starts a local stand-in for Azure Communication Services SMS (`POST /sms?api-version=2021-03-07`, the operation
 * `SmsClient.send` calls). It authenticates requests the way ACS does (an HMAC-SHA256 signature over method, path and
 * query, x-ms-date, host and the body's SHA-256, with the resource's access key; or any bearer token), validates the
 * payload, answers 202 with one result per recipient (an invalid E.164 number gets `successful: false` and 400, the
 * others a `messageId`), and keeps what it accepted so tests and developers can read the texts, codes included,
 * without a phone. `failNext` and `hangNext` inject provider failures.
 */
export async function startSmsSink(options: SmsSinkOptions): Promise<RunningSmsSink> {
  const host = options.host ?? '127.0.0.1';
  const accessKey = options.accessKey ?? localSmsAccessKey;
  const signingKey = Buffer.from(accessKey, 'base64');
  if (signingKey.length === 0) throw new RangeError('accessKey must be a non-empty base64 string');
  const outbox = await Outbox.open({
    name: 'SMS sink',
    dataFile: options.dataFile,
    // 0600: the outbox holds one-time codes, which other local users have no business reading.
    mode: 0o600,
    messageSchema: storedSmsSchema,
    // Spelt out so that a stored text without a tag has the property, as SunkSms requires.
    toMessage: (message) => Object.freeze({ ...message, tag: message.tag }),
  });
  const faults = new FaultQueue();

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://sink');
    const refused = refuseUnlessPost(request, response, url.pathname, sendPath, (status) => {
      if (status === 404) sendError(response, status, 'NotFound', 'The requested resource was not found.');
      else sendError(response, status, 'MethodNotAllowed', 'The requested method is not allowed on this resource.');
    });
    if (refused) return;

    // Faults come first: a throttled or broken service answers before it looks at credentials or payload.
    const faulted = faults.intercept(request, response, (status) => {
      const [code, message] = faultErrors[status];
      sendError(response, status, code, message);
    });
    if (faulted) return;

    // The whole body is read before authenticating because the signature covers its hash.
    const body = await readBody(request, bodyLimitBytes);
    if (body === undefined) {
      sendError(response, 413, 'RequestEntityTooLarge', 'The request body is too large.');
      return;
    }
    if (!isAuthorized(request, url, body, signingKey)) {
      sendError(response, 401, 'Denied', 'Denied by the resource provider.');
      return;
    }
    if (!url.searchParams.has('api-version')) {
      sendError(
        response,
        400,
        'MissingApiVersionParameter',
        'The api-version query parameter (?api-version=) is required for all requests.',
      );
      return;
    }

    let payload: unknown;
    try {
      payload = JSON.parse(body.toString('utf8'));
    } catch {
      sendError(response, 400, 'BadRequest', 'The request body is not valid JSON.');
      return;
    }
    const send = parseSendRequest(payload);
    if (typeof send === 'string') {
      sendError(response, 400, 'BadRequest', send);
      return;
    }

    const receivedAt = new Date().toISOString();
    const accepted: SunkSms[] = [];
    const value = send.smsRecipients.map((recipient) => {
      // The repeatability fields are echoed as ACS does for a first attempt; the sink does not deduplicate retries.
      const repeatability = recipient.repeatabilityRequestId === undefined ? {} : { repeatabilityResult: 'accepted' };
      if (!e164Pattern.test(recipient.to)) {
        return {
          to: recipient.to,
          httpStatusCode: 400,
          ...repeatability,
          successful: false,
          errorMessage: 'Invalid To phone number format.',
        };
      }
      const messageId = `Outgoing_${randomUUID().replaceAll('-', '')}_local`;
      accepted.push(
        Object.freeze({
          id: messageId,
          receivedAt,
          from: send.from,
          to: recipient.to,
          text: send.message,
          deliveryReport: send.smsSendOptions.enableDeliveryReport,
          tag: send.smsSendOptions.tag,
        }),
      );
      return { to: recipient.to, messageId, httpStatusCode: 202, ...repeatability, successful: true };
    });

    if (accepted.length > 0) {
      // Persisted before the 202 so that a message the client believes sent survives a restart of the sink.
      await outbox.add(accepted);
    }
    sendJson(response, 202, { value }, jsonContentType);
  }

  const server = createAsyncServer(handle, (response, message) => {
    sendError(response, 500, 'InternalServerError', message);
  });
  const port = await listen(server, options.port, host);
  const url = `http://${formatHost(host)}:${port}`;

  return {
    url,
    accessKey,
    connectionString: `endpoint=${url}/;accesskey=${accessKey}`,
    ...sinkHandle(server, faults, outbox),
  };
}

const faultErrors: Readonly<Record<FailStatus, readonly [code: string, message: string]>> = {
  429: ['TooManyRequests', 'Rate limit exceeded. Try again later.'],
  500: ['InternalServerError', 'An internal error occurred.'],
  503: ['ServiceUnavailable', 'The service is temporarily unavailable.'],
};

/** ACS's error body (CommunicationErrorResponse), which the SDK's RestError reads its `code` from. */
function sendError(response: ServerResponse, status: number, code: string, message: string): void {
  sendJson(response, status, { error: { code, message } }, jsonContentType);
}

// ---------------------------------------------------------------------------------------------------------------
// Authentication: ACS's HMAC scheme, as communication-common's access-key policy signs requests.

const hmacPattern = /^HMAC-SHA256\s+SignedHeaders=([^&\s]+)&Signature=(\S+)$/i;

function isAuthorized(request: IncomingMessage, url: URL, body: Buffer, key: Buffer): boolean {
  const authorization = request.headers.authorization ?? '';
  // Any bearer token will do: the sink has no identity provider to check it against, and it only serves loopback.
  if (/^Bearer\s+\S+/i.test(authorization)) return true;
  const match = hmacPattern.exec(authorization);
  if (match === null) return false;
  const signedHeaders = (match[1] ?? '').toLowerCase().split(';');
  if (!requiredSignedHeaders.every((name) => signedHeaders.includes(name))) return false;

  const date = Date.parse(headerText(request, 'x-ms-date') ?? '');
  if (Number.isNaN(date) || Math.abs(Date.now() - date) > maxClockSkewMs) return false;
  // The hash header must describe this body; otherwise a signature could be reused with another message.
  const contentHash = createHash('sha256').update(body).digest('base64');
  if (headerText(request, 'x-ms-content-sha256') !== contentHash) return false;

  const values = signedHeaders.map((name) => headerText(request, name));
  if (values.some((value) => value === undefined)) return false;
  // The client signs the query as URLSearchParams serialises it, so the sink normalises the same way.
  const query = url.searchParams.toString();
  const pathAndQuery = query === '' ? url.pathname : `${url.pathname}?${query}`;
  const stringToSign = `${(request.method ?? '').toUpperCase()}\n${pathAndQuery}\n${values.join(';')}`;
  const expected = createHmac('sha256', key).update(stringToSign).digest();
  const given = Buffer.from(match[2] ?? '', 'base64');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function headerText(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

// ---------------------------------------------------------------------------------------------------------------
// Validation: the request-level rules of ACS's send operation; per-recipient problems are answered per recipient.

interface SendMessageRequest {
  readonly from: string;
  readonly smsRecipients: readonly { readonly to: string; readonly repeatabilityRequestId?: string }[];
  readonly message: string;
  readonly smsSendOptions: { readonly enableDeliveryReport: boolean; readonly tag?: string };
}

/**
 * The request as the sink goes on to use it, or the first problem with it as ACS words it where known. Problems with
 * single recipients' numbers are not among them: ACS answers those per recipient.
 */
function parseSendRequest(payload: unknown): SendMessageRequest | string {
  if (!isRecord(payload)) return 'The request body must be a JSON object.';
  const from = payload['from'];
  if (typeof from !== 'string' || from === '') return 'The From field is required.';
  if (!e164Pattern.test(from) && !senderIdPattern.test(from)) return 'Invalid From phone number format.';

  const recipients = payload['smsRecipients'];
  if (!Array.isArray(recipients) || recipients.length === 0) return 'At least one recipient is required.';
  if (recipients.length > maxRecipients) return `A request can have at most ${maxRecipients} recipients.`;
  const smsRecipients: SendMessageRequest['smsRecipients'][number][] = [];
  for (const recipient of recipients) {
    const to = isRecord(recipient) ? recipient['to'] : undefined;
    if (!isRecord(recipient) || typeof to !== 'string' || to === '') return 'Every recipient needs a To phone number.';
    const requestId = recipient['repeatabilityRequestId'];
    if (requestId !== undefined && typeof requestId !== 'string') return 'repeatabilityRequestId must be a string.';
    smsRecipients.push(requestId === undefined ? { to } : { to, repeatabilityRequestId: requestId });
  }

  const message = payload['message'];
  if (typeof message !== 'string' || message === '') return 'The Message field is required.';
  if (message.length > maxMessageLength) {
    return `The Message field must be at most ${maxMessageLength} characters long.`;
  }

  // smsSendOptions may be left out (delivery reports are then off); when present, enableDeliveryReport is required.
  const sendOptions = payload['smsSendOptions'];
  if (sendOptions === undefined)
    return { from, smsRecipients, message, smsSendOptions: { enableDeliveryReport: false } };
  if (!isRecord(sendOptions) || typeof sendOptions['enableDeliveryReport'] !== 'boolean') {
    return 'smsSendOptions.enableDeliveryReport must be a boolean.';
  }
  const enableDeliveryReport = sendOptions['enableDeliveryReport'];
  const tag = sendOptions['tag'];
  if (tag !== undefined && typeof tag !== 'string') return 'smsSendOptions.tag must be a string.';
  return {
    from,
    smsRecipients,
    message,
    smsSendOptions: tag === undefined ? { enableDeliveryReport } : { enableDeliveryReport, tag },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Persistence.

/** A {@link SunkSms} as the data file keeps it. */
const storedSmsSchema = z.object({
  id: z.string(),
  receivedAt: z.string(),
  from: z.string(),
  to: z.string(),
  text: z.string(),
  deliveryReport: z.boolean(),
  tag: z.string().optional(),
});
