import { randomInt } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { html, type SafeHtml } from '../pages/html.js';
import { callbackEventOf, type CallbackInbox, type CallbackInboxEntry } from './callbackInbox.js';
import { EventType, type HistoryEvent } from './durable/history.js';
import type { StatusPayload, TaskHub } from './durable/taskHub.js';
import type { FailStatus } from './faults.js';
import { isRecord, readBody, sendJson } from './localHttp.js';
import type { SunkMessage } from './mailSink.js';
import type { SunkSms } from './smsSink.js';

/*
 * The local runtime's developer console under /_dev: a JSON API and one server-rendered page to play the HR system,
 * read the mail and SMS outboxes, receive the HR callbacks (`POST /_dev/callbacks`), flip MFA in the local directory,
 * look into Durable instances and make the local stand-ins misbehave (fault injection, `POST /_dev/api/faults`). It
 * is served by the functions host on loopback only and needs no key, so it guards itself against the two ways a web
 * page in the developer's browser could still reach it: DNS rebinding (Host header) and cross-site form posts (CSRF).
 * The app's own callback POSTs pass both guards as any server-side JSON request does: addressed to localhost, with
 * `content-type: application/json` and no Origin.
 */

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

export interface DevConsoleDirectory {
  setMfaRegistered(upn: string, registered: boolean): void;
  isMfaRegistered(upn: string): boolean;
}

export interface StartEnrollmentResult {
  readonly status: number;
  readonly body: unknown;
}

/** The local stand-ins `POST /_dev/api/faults` can target. */
export type FaultTargetName = 'vault' | 'mail' | 'sms';

/**
 * A stand-in that can be told to misbehave for its next requests: the running sinks' and local vault's own handles.
 * The vault can fail but not hang (it has no `hangNext`).
 */
export interface DevConsoleFaultTarget {
  failNext(count: number, status: FailStatus, retryAfterSeconds?: number): void;
  readonly hangNext?: (count: number) => void;
}

/** A fault the console applied, echoed back as `{ applied }`. */
export type AppliedFault =
  | {
      readonly target: FaultTargetName;
      readonly kind: 'fail';
      readonly status: FailStatus;
      readonly count: number;
      readonly retryAfterSeconds?: number;
    }
  | { readonly target: FaultTargetName; readonly kind: 'hang'; readonly count: number };

export interface DevConsoleDependencies {
  /** Every message the sinks accepted; the console sorts them by `receivedAt`. */
  readonly outbox: () => readonly OutboxEntry[];
  readonly directory: DevConsoleDirectory;
  readonly taskHub: Pick<TaskHub, 'list' | 'status'>;
  /** Calls the real HR API (`POST /api/enrollments`) with the function key; see {@link hrApiStarter}. */
  readonly startEnrollment: (body: unknown) => Promise<StartEnrollmentResult>;
  /** The stand-ins fault injection reaches; a target left out answers 400. */
  readonly faults?: Readonly<Partial<Record<FaultTargetName, DevConsoleFaultTarget>>>;
  /** Keeps what the app POSTs to `/_dev/callbacks`. */
  readonly callbackInbox: Pick<CallbackInbox, 'receive' | 'entries' | 'canVerify'>;
  /**
   * The runtime's URL as the app reaches it (`http://localhost:7071`): the Play HR form asks for callbacks to
   * `<runtimeUrl>/_dev/callbacks`, which the start handler accepts locally as plain http to a loopback host.
   */
  readonly runtimeUrl: string;
}

/** Serves a request when its path is `/_dev` or under `/_dev/` and resolves true; resolves false for anything else. */
export type DevConsole = (request: IncomingMessage, url: URL, response: ServerResponse) => Promise<boolean>;

export interface InstanceSummary {
  readonly instanceId: string;
  readonly name: string;
  readonly runtimeStatus: StatusPayload['runtimeStatus'];
  readonly stage: string | null;
  readonly createdTime: string;
  readonly lastUpdatedTime: string;
}

const jsonContentType = 'application/json; charset=utf-8';
/** Also the cap of one HR callback, which is well under a kilobyte. */
const maxJsonBytes = 64 * 1024;
const callbackInboxPath = '/_dev/callbacks';
/** Upper bounds for one fault request: enough for any soak, small enough that a typo cannot break a stand-in for good. */
const maxFaultCount = 10_000;
const maxRetryAfterSeconds = 3_600;
const faultTargets: readonly FaultTargetName[] = ['vault', 'mail', 'sms'];
const failStatuses: readonly FailStatus[] = [429, 500, 503];
const faultFields = new Set(['target', 'kind', 'status', 'count', 'retryAfterSeconds']);
const maxFormBytes = 16 * 1024;
/** How many enrollments started from the console, and UPNs touched by it, the page remembers. */
const maxRecent = 25;
/** How often the console reloads itself while a message is on its way, and how long an invitation is awaited. */
const reloadSeconds = 3;
const invitationWaitMs = 5 * 60_000;
/** Longer values in the history table are cut; the JSON API has them whole. */
const maxCellChars = 400;

const loopbackHost = /^(?:localhost|127\.0\.0\.1|\[::1\])(?::\d{1,5})?$/i;
const loopbackOrigin = /^http:\/\/(?:localhost|127\.0\.0\.1|\[::1\])(?::\d{1,5})?$/i;
/** The enctypes an HTML form can send without CORS; JSON cannot be sent cross-origin without a preflight. */
const formMediaTypes = new Set(['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain']);

const pageHeaders = {
  'Content-Type': 'text/html; charset=utf-8',
  'Cache-Control': 'no-store',
  'Referrer-Policy': 'no-referrer',
  'Content-Security-Policy':
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
};

const eventTypeNames: ReadonlyMap<number, string> = new Map(
  Object.entries(EventType).map(([name, value]) => [value, name]),
);

// ---------------------------------------------------------------------------------------------------------------
// Wiring helpers for runtime.ts.

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

/**
 * The `startEnrollment` dependency: posts the body to the HR API endpoint (`http://localhost:7071/api/enrollments`)
 * with the function key, as the HR system would, and answers with the status and the parsed JSON body (the raw text
 * when it is not JSON, null when empty).
 */
export function hrApiStarter(options: {
  readonly url: string;
  readonly functionKey: string;
  readonly timeoutMs?: number;
}): DevConsoleDependencies['startEnrollment'] {
  return async (body) => {
    const response = await fetch(options.url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'x-functions-key': options.functionKey },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
    });
    const text = await response.text();
    let parsed: unknown = text === '' ? null : text;
    try {
      if (text !== '') parsed = JSON.parse(text);
    } catch {
      // Not JSON (a plain-text 401 or 500 from the host): the text itself is the most useful body to show.
    }
    return { status: response.status, body: parsed };
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The console.

interface RecentStart {
  readonly at: string;
  readonly employeeId: string;
  readonly userPrincipalName: string;
  readonly inviteEmail: string;
  readonly status: number;
  readonly body: unknown;
}

interface Exchange {
  readonly request: IncomingMessage;
  readonly response: ServerResponse;
  readonly url: URL;
  readonly params: readonly string[];
  readonly api: boolean;
}

type Handler = (exchange: Exchange) => Promise<void>;

interface Route {
  readonly pattern: RegExp;
  readonly handlers: Readonly<Partial<Record<'GET' | 'PUT' | 'POST', Handler>>>;
}

class Refusal extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Creates the console. It keeps, in memory, the enrollments started through it and the UPNs whose MFA it changed, so
 * the page can list them with their MFA state (the orchestration input holds no UPN to derive them from).
 */
export function createDevConsole(deps: DevConsoleDependencies): DevConsole {
  const recentStarts: RecentStart[] = [];
  /** Normalised UPN → as first typed, most recent last. */
  const knownUpns = new Map<string, string>();

  const rememberUpn = (upn: string) => {
    const key = upn.trim().toLowerCase();
    if (key === '') return;
    knownUpns.delete(key);
    knownUpns.set(key, upn.trim());
    while (knownUpns.size > maxRecent) knownUpns.delete(knownUpns.keys().next().value ?? '');
  };

  const start = async (body: unknown): Promise<StartEnrollmentResult> => {
    let result: StartEnrollmentResult;
    try {
      result = await deps.startEnrollment(body);
    } catch (error) {
      result = { status: 502, body: { error: `The HR API could not be reached: ${messageOf(error)}` } };
    }
    const field = (name: string) => (isRecord(body) && typeof body[name] === 'string' ? body[name] : '');
    recentStarts.push({
      at: new Date().toISOString(),
      employeeId: field('employeeId'),
      userPrincipalName: field('userPrincipalName'),
      inviteEmail: field('inviteEmail'),
      status: result.status,
      body: result.body,
    });
    if (recentStarts.length > maxRecent) recentStarts.shift();
    if (result.status < 300) rememberUpn(field('userPrincipalName'));
    return result;
  };

  const setMfa = (upn: string, registered: boolean) => {
    deps.directory.setMfaRegistered(upn, registered);
    rememberUpn(upn);
  };

  const routes: readonly Route[] = [
    {
      pattern: /^\/_dev\/?$/,
      handlers: {
        GET: async ({ response, url }) => {
          const filter = outboxFilter(url);
          const instances = summarise(await deps.taskHub.list());
          const messages = typeof filter === 'string' ? [] : filterOutbox(sortByReceived(deps.outbox()), filter);
          const directory = [...knownUpns.values()]
            .reverse()
            .map((upn) => ({ upn, registered: deps.directory.isMfaRegistered(upn) }));
          const onItsWay = messagesOnTheirWay(recentStarts, deps.outbox(), instances);
          const reloading = onItsWay.length > 0 && url.searchParams.get('refresh') !== 'off';
          sendPage(
            response,
            200,
            consolePage({
              onItsWay,
              reloading,
              filter: typeof filter === 'string' ? { to: url.searchParams.get('to') ?? '' } : filter,
              filterError: typeof filter === 'string' ? filter : undefined,
              messages: [...messages].reverse(),
              instances,
              directory,
              recentStarts: [...recentStarts].reverse(),
              callbacks: [...deps.callbackInbox.entries()].reverse(),
              callbacksVerifiable: deps.callbackInbox.canVerify,
              demo: demoEmployee(),
            }),
            reloading ? { Refresh: `${reloadSeconds}; url=${url.pathname}${url.search}` } : {},
          );
        },
      },
    },
    {
      pattern: /^\/_dev\/instances\/([^/]+)$/,
      handlers: {
        GET: async ({ response, params }) => {
          const id = decodeSegment(params[0]);
          const status = await deps.taskHub.status(id, true);
          if (status === undefined) throw new Refusal(404, `No instance with id ${id}.`);
          sendPage(response, 200, instancePage(status));
        },
      },
    },
    {
      pattern: /^\/_dev\/enrollments$/,
      handlers: {
        POST: async ({ request, response }) => {
          const form = await readForm(request);
          const field = (name: string) => (form.get(name) ?? '').trim();
          const contact = {
            ...(field('contactEmail') === '' ? {} : { email: field('contactEmail') }),
            ...(field('contactPhone') === '' ? {} : { phone: field('contactPhone') }),
          };
          await start({
            employeeId: field('employeeId'),
            userPrincipalName: field('userPrincipalName'),
            displayName: field('displayName'),
            inviteEmail: field('inviteEmail'),
            contact,
            ...(field('locale') === '' ? {} : { locale: field('locale') }),
            ...(field('deviceLabel') === '' ? {} : { deviceLabel: field('deviceLabel') }),
            // A checkbox is in the form post only when checked.
            ...(form.has('sendCallbacks') ? { callbackUrl: `${deps.runtimeUrl}${callbackInboxPath}` } : {}),
          });
          redirectHome(response);
        },
      },
    },
    {
      pattern: /^\/_dev\/directory$/,
      handlers: {
        POST: async ({ request, response }) => {
          const form = await readForm(request);
          const upn = validUpn(form.get('upn') ?? '');
          const registered = form.get('registered');
          if (registered !== 'true' && registered !== 'false') {
            throw new Refusal(400, 'registered must be true or false.');
          }
          setMfa(upn, registered === 'true');
          redirectHome(response);
        },
      },
    },
    {
      pattern: /^\/_dev\/api\/outbox$/,
      handlers: {
        GET: ({ response, url }) => {
          const filter = outboxFilter(url);
          if (typeof filter === 'string') throw new Refusal(400, filter);
          sendApiJson(response, 200, { messages: filterOutbox(sortByReceived(deps.outbox()), filter) });
          return Promise.resolve();
        },
      },
    },
    {
      // HR's callback receiver, played by the console: records every delivery, verified or not, and answers 204 so
      // the app counts it delivered (a receiver that refused a bad signature would only make the app retry it).
      pattern: /^\/_dev\/callbacks$/,
      handlers: {
        POST: async ({ request, response }) => {
          const { bytes, value } = await readJsonBytes(request);
          const header = (name: string) => {
            const text = request.headers[name];
            return Array.isArray(text) ? text.join(', ') : text;
          };
          await deps.callbackInbox.receive({
            webhookId: header('webhook-id'),
            webhookTimestamp: header('webhook-timestamp'),
            webhookSignature: header('webhook-signature'),
            rawBody: bytes,
            body: value,
          });
          response.writeHead(204, { 'Cache-Control': 'no-store' });
          response.end();
        },
      },
    },
    {
      pattern: /^\/_dev\/api\/callbacks$/,
      handlers: {
        GET: ({ response, url }) => {
          const id = url.searchParams.get('id') ?? '';
          sendApiJson(response, 200, { callbacks: deps.callbackInbox.entries(id === '' ? undefined : id) });
          return Promise.resolve();
        },
      },
    },
    {
      pattern: /^\/_dev\/api\/directory\/([^/]+)\/mfa$/,
      handlers: {
        GET: ({ response, params }) => {
          const upn = validUpn(decodeSegment(params[0]));
          sendApiJson(response, 200, { userPrincipalName: upn, registered: deps.directory.isMfaRegistered(upn) });
          return Promise.resolve();
        },
        PUT: async ({ request, response, params }) => {
          const upn = validUpn(decodeSegment(params[0]));
          const body = await readJson(request);
          if (!isRecord(body) || typeof body['registered'] !== 'boolean') {
            throw new Refusal(400, 'Expected a JSON object { "registered": true | false }.');
          }
          const unknown = Object.keys(body).filter((key) => key !== 'registered');
          if (unknown.length > 0) throw new Refusal(400, `Unknown field(s): ${unknown.join(', ')}.`);
          setMfa(upn, body['registered']);
          sendApiJson(response, 200, { userPrincipalName: upn, registered: deps.directory.isMfaRegistered(upn) });
        },
      },
    },
    {
      pattern: /^\/_dev\/api\/instances$/,
      handlers: {
        GET: async ({ response }) => {
          sendApiJson(response, 200, { instances: summarise(await deps.taskHub.list()) });
        },
      },
    },
    {
      pattern: /^\/_dev\/api\/instances\/([^/]+)$/,
      handlers: {
        GET: async ({ response, params }) => {
          const id = decodeSegment(params[0]);
          const status = await deps.taskHub.status(id, true);
          if (status === undefined) throw new Refusal(404, `No instance with id ${id}.`);
          sendApiJson(response, 200, status);
        },
      },
    },
    {
      pattern: /^\/_dev\/api\/enrollments$/,
      handlers: {
        POST: async ({ request, response }) => {
          const result = await start(await readJson(request));
          sendApiJson(response, result.status, result.body);
        },
      },
    },
    {
      // Fault injection: the next `count` requests to a stand-in fail with `status` (and Retry-After) or hang. The
      // sinks queue faults behind those still pending; the vault's failNext replaces what is pending.
      pattern: /^\/_dev\/api\/faults$/,
      handlers: {
        POST: async ({ request, response }) => {
          const fault = parseFault(await readJson(request));
          const target = deps.faults?.[fault.target];
          if (target === undefined) {
            throw new Refusal(400, `This runtime has no ${fault.target} to inject faults into.`);
          }
          if (fault.kind === 'fail') {
            target.failNext(fault.count, fault.status, fault.retryAfterSeconds);
          } else {
            if (target.hangNext === undefined) {
              throw new Refusal(400, `The local ${fault.target} can be told to fail, not to hang.`);
            }
            target.hangNext(fault.count);
          }
          sendApiJson(response, 200, { applied: fault });
        },
      },
    },
  ];

  return async (request, url, response) => {
    const path = url.pathname;
    if (path !== '/_dev' && !path.startsWith('/_dev/')) return false;
    // The callback inbox is called by the app, not a browser: its refusals are JSON too.
    const api = path === '/_dev/api' || path.startsWith('/_dev/api/') || path === callbackInboxPath;
    try {
      if (!loopbackHost.test(request.headers.host ?? '')) {
        throw new Refusal(403, 'The dev console only answers requests addressed to localhost or 127.0.0.1.');
      }
      const method = (request.method ?? 'GET').toUpperCase();
      const route = routes.find((candidate) => candidate.pattern.test(path));
      if (route === undefined) throw new Refusal(404, `Nothing at ${path}.`);
      const handler = route.handlers[method === 'HEAD' ? 'GET' : (method as 'GET' | 'PUT' | 'POST')];
      if (handler === undefined) {
        const allowed = Object.keys(route.handlers);
        response.setHeader('Allow', (allowed.includes('GET') ? [...allowed, 'HEAD'] : allowed).join(', '));
        throw new Refusal(405, `${method} is not allowed on ${path}.`);
      }
      if (method !== 'GET' && method !== 'HEAD') guardAgainstCrossSiteRequests(request);
      const params = (route.pattern.exec(path) ?? []).slice(1);
      await handler({ request, response, url, params, api });
    } catch (error) {
      if (!(error instanceof Refusal)) throw error;
      request.resume();
      if (api) sendApiJson(response, error.status, { error: error.message });
      else sendPage(response, error.status, errorPage(error.status, error.message));
    }
    return true;
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Request handling.

/**
 * A state-changing request must be JSON (which a cross-origin page cannot send without a CORS preflight this console
 * never grants) or a form post the browser marks as coming from the console itself (`Sec-Fetch-Site: same-origin`)
 * or from the user (`none`: typed or bookmarked). Any request a browser marks as cross-site, or from a foreign origin,
 * is refused outright. The console's pages are served with `Referrer-Policy: no-referrer`, under which Chromium and
 * Firefox send `Origin: null` on the console's own form posts: an opaque origin is accepted only together with the
 * browser's `same-origin` mark, which no other site can make it send.
 */
function guardAgainstCrossSiteRequests(request: IncomingMessage): void {
  const fetchSite = request.headers['sec-fetch-site'];
  const firstParty = fetchSite === 'same-origin' || fetchSite === 'none';
  if (fetchSite !== undefined && !firstParty) {
    throw new Refusal(403, `Refused a ${fetchSite} request: the dev console only accepts its own forms.`);
  }
  const origin = request.headers.origin;
  const ownOpaqueOrigin = origin === 'null' && fetchSite === 'same-origin';
  if (origin !== undefined && !loopbackOrigin.test(origin) && !ownOpaqueOrigin) {
    throw new Refusal(403, 'Refused a request from another origin.');
  }
  const type = mediaTypeOf(request);
  if (type === 'application/json') return;
  if (formMediaTypes.has(type) && firstParty) return;
  throw new Refusal(
    403,
    'State-changing requests must send Content-Type: application/json, or be a form post from the console itself.',
  );
}

function mediaTypeOf(request: IncomingMessage): string {
  return (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  return (await readJsonBytes(request)).value;
}

/** A JSON body parsed, with the bytes it was parsed from (what a webhook signature covers). */
async function readJsonBytes(request: IncomingMessage): Promise<{ readonly bytes: Buffer; readonly value: unknown }> {
  if (mediaTypeOf(request) !== 'application/json') throw new Refusal(415, 'Expected Content-Type: application/json.');
  const bytes = await readBody(request, maxJsonBytes);
  if (bytes === undefined) throw new Refusal(413, `The body is larger than ${maxJsonBytes} bytes.`);
  try {
    return { bytes, value: JSON.parse(bytes.toString('utf8')) as unknown };
  } catch {
    throw new Refusal(400, 'The body is not valid JSON.');
  }
}

async function readForm(request: IncomingMessage): Promise<URLSearchParams> {
  if (mediaTypeOf(request) !== 'application/x-www-form-urlencoded') {
    throw new Refusal(415, 'Expected a form post (application/x-www-form-urlencoded).');
  }
  const body = await readBody(request, maxFormBytes);
  if (body === undefined) throw new Refusal(413, `The form is larger than ${maxFormBytes} bytes.`);
  return new URLSearchParams(body.toString('utf8'));
}

function decodeSegment(segment: string | undefined): string {
  try {
    return decodeURIComponent(segment ?? '');
  } catch {
    throw new Refusal(400, 'The path holds an invalid percent-encoding.');
  }
}

function validUpn(value: string): string {
  const upn = value.trim();
  // eslint-disable-next-line no-control-regex -- refusing control characters is the point
  if (upn === '' || upn.length > 256 || /[\u0000-\u001f\u007f]/.test(upn)) {
    throw new Refusal(400, 'Expected a user principal name (1-256 printable characters).');
  }
  return upn;
}

/** The body of `POST /_dev/api/faults`, checked field by field; a Refusal (400) names the first problem. */
function parseFault(body: unknown): AppliedFault {
  const expected =
    'Expected { "target": "vault" | "mail" | "sms", "kind": "fail" | "hang", "status"?: 429 | 500 | 503, ' +
    '"count": n, "retryAfterSeconds"?: n }.';
  if (!isRecord(body)) throw new Refusal(400, expected);
  const unknown = Object.keys(body).filter((key) => !faultFields.has(key));
  if (unknown.length > 0) throw new Refusal(400, `Unknown field(s): ${unknown.join(', ')}. ${expected}`);
  const { target, kind, status, count, retryAfterSeconds } = body;
  const isTarget = (value: unknown): value is FaultTargetName => faultTargets.some((name) => name === value);
  if (!isTarget(target)) throw new Refusal(400, `target must be one of ${faultTargets.join(', ')}.`);
  if (!isWholeNumber(count) || count < 1 || count > maxFaultCount) {
    throw new Refusal(400, `count must be a whole number from 1 to ${maxFaultCount}.`);
  }
  if (kind === 'hang') {
    if (status !== undefined || retryAfterSeconds !== undefined) {
      throw new Refusal(400, 'A hang has no status and no retryAfterSeconds.');
    }
    return { target, kind, count };
  }
  if (kind !== 'fail') throw new Refusal(400, 'kind must be fail or hang.');
  const isFailStatus = (value: unknown): value is FailStatus => failStatuses.some((code) => code === value);
  if (!isFailStatus(status)) throw new Refusal(400, `A failure needs status ${failStatuses.join(', ')}.`);
  if (retryAfterSeconds === undefined) return { target, kind, status, count };
  if (!isWholeNumber(retryAfterSeconds) || retryAfterSeconds < 0 || retryAfterSeconds > maxRetryAfterSeconds) {
    throw new Refusal(400, `retryAfterSeconds must be a whole number from 0 to ${maxRetryAfterSeconds}.`);
  }
  return { target, kind, status, count, retryAfterSeconds };
}

function isWholeNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value);
}

type OutboxFilter = { readonly to: string; readonly channel?: OutboxEntry['channel'] };

/** The `to` and `channel` query parameters, or the reason they are not valid. */
function outboxFilter(url: URL): OutboxFilter | string {
  // A phone number's `+` arrives as a space when the client did not encode it; trimming makes `?to=+45...` work.
  const to = (url.searchParams.get('to') ?? '').trim();
  const channel = url.searchParams.get('channel') ?? '';
  if (channel === '') return { to };
  if (channel !== 'email' && channel !== 'sms') return 'channel must be email or sms.';
  return { to, channel };
}

function filterOutbox(messages: readonly OutboxEntry[], filter: OutboxFilter): OutboxEntry[] {
  const to = filter.to.toLowerCase();
  return messages.filter(
    (message) =>
      (filter.channel === undefined || message.channel === filter.channel) &&
      (to === '' || message.to.some((recipient) => recipient.toLowerCase().includes(to))),
  );
}

function sortByReceived(messages: readonly OutboxEntry[]): OutboxEntry[] {
  return [...messages].sort((a, b) => Date.parse(a.receivedAt) - Date.parse(b.receivedAt) || 0);
}

function summarise(statuses: readonly StatusPayload[]): InstanceSummary[] {
  return statuses
    .map((status) => ({
      instanceId: status.instanceId,
      name: status.name,
      runtimeStatus: status.runtimeStatus,
      stage: stageOf(status),
      createdTime: status.createdTime,
      lastUpdatedTime: status.lastUpdatedTime,
    }))
    .sort(
      (a, b) =>
        Date.parse(b.createdTime) - Date.parse(a.createdTime) ||
        Date.parse(b.lastUpdatedTime) - Date.parse(a.lastUpdatedTime) ||
        a.instanceId.localeCompare(b.instanceId),
    );
}

/**
 * What the developer is waiting for: the invitation of an enrollment started here in the last few minutes, and the
 * ready e-mail of an enrollment being issued. The runtime polls its queues as Azure does, so each takes seconds.
 */
function messagesOnTheirWay(
  starts: readonly RecentStart[],
  outbox: readonly OutboxEntry[],
  instances: readonly InstanceSummary[],
): string[] {
  const recent = Date.now() - invitationWaitMs;
  const mailed = (address: string) =>
    outbox.some((message) => message.to.some((to) => to.toLowerCase() === address.toLowerCase()));
  const waiting = [
    ...starts
      .filter((start) => start.status === 202 && Date.parse(start.at) > recent && !mailed(start.inviteEmail))
      .map((start) => `the invitation to ${start.inviteEmail}`),
    ...instances
      .filter((instance) => instance.stage === 'issuing')
      .map((instance) => `the app password and ready e-mail of enrollment ${instance.instanceId}`),
  ];
  return [...new Set(waiting)];
}

function stageOf(status: StatusPayload): string | null {
  const stage = isRecord(status.customStatus) ? status.customStatus['stage'] : undefined;
  return typeof stage === 'string' ? stage : null;
}

function linksIn(text: string): string[] {
  const found = (text.match(/https?:\/\/[^\s<>"']+/g) ?? []).map((link) => link.replace(/[.,;:!?)\]]+$/, ''));
  return [...new Set(found)];
}

function isWebLink(link: string): boolean {
  try {
    const { protocol } = new URL(link);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

function messageOf(error: unknown): string {
  if (error instanceof Error) {
    return error.cause instanceof Error ? `${error.message} (${error.cause.message})` : error.message;
  }
  return String(error);
}

function demoEmployee() {
  const number = randomInt(100_000, 1_000_000);
  return {
    employeeId: `E${number}`,
    userPrincipalName: `anna.jensen.${number}@contoso.example`,
    displayName: 'Anna Jensen',
    inviteEmail: 'anna.jensen@private.example',
    contactEmail: 'anna.jensen@private.example',
    contactPhone: '+4520123456',
    locale: 'da',
    deviceLabel: 'Outlook on iPhone',
  };
}

function sendApiJson(response: ServerResponse, status: number, body: unknown): void {
  response.setHeader('Cache-Control', 'no-store');
  response.setHeader('X-Content-Type-Options', 'nosniff');
  sendJson(response, status, body, jsonContentType);
}

function sendPage(
  response: ServerResponse,
  status: number,
  page: SafeHtml,
  headers: Readonly<Record<string, string>> = {},
): void {
  const text = page.value;
  response.writeHead(status, { ...pageHeaders, ...headers, 'Content-Length': Buffer.byteLength(text) });
  response.end(text);
}

function redirectHome(response: ServerResponse): void {
  response.writeHead(303, { Location: '/_dev', 'Cache-Control': 'no-store', 'Content-Length': 0 });
  response.end();
}

// ---------------------------------------------------------------------------------------------------------------
// Pages.

function layout(title: string, body: SafeHtml): SafeHtml {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <title>${title === 'Dev console' ? title : `${title} – dev console`}</title>
        <link rel="stylesheet" href="/assets/app.css" />
      </head>
      <body>
        <header>
          <span>Local dev console</span>
          <nav aria-label="Console sections">
            <a href="/_dev#play-hr">Play HR</a> · <a href="/_dev#outbox">Outbox</a> ·
            <a href="/_dev#callbacks">Callbacks</a> · <a href="/_dev#directory">Directory</a> ·
            <a href="/_dev#instances">Instances</a>
          </nav>
        </header>
        <main>
          <h1>${title}</h1>
          ${body}
        </main>
      </body>
    </html>`;
}

function errorPage(status: number, message: string): SafeHtml {
  return layout(
    status === 404 ? 'Not found' : `Request refused (${status})`,
    html`<p class="notice error" role="alert">${message}</p>
      <p><a href="/_dev">Back to the console</a></p>`,
  );
}

interface ConsoleView {
  /** What is on its way (see messagesOnTheirWay), and whether the page reloads itself until it arrives. */
  readonly onItsWay: readonly string[];
  readonly reloading: boolean;
  readonly filter: { readonly to: string; readonly channel?: string };
  readonly filterError: string | undefined;
  /** Newest first. */
  readonly messages: readonly OutboxEntry[];
  readonly instances: readonly InstanceSummary[];
  readonly directory: readonly { readonly upn: string; readonly registered: boolean }[];
  /** Newest first. */
  readonly recentStarts: readonly RecentStart[];
  /** Newest first. */
  readonly callbacks: readonly CallbackInboxEntry[];
  /** Whether the runtime has a CALLBACK_SIGNING_SECRET, without which the HR API refuses a callbackUrl. */
  readonly callbacksVerifiable: boolean;
  readonly demo: ReturnType<typeof demoEmployee>;
}

function consolePage(view: ConsoleView): SafeHtml {
  return layout(
    'Dev console',
    html`<p class="muted">
        Local only. Everything here talks to the local runtime's stand-ins; reload the page to see new mail and
        progress.
      </p>
      ${onItsWayNotice(view)} ${playHrSection(view)} ${outboxSection(view)} ${callbacksSection(view)}
      ${directorySection(view)} ${instancesSection(view.instances)}`,
  );
}

function onItsWayNotice(view: ConsoleView): SafeHtml {
  if (view.onItsWay.length === 0) return html``;
  return html`<div class="notice info" role="status">
    <p>
      On its way: ${view.onItsWay.join('; ')}. The local runtime polls its queues as Azure does, so each step can take
      up to <code>maxQueuePollingInterval</code> (10 s in <code>host.json</code>) when it has been idle.
    </p>
    <p>
      ${
        view.reloading
          ? html`This page reloads itself every ${reloadSeconds} s until it arrives.
              <a href="/_dev?refresh=off">Stop reloading</a>`
          : html`<a href="/_dev">Reload</a> to see it.`
      }
    </p>
  </div>`;
}

function textField(
  name: string,
  label: string,
  value: string,
  options: { type?: string; required?: boolean; hint?: string } = {},
): SafeHtml {
  const id = `hr-${name}`;
  return html`<label for="${id}">${label}${options.required === true ? '' : ' (optional)'}</label>
    ${options.hint === undefined ? '' : html`<span class="muted" id="${id}-hint">${options.hint}</span>`}
    <input
      id="${id}"
      name="${name}"
      type="${options.type ?? 'text'}"
      value="${value}"
      ${options.required === true ? html`required` : ''}
      ${options.hint === undefined ? '' : html`aria-describedby="${id}-hint"`}
    />`;
}

function playHrSection(view: ConsoleView): SafeHtml {
  const demo = view.demo;
  return html`<section class="step" aria-labelledby="play-hr">
    <h2 id="play-hr">Play HR</h2>
    <p>Starts an enrollment through the real HR API (<code>POST /api/enrollments</code>) with the function key.</p>
    <form method="post" action="/_dev/enrollments">
      ${textField('employeeId', 'Employee id', demo.employeeId, { required: true })}
      ${textField('userPrincipalName', 'User principal name', demo.userPrincipalName, {
        type: 'email',
        required: true,
      })}
      ${textField('displayName', 'Display name', demo.displayName, { required: true })}
      ${textField('inviteEmail', 'Invitation e-mail', demo.inviteEmail, { type: 'email', required: true })}
      ${textField('contactEmail', 'Contact e-mail', demo.contactEmail, { type: 'email' })}
      ${textField('contactPhone', 'Contact phone', demo.contactPhone, { type: 'tel', hint: 'E.164, e.g. +4520123456' })}
      <label for="hr-locale">Locale</label>
      <select id="hr-locale" name="locale">
        <option value="da" ${demo.locale === 'da' ? html`selected` : ''}>da – Danish</option>
        <option value="en" ${demo.locale === 'en' ? html`selected` : ''}>en – English</option>
      </select>
      ${textField('deviceLabel', 'Device label', demo.deviceLabel)}
      ${
        view.callbacksVerifiable
          ? html`<label for="hr-send-callbacks">
              <input id="hr-send-callbacks" name="sendCallbacks" type="checkbox" value="on" checked />
              Send stage events to this console
            </label>`
          : html`<p class="muted">
              Stage events (HR callbacks) are off: this runtime has no <code>CALLBACK_SIGNING_SECRET</code>.
            </p>`
      }
      <p><button type="submit">Start enrollment</button></p>
    </form>
    <h3>Started from this console</h3>
    ${tableOrNote(
      view.recentStarts,
      {
        empty: 'Nothing started yet.',
        caption: 'Newest first',
        columns: ['When', 'Employee', 'HTTP status', 'Response'],
      },
      (started) => {
        const id = isRecord(started.body) && typeof started.body['id'] === 'string' ? started.body['id'] : '';
        return html`<tr>
          <td><time datetime="${started.at}">${started.at}</time></td>
          <td>${started.employeeId}<br />${started.userPrincipalName}</td>
          <td>${started.status}</td>
          <td>
            ${id === '' ? '' : html`<a href="/_dev/instances/${encodeURIComponent(id)}">instance ${id}</a>`}
            <pre>${JSON.stringify(started.body, null, 2)}</pre>
          </td>
        </tr>`;
      },
    )}
  </section>`;
}

function outboxSection(view: ConsoleView): SafeHtml {
  return html`<section class="step" aria-labelledby="outbox">
    <h2 id="outbox">Outbox</h2>
    <form method="get" action="/_dev#outbox" role="search">
      <label for="outbox-to">Recipient contains</label>
      <input id="outbox-to" name="to" type="search" value="${view.filter.to}" />
      <label for="outbox-channel">Channel</label>
      <select id="outbox-channel" name="channel">
        <option value="" ${view.filter.channel === undefined ? html`selected` : ''}>E-mail and SMS</option>
        <option value="email" ${view.filter.channel === 'email' ? html`selected` : ''}>E-mail</option>
        <option value="sms" ${view.filter.channel === 'sms' ? html`selected` : ''}>SMS</option>
      </select>
      <p><button type="submit" class="secondary">Filter</button></p>
    </form>
    ${view.filterError === undefined ? '' : html`<p class="notice error" role="alert">${view.filterError}</p>`}
    ${
      view.messages.length === 0
        ? html`<p class="muted">No messages.</p>`
        : html`<p class="muted">${view.messages.length} message(s), newest first.</p>
            ${view.messages.map(messageBlock)}`
    }
  </section>`;
}

function messageBlock(message: OutboxEntry): SafeHtml {
  const heading = message.channel === 'sms' ? `SMS to ${message.to.join(', ')}` : message.subject || '(no subject)';
  return html`<article class="message">
    <h3>${heading}</h3>
    <dl>
      <dt>Channel</dt>
      <dd>${message.channel === 'sms' ? 'SMS' : 'E-mail'}</dd>
      <dt>To</dt>
      <dd>${message.to.join(', ')}</dd>
      ${
        message.channel === 'email'
          ? html`<dt>Subject</dt>
              <dd>${message.subject}</dd>`
          : ''
      }
      <dt>Received</dt>
      <dd><time datetime="${message.receivedAt}">${message.receivedAt}</time></dd>
      <dt>Message id</dt>
      <dd><code>${message.id}</code></dd>
    </dl>
    ${
      message.links.length === 0
        ? ''
        : html`<p>Links:</p>
            <ul>
              ${message.links.map(
                (link) =>
                  html`<li>${isWebLink(link) ? html`<a href="${link}" rel="noreferrer">${link}</a>` : link}</li>`,
              )}
            </ul>`
    }
    <pre>${message.text}</pre>
  </article>`;
}

function callbacksSection(view: ConsoleView): SafeHtml {
  return html`<section class="step" aria-labelledby="callbacks">
    <h2 id="callbacks">Callbacks</h2>
    <p>
      The signed stage events (HR callbacks) the app POSTed to <code>${callbackInboxPath}</code>, each checked with this
      runtime's <code>CALLBACK_SIGNING_SECRET</code> as HR's receiver would. As JSON:
      <a href="/_dev/api/callbacks">/_dev/api/callbacks</a> (<code>?id=</code> for one enrollment).
    </p>
    ${tableOrNote(
      view.callbacks,
      {
        empty: 'No callbacks yet. Start an enrollment with "Send stage events to this console" ticked.',
        caption: 'Newest first; a retried event appears once per attempt',
        columns: ['Received', 'Stage', 'Enrollment', 'webhook-id', 'Signature'],
      },
      (entry) => {
        const { enrollmentId, stage } = callbackEventOf(entry);
        return html`<tr>
          <td><time datetime="${entry.receivedAt}">${entry.receivedAt}</time></td>
          <td>${stage ?? '–'}</td>
          <td>
            ${
              enrollmentId === undefined
                ? '–'
                : html`<a href="/_dev/instances/${encodeURIComponent(enrollmentId)}">${enrollmentId}</a>`
            }
          </td>
          <td><code>${entry.webhookId ?? '(none)'}</code></td>
          <td>
            ${entry.verified ? html`<span class="badge">signature verified</span>` : html`<strong>signature INVALID</strong>`}
          </td>
        </tr>`;
      },
    )}
  </section>`;
}

function directorySection(view: ConsoleView): SafeHtml {
  return html`<section class="step" aria-labelledby="directory">
    <h2 id="directory">Directory</h2>
    <p>Sets whether a user has registered MFA in the local directory (what Microsoft Graph would report).</p>
    <form method="post" action="/_dev/directory">
      <label for="directory-upn">User principal name</label>
      <input id="directory-upn" name="upn" type="email" required />
      <label for="directory-registered">MFA</label>
      <select id="directory-registered" name="registered">
        <option value="true">Registered</option>
        <option value="false">Not registered</option>
      </select>
      <p><button type="submit">Set MFA</button></p>
    </form>
    ${tableOrNote(
      view.directory,
      {
        empty: 'Users of enrollments started here, and users whose MFA you set, appear here.',
        caption: 'Users this console started or changed, most recent first',
        columns: ['User principal name', 'MFA', 'Change'],
      },
      (entry) =>
        html`<tr>
          <td>${entry.upn}</td>
          <td>${entry.registered ? 'Registered' : 'Not registered'}</td>
          <td>
            <form method="post" action="/_dev/directory">
              <input type="hidden" name="upn" value="${entry.upn}" />
              <input type="hidden" name="registered" value="${entry.registered ? 'false' : 'true'}" />
              <button
                type="submit"
                class="secondary"
                aria-label="${`${entry.registered ? 'Remove MFA for' : 'Register MFA for'} ${entry.upn}`}"
              >
                ${entry.registered ? 'Remove MFA' : 'Register MFA'}
              </button>
            </form>
          </td>
        </tr>`,
    )}
  </section>`;
}

function instancesSection(instances: readonly InstanceSummary[]): SafeHtml {
  return html`<section class="step" aria-labelledby="instances">
    <h2 id="instances">Instances</h2>
    ${tableOrNote(
      instances,
      {
        empty: 'No orchestration instances.',
        caption: 'Newest first',
        columns: ['Instance id', 'Stage', 'Runtime status', 'Created', 'Updated'],
      },
      (instance) =>
        html`<tr>
          <td>
            <a href="/_dev/instances/${encodeURIComponent(instance.instanceId)}">${instance.instanceId}</a>
          </td>
          <td>${instance.stage ?? '–'}</td>
          <td>${instance.runtimeStatus}</td>
          <td><time datetime="${instance.createdTime}">${instance.createdTime}</time></td>
          <td><time datetime="${instance.lastUpdatedTime}">${instance.lastUpdatedTime}</time></td>
        </tr>`,
    )}
  </section>`;
}

/** How {@link tableOrNote} labels a table and what it says instead of an empty one. */
interface TableSpec {
  /** The muted note shown instead of a table without rows: an empty table says less than a sentence. */
  readonly empty: string;
  /** Column headings, in order. */
  readonly columns: readonly string[];
  /** A muted caption, such as the order of the rows. */
  readonly caption?: string;
  /** The id of a heading that names the table, for a table without a caption. */
  readonly labelledBy?: string;
}

/**
 * The console's lists: a table with one row per item, made by `row`, under the column headings of `spec`, or the
 * muted note `spec.empty` when there are no items. One helper so every list reads and is announced the same way.
 */
function tableOrNote<T>(items: readonly T[], spec: TableSpec, row: (item: T, index: number) => SafeHtml): SafeHtml {
  if (items.length === 0) return html`<p class="muted">${spec.empty}</p>`;
  return html`<table${spec.labelledBy === undefined ? '' : html` aria-labelledby="${spec.labelledBy}"`}>
    ${
      spec.caption === undefined
        ? ''
        : html`<caption class="muted">
            ${spec.caption}
          </caption>`
    }
    <thead>
      <tr>
        ${spec.columns.map((column) => html`<th scope="col">${column}</th>`)}
      </tr>
    </thead>
    <tbody>
      ${items.map((item, index) => row(item, index))}
    </tbody>
  </table>`;
}

function cut(text: string): string {
  return text.length > maxCellChars ? `${text.slice(0, maxCellChars)}…` : text;
}

function eventDetails(event: HistoryEvent): string {
  const parts: string[] = [];
  if (event.TaskScheduledId !== undefined) parts.push(`task ${event.TaskScheduledId}`);
  if (event.TimerId !== undefined) parts.push(`timer ${event.TimerId}`);
  if (event.FireAt !== undefined) parts.push(`fires at ${event.FireAt}`);
  if (event.Attempt !== undefined) parts.push(`attempt ${event.Attempt}`);
  if (event.Input !== undefined) parts.push(`input ${event.Input}`);
  if (event.Result !== undefined) parts.push(`result ${event.Result}`);
  if (event.Reason !== undefined) parts.push(`reason ${event.Reason}`);
  if (event.Details !== undefined) parts.push(`details ${event.Details}`);
  return cut(parts.join('; '));
}

function instancePage(status: StatusPayload): SafeHtml {
  const events = status.historyEvents ?? [];
  const json = (value: unknown) => JSON.stringify(value, null, 2);
  return layout(
    `Instance ${status.instanceId}`,
    html`<p><a href="/_dev#instances">Back to the console</a></p>
      <dl>
        <dt>Orchestrator</dt>
        <dd>${status.name}</dd>
        <dt>Runtime status</dt>
        <dd>${status.runtimeStatus}</dd>
        <dt>Stage</dt>
        <dd>${stageOf(status) ?? '–'}</dd>
        <dt>Created</dt>
        <dd><time datetime="${status.createdTime}">${status.createdTime}</time></dd>
        <dt>Updated</dt>
        <dd><time datetime="${status.lastUpdatedTime}">${status.lastUpdatedTime}</time></dd>
      </dl>
      <h2>Custom status</h2>
      <pre>${json(status.customStatus)}</pre>
      <h2>Input</h2>
      <pre>${json(status.input)}</pre>
      <h2>Output</h2>
      <pre>${json(status.output)}</pre>
      <h2 id="history">History</h2>
      ${tableOrNote(
        events,
        {
          empty: 'No history yet.',
          labelledBy: 'history',
          columns: ['#', 'Event', 'Event id', 'Name', 'Timestamp', 'Details'],
        },
        (event, index) =>
          html`<tr>
            <td>${index + 1}</td>
            <td>${eventTypeNames.get(event.EventType) ?? String(event.EventType)}</td>
            <td>${event.EventId}</td>
            <td>${event.Name ?? ''}</td>
            <td><time datetime="${event.Timestamp}">${event.Timestamp}</time></td>
            <td>${eventDetails(event)}</td>
          </tr>`,
      )}`,
  );
}
