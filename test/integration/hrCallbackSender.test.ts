import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { checkedLookup, createHrCallbackSender } from '../../adapters/hrCallbackSender.js';
import { isPermanentError, isTransientError } from '../../core/errors.js';
import { WebhookSigningKey } from '../../core/webhookSignature.js';
import { startCallbackReceiver, type CallbackAnswer, type CallbackReceiver } from '../helpers/callbackReceiver.js';

const secret = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;
const signingKey = WebhookSigningKey.parse(secret);
if (signingKey === undefined) throw new Error('the test secret must parse');
const sender = createHrCallbackSender({ signingKey, timeoutMs: 500 });
const body = JSON.stringify({ type: 'enrollment.stage-changed', data: { stage: 'ready' } });
const eventId = 'evt_5a0c5f7e_4';

let receiver: CallbackReceiver | undefined;

afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

async function sendTo(answer: (index: number) => CallbackAnswer, path = '/hooks?token=hr-own-token'): Promise<unknown> {
  receiver = await startCallbackReceiver((_, received) => answer(received.length));
  try {
    await sender.send({ url: `${receiver.url}${path}`, eventId, body });
    return undefined;
  } catch (error) {
    return error;
  }
}

describe('HR callback sender', () => {
  it('POSTs the body with Standard Webhooks headers that the reference implementation verifies', async () => {
    const before = Math.floor(Date.now() / 1000);
    expect(await sendTo(() => 200)).toBeUndefined();
    const [request] = receiver?.received ?? [];
    expect(request?.path).toBe('/hooks?token=hr-own-token');
    expect(request?.body).toBe(body);
    expect(request?.headers).toMatchObject({
      'content-type': 'application/json',
      'user-agent': 'app-password-enrollment/hr-callbacks',
      'webhook-id': eventId,
    });
    expect(Number(request?.headers['webhook-timestamp'])).toBeGreaterThanOrEqual(before);
    expect(new Webhook(secret).verify(request?.body ?? '', request?.headers ?? {})).toEqual(JSON.parse(body));
  });

  it.each([200, 202, 204])('counts %i as delivered', async (status) => {
    expect(await sendTo(() => status)).toBeUndefined();
  });

  it.each([408, 429, 500, 502, 503])('makes %i a transient error, honouring Retry-After', async (status) => {
    const error = await sendTo(() => ({ status, headers: { 'retry-after': '7' } }));
    expect(isTransientError(error)).toBe(true);
    expect(error).toMatchObject({ retryAfterMs: 7_000 });
    expect((error as Error).message).toBe(
      `HR callback ${eventId} to ${receiver?.url ?? ''}: HTTP ${status}; retry later`,
    );
  });

  it.each([400, 401, 403, 404, 410, 422])('makes %i a permanent refusal', async (status) => {
    const error = await sendTo(() => status);
    expect(isPermanentError(error)).toBe(true);
    expect((error as Error).message).toContain(`HTTP ${status}, refused by the receiver`);
  });

  it('never follows a redirect', async () => {
    const error = await sendTo((index) => (index === 1 ? { status: 307, headers: { location: '/elsewhere' } } : 200));
    expect(isPermanentError(error)).toBe(true);
    expect((error as Error).message).toContain('HTTP 307, a redirect, which is never followed');
    expect(receiver?.received.map((request) => request.path)).toEqual(['/hooks?token=hr-own-token']);
  });

  it('makes a dropped connection and a receiver that never answers transient', async () => {
    const dropped = await sendTo(() => 'drop');
    expect(isTransientError(dropped)).toBe(true);
    expect((dropped as Error).message).toMatch(/request failed \(\w+\)$/);
    await receiver?.close();

    receiver = await startCallbackReceiver(() => 'hang');
    const hanging = await sender.send({ url: receiver.url, eventId, body }).catch((error: unknown) => error);
    expect(isTransientError(hanging)).toBe(true);
    expect((hanging as Error).message).toContain('no answer within 500 ms');
  });

  it('keeps the body, the signature and the path out of every error message', async () => {
    for (const answer of [500, 404, 'drop'] as const) {
      const error = (await sendTo(() => answer)) as Error;
      await receiver?.close();
      expect(error.message).not.toContain('hr-own-token');
      expect(error.message).not.toContain('stage-changed');
      expect(error.message).not.toContain('v1,');
      expect(error.cause).toBeUndefined();
    }
  });
});

describe('HR callback sender in Azure: every address checked again at send time', () => {
  /** Resolvers that answer from a table: no lookup, and no connection, ever leaves loopback. */
  const resolving = (addresses: readonly string[]) => () => Promise.resolve(addresses);
  const sending = (addresses: readonly string[]) =>
    createHrCallbackSender({ signingKey, timeoutMs: 500, resolveHost: resolving(addresses) });

  it.each([
    ['loopback', ['127.0.0.1']],
    ['a private address next to a public one', ['8.8.8.8', '10.0.0.9']],
    ["Azure's wire server", ['168.63.129.16']],
    ['nothing at all', []],
  ])('refuses a host that now resolves to %s, without connecting', async (_, addresses) => {
    receiver = await startCallbackReceiver(() => 200);
    const port = new URL(receiver.url).port;
    const error = await sending(addresses)
      .send({ url: `http://hr.contoso.example:${port}/cb`, eventId, body })
      .catch((caught: unknown) => caught);
    expect(isPermanentError(error)).toBe(true);
    expect((error as Error).message).toContain('resolves to no address HR can be reached at');
    expect(receiver.received).toEqual([]);
  });

  it('refuses an IP literal the policy refuses, which is never looked up', async () => {
    receiver = await startCallbackReceiver(() => 200);
    const error = await sending(['8.8.8.8'])
      .send({ url: `${receiver.url}/cb`, eventId, body })
      .catch((caught: unknown) => caught);
    expect(isPermanentError(error)).toBe(true);
    expect(receiver.received).toEqual([]);
  });

  it('hands the connection exactly the addresses it checked, without a trailing dot in the name', async () => {
    const looked: string[] = [];
    const lookup = checkedLookup((hostname) => {
      looked.push(hostname);
      return Promise.resolve(['8.8.8.8', '2606:4700:4700::1111']);
    });
    const all = await new Promise<unknown>((resolve, reject) => {
      lookup('hr.contoso.example.', { all: true }, (error, addresses) => {
        if (error !== null) reject(error);
        else resolve(addresses);
      });
    });
    expect(looked).toEqual(['hr.contoso.example']);
    expect(all).toEqual([
      { address: '8.8.8.8', family: 4 },
      { address: '2606:4700:4700::1111', family: 6 },
    ]);
  });
});
