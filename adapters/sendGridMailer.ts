import { Client } from '@sendgrid/client';
import { MailService, type MailDataRequired } from '@sendgrid/mail';
import { PermanentError, TransientError } from '../core/errors.js';
import type { Mailer, MailKind, OutgoingMail } from '../core/ports.js';
import { parseRetryAfter } from '../core/retryAfter.js';

export interface SendGridMailerOptions {
  readonly apiKey: string;
  /** The verified sender; SendGrid rejects (403) any other. */
  readonly from: { readonly email: string; readonly name: string };
  /** Replaces https://api.sendgrid.com, e.g. with the local mail sink's URL. */
  readonly baseUrl?: string;
  /** How long one send may take before it counts as a transient failure. Default 10 s. */
  readonly timeoutMs?: number;
}

const defaultTimeoutMs = 10_000;

/**
 * The `Mailer` port over SendGrid's v3 mail/send. Each message goes out with its plain text and html bodies, the
 * mail kind as its category, and all tracking off: click tracking would rewrite the one-time links through SendGrid's
 * redirect host, handing the tokens to a third party. Failures become `PermanentError` when SendGrid refused the
 * message (400, 401, 403, 413) and `TransientError` otherwise; their messages never carry the recipient, the bodies
 * or the links, and the SDK error (which holds the whole request) is not attached.
 */
export function createSendGridMailer(options: SendGridMailerOptions): Mailer {
  const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new RangeError('timeoutMs must be a positive number');

  // Own instances rather than the SDK's module singletons, so nothing else in the process can change our key or host.
  const client = new Client();
  client.setApiKey(options.apiKey);
  // After setApiKey, which resets the base URL to SendGrid's global host.
  if (options.baseUrl !== undefined) client.setDefaultRequest('baseUrl', options.baseUrl);
  const service = new MailService();
  service.setClient(client);
  service.setTimeout(timeoutMs);

  const from = { email: options.from.email, name: options.from.name };

  return {
    async send(mail: OutgoingMail): Promise<void> {
      const data: MailDataRequired = {
        from,
        // An object, not a string: the SDK would parse "Name <address>" out of a string recipient.
        to: { email: mail.to },
        subject: mail.subject,
        // text/plain first: SendGrid rejects any other order.
        content: [
          { type: 'text/plain', value: mail.text },
          { type: 'text/html', value: mail.html },
        ],
        categories: [mail.kind],
        trackingSettings: {
          clickTracking: { enable: false, enableText: false },
          openTracking: { enable: false },
          subscriptionTracking: { enable: false },
        },
      };
      try {
        await service.send(data);
      } catch (error) {
        throw toMailerError(error, mail.kind, timeoutMs);
      }
    },
  };
}

/** Maps whatever the SDK threw to the port's errors, reading only status, header and error-field names from it. */
function toMailerError(error: unknown, kind: MailKind, timeoutMs: number): Error {
  const operation = `SendGrid mail/send of a '${kind}' mail`;
  const status = responseStatus(error);
  if (status !== undefined) {
    const headers = responseHeaders(error);
    const fields = errorFields(error);
    const detail = fields.length > 0 ? ` (fields: ${fields.join(', ')})` : '';
    if (status === 429 || status === 408 || status >= 500) {
      return new TransientError(`${operation} failed with HTTP ${status}; retry later`, {
        retryAfterMs: retryAfterMs(headers),
      });
    }
    const reason = permanentReasons[status] ?? 'SendGrid refused it';
    return new PermanentError(`${operation} failed with HTTP ${status}: ${reason}${detail}`);
  }
  if (isAxiosError(error)) {
    const code = typeof error['code'] === 'string' ? error['code'] : undefined;
    if (code === 'ECONNABORTED' || code === 'ETIMEDOUT') {
      return new TransientError(`${operation} timed out after ${timeoutMs} ms`);
    }
    return new TransientError(`${operation} failed before SendGrid answered (${code ?? 'network error'})`);
  }
  // The SDK's helpers throw before any request when the message cannot be built; sending it again will not help.
  return new PermanentError(`${operation} could not be built by the SendGrid SDK`);
}

const permanentReasons: Readonly<Partial<Record<number, string>>> = {
  400: 'SendGrid rejected the message (bad recipient or payload)',
  401: 'the API key is invalid or revoked',
  403: 'the API key lacks the Mail Send permission or the sender is not verified',
  413: 'the message is too large',
};

function responseStatus(error: unknown): number | undefined {
  // The SDK's ResponseError puts the HTTP status in `code` and the answer in `response`.
  if (!isObject(error) || !isObject(error['response'])) return undefined;
  const code = error['code'];
  return typeof code === 'number' && code >= 400 ? code : undefined;
}

function responseHeaders(error: unknown): Record<string, unknown> {
  if (!isObject(error) || !isObject(error['response'])) return {};
  const headers = error['response']['headers'];
  return isObject(headers) ? headers : {};
}

/**
 * The `field` of each SendGrid error, which says what was wrong without the value; the `message`s are left out
 * because some quote the offending address.
 */
function errorFields(error: unknown): string[] {
  if (!isObject(error) || !isObject(error['response'])) return [];
  const body = error['response']['body'];
  const errors = isObject(body) ? body['errors'] : undefined;
  if (!Array.isArray(errors)) return [];
  const fields = errors
    .map((entry: unknown) => (isObject(entry) ? entry['field'] : undefined))
    .filter((field): field is string => typeof field === 'string' && /^[\w.]{1,100}$/.test(field));
  return [...new Set(fields)];
}

/**
 * `Retry-After` (seconds or an HTTP date) when present; else SendGrid's own `X-RateLimit-Reset`, the Unix time at
 * which its rate-limit window reopens, which is what it sends with a 429.
 */
function retryAfterMs(headers: Record<string, unknown>): number | undefined {
  const retryAfter = parseRetryAfter(headerValue(headers, 'retry-after'));
  if (retryAfter !== undefined) return retryAfter;
  const reset = headerValue(headers, 'x-ratelimit-reset');
  if (reset !== undefined && /^\d+$/.test(reset)) return Math.max(0, Number(reset) * 1000 - Date.now());
  return undefined;
}

function headerValue(headers: Record<string, unknown>, name: string): string | undefined {
  const entry = Object.entries(headers).find(([key]) => key.toLowerCase() === name)?.[1];
  const value: unknown = Array.isArray(entry) ? entry[0] : entry;
  if (typeof value === 'number') return String(value);
  return typeof value === 'string' ? value.trim() : undefined;
}

function isAxiosError(error: unknown): error is Record<string, unknown> {
  return isObject(error) && error['isAxiosError'] === true;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
