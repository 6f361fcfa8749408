import { z } from 'zod';
import type { WebhookHeaders, WebhookSigningKey } from '../core/webhookSignature.js';
import { isRecord } from './localHttp.js';
import { Outbox } from './mailSink.js';

/*
 * The dev console's stand-in for HR's callback receiver: the app POSTs its signed stage events to
 * `/_dev/callbacks` on the local runtime's own port, and the console lists them (`/_dev/api/callbacks` and the page's
 * Callbacks section) with whether each signature verifies, as a newcomer's receiver would check it. Kept like the
 * mail outbox: in memory, and in a data file when the runtime has a data directory.
 */

/** One delivery attempt as the inbox received it; a retried event appears once per attempt. */
export interface CallbackInboxEntry {
  /** ISO 8601 instant the inbox received the delivery. */
  readonly receivedAt: string;
  /** The `webhook-id` header (`evt_<enrollment id>_<sequence>`), null when it was missing. */
  readonly webhookId: string | null;
  readonly webhookTimestamp: string | null;
  readonly webhookSignature: string | null;
  /**
   * Whether the signature verifies against the runtime's CALLBACK_SIGNING_SECRET over the raw body, within the
   * five-minute timestamp window; false when a header is missing or the runtime has no secret.
   */
  readonly verified: boolean;
  /** The body, parsed: an `enrollment.stage-changed` event when it came from the app. */
  readonly body: unknown;
}

/** A delivery as the console read it off the wire. */
export interface CallbackDelivery {
  readonly webhookId: string | undefined;
  readonly webhookTimestamp: string | undefined;
  readonly webhookSignature: string | undefined;
  /** The bytes received: the signature covers these, not a re-serialisation of `body`. */
  readonly rawBody: Buffer;
  /** `rawBody` parsed as JSON. */
  readonly body: unknown;
}

export interface CallbackInboxOptions {
  /** The runtime's CALLBACK_SIGNING_SECRET; without it nothing verifies (and the app refuses callbackUrl anyway). */
  readonly signingKey: WebhookSigningKey | undefined;
  /** JSON file that keeps the inbox across restarts; omitted means in memory only. */
  readonly dataFile?: string;
}

/**
 * Anything on loopback may POST here, so only the newest deliveries are kept: 500 is about a hundred enrollments'
 * worth of events, far more than a session at the console looks at.
 */
const maxEntries = 500;

const storedEntrySchema = z.object({
  receivedAt: z.string(),
  webhookId: z.string().nullable(),
  webhookTimestamp: z.string().nullable(),
  webhookSignature: z.string().nullable(),
  verified: z.boolean(),
  body: z.json(),
});

export class CallbackInbox {
  readonly #entries: Outbox<CallbackInboxEntry>;
  readonly #signingKey: WebhookSigningKey | undefined;

  private constructor(entries: Outbox<CallbackInboxEntry>, signingKey: WebhookSigningKey | undefined) {
    this.#entries = entries;
    this.#signingKey = signingKey;
  }

  /** Reads the data file if there is one; rejects when it exists but is not a valid inbox, rather than starting empty. */
  static async open(options: CallbackInboxOptions): Promise<CallbackInbox> {
    const entries = await Outbox.open({
      name: 'callback inbox',
      dataFile: options.dataFile,
      messageSchema: storedEntrySchema,
      toMessage: (entry): CallbackInboxEntry => Object.freeze(entry),
      maxMessages: maxEntries,
    });
    return new CallbackInbox(entries, options.signingKey);
  }

  /** Whether deliveries can verify at all: false when the runtime has no CALLBACK_SIGNING_SECRET. */
  get canVerify(): boolean {
    return this.#signingKey !== undefined;
  }

  /** Verifies and records one delivery; resolves with the entry once the data file holds it too. */
  async receive(delivery: CallbackDelivery): Promise<CallbackInboxEntry> {
    const received = new Date();
    const { webhookId, webhookTimestamp, webhookSignature } = delivery;
    const headers: WebhookHeaders | undefined =
      webhookId === undefined || webhookTimestamp === undefined || webhookSignature === undefined
        ? undefined
        : { id: webhookId, timestamp: webhookTimestamp, signature: webhookSignature };
    const entry: CallbackInboxEntry = Object.freeze({
      receivedAt: received.toISOString(),
      webhookId: webhookId ?? null,
      webhookTimestamp: webhookTimestamp ?? null,
      webhookSignature: webhookSignature ?? null,
      verified:
        headers !== undefined &&
        this.#signingKey !== undefined &&
        this.#signingKey.verify(headers, delivery.rawBody, Math.floor(received.getTime() / 1000)),
      body: delivery.body,
    });
    await this.#entries.add([entry]);
    return entry;
  }

  /** The kept deliveries, oldest first; only those whose event is about enrollment `enrollmentId` when given. */
  entries(enrollmentId?: string): readonly CallbackInboxEntry[] {
    const all = this.#entries.messages();
    return enrollmentId === undefined
      ? all
      : all.filter((entry) => callbackEventOf(entry).enrollmentId === enrollmentId);
  }

  /** Resolves once the data file holds every delivery received so far. */
  flush(): Promise<void> {
    return this.#entries.flush();
  }
}

/**
 * The enrollment id and stage an entry's body names, read leniently: the inbox keeps whatever was POSTed, so a body
 * need not be an event at all (undefined then).
 */
export function callbackEventOf(entry: CallbackInboxEntry): {
  readonly enrollmentId: string | undefined;
  readonly stage: string | undefined;
} {
  const data = isRecord(entry.body) ? entry.body['data'] : undefined;
  const text = (name: string) => (isRecord(data) && typeof data[name] === 'string' ? data[name] : undefined);
  return { enrollmentId: text('id'), stage: text('stage') };
}
