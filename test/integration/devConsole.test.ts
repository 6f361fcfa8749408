import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WebhookSigningKey } from '../../core/webhookSignature.js';
import { CallbackInbox } from '../../devhost/callbackInbox.js';
import {
  createDevConsole,
  emailOutboxEntry,
  hrApiStarter,
  outboxOf,
  smsOutboxEntry,
  type DevConsoleDependencies,
  type DevConsoleFaultTarget,
  type FaultTargetName,
  type OutboxEntry,
  type StartEnrollmentResult,
} from '../../devhost/devConsole.js';
import { EventType, type HistoryEvent } from '../../devhost/durable/history.js';
import type { StatusPayload } from '../../devhost/durable/taskHub.js';
import { listen, readBody } from '../../devhost/localHttp.js';
import { startLocalVault } from '../../devhost/localVault.js';
import { startMailSink, type SunkMessage } from '../../devhost/mailSink.js';
import type { SunkSms } from '../../devhost/smsSink.js';
import { freePort } from '../../devhost/freePort.js';

// ---------------------------------------------------------------------------------------------------------------
// Fakes: an in-memory outbox and directory, a task hub with fixed statuses and a recording HR API.

const invitation: OutboxEntry = {
  id: 'mail-1',
  channel: 'email',
  receivedAt: '2025-03-01T10:00:00.000Z',
  to: ['Anna.Jensen@Private.example'],
  subject: 'Welcome <script>alert(1)</script>',
  text: 'Open http://localhost:7071/e/tok-123 to start.\n<b>not bold</b>',
  html: '<p>Open <a href="http://localhost:7071/e/tok-123">the link</a></p>',
  links: ['http://localhost:7071/e/tok-123', 'javascript:alert(2)'],
};
const codeSms: OutboxEntry = {
  id: 'sms-1',
  channel: 'sms',
  receivedAt: '2025-03-01T10:05:00.000Z',
  to: ['+4520123456'],
  subject: '',
  text: 'Your code is 123456',
  html: '',
  links: [],
};
const otherMail: OutboxEntry = {
  id: 'mail-2',
  channel: 'email',
  receivedAt: '2025-03-01T09:00:00.000Z',
  to: ['bo@example.com'],
  subject: 'Reminder',
  text: 'Reminder text',
  html: '',
  links: [],
};

const event = (type: number, eventId: number, extra: Partial<HistoryEvent> = {}): HistoryEvent =>
  ({
    EventType: type,
    EventId: eventId,
    IsPlayed: true,
    Timestamp: '2025-03-01T10:00:00.000Z',
    ...extra,
  }) as HistoryEvent;

const older: StatusPayload = {
  name: 'enrollment',
  instanceId: 'enr-old',
  runtimeStatus: 'Completed',
  input: { enrollmentId: 'enr-old', employeeId: 'E1' },
  customStatus: { stage: 'revealed' },
  output: { stage: 'revealed' },
  createdTime: '2025-02-01T10:00:00.000Z',
  lastUpdatedTime: '2025-02-02T10:00:00.000Z',
};
const newer: StatusPayload = {
  name: 'enrollment',
  instanceId: 'enr/new <1>',
  runtimeStatus: 'Running',
  input: { enrollmentId: 'enr/new <1>', employeeId: 'E2' },
  customStatus: null,
  output: null,
  createdTime: '2025-03-01T10:00:00.000Z',
  lastUpdatedTime: '2025-03-01T10:01:00.000Z',
};
const history: HistoryEvent[] = [
  event(EventType.OrchestratorStarted, -1),
  event(EventType.ExecutionStarted, -1, { Name: 'enrollment', Input: '{"employeeId":"E2"}' }),
  event(EventType.TaskScheduled, 0, { Name: 'sendEmail', Input: '{"kind":"<invitation>"}' }),
  event(EventType.TaskCompleted, -1, { TaskScheduledId: 0, Result: '{"ok":true}' }),
];

let outbox: OutboxEntry[] = [];
const registered = new Set<string>();
const starts: unknown[] = [];
let nextStart: () => Promise<StartEnrollmentResult>;

/** Every failNext/hangNext call the console made, as `target:method(args)`. */
const faultCalls: string[] = [];
const recordingTarget = (name: FaultTargetName, canHang: boolean): DevConsoleFaultTarget => ({
  failNext: (count, status, retryAfterSeconds) => {
    faultCalls.push(`${name}:failNext(${[count, status, retryAfterSeconds].map(String).join(',')})`);
  },
  ...(canHang
    ? {
        hangNext: (count: number) => {
          faultCalls.push(`${name}:hangNext(${String(count)})`);
        },
      }
    : {}),
});
/** The fault targets the console sees; a test may remove one and beforeEach puts it back. */
const faultTargets: Partial<Record<FaultTargetName, DevConsoleFaultTarget>> = {};

const deps: DevConsoleDependencies = {
  outbox: () => outbox,
  directory: {
    setMfaRegistered: (upn, value) => {
      if (value) registered.add(upn.toLowerCase());
      else registered.delete(upn.toLowerCase());
    },
    isMfaRegistered: (upn) => registered.has(upn.toLowerCase()),
  },
  taskHub: {
    list: () => Promise.resolve([older, newer]),
    status: (id, showHistory) => {
      const found = [older, newer].find((status) => status.instanceId === id);
      if (found === undefined) return Promise.resolve(undefined);
      return Promise.resolve(showHistory === true ? { ...found, historyEvents: history } : found);
    },
  },
  startEnrollment: (body) => {
    starts.push(body);
    return nextStart();
  },
  faults: faultTargets,
  callbackInbox: await CallbackInbox.open({
    signingKey: WebhookSigningKey.parse(`whsec_${Buffer.alloc(32, 3).toString('base64')}`),
  }),
  runtimeUrl: 'http://localhost:7071',
};

const accepted = (): Promise<StartEnrollmentResult> =>
  Promise.resolve({
    status: 202,
    body: { id: 'enr-42', stage: 'invited', statusUrl: 'http://x/api/enrollments/enr-42' },
  });

// ---------------------------------------------------------------------------------------------------------------
// A tiny host: the console, and 599 for what it does not handle.

let server: Server;
let port: number;

beforeAll(async () => {
  const devConsole = createDevConsole(deps);
  server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', `http://localhost:${port}`);
    devConsole(request, url, response)
      .then((handled) => {
        if (!handled) {
          response.statusCode = 599;
          response.end('not handled');
        }
      })
      .catch((error: unknown) => {
        response.statusCode = 500;
        response.end(String(error));
      });
  });
  port = await listen(server, await freePort(), '127.0.0.1');
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => {
    server.close(() => {
      resolve();
    });
  });
});

beforeEach(() => {
  outbox = [invitation, codeSms, otherMail];
  registered.clear();
  starts.length = 0;
  nextStart = accepted;
  faultCalls.length = 0;
  // The vault, like the real local vault, can fail but not hang.
  Object.assign(faultTargets, {
    vault: recordingTarget('vault', false),
    mail: recordingTarget('mail', true),
    sms: recordingTarget('sms', true),
  });
});

interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
  json(): unknown;
}

/** Raw HTTP, so Host, Origin and Sec-Fetch-* are exactly what the test says (fetch would add or forbid some). */
async function send(
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: string; host?: string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...options.headers };
    headers['Host'] = options.host ?? `localhost:${port}`;
    // Node frames a GET or DELETE body only when told its length.
    if (options.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(options.body));
    const request = httpRequest({ host: '127.0.0.1', port, method, path, headers, setHost: false }, (response) => {
      readBody(response, 10 * 1024 * 1024).then((body) => {
        const text = body?.toString('utf8') ?? '';
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          text,
          json: () => JSON.parse(text) as unknown,
        });
      }, reject);
    });
    request.once('error', reject);
    request.end(options.body);
  });
}

const json = (method: string, path: string, body: unknown, headers: Record<string, string> = {}) =>
  send(method, path, {
    headers: { 'Content-Type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

const form = (path: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
  send('POST', path, {
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(fields).toString(),
  });

const sameOrigin = () => ({ 'Sec-Fetch-Site': 'same-origin', Origin: `http://localhost:${port}` });

function expectJsonApi(reply: Reply): void {
  expect(reply.headers['content-type']).toBe('application/json; charset=utf-8');
  expect(reply.headers['cache-control']).toBe('no-store');
}

// ---------------------------------------------------------------------------------------------------------------

describe('dev console: what it handles', () => {
  it('leaves every path outside /_dev to the host', async () => {
    for (const path of ['/', '/api/enrollments', '/_devices', '/_dev-tools', '/assets/app.css']) {
      expect((await send('GET', path)).status, path).toBe(599);
    }
  });

  it('answers 404 for unknown paths under /_dev, as JSON under /_dev/api', async () => {
    const page = await send('GET', '/_dev/nothing-here');
    expect(page.status).toBe(404);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    const api = await send('GET', '/_dev/api/nothing');
    expect(api.status).toBe(404);
    expectJsonApi(api);
    expect(api.json()).toEqual({ error: expect.any(String) as unknown });
    expect((await send('GET', '/_dev/api')).status).toBe(404);
  });

  it('answers 405 with Allow for a known path and another method', async () => {
    const reply = await json('DELETE', '/_dev/api/outbox', {});
    expect(reply.status).toBe(405);
    expect(reply.headers.allow).toBe('GET, HEAD');
    expect((await json('POST', '/_dev/api/instances', {})).status).toBe(405);
  });
});

describe('dev console: DNS-rebinding guard', () => {
  it.each(['evil.example', `evil.example:${String(80)}`, 'localhost.evil.example', 'x@localhost', '127.0.0.2'])(
    'refuses Host %s with 403',
    async (host) => {
      const api = await send('GET', '/_dev/api/outbox', { host });
      expect(api.status).toBe(403);
      expectJsonApi(api);
      expect(JSON.stringify(api.json())).not.toContain('mail-1');
      const page = await send('GET', '/_dev', { host });
      expect(page.status).toBe(403);
      expect(page.text).not.toContain('tok-123');
    },
  );

  it('refuses an HTTP/1.0 request without a Host header', async () => {
    // Node's server itself answers 400 to an HTTP/1.1 request without Host; HTTP/1.0 lets Host out.
    const head = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.end('GET /_dev/api/outbox HTTP/1.0\r\n\r\n');
      });
      let received = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => (received += chunk));
      socket.once('end', () => {
        resolve(received);
      });
      socket.once('error', reject);
    });
    expect(head).toMatch(/^HTTP\/1\.1 403 /);
    expect(head).not.toContain('mail-1');
  });

  it('refuses state changes from a foreign Host before touching anything', async () => {
    const reply = await send('PUT', '/_dev/api/directory/anna%40contoso.example/mfa', {
      host: 'attacker.example:7071',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ registered: true }),
    });
    expect(reply.status).toBe(403);
    expect(registered.size).toBe(0);
  });

  it.each(['localhost', `127.0.0.1:${String(7071)}`, 'LOCALHOST:7071', '[::1]:7071'])(
    'accepts Host %s',
    async (host) => {
      expect((await send('GET', '/_dev/api/outbox', { host })).status).toBe(200);
    },
  );
});

describe('dev console: outbox API', () => {
  it('lists every message, newest last', async () => {
    const reply = await send('GET', '/_dev/api/outbox');
    expect(reply.status).toBe(200);
    expectJsonApi(reply);
    const { messages } = reply.json() as { messages: OutboxEntry[] };
    expect(messages.map((message) => message.id)).toEqual(['mail-2', 'mail-1', 'sms-1']);
    expect(messages[1]).toEqual(invitation);
  });

  it('filters on the recipient, case-insensitively and by substring', async () => {
    const ids = async (query: string) =>
      ((await send('GET', `/_dev/api/outbox${query}`)).json() as { messages: OutboxEntry[] }).messages.map(
        (message) => message.id,
      );
    expect(await ids('?to=anna.jensen@private.EXAMPLE')).toEqual(['mail-1']);
    expect(await ids('?to=PRIVATE')).toEqual(['mail-1']);
    expect(await ids('?to=%2B4520123456')).toEqual(['sms-1']);
    // An unencoded + arrives as a space; the number still matches.
    expect(await ids('?to=+4520123456')).toEqual(['sms-1']);
    expect(await ids('?to=nobody@example.com')).toEqual([]);
    expect(await ids('?to=')).toEqual(['mail-2', 'mail-1', 'sms-1']);
  });

  it('filters on the channel and refuses an unknown one', async () => {
    const reply = await send('GET', '/_dev/api/outbox?channel=email&to=example');
    expect((reply.json() as { messages: OutboxEntry[] }).messages.map((message) => message.id)).toEqual([
      'mail-2',
      'mail-1',
    ]);
    const bad = await send('GET', '/_dev/api/outbox?channel=fax');
    expect(bad.status).toBe(400);
    expect(bad.json()).toEqual({ error: 'channel must be email or sms.' });
  });
});

describe('dev console: directory API', () => {
  it('sets and reads MFA for a URL-encoded UPN', async () => {
    const before = await send('GET', '/_dev/api/directory/anna%40contoso.example/mfa');
    expect(before.status).toBe(200);
    expectJsonApi(before);
    expect(before.json()).toEqual({ userPrincipalName: 'anna@contoso.example', registered: false });

    const put = await json('PUT', '/_dev/api/directory/anna%40contoso.example/mfa', { registered: true });
    expect(put.status).toBe(200);
    expectJsonApi(put);
    expect(put.json()).toEqual({ userPrincipalName: 'anna@contoso.example', registered: true });
    expect(registered.has('anna@contoso.example')).toBe(true);
    expect((await send('GET', '/_dev/api/directory/anna@contoso.example/mfa')).json()).toEqual({
      userPrincipalName: 'anna@contoso.example',
      registered: true,
    });

    const off = await json('PUT', '/_dev/api/directory/anna%40contoso.example/mfa', { registered: false });
    expect(off.json()).toEqual({ userPrincipalName: 'anna@contoso.example', registered: false });
    expect(registered.size).toBe(0);
  });

  it.each([
    ['not JSON', '{registered: true'],
    ['no body', ''],
    ['an array', '[true]'],
    ['a string flag', '{"registered":"true"}'],
    ['a missing flag', '{}'],
    ['an unknown field', '{"registered":true,"extra":1}'],
  ])('answers 400 { error } for %s', async (_what, body) => {
    const reply = await json('PUT', '/_dev/api/directory/anna%40contoso.example/mfa', body);
    expect(reply.status).toBe(400);
    expectJsonApi(reply);
    expect(reply.json()).toEqual({ error: expect.any(String) as unknown });
    expect(registered.size).toBe(0);
  });

  it('answers 400 for a malformed percent-encoding', async () => {
    expect((await send('GET', '/_dev/api/directory/anna%E0%A4%A/mfa')).status).toBe(400);
  });
});

describe('dev console: instances API', () => {
  it('lists instances newest first with their stage', async () => {
    const reply = await send('GET', '/_dev/api/instances');
    expect(reply.status).toBe(200);
    expectJsonApi(reply);
    expect(reply.json()).toEqual({
      instances: [
        {
          instanceId: 'enr/new <1>',
          name: 'enrollment',
          runtimeStatus: 'Running',
          stage: null,
          createdTime: newer.createdTime,
          lastUpdatedTime: newer.lastUpdatedTime,
        },
        {
          instanceId: 'enr-old',
          name: 'enrollment',
          runtimeStatus: 'Completed',
          stage: 'revealed',
          createdTime: older.createdTime,
          lastUpdatedTime: older.lastUpdatedTime,
        },
      ],
    });
  });

  it('answers one instance with its history, the id URL-decoded', async () => {
    const reply = await send('GET', `/_dev/api/instances/${encodeURIComponent('enr/new <1>')}`);
    expect(reply.status).toBe(200);
    expectJsonApi(reply);
    expect(reply.json()).toEqual({ ...newer, historyEvents: history });
  });

  it('answers 404 { error } for an unknown instance', async () => {
    const reply = await send('GET', '/_dev/api/instances/nope');
    expect(reply.status).toBe(404);
    expectJsonApi(reply);
    expect(reply.json()).toEqual({ error: 'No instance with id nope.' });
  });
});

describe('dev console: enrollments API (playing HR)', () => {
  const body = { employeeId: 'E7', userPrincipalName: 'e7@contoso.example', anything: ['passed', 'through'] };

  it('passes the JSON body through and answers with the HR API status and body', async () => {
    const reply = await json('POST', '/_dev/api/enrollments', body);
    expect(starts).toEqual([body]);
    expect(reply.status).toBe(202);
    expectJsonApi(reply);
    expect(reply.json()).toEqual({ id: 'enr-42', stage: 'invited', statusUrl: 'http://x/api/enrollments/enr-42' });
  });

  it('relays the HR API refusing the body', async () => {
    nextStart = () => Promise.resolve({ status: 400, body: { title: 'Invalid request', errors: [] } });
    const reply = await json('POST', '/_dev/api/enrollments', { employeeId: '' });
    expect(reply.status).toBe(400);
    expect(reply.json()).toEqual({ title: 'Invalid request', errors: [] });
  });

  it('answers 502 when the HR API cannot be reached, and 400 for a body that is not JSON', async () => {
    nextStart = () => Promise.reject(new Error('connect ECONNREFUSED'));
    const down = await json('POST', '/_dev/api/enrollments', body);
    expect(down.status).toBe(502);
    expect(down.json()).toEqual({ error: expect.stringContaining('ECONNREFUSED') as unknown });

    const broken = await json('POST', '/_dev/api/enrollments', '{"employeeId":');
    expect(broken.status).toBe(400);
    expect(starts).toHaveLength(1);
  });

  it('refuses a JSON request a browser marks as cross-site or from a foreign origin', async () => {
    for (const headers of [
      { 'Sec-Fetch-Site': 'cross-site' },
      { 'Sec-Fetch-Site': 'same-site' },
      { Origin: 'http://attacker.example' },
      { Origin: 'null' },
    ]) {
      const reply = await json('POST', '/_dev/api/enrollments', body, headers);
      expect(reply.status, JSON.stringify(headers)).toBe(403);
    }
    expect(starts).toEqual([]);
  });

  it('refuses a simple (form-like) content type on the JSON API', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', '']) {
      const reply = await send('POST', '/_dev/api/enrollments', {
        headers: type === '' ? {} : { 'Content-Type': type },
        body: JSON.stringify(body),
      });
      expect(reply.status, type).toBe(403);
    }
    // A form post from the console itself passes the CSRF guard but is still not JSON.
    const formOnApi = await form('/_dev/api/enrollments', { employeeId: 'E7' }, sameOrigin());
    expect(formOnApi.status).toBe(415);
    expect(starts).toEqual([]);
  });
});

describe('dev console: fault injection API', () => {
  it('tells the vault to fail with a status and Retry-After, and echoes what it applied', async () => {
    const reply = await json('POST', '/_dev/api/faults', {
      target: 'vault',
      kind: 'fail',
      status: 429,
      count: 3,
      retryAfterSeconds: 1,
    });
    expect(reply.status).toBe(200);
    expectJsonApi(reply);
    expect(reply.json()).toEqual({
      applied: { target: 'vault', kind: 'fail', status: 429, count: 3, retryAfterSeconds: 1 },
    });
    expect(faultCalls).toEqual(['vault:failNext(3,429,1)']);
  });

  it('makes the mail and SMS sinks fail without Retry-After, or hang', async () => {
    const fail = await json('POST', '/_dev/api/faults', { target: 'mail', kind: 'fail', status: 500, count: 2 });
    expect(fail.json()).toEqual({ applied: { target: 'mail', kind: 'fail', status: 500, count: 2 } });
    const hang = await json('POST', '/_dev/api/faults', { count: 1, kind: 'hang', target: 'mail' });
    expect(hang.status).toBe(200);
    expect(hang.json()).toEqual({ applied: { target: 'mail', kind: 'hang', count: 1 } });
    expect(
      (await json('POST', '/_dev/api/faults', { target: 'sms', kind: 'fail', status: 503, count: 1 })).status,
    ).toBe(200);
    expect((await json('POST', '/_dev/api/faults', { target: 'sms', kind: 'hang', count: 4 })).status).toBe(200);
    expect(faultCalls).toEqual([
      'mail:failNext(2,500,undefined)',
      'mail:hangNext(1)',
      'sms:failNext(1,503,undefined)',
      'sms:hangNext(4)',
    ]);
  });

  it.each([
    ['not JSON', '{"target":'],
    ['no body', ''],
    ['an array', '[{"target":"vault","kind":"fail","status":503,"count":1}]'],
    ['no target', { kind: 'fail', status: 503, count: 1 }],
    ['an unknown target', { target: 'directory', kind: 'fail', status: 503, count: 1 }],
    ['no kind', { target: 'mail', status: 503, count: 1 }],
    ['an unknown kind', { target: 'mail', kind: 'slow', count: 1 }],
    ['a failure without status', { target: 'mail', kind: 'fail', count: 1 }],
    ['a status it cannot inject', { target: 'mail', kind: 'fail', status: 404, count: 1 }],
    ['a status as a string', { target: 'mail', kind: 'fail', status: '500', count: 1 }],
    ['no count', { target: 'mail', kind: 'fail', status: 500 }],
    ['count 0', { target: 'mail', kind: 'fail', status: 500, count: 0 }],
    ['a negative count', { target: 'mail', kind: 'hang', count: -1 }],
    ['a fractional count', { target: 'mail', kind: 'hang', count: 1.5 }],
    ['a huge count', { target: 'mail', kind: 'hang', count: 1e9 }],
    ['a negative Retry-After', { target: 'vault', kind: 'fail', status: 429, count: 1, retryAfterSeconds: -1 }],
    ['a fractional Retry-After', { target: 'vault', kind: 'fail', status: 429, count: 1, retryAfterSeconds: 0.5 }],
    ['a hang with a status', { target: 'mail', kind: 'hang', status: 500, count: 1 }],
    ['a hang with Retry-After', { target: 'mail', kind: 'hang', count: 1, retryAfterSeconds: 1 }],
    ['an unknown field', { target: 'mail', kind: 'hang', count: 1, forever: true }],
    ['a hang for the vault, which cannot hang', { target: 'vault', kind: 'hang', count: 1 }],
  ])('answers 400 { error } for %s and applies nothing', async (_what, body) => {
    const reply = await json('POST', '/_dev/api/faults', body);
    expect(reply.status).toBe(400);
    expectJsonApi(reply);
    expect(reply.json()).toEqual({ error: expect.any(String) as unknown });
    expect(faultCalls).toEqual([]);
  });

  it('answers 400 for a target this runtime did not wire in', async () => {
    delete faultTargets.sms;
    const reply = await json('POST', '/_dev/api/faults', { target: 'sms', kind: 'hang', count: 1 });
    expect(reply.status).toBe(400);
    expect(reply.json()).toEqual({ error: 'This runtime has no sms to inject faults into.' });
  });

  it('keeps the guards of the other state-changing routes', async () => {
    const body = { target: 'mail', kind: 'hang', count: 1 };
    for (const headers of [
      { 'Sec-Fetch-Site': 'cross-site' },
      { 'Sec-Fetch-Site': 'same-site' },
      { Origin: 'http://attacker.example' },
    ]) {
      expect((await json('POST', '/_dev/api/faults', body, headers)).status, JSON.stringify(headers)).toBe(403);
    }
    // A form-like content type is what a cross-site page could send without a preflight.
    const plain = await send('POST', '/_dev/api/faults', {
      headers: { 'Content-Type': 'text/plain' },
      body: JSON.stringify(body),
    });
    expect(plain.status).toBe(403);
    const rebound = await send('POST', '/_dev/api/faults', {
      host: 'attacker.example:7071',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(rebound.status).toBe(403);
    expect(faultCalls).toEqual([]);

    const get = await send('GET', '/_dev/api/faults');
    expect(get.status).toBe(405);
    expect(get.headers.allow).toBe('POST');
  });

  it('reaches the real local vault and mail sink through their handles', async () => {
    const vault = await startLocalVault({ port: 0 });
    const mail = await startMailSink({ port: 0 });
    const realConsole = createDevConsole({ ...deps, faults: { vault, mail } });
    const consoleServer = createServer((request, response) => {
      void realConsole(request, new URL(request.url ?? '/', 'http://localhost'), response);
    });
    const consolePort = await listen(consoleServer, 0, '127.0.0.1');
    const inject = (body: unknown) =>
      fetch(`http://localhost:${consolePort}/_dev/api/faults`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
    try {
      expect(
        (await inject({ target: 'vault', kind: 'fail', status: 429, count: 1, retryAfterSeconds: 2 })).status,
      ).toBe(200);
      const secretUrl = `${vault.url}/secrets/anything?api-version=7.6`;
      const throttled = await fetch(secretUrl, { headers: { Authorization: 'Bearer local-dev-token' } });
      expect(throttled.status).toBe(429);
      expect(throttled.headers.get('retry-after')).toBe('2');
      // One fault, used up: the next request reaches the vault itself (which has no such secret).
      expect((await fetch(secretUrl, { headers: { Authorization: 'Bearer local-dev-token' } })).status).toBe(404);

      expect((await inject({ target: 'mail', kind: 'hang', count: 1 })).status).toBe(200);
      const sendMail = () =>
        fetch(`${mail.url}/v3/mail/send`, {
          method: 'POST',
          headers: { Authorization: 'Bearer SG.key', 'Content-Type': 'application/json' },
          body: '{}',
          signal: AbortSignal.timeout(500),
        });
      await expect(sendMail()).rejects.toMatchObject({ name: 'TimeoutError' });
      expect((await sendMail()).status).toBe(400);
      expect((await inject({ target: 'mail', kind: 'fail', status: 503, count: 1 })).status).toBe(200);
      expect((await sendMail()).status).toBe(503);
    } finally {
      consoleServer.closeAllConnections();
      await new Promise<void>((resolve) => {
        consoleServer.close(() => {
          resolve();
        });
      });
      await Promise.all([vault.close(), mail.close()]);
    }
  });
});

describe('dev console: HTML forms and the CSRF guard', () => {
  const anna = {
    employeeId: 'E123456',
    userPrincipalName: 'anna.jensen@contoso.example',
    displayName: 'Anna Jensen',
    inviteEmail: 'anna@private.example',
    contactEmail: '',
    contactPhone: '+4520123456',
    locale: 'en',
    deviceLabel: '',
  };

  it.each([
    ['no Sec-Fetch-Site', {}],
    ['Sec-Fetch-Site: cross-site', { 'Sec-Fetch-Site': 'cross-site' }],
    ['Sec-Fetch-Site: same-site', { 'Sec-Fetch-Site': 'same-site' }],
    ['a foreign Origin', { 'Sec-Fetch-Site': 'same-origin', Origin: 'http://attacker.example' }],
    ['Origin: null and no Sec-Fetch-Site', { Origin: 'null' }],
    ['Origin: null from a cross-site page', { 'Sec-Fetch-Site': 'cross-site', Origin: 'null' }],
  ])('refuses a form post with %s', async (_what, headers: Record<string, string>) => {
    const directory = await form('/_dev/directory', { upn: 'anna@contoso.example', registered: 'true' }, headers);
    expect(directory.status).toBe(403);
    expect(directory.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(registered.size).toBe(0);
    const enrollment = await form('/_dev/enrollments', anna, headers);
    expect(enrollment.status).toBe(403);
    expect(starts).toEqual([]);
  });

  it('flips MFA from a same-origin form post and redirects back', async () => {
    const reply = await form('/_dev/directory', { upn: ' Anna@Contoso.example ', registered: 'true' }, sameOrigin());
    expect(reply.status).toBe(303);
    expect(reply.headers.location).toBe('/_dev');
    expect(registered.has('anna@contoso.example')).toBe(true);

    const typed = await form(
      '/_dev/directory',
      { upn: 'anna@contoso.example', registered: 'false' },
      {
        'Sec-Fetch-Site': 'none',
      },
    );
    expect(typed.status).toBe(303);
    expect(registered.size).toBe(0);
  });

  it('accepts its own form posts as Chromium and Firefox send them under no-referrer (Origin: null, same-origin)', async () => {
    const ownForm = { 'Sec-Fetch-Site': 'same-origin', Origin: 'null' };
    const reply = await form('/_dev/directory', { upn: 'anna@contoso.example', registered: 'true' }, ownForm);
    expect(reply.status).toBe(303);
    expect(registered.has('anna@contoso.example')).toBe(true);
    expect((await form('/_dev/enrollments', anna, ownForm)).status).toBe(303);
    expect(starts).toHaveLength(1);
  });

  it('answers 400 for a bad directory form and 415 for JSON on a form endpoint', async () => {
    expect((await form('/_dev/directory', { upn: '', registered: 'true' }, sameOrigin())).status).toBe(400);
    expect((await form('/_dev/directory', { upn: 'a@b.example', registered: 'yes' }, sameOrigin())).status).toBe(400);
    expect((await json('POST', '/_dev/directory', { upn: 'a@b.example', registered: true })).status).toBe(415);
    expect(registered.size).toBe(0);
  });

  it('starts an enrollment from the Play HR form with the HR API body shape, then shows it', async () => {
    const reply = await form('/_dev/enrollments', anna, sameOrigin());
    expect(reply.status).toBe(303);
    expect(reply.headers.location).toBe('/_dev');
    expect(starts).toEqual([
      {
        employeeId: 'E123456',
        userPrincipalName: 'anna.jensen@contoso.example',
        displayName: 'Anna Jensen',
        inviteEmail: 'anna@private.example',
        contact: { phone: '+4520123456' },
        locale: 'en',
      },
    ]);

    const page = await send('GET', '/_dev');
    expect(page.text).toContain('<a href="/_dev/instances/enr-42">instance enr-42</a>');
    // The new user is listed in the directory section with its MFA state and a button to flip it.
    const directory = /<section[^>]*aria-labelledby="directory">[\s\S]*?<\/section>/.exec(page.text)?.[0] ?? '';
    expect(directory).toContain('<td>anna.jensen@contoso.example</td>');
    expect(directory).toContain('<td>Not registered</td>');
    expect(directory).toContain('<input type="hidden" name="registered" value="true" />');
  });

  it('reloads itself while the invitation of a start is on its way, and stops once it is in the outbox', async () => {
    // A console of its own: the shared one remembers the other tests' starts.
    const fresh = createDevConsole(deps);
    const server = createServer((request, response) => {
      void fresh(request, new URL(request.url ?? '/', 'http://localhost'), response);
    });
    const freshPort = await listen(server, 0, '127.0.0.1');
    const get = (path: string) => fetch(`http://localhost:${freshPort}${path}`);
    try {
      const started = await fetch(`http://localhost:${freshPort}/_dev/api/enrollments`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ employeeId: 'E8', inviteEmail: 'anna@private.example' }),
      });
      expect(started.status).toBe(202);
      const waiting = await get('/_dev');
      expect(waiting.headers.get('refresh')).toBe('3; url=/_dev');
      expect(await waiting.text()).toContain('On its way: the invitation to anna@private.example.');
      const stopped = await get('/_dev?refresh=off');
      expect(stopped.headers.get('refresh')).toBeNull();
      expect(await stopped.text()).toContain('On its way: the invitation to anna@private.example.');
      outbox = [...outbox, { ...invitation, id: 'msg-anna', to: ['Anna@Private.example'] }];
      const arrived = await get('/_dev');
      expect(arrived.headers.get('refresh')).toBeNull();
      expect(await arrived.text()).not.toContain('On its way');
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    }
  });

  it('asks for stage events to the console when "Send stage events to this console" is ticked', async () => {
    expect((await form('/_dev/enrollments', { ...anna, sendCallbacks: 'on' }, sameOrigin())).status).toBe(303);
    expect(starts).toEqual([expect.objectContaining({ callbackUrl: 'http://localhost:7071/_dev/callbacks' })]);
  });

  it('offers the stage-events checkbox ticked, or says why not when the runtime cannot sign callbacks', async () => {
    expect((await send('GET', '/_dev')).text).toMatch(
      /<input id="hr-send-callbacks" name="sendCallbacks" type="checkbox" value="on" checked \/>/,
    );
    const unsigned = createDevConsole({ ...deps, callbackInbox: await CallbackInbox.open({ signingKey: undefined }) });
    const unsignedServer = createServer((request, response) => {
      void unsigned(request, new URL(request.url ?? '/', 'http://localhost'), response);
    });
    const unsignedPort = await listen(unsignedServer, 0, '127.0.0.1');
    try {
      const page = await (await fetch(`http://localhost:${unsignedPort}/_dev`)).text();
      expect(page).not.toContain('name="sendCallbacks"');
      expect(page).toContain('this runtime has no <code>CALLBACK_SIGNING_SECRET</code>');
    } finally {
      unsignedServer.closeAllConnections();
      await new Promise<void>((resolve) => {
        unsignedServer.close(() => {
          resolve();
        });
      });
    }
  });

  it('shows a failed start on the page instead of losing it', async () => {
    nextStart = () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:7071'));
    expect((await form('/_dev/enrollments', anna, sameOrigin())).status).toBe(303);
    const page = await send('GET', '/_dev');
    expect(page.text).toContain('<td>502</td>');
    expect(page.text).toContain('ECONNREFUSED');
  });
});

describe('dev console: the HTML page', () => {
  it('renders every section with the outbox links as anchors and everything escaped', async () => {
    const reply = await send('GET', '/_dev');
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(reply.headers['cache-control']).toBe('no-store');
    expect(reply.headers['content-security-policy']).toContain("default-src 'none'");
    const page = reply.text;

    for (const heading of ['Play HR', 'Outbox', 'Callbacks', 'Directory', 'Instances']) {
      expect(page).toMatch(new RegExp(`<h2 id="[a-z-]+">${heading}</h2>`));
    }
    expect(page).toContain(
      '<a href="http://localhost:7071/e/tok-123" rel="noreferrer">http://localhost:7071/e/tok-123</a>',
    );
    // Only http(s) links become anchors.
    expect(page).not.toContain('href="javascript:');
    expect(page).toContain('<li>javascript:alert(2)</li>');
    expect(page).toContain('Welcome &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).toContain('&lt;b&gt;not bold&lt;/b&gt;</pre>');
    expect(page).toContain('SMS to +4520123456');
    // Newest first on the page.
    expect(page.indexOf('sms-1')).toBeLessThan(page.indexOf('mail-1'));
    expect(page.indexOf('mail-1')).toBeLessThan(page.indexOf('mail-2'));

    // Instances link to their page, the id encoded in the URL and escaped in the text.
    expect(page).toContain('<a href="/_dev/instances/enr%2Fnew%20%3C1%3E">enr/new &lt;1&gt;</a>');
    expect(page).toContain('<td>revealed</td>');

    // The Play HR form is prefilled with a demo employee and posts to the form endpoint.
    expect(page).toContain('<form method="post" action="/_dev/enrollments">');
    expect(page).toMatch(/name="employeeId"\s+type="text"\s+value="E\d{6}"/);
    expect(page).toContain('value="Anna Jensen"');
  });

  it('has no script, no inline style and nothing external', async () => {
    const page = (await send('GET', '/_dev')).text;
    expect(page).toContain('<link rel="stylesheet" href="/assets/app.css" />');
    expect(page).not.toMatch(/<script|<style|\sstyle=|\son[a-z]+=/i);
    expect(page).not.toMatch(/(?:src|href)="(?:https?:)?\/\/(?!localhost:7071\/e\/tok-123")/);
  });

  it('labels every visible form control', async () => {
    const page = (await send('GET', '/_dev')).text;
    const controls = [...page.matchAll(/<(input|select|textarea)\b([^>]*)>/g)].filter(
      ([, , attributes]) => !/type="hidden"/.test(attributes ?? ''),
    );
    expect(controls.length).toBeGreaterThan(8);
    for (const [control, , attributes] of controls) {
      const id = /\sid="([^"]+)"/.exec(attributes ?? '')?.[1];
      expect(id, control).toBeDefined();
      expect(page, control).toContain(`<label for="${id ?? ''}">`);
    }
    expect(page).toContain('<th scope="col">Instance id</th>');
  });

  it('filters the outbox on the page and shows a bad filter', async () => {
    const filtered = (await send('GET', '/_dev?to=bo%40example')).text;
    expect(filtered).toContain('mail-2');
    expect(filtered).not.toContain('mail-1');
    expect(filtered).toContain('value="bo@example"');
    const bad = await send('GET', '/_dev?channel=<fax>');
    expect(bad.status).toBe(200);
    expect(bad.text).toContain('channel must be email or sms.');
    expect(bad.text).not.toContain('<fax>');
  });

  it('renders an instance with its history events as a table', async () => {
    const reply = await send('GET', `/_dev/instances/${encodeURIComponent('enr/new <1>')}`);
    expect(reply.status).toBe(200);
    const page = reply.text;
    expect(page).toContain('<h1>Instance enr/new &lt;1&gt;</h1>');
    expect(page).toContain('<th scope="col">Event</th>');
    for (const name of ['OrchestratorStarted', 'ExecutionStarted', 'TaskScheduled', 'TaskCompleted']) {
      expect(page).toContain(`<td>${name}</td>`);
    }
    expect(page).toContain('<td>sendEmail</td>');
    expect(page).toContain('input {&quot;kind&quot;:&quot;&lt;invitation&gt;&quot;}');
    expect(page).toContain('task 0; result {&quot;ok&quot;:true}');
  });

  it('answers 404 for an unknown instance page', async () => {
    const reply = await send('GET', '/_dev/instances/nope');
    expect(reply.status).toBe(404);
    expect(reply.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(reply.text).toContain('No instance with id nope.');
  });
});

describe('dev console: wiring helpers', () => {
  it('maps the mail and SMS sinks into one outbox, oldest first', () => {
    const mail: SunkMessage = {
      id: 'm1',
      receivedAt: '2025-03-01T10:00:02.000Z',
      from: 'onboarding@contoso.example',
      to: ['a@example.com', 'b@example.com'],
      subject: 'Hello',
      text: 'Go to http://localhost:7071/e/x',
      html: '<a href="http://localhost:7071/e/x">x</a>',
      categories: ['invitation'],
      clickTracking: false,
      links: ['http://localhost:7071/e/x'],
    };
    const sms: SunkSms = {
      id: 's1',
      receivedAt: '2025-03-01T10:00:01.000Z',
      from: '+4570000000',
      to: '+4520123456',
      text: 'Code 123456. Or open http://localhost:7071/e/y.',
      deliveryReport: false,
      tag: undefined,
    };
    expect(emailOutboxEntry(mail)).toEqual({
      id: 'm1',
      channel: 'email',
      receivedAt: mail.receivedAt,
      to: ['a@example.com', 'b@example.com'],
      subject: 'Hello',
      text: mail.text,
      html: mail.html,
      links: ['http://localhost:7071/e/x'],
    });
    expect(smsOutboxEntry(sms)).toEqual({
      id: 's1',
      channel: 'sms',
      receivedAt: sms.receivedAt,
      to: ['+4520123456'],
      subject: '',
      text: sms.text,
      html: '',
      links: ['http://localhost:7071/e/y'],
    });
    const combined = outboxOf({ mail: { messages: () => [mail] }, sms: { messages: () => [sms] } });
    expect(combined().map((entry) => entry.id)).toEqual(['s1', 'm1']);
    expect(outboxOf({ mail: { messages: () => [mail] } })().map((entry) => entry.id)).toEqual(['m1']);
  });

  it('hrApiStarter posts JSON with the function key and answers status and body', async () => {
    const seen: { key: string | undefined; type: string | undefined; body: string }[] = [];
    const hr = createServer((request, response) => {
      void readBody(request, 1024 * 1024).then((body) => {
        seen.push({
          key: request.headers['x-functions-key'] as string | undefined,
          type: request.headers['content-type'],
          body: body?.toString('utf8') ?? '',
        });
        if (request.url === '/api/enrollments') {
          response.writeHead(202, { 'Content-Type': 'application/json' });
          response.end(JSON.stringify({ id: 'enr-1', stage: 'invited' }));
        } else {
          response.writeHead(401, { 'Content-Type': 'text/plain' });
          response.end('Unauthorized');
        }
      });
    });
    const hrPort = await listen(hr, 0, '127.0.0.1');
    try {
      const start = hrApiStarter({ url: `http://127.0.0.1:${hrPort}/api/enrollments`, functionKey: 'k-123' });
      expect(await start({ employeeId: 'E1' })).toEqual({ status: 202, body: { id: 'enr-1', stage: 'invited' } });
      expect(seen).toEqual([{ key: 'k-123', type: 'application/json', body: '{"employeeId":"E1"}' }]);
      const wrong = hrApiStarter({ url: `http://127.0.0.1:${hrPort}/elsewhere`, functionKey: 'k-123' });
      expect(await wrong({})).toEqual({ status: 401, body: 'Unauthorized' });
    } finally {
      hr.closeAllConnections();
      await new Promise<void>((resolve) => {
        hr.close(() => {
          resolve();
        });
      });
    }
  });
});
