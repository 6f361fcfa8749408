import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebhookSigningKey } from '../../core/webhookSignature.js';
import { CallbackInbox, type CallbackInboxEntry } from '../../devhost/callbackInbox.js';
import { startTestRuntime, type TestRuntime } from '../helpers/testRuntime.js';
import { waitFor } from '../helpers/waitFor.js';
import { reportMfa, startRequestFor } from '../helpers/enrollmentJourney.js';

/*
 * The dev console's callback inbox over real HTTP through the local runtime: the app's signed stage events arrive at
 * the runtime's own /_dev/callbacks and are listed, verified, by /_dev/api/callbacks and the page.
 */

function keyOf(secret: string): WebhookSigningKey {
  const key = WebhookSigningKey.parse(secret);
  if (key === undefined) throw new Error('a test secret must parse');
  return key;
}

const secret = `whsec_${Buffer.from('dev-console-callback-inbox-key-0123456789').toString('base64')}`;
const signingKey = keyOf(secret);

let runtime: TestRuntime;

beforeAll(async () => {
  runtime = await startTestRuntime({ CALLBACK_SIGNING_SECRET: secret });
});

afterAll(async () => {
  await runtime.stop();
});

interface StageEvent {
  readonly type: string;
  readonly data: { readonly id: string; readonly employeeId: string; readonly stage: string };
}

const inboxUrl = () => `${runtime.url}/_dev/callbacks`;

async function callbacks(query = ''): Promise<CallbackInboxEntry[]> {
  const response = await fetch(`${runtime.url}/_dev/api/callbacks${query}`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { callbacks: CallbackInboxEntry[] }).callbacks;
}

const stagesOf = (entries: readonly CallbackInboxEntry[]) =>
  entries.map((entry) => (entry.body as StageEvent).data.stage);

/** Polls the inbox until enrollment `id` has reported `stage`; answers its entries, oldest first. */
const waitForStage = (id: string, stage: string) =>
  waitFor(`the ${stage} event of ${id} in the inbox`, async () => {
    const entries = await callbacks(`?id=${id}`);
    return stagesOf(entries).includes(stage) ? entries : undefined;
  });

const enrollment = startRequestFor;

/** A stage event of a made-up enrollment `id`, for deliveries the tests sign themselves. */
const event = (id: string) =>
  JSON.stringify({ type: 'enrollment.stage-changed', data: { id, employeeId: 'E0', stage: 'ready' } });

interface Delivery {
  readonly id?: string;
  /** What the signature covers; `body` itself when omitted. */
  readonly signedBody?: string;
  readonly key?: WebhookSigningKey;
  readonly timestamp?: number;
  /** Sent last, over the webhook headers. */
  readonly headers?: Record<string, string>;
}

/** POSTs `body` to the inbox as the app would, signed with the runtime's secret unless `delivery` says otherwise. */
async function deliver(body: string, delivery: Delivery = {}): Promise<Response> {
  const {
    id = 'evt_manual_1',
    signedBody = body,
    key = signingKey,
    timestamp = Math.floor(Date.now() / 1000),
  } = delivery;
  return fetch(inboxUrl(), {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': key.sign(id, timestamp, signedBody),
      ...delivery.headers,
    },
    body,
  });
}

describe('dev console callback inbox: the app calling back', () => {
  it('lists a journey started with callbackUrl at the inbox, verified, in stage order', async () => {
    const start = await runtime.api('/api/enrollments', {
      method: 'POST',
      json: { ...enrollment('E9101'), callbackUrl: inboxUrl() },
    });
    expect(start.status).toBe(202);
    const { id } = (await start.json()) as { id: string };

    await waitForStage(id, 'invited');
    await reportMfa(runtime, id, 'e9101@contoso.dk');
    await waitForStage(id, 'awaiting-verification');
    await runtime.api(`/api/enrollments/${id}/events/contact-verified`, { method: 'POST' });
    const entries = await waitForStage(id, 'ready');

    expect(stagesOf(entries)).toEqual(['invited', 'awaiting-verification', 'issuing', 'ready']);
    expect(entries.map((entry) => entry.verified)).toEqual([true, true, true, true]);
    expect(entries.map((entry) => entry.webhookId)).toEqual([1, 2, 3, 4].map((sequence) => `evt_${id}_${sequence}`));
    for (const entry of entries) {
      expect(entry.body).toMatchObject({ type: 'enrollment.stage-changed', data: { id, employeeId: 'E9101' } });
      expect(entry.webhookSignature).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
      expect(Math.abs(Number(entry.webhookTimestamp) * 1000 - Date.parse(entry.receivedAt))).toBeLessThan(5_000);
    }
  });

  it('starts an enrollment from the Play HR form with stage events to the console, which the HR API accepts', async () => {
    const form = new URLSearchParams({
      employeeId: 'E9102',
      userPrincipalName: 'e9102@contoso.dk',
      displayName: 'Anna Jensen',
      inviteEmail: 'e9102@example.com',
      contactEmail: 'e9102.private@example.com',
      locale: 'en',
      sendCallbacks: 'on',
    });
    const reply = await fetch(`${runtime.url}/_dev/enrollments`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin' },
      body: form.toString(),
      redirect: 'manual',
    });
    expect(reply.status).toBe(303);
    const invited = await waitFor('the invited event of E9102', async () =>
      (await callbacks()).find((entry) => (entry.body as StageEvent).data.employeeId === 'E9102'),
    );
    expect(invited).toMatchObject({ verified: true, body: { data: { stage: 'invited' } } });
  });
});

describe('dev console callback inbox: deliveries that do not verify', () => {
  it('records a tampered body, a wrong key, a stale timestamp and missing headers as not verified', async () => {
    const genuine = await deliver(event('enr-genuine'), { id: 'evt_enr-genuine_1' });
    expect(genuine.status).toBe(204);
    const refused = [
      // Signed over one body, sent with another: the stage was changed on the way.
      deliver(event('enr-tampered'), { signedBody: event('enr-tampered').replace('ready', 'revealed') }),
      deliver(event('enr-wrong-key'), { key: keyOf(`whsec_${Buffer.alloc(32, 9).toString('base64')}`) }),
      deliver(event('enr-stale'), { timestamp: Math.floor(Date.now() / 1000) - 10 * 60 }),
      deliver(event('enr-unsigned'), { headers: { 'webhook-signature': '' } }),
      fetch(inboxUrl(), { method: 'POST', headers: { 'content-type': 'application/json' }, body: event('enr-bare') }),
    ];
    for (const response of await Promise.all(refused)) expect(response.status).toBe(204);

    const verdicts = Object.fromEntries(
      (await callbacks())
        .filter((entry) => (entry.body as StageEvent).data.employeeId === 'E0')
        .map((entry) => [(entry.body as StageEvent).data.id, entry.verified]),
    );
    expect(verdicts).toEqual({
      'enr-genuine': true,
      'enr-tampered': false,
      'enr-wrong-key': false,
      'enr-stale': false,
      'enr-unsigned': false,
      'enr-bare': false,
    });
    const bare = (await callbacks('?id=enr-bare'))[0];
    expect(bare).toMatchObject({ webhookId: null, webhookTimestamp: null, webhookSignature: null, verified: false });
  });

  it('filters by enrollment id, and an unknown id lists nothing', async () => {
    expect((await deliver(event('enr-filter'), { id: 'evt_enr-filter_1' })).status).toBe(204);
    expect((await callbacks('?id=enr-filter')).map((entry) => entry.webhookId)).toEqual(['evt_enr-filter_1']);
    expect(await callbacks('?id=enr-nobody')).toEqual([]);
  });

  it('answers a body that is not JSON or too large with a JSON error and records nothing', async () => {
    const before = (await callbacks()).length;
    const broken = await deliver('{"type":');
    expect(broken.status).toBe(400);
    expect(await broken.json()).toEqual({ error: 'The body is not valid JSON.' });
    const huge = await deliver(JSON.stringify({ padding: 'x'.repeat(70 * 1024) }));
    expect(huge.status).toBe(413);
    expect(huge.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect((await callbacks()).length).toBe(before);
  });
});

describe('dev console callback inbox: the page and the guards', () => {
  it('shows the Callbacks section with each delivery marked verified or INVALID', async () => {
    await deliver(event('enr-page-ok'), { id: 'evt_enr-page-ok_1' });
    await deliver(event('enr-page-bad'), { id: 'evt_enr-page-bad_1', signedBody: '{}' });
    const response = await fetch(`${runtime.url}/_dev`);
    expect(response.status).toBe(200);
    const page = await response.text();
    const section = /<section[^>]*aria-labelledby="callbacks">[\s\S]*?<\/section>/.exec(page)?.[0] ?? '';
    expect(section).toContain('<h2 id="callbacks">Callbacks</h2>');
    const row = (webhookId: string) =>
      new RegExp(`<tr>(?:(?!</tr>)[\\s\\S])*<code>${webhookId}</code>(?:(?!</tr>)[\\s\\S])*</tr>`).exec(section)?.[0];
    expect(row('evt_enr-page-ok_1')).toContain('<span class="badge">signature verified</span>');
    expect(row('evt_enr-page-ok_1')).toContain('<a href="/_dev/instances/enr-page-ok">enr-page-ok</a>');
    expect(row('evt_enr-page-bad_1')).toContain('<strong>signature INVALID</strong>');
    // Newest first, like the outbox.
    expect(section.indexOf('evt_enr-page-bad_1')).toBeLessThan(section.indexOf('evt_enr-page-ok_1'));
  });

  it('still refuses cross-site browser form posts, to the inbox and to the other dev routes', async () => {
    const before = (await callbacks()).length;
    const crossSite = { 'sec-fetch-site': 'cross-site', origin: 'http://attacker.example' };
    const posts = [
      // A page elsewhere cannot plant a callback: a form can only send form-like content types.
      ['/_dev/callbacks', 'text/plain', event('enr-planted')],
      ['/_dev/directory', 'application/x-www-form-urlencoded', 'upn=e9199%40contoso.dk&registered=true'],
      ['/_dev/enrollments', 'application/x-www-form-urlencoded', 'employeeId=E9199&sendCallbacks=on'],
    ] as const;
    for (const [path, type, body] of posts) {
      for (const headers of [crossSite, {}]) {
        const response = await fetch(`${runtime.url}${path}`, {
          method: 'POST',
          headers: { 'content-type': type, ...headers },
          body,
          redirect: 'manual',
        });
        expect(response.status, `${path} ${JSON.stringify(headers)}`).toBe(403);
      }
    }
    // JSON itself, from a foreign origin, is refused as well (a browser would have needed a preflight first).
    const json = await deliver(event('enr-planted'), { headers: { origin: 'http://attacker.example' } });
    expect(json.status).toBe(403);
    expect((await callbacks()).length).toBe(before);
    expect(runtime.directory.isMfaRegistered('e9199@contoso.dk')).toBe(false);
  });
});

describe('dev console callback inbox: what it keeps', () => {
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'callback-inbox-'));
  });

  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  const delivery = (sequence: number) => {
    const body = JSON.stringify({ data: { id: 'enr-kept', stage: 'invited', sequence } });
    const timestamp = Math.floor(Date.now() / 1000);
    const webhookId = `evt_enr-kept_${sequence}`;
    return {
      webhookId,
      webhookTimestamp: String(timestamp),
      webhookSignature: signingKey.sign(webhookId, timestamp, body),
      rawBody: Buffer.from(body),
      body: JSON.parse(body) as unknown,
    };
  };

  it('keeps the newest 500 deliveries, and keeps them across a restart when it has a data file', async () => {
    const dataFile = join(dataDir, 'callbacks.json');
    const inbox = await CallbackInbox.open({ signingKey, dataFile });
    for (let sequence = 1; sequence <= 502; sequence += 1) await inbox.receive(delivery(sequence));
    const kept = inbox.entries();
    expect(kept).toHaveLength(500);
    expect(kept[0]?.webhookId).toBe('evt_enr-kept_3');
    expect(kept.at(-1)?.webhookId).toBe('evt_enr-kept_502');
    expect(kept.every((entry) => entry.verified)).toBe(true);
    await inbox.flush();

    const reopened = await CallbackInbox.open({ signingKey, dataFile });
    expect(reopened.entries()).toEqual(kept);
  });
});
