import { randomBytes } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { z } from 'zod';
import { FaultQueue, type FaultInjection } from './faults.js';
import { JsonSnapshotFile } from './jsonFile.js';
import {
  closeServer,
  createAsyncServer,
  formatHost,
  isRecord,
  listen,
  readBody,
  refuseUnlessPost,
  sendJson,
} from './localHttp.js';

/**
 * One message the sink accepted, flattened from SendGrid's v3 payload into what tests and the local runtime look at.
 * An interface so a later outbox (SMS) can share the envelope fields without reshaping this one.
 */
export interface SunkMessage {
  /** The `X-Message-Id` the sink answered with. */
  readonly id: string;
  /** ISO 8601 instant the sink accepted the message. */
  readonly receivedAt: string;
  readonly from: string;
  /** Every `to` address of every personalization, in payload order. */
  readonly to: string[];
  /** The top-level subject, else the first personalization's. */
  readonly subject: string;
  /** The first `text/plain` content block, or '' when there is none. */
  readonly text: string;
  /** The first `text/html` content block, or '' when there is none. */
  readonly html: string;
  readonly categories: string[];
  /** `tracking_settings.click_tracking.enable` as sent; undefined when the payload left it to the account default. */
  readonly clickTracking: boolean | undefined;
  /** Every http(s) URL in the text body and in the html `href` attributes, deduplicated, in order of appearance. */
  readonly links: string[];
}

export interface MailSinkOptions {
  /** 0 lets the OS pick; `url` tells which port it chose. */
  readonly port: number;
  /** Defaults to 127.0.0.1: the sink holds one-time links and must not be reachable from the network. */
  readonly host?: string;
  /** JSON file that keeps the outbox across restarts; omitted means in-memory only. */
  readonly dataFile?: string;
}

export interface RunningMailSink extends SinkHandle<SunkMessage> {
  /** Base URL to give the SendGrid client (`http://host:port`, no trailing slash). */
  readonly url: string;
}

/** SendGrid's error body: a list of problems, each naming the offending field and a help page. */
interface SendGridError {
  readonly message: string;
  readonly field: string | null;
  readonly help: string | null;
}

const sendPath = '/v3/mail/send';
/** SendGrid accepts 30 MB; the sink is stricter because nothing this service sends comes close to 1 MiB. */
const bodyLimitBytes = 1024 * 1024;
const helpBase = 'http://sendgrid.com/docs/API_Reference/Web_API_v3/Mail/errors.html';
const maxPersonalizations = 1000;

/**
 * Starts a local stand-in for SendGrid's `POST /v3/mail/send`: it validates payloads the way SendGrid does (collecting
 * every problem into one 400), answers 202 with an `X-Message-Id`, and keeps what it accepted so tests and developers
 * can read the mail, links included, without a real mailbox. `failNext` and `hangNext` inject provider failures.
 */
export async function startMailSink(options: MailSinkOptions): Promise<RunningMailSink> {
  const host = options.host ?? '127.0.0.1';
  const outbox = await Outbox.open({
    name: 'mail sink',
    dataFile: options.dataFile,
    messageSchema: storedMessageSchema,
    // Spelt out so that a stored message without clickTracking has the property, as SunkMessage requires.
    toMessage: (message) => deepFreeze({ ...message, clickTracking: message.clickTracking }),
  });
  const faults = new FaultQueue();

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = new URL(request.url ?? '/', 'http://sink').pathname;
    const refused = refuseUnlessPost(request, response, path, sendPath, (status) => {
      const message = status === 404 ? 'resource not found' : 'method not allowed';
      sendJson(response, status, { errors: [{ message, field: null, help: null }] });
    });
    if (refused) return;

    // Faults come first: a throttled or broken provider answers before it looks at credentials or payload.
    const faulted = faults.intercept(request, response, (status) => {
      const message = status === 429 ? 'too many requests' : 'internal error';
      sendJson(response, status, { errors: [{ message, field: null, help: null }] });
    });
    if (faulted) return;

    if (!hasBearerToken(request.headers.authorization)) {
      request.resume();
      sendJson(response, 401, {
        errors: [
          { message: 'The provided authorization grant is invalid, expired, or revoked', field: null, help: null },
        ],
      });
      return;
    }

    const body = await readBody(request, bodyLimitBytes);
    if (body === undefined) {
      sendJson(response, 413, { errors: [{ message: 'Payload Too Large', field: null, help: null }] });
      return;
    }
    let payload: unknown;
    try {
      payload = JSON.parse(body.toString('utf8'));
    } catch {
      sendJson(response, 400, { errors: [{ message: 'Bad Request', field: null, help: null }] });
      return;
    }
    const errors = validateMailSend(payload);
    if (errors.length > 0) {
      sendJson(response, 400, { errors });
      return;
    }

    const id = randomBytes(16).toString('base64url');
    // Persisted before the 202 so that a message the client believes sent survives a restart of the sink.
    await outbox.add([toSunkMessage(id, new Date().toISOString(), payload as MailSendPayload)]);
    response.statusCode = 202;
    response.setHeader('X-Message-Id', id);
    response.end();
  }

  const server = createAsyncServer(handle, (response, message) => {
    sendJson(response, 500, { errors: [{ message, field: null, help: null }] });
  });
  const port = await listen(server, options.port, host);

  return { url: `http://${formatHost(host)}:${port}`, ...sinkHandle(server, faults, outbox) };
}

// ---------------------------------------------------------------------------------------------------------------
// Validation: the subset of SendGrid's rules that a mail this service builds could break, with SendGrid's wording.

interface MailSendPayload {
  readonly personalizations: readonly {
    readonly to: readonly { readonly email: string }[];
    readonly subject?: unknown;
  }[];
  readonly from: { readonly email: string };
  readonly subject?: unknown;
  readonly content: readonly { readonly type: string; readonly value: string }[];
  readonly categories?: unknown;
  readonly tracking_settings?: unknown;
}

function validateMailSend(payload: unknown): SendGridError[] {
  if (!isRecord(payload)) return [{ message: 'Bad Request', field: null, help: null }];
  const errors: SendGridError[] = [];
  const problem = (field: string, message: string, anchor: string): void => {
    errors.push({ message, field, help: `${helpBase}#${anchor}` });
  };

  const personalizations = payload['personalizations'];
  let everyPersonalizationHasSubject = false;
  if (!Array.isArray(personalizations) || personalizations.length === 0) {
    problem(
      'personalizations',
      'The personalizations field is required and must have at least one personalization.',
      '-Personalizations-Errors',
    );
  } else if (personalizations.length > maxPersonalizations) {
    problem(
      'personalizations',
      `The personalization block is limited to ${maxPersonalizations} personalizations per API request. You have ` +
        `provided ${personalizations.length} personalizations. Please consider splitting this into multiple ` +
        'requests and resending your request.',
      '-Personalizations-Errors',
    );
  } else {
    everyPersonalizationHasSubject = true;
    personalizations.forEach((personalization: unknown, index) => {
      const field = `personalizations.${index}`;
      const to = isRecord(personalization) ? personalization['to'] : undefined;
      if (!isNonEmptyString(isRecord(personalization) ? personalization['subject'] : undefined)) {
        everyPersonalizationHasSubject = false;
      }
      if (!Array.isArray(to) || to.length === 0) {
        problem(
          `${field}.to`,
          'The to array is required for all personalization objects, and must have at least one email object with ' +
            'a valid email address.',
          'message.personalizations.to',
        );
        return;
      }
      to.forEach((recipient: unknown, recipientIndex) => {
        if (!isRecord(recipient) || !isEmailAddress(recipient['email'])) {
          problem(
            `${field}.to.${recipientIndex}.email`,
            'Does not contain a valid address.',
            'message.personalizations.to',
          );
        }
      });
    });
  }

  const from = payload['from'];
  if (!isRecord(from) || from['email'] === undefined) {
    problem(
      'from',
      'The from object must be provided for every email send. It is an object that requires the email parameter, ' +
        'but may also contain a name parameter.  e.g. {"email" : "example@example.com"}  or {"email" : ' +
        '"example@example.com", "name" : "Example Recipient"}.',
      'message.from',
    );
  } else if (!isEmailAddress(from['email'])) {
    problem('from.email', 'The from email does not contain a valid address.', 'message.from');
  }

  if (!isNonEmptyString(payload['subject']) && !everyPersonalizationHasSubject) {
    problem(
      'subject',
      'The subject is required. You can get around this requirement if you use a template with a subject defined ' +
        'or if every personalization has a subject defined.',
      'message.subject',
    );
  }

  const content = payload['content'];
  const hasTemplate = isNonEmptyString(payload['template_id']);
  if (!Array.isArray(content) || content.length === 0) {
    if (!hasTemplate) {
      problem(
        'content',
        'Unless a valid template_id is provided, the content parameter is required. There must be at least one ' +
          'defined content block. We typically suggest both text/plain and text/html blocks are included, but only ' +
          'one block is required.',
        'message.content',
      );
    }
  } else {
    content.forEach((block: unknown, index) => {
      const type = isRecord(block) ? block['type'] : undefined;
      const value = isRecord(block) ? block['value'] : undefined;
      if (!isNonEmptyString(type)) {
        problem(
          `content.${index}.type`,
          'The content type must be a string at least one character in length.',
          'message.content.type',
        );
      }
      if (!isNonEmptyString(value)) {
        problem(
          `content.${index}.value`,
          'The content value must be a string at least one character in length.',
          'message.content.value',
        );
      }
    });
    const types = content.map((block: unknown) => (isRecord(block) ? block['type'] : undefined));
    const plainIndex = types.indexOf('text/plain');
    const htmlIndex = types.indexOf('text/html');
    const repeated = types.lastIndexOf('text/plain') !== plainIndex || types.lastIndexOf('text/html') !== htmlIndex;
    const misplacedPlain = plainIndex > 0;
    const misplacedHtml = htmlIndex !== -1 && htmlIndex !== (plainIndex === -1 ? 0 : 1);
    if (repeated || misplacedPlain || misplacedHtml) {
      problem(
        'content',
        'If present, text/plain and text/html may only be provided once. If present, text/plain content must be ' +
          'first, followed by text/html, followed by any other content.',
        'message.content',
      );
    }
  }

  const categories = payload['categories'];
  if (
    categories !== undefined &&
    (!Array.isArray(categories) || !categories.every((entry) => typeof entry === 'string'))
  ) {
    problem('categories', 'The categories parameter must be an array of strings.', 'message.categories');
  }
  return errors;
}

function toSunkMessage(id: string, receivedAt: string, payload: MailSendPayload): SunkMessage {
  const contentOf = (type: string): string => payload.content.find((block) => block.type === type)?.value ?? '';
  const text = contentOf('text/plain');
  const html = contentOf('text/html');
  const firstSubject = payload.personalizations[0]?.subject;
  const subject = isNonEmptyString(payload.subject)
    ? payload.subject
    : isNonEmptyString(firstSubject)
      ? firstSubject
      : '';
  const tracking = isRecord(payload.tracking_settings) ? payload.tracking_settings['click_tracking'] : undefined;
  const clickEnable = isRecord(tracking) ? tracking['enable'] : undefined;
  return deepFreeze({
    id,
    receivedAt,
    from: payload.from.email,
    to: payload.personalizations.flatMap((personalization) => personalization.to.map((recipient) => recipient.email)),
    subject,
    text,
    html,
    categories: Array.isArray(payload.categories) ? (payload.categories as string[]) : [],
    clickTracking: typeof clickEnable === 'boolean' ? clickEnable : undefined,
    links: extractLinks(text, html),
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Links: tests follow the one-time links a mail carries, so the sink digs them out of both bodies.

const textUrlPattern = /https?:\/\/[^\s<>"'`]+/gi;
const hrefPattern = /\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))/gi;

function extractLinks(text: string, html: string): string[] {
  const links = new Set<string>();
  for (const match of text.matchAll(textUrlPattern)) links.add(trimTrailingPunctuation(match[0]));
  for (const match of html.matchAll(hrefPattern)) {
    const href = decodeHtmlEntities(match[1] ?? match[2] ?? match[3] ?? '').trim();
    if (/^https?:\/\//i.test(href)) links.add(href);
  }
  return [...links];
}

/** Prose puts sentence punctuation right after a URL ("open https://x/y."); that dot is not part of the link. */
function trimTrailingPunctuation(url: string): string {
  let trimmed = url.replace(/[.,;:!?]+$/, '');
  while (trimmed.endsWith(')') && count(trimmed, '(') < count(trimmed, ')')) trimmed = trimmed.slice(0, -1);
  return trimmed.replace(/[.,;:!?]+$/, '');
}

function count(text: string, character: string): number {
  return text.split(character).length - 1;
}

function decodeHtmlEntities(value: string): string {
  const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
  return value.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (entity, body: string) => {
    if (body.startsWith('#x') || body.startsWith('#X')) return String.fromCodePoint(Number.parseInt(body.slice(2), 16));
    if (body.startsWith('#')) return String.fromCodePoint(Number.parseInt(body.slice(1), 10));
    return named[body.toLowerCase()] ?? entity;
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Persistence.

/** A {@link SunkMessage} as the data file keeps it. */
const storedMessageSchema = z.object({
  id: z.string(),
  receivedAt: z.string(),
  from: z.string(),
  to: z.array(z.string()),
  subject: z.string(),
  text: z.string(),
  html: z.string(),
  categories: z.array(z.string()),
  clickTracking: z.boolean().optional(),
  links: z.array(z.string()),
});

// ---------------------------------------------------------------------------------------------------------------
// What every sink has: an outbox, fault injection and shutdown. The SMS sink imports these from here.

/** The data file's content, the same for every sink; only the messages differ. */
interface OutboxFile<T> {
  readonly version: 1;
  readonly messages: readonly T[];
}

/** How to open an {@link Outbox}. */
export interface OutboxOptions<Schema extends z.ZodType, T> {
  /** The sink's name, for log lines ('mail sink'). */
  readonly name: string;
  /** JSON file that keeps the outbox across restarts; undefined means in-memory only. */
  readonly dataFile: string | undefined;
  /** Permission bits of the data file, e.g. 0o600 when it holds one-time codes; Node's default when omitted. */
  readonly mode?: number;
  /** One stored message; the file is rejected as a whole when any message does not match. */
  readonly messageSchema: Schema;
  /** Turns a message read back from the file into what `messages()` returns (frozen, like fresh ones). */
  readonly toMessage: (stored: z.output<Schema>) => T;
  /**
   * Keeps only the newest this many messages, for an outbox that anything on loopback can fill (the dev console's
   * callback inbox); unbounded when omitted, as the sinks only hold what the app sent.
   */
  readonly maxMessages?: number;
}

/**
 * What a sink accepted, oldest first: in memory, and with a data file also in a JSON snapshot that is read back at
 * start, so the outbox survives a restart of the sink. The mail and SMS sinks keep theirs the same way and differ only
 * in the messages, so the SMS sink uses this class too.
 */
export class Outbox<T> {
  readonly #name: string;
  readonly #store: JsonSnapshotFile<OutboxFile<T>> | undefined;
  readonly #maxMessages: number;
  /** What `messages()` shows: only what the data file holds, so nothing a reader saw is lost by a crash. */
  #messages: readonly T[];
  /** The outbox the next write stores: `#messages` plus what is still being written, less what failed or was cleared. */
  #latest: readonly T[];

  private constructor(
    name: string,
    store: JsonSnapshotFile<OutboxFile<T>> | undefined,
    messages: readonly T[],
    maxMessages = Number.POSITIVE_INFINITY,
  ) {
    this.#name = name;
    this.#store = store;
    this.#maxMessages = maxMessages;
    this.#messages = this.#newest(messages);
    this.#latest = this.#messages;
  }

  /** Reads the data file if there is one; rejects when it exists but is not a valid outbox, rather than starting empty. */
  static async open<Schema extends z.ZodType, T>(options: OutboxOptions<Schema, T>): Promise<Outbox<T>> {
    const { dataFile, mode, maxMessages } = options;
    if (dataFile === undefined) return new Outbox<T>(options.name, undefined, [], maxMessages);
    const store = new JsonSnapshotFile<OutboxFile<T>>(dataFile, mode === undefined ? {} : { mode });
    const fileSchema = z.object({ version: z.literal(1), messages: z.array(options.messageSchema) });
    const stored = await store.load((value) => ({
      version: 1,
      messages: fileSchema.parse(value).messages.map((message) => options.toMessage(message)),
    }));
    return new Outbox(options.name, store, stored?.messages ?? [], maxMessages);
  }

  /** Accepted and stored messages, oldest first. */
  messages(): readonly T[] {
    return this.#messages;
  }

  /**
   * Appends `messages`, dropping the oldest beyond `maxMessages`, and resolves once the data file holds them; only
   * then does `messages()` show them. A reader that saw a message before it was stored (a test following its link)
   * would otherwise hold one that a crash of the sink forgets while the sender, never acknowledged, sends another.
   * Rejects, showing nothing, when the write fails.
   */
  async add(messages: readonly T[]): Promise<void> {
    const snapshot = this.#newest([...this.#latest, ...messages]);
    this.#latest = snapshot;
    try {
      await this.#save(snapshot);
    } catch (error) {
      const failed = new Set(messages);
      this.#latest = this.#latest.filter((message) => !failed.has(message));
      throw error;
    }
    // The store finishes its writes in the order they were asked for, so this snapshot holds every earlier one's; of
    // those it shows what no failed write or clear() has taken back since.
    const current = new Set(this.#latest);
    this.#messages = snapshot.filter((message) => current.has(message));
  }

  /** Empties the outbox. The data file follows; as the caller cannot wait for that, a failed write is only logged. */
  clear(): void {
    this.#messages = [];
    this.#latest = [];
    this.#save([]).catch((error: unknown) => {
      console.error(`${this.#name}: could not write its data file after clear()`, error);
    });
  }

  /** Resolves once every write asked for so far has finished. */
  async flush(): Promise<void> {
    await this.#store?.flush();
  }

  #newest(messages: readonly T[]): readonly T[] {
    return messages.length > this.#maxMessages ? messages.slice(-this.#maxMessages) : messages;
  }

  #save(messages: readonly T[]): Promise<void> {
    // The store chains its writes, so the file always ends up holding the latest outbox.
    return this.#store === undefined ? Promise.resolve() : this.#store.save({ version: 1, messages });
  }
}

/** What every sink's handle offers besides its URL: the outbox, fault injection and shutdown. */
export interface SinkHandle<T> extends FaultInjection {
  /** Accepted messages, oldest first. */
  messages(): readonly T[];
  /** Empties the outbox (and its data file). */
  clear(): void;
  /** Stops listening, drops hung requests and waits for the data file to be written. */
  close(): Promise<void>;
}

/** The {@link SinkHandle} of a sink serving on `server`, injecting `faults` and keeping `outbox`. */
export function sinkHandle<T>(server: Server, faults: FaultQueue, outbox: Outbox<T>): SinkHandle<T> {
  return {
    messages: () => outbox.messages(),
    failNext(count, status, retryAfterSeconds) {
      faults.fail(count, status, retryAfterSeconds);
    },
    hangNext(count) {
      faults.hang(count);
    },
    clear() {
      outbox.clear();
    },
    async close() {
      await closeServer(server, faults.hung);
      await outbox.flush();
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Small helpers.

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

/** Deliberately simple: one @, no spaces or brackets, a dot in the domain. SendGrid rejects the same obvious cases. */
function isEmailAddress(value: unknown): value is string {
  return typeof value === 'string' && /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:".]+$/.test(value);
}

function hasBearerToken(header: string | undefined): boolean {
  return header !== undefined && /^Bearer\s+\S+/i.test(header);
}

function deepFreeze<T extends object>(value: T): T {
  for (const property of Object.values(value)) {
    if (typeof property === 'object' && property !== null) deepFreeze(property as object);
  }
  return Object.freeze(value);
}
