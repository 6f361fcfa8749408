import type { SunkMessage } from '../mailSink.js';
import type { SunkSms } from '../smsSink.js';

/** One message in the console's outbox: a mail from the mail sink or a text message from the SMS sink. */
export interface OutboxEntry {
  readonly id: string;
  readonly channel: 'email' | 'sms';
  /** ISO 8601 instant the sink accepted the message. */
  readonly receivedAt: string;
  readonly to: readonly string[];
  /** '' for SMS. */
  readonly subject: string;
  readonly text: string;
  /** '' for SMS. */
  readonly html: string;
  /** Every http(s) URL in the message, deduplicated, in order of appearance. */
  readonly links: readonly string[];
}

/** A mail-sink message as an outbox entry. */
export function emailOutboxEntry(message: SunkMessage): OutboxEntry {
  return {
    id: message.id,
    channel: 'email',
    receivedAt: message.receivedAt,
    to: [...message.to],
    subject: message.subject,
    text: message.text,
    html: message.html,
    links: [...message.links],
  };
}

/** An SMS-sink message as an outbox entry; its links are the http(s) URLs in its text. */
export function smsOutboxEntry(message: SunkSms): OutboxEntry {
  return {
    id: message.id,
    channel: 'sms',
    receivedAt: message.receivedAt,
    to: [message.to],
    subject: '',
    text: message.text,
    html: '',
    links: linksIn(message.text),
  };
}

/** The `outbox` dependency for the running sinks: both outboxes as one, oldest first. */
export function outboxOf(sinks: {
  readonly mail?: { messages(): readonly SunkMessage[] };
  readonly sms?: { messages(): readonly SunkSms[] };
}): () => OutboxEntry[] {
  return () =>
    sortByReceived([
      ...(sinks.mail?.messages().map(emailOutboxEntry) ?? []),
      ...(sinks.sms?.messages().map(smsOutboxEntry) ?? []),
    ]);
}

export function sortByReceived(messages: readonly OutboxEntry[]): OutboxEntry[] {
  return [...messages].sort((a, b) => Date.parse(a.receivedAt) - Date.parse(b.receivedAt) || 0);
}

export type OutboxFilter = { readonly to: string; readonly channel?: OutboxEntry['channel'] };

/** The `to` and `channel` query parameters, or the reason they are not valid. */
export function outboxFilter(url: URL): OutboxFilter | string {
  // A phone number's `+` arrives as a space when the client did not encode it; trimming makes `?to=+45...` work.
  const to = (url.searchParams.get('to') ?? '').trim();
  const channel = url.searchParams.get('channel') ?? '';
  if (channel === '') return { to };
  if (channel !== 'email' && channel !== 'sms') return 'channel must be email or sms.';
  return { to, channel };
}

/** The messages on `filter.channel` (all without one) to a recipient containing `filter.to`, ignoring case. */
export function filterOutbox(messages: readonly OutboxEntry[], filter: OutboxFilter): OutboxEntry[] {
  const to = filter.to.toLowerCase();
  return messages.filter(
    (message) =>
      (filter.channel === undefined || message.channel === filter.channel) &&
      (to === '' || message.to.some((recipient) => recipient.toLowerCase().includes(to))),
  );
}

function linksIn(text: string): string[] {
  const found = (text.match(/https?:\/\/[^\s<>"']+/g) ?? []).map((link) => link.replace(/[.,;:!?)\]]+$/, ''));
  return [...new Set(found)];
}
