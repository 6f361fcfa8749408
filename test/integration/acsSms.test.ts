import { createHash, createHmac } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SmsClient } from '@azure/communication-sms';
import type { TokenCredential } from '@azure/identity';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAcsSmsSender } from '../../adapters/acsSms.js';
import { PermanentError, TransientError } from '../../core/errors.js';
import type { OutgoingSms, SmsSender } from '../../core/ports.js';
import { localSmsAccessKey, startSmsSink, type RunningSmsSink } from '../../devhost/smsSink.js';
import { freePort } from '../../devhost/freePort.js';

const from = '+4570102030';
const recipient = '+4520123456';
const code = '493817';
const sms: OutgoingSms = { to: recipient, text: `Your verification code is ${code}. It works for 10 minutes.` };

/** What a failed send threw, so a test can look at its type, message and fields. */
async function failureOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) return error;
    throw new Error(`Expected an Error, got ${String(error)}`);
  }
  throw new Error('Expected the promise to reject');
}

/** Texts carry one-time codes: neither the number nor any part of the text may reach a log through an error. */
function expectNoPersonalData(error: Error, message: OutgoingSms = sms): void {
  const visible = `${error.message}\n${error.stack ?? ''}`;
  for (const secret of [message.to, message.to.replace(/^\+/, ''), message.text, code, 'verification code']) {
    expect(visible).not.toContain(secret);
  }
  expect(error.cause).toBeUndefined();
}

/** Signs a raw request the way communication-common's access-key policy does, with knobs to get it wrong. */
function signedHeaders(
  url: string,
  body: string,
  options: { key?: string; date?: Date; hashedBody?: string } = {},
): Record<string, string> {
  const target = new URL(url);
  const date = (options.date ?? new Date()).toUTCString();
  const hash = createHash('sha256')
    .update(options.hashedBody ?? body)
    .digest('base64');
  const query = target.searchParams.toString();
  const stringToSign = `POST\n${target.pathname}${query === '' ? '' : `?${query}`}\n${date};${target.host};${hash}`;
  const signature = createHmac('sha256', Buffer.from(options.key ?? localSmsAccessKey, 'base64'))
    .update(stringToSign)
    .digest('base64');
  return {
    'Content-Type': 'application/json',
    'x-ms-date': date,
    'x-ms-content-sha256': hash,
    Authorization: `HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=${signature}`,
  };
}

function sendBody(to: readonly string[], message = sms.text): string {
  return JSON.stringify({
    from,
    smsRecipients: to.map((number) => ({ to: number })),
    message,
    smsSendOptions: { enableDeliveryReport: false },
  });
}

describe('ACS SMS sender against the local SMS sink', () => {
  let sink: RunningSmsSink;
  let sender: SmsSender;

  beforeEach(async () => {
    sink = await startSmsSink({ port: await freePort() });
    sender = createAcsSmsSender({
      endpoint: sink.url,
      from,
      credential: { accessKey: sink.accessKey },
      allowInsecureConnection: true,
    });
  });

  afterEach(async () => {
    await sink.close();
  });

  it('delivers from, to and text to one recipient, without delivery report or tag', async () => {
    await sender.send(sms);

    const messages = sink.messages();
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ from, to: recipient, text: sms.text, deliveryReport: false, tag: undefined });
    expect(messages[0]?.id).toMatch(/^Outgoing_\w+$/);
    expect(Number.isNaN(Date.parse(messages[0]?.receivedAt ?? ''))).toBe(false);
  });

  it('serves SmsClient built from its connection string, with 202 results as ACS gives them', async () => {
    const client = new SmsClient(sink.connectionString, {
      allowInsecureConnection: true,
      retryOptions: { maxRetries: 0 },
    });

    const results = await client.send({ from, to: [recipient, '12345'], message: sms.text });

    expect(results).toEqual([
      expect.objectContaining({ to: recipient, httpStatusCode: 202, successful: true }),
      expect.objectContaining({
        to: '12345',
        httpStatusCode: 400,
        successful: false,
        errorMessage: 'Invalid To phone number format.',
      }),
    ]);
    expect(results[0]?.messageId).toBe(sink.messages()[0]?.id);
    expect(sink.messages().map((message) => message.to)).toEqual([recipient]);
  });

  it('turns a wrong access key into a PermanentError (401) and accepts nothing', async () => {
    const impostor = createAcsSmsSender({
      endpoint: sink.url,
      from,
      credential: { accessKey: Buffer.from('not-the-key').toString('base64') },
      allowInsecureConnection: true,
    });

    const error = await failureOf(impostor.send(sms));

    expect(error).toBeInstanceOf(PermanentError);
    expect(error.message).toContain('401');
    expectNoPersonalData(error);
    expect(sink.messages()).toHaveLength(0);
  });

  it('turns a number ACS refuses (per-recipient 400) into a PermanentError naming neither number nor text', async () => {
    const invalid: OutgoingSms = { to: '004520123456', text: sms.text };

    const error = await failureOf(sender.send(invalid));

    expect(error).toBeInstanceOf(PermanentError);
    expect(error.message).toContain('400');
    expectNoPersonalData(error, invalid);
    expect(sink.messages()).toHaveLength(0);
  });

  it('turns a 503 into a TransientError at once (no SDK retry) and sends normally afterwards', async () => {
    sink.failNext(1, 503);

    const error = await failureOf(sender.send(sms));

    expect(error).toBeInstanceOf(TransientError);
    expect(error.message).toContain('503');
    expect(error).toHaveProperty('retryAfterMs', undefined);
    expectNoPersonalData(error);
    expect(sink.messages()).toHaveLength(0);
    await sender.send(sms);
    expect(sink.messages()).toHaveLength(1);
  });

  it('turns a 429 with Retry-After into a TransientError carrying the wait, without sleeping through it', async () => {
    sink.failNext(1, 429, 4);

    const started = Date.now();
    const error = await failureOf(sender.send(sms));

    expect(error).toBeInstanceOf(TransientError);
    expect(error).toHaveProperty('retryAfterMs', 4000);
    expect(error.message).toContain('429');
    expect(Date.now() - started).toBeLessThan(3000);
    expectNoPersonalData(error);
  });

  it('turns a 500 into a TransientError', async () => {
    sink.failNext(1, 500);

    const error = await failureOf(sender.send(sms));

    expect(error).toBeInstanceOf(TransientError);
    expectNoPersonalData(error);
  });

  it('turns a service that never answers into a TransientError once timeoutMs has passed', async () => {
    const impatient = createAcsSmsSender({
      endpoint: sink.url,
      from,
      credential: { accessKey: sink.accessKey },
      allowInsecureConnection: true,
      timeoutMs: 200,
    });
    sink.hangNext(1);

    const started = Date.now();
    const error = await failureOf(impatient.send(sms));

    expect(error).toBeInstanceOf(TransientError);
    expect(error.message).toMatch(/timed out after 200 ms/);
    expect(Date.now() - started).toBeLessThan(5_000);
    expectNoPersonalData(error);
  });

  it('turns an unreachable service into a TransientError', async () => {
    const nowhere = createAcsSmsSender({
      endpoint: `http://127.0.0.1:${await freePort()}`,
      from,
      credential: { accessKey: sink.accessKey },
      allowInsecureConnection: true,
    });

    const error = await failureOf(nowhere.send(sms));

    expect(error).toBeInstanceOf(TransientError);
    expectNoPersonalData(error);
  });

  it('refuses a text over 2048 characters with a PermanentError that does not quote it', async () => {
    const long: OutgoingSms = { to: recipient, text: `${sms.text} ${'x'.repeat(2048)}` };

    const error = await failureOf(sender.send(long));

    expect(error).toBeInstanceOf(PermanentError);
    expectNoPersonalData(error, long);
    expect(sink.messages()).toHaveLength(0);
  });

  it('refuses configurations the SDK would fail on every send', () => {
    const credential: TokenCredential = { getToken: () => Promise.resolve({ token: 't', expiresOnTimestamp: 0 }) };

    expect(() => createAcsSmsSender({ endpoint: sink.url, from, credential, allowInsecureConnection: true })).toThrow(
      /TokenCredential needs an https/,
    );
    expect(() => createAcsSmsSender({ endpoint: sink.url, from, credential: { accessKey: sink.accessKey } })).toThrow(
      /allowInsecureConnection/,
    );
    expect(() =>
      createAcsSmsSender({ endpoint: 'https://contoso.communication.azure.com', from, credential, timeoutMs: 0 }),
    ).toThrow(RangeError);
  });
});

describe('SMS sink protocol', () => {
  let sink: RunningSmsSink;
  let sendUrl: string;

  beforeEach(async () => {
    sink = await startSmsSink({ port: await freePort() });
    sendUrl = `${sink.url}/sms?api-version=2021-03-07`;
  });

  afterEach(async () => {
    await sink.close();
  });

  it('offers the documented local key and a connection string built from it', () => {
    expect(sink.accessKey).toBe('bG9jYWwtc21zLWtleQ==');
    expect(sink.connectionString).toBe(`endpoint=${sink.url}/;accesskey=bG9jYWwtc21zLWtleQ==`);
  });

  it('accepts a correctly signed request and answers 202 with one result per recipient', async () => {
    const body = sendBody([recipient, '+45 2012 3456']);

    const response = await fetch(sendUrl, { method: 'POST', headers: signedHeaders(sendUrl, body), body });

    expect(response.status).toBe(202);
    const answer = (await response.json()) as { value: Record<string, unknown>[] };
    expect(answer.value).toEqual([
      {
        to: recipient,
        messageId: expect.stringMatching(/^Outgoing_/) as unknown,
        httpStatusCode: 202,
        successful: true,
      },
      {
        to: '+45 2012 3456',
        httpStatusCode: 400,
        successful: false,
        errorMessage: 'Invalid To phone number format.',
      },
    ]);
    expect(sink.messages()).toHaveLength(1);
  });

  it('answers 401 to a missing, malformed, stale or mismatched signature', async () => {
    const body = sendBody([recipient]);
    const attempts: Record<string, string>[] = [
      { 'Content-Type': 'application/json' },
      { ...signedHeaders(sendUrl, body), Authorization: 'HMAC-SHA256 Signature=abc' },
      signedHeaders(sendUrl, body, { key: Buffer.from('other').toString('base64') }),
      signedHeaders(sendUrl, body, { date: new Date(Date.now() - 60 * 60 * 1000) }),
      signedHeaders(sendUrl, body, { hashedBody: sendBody(['+4520999999']) }),
      { ...signedHeaders(sendUrl, body), Authorization: 'Bearer ' },
    ];

    for (const headers of attempts) {
      const response = await fetch(sendUrl, { method: 'POST', headers, body });

      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ error: { code: 'Denied', message: 'Denied by the resource provider.' } });
    }
    expect(sink.messages()).toHaveLength(0);
  });

  it('rejects a body that does not match the signed hash, so a signature cannot carry another text', async () => {
    const signed = sendBody([recipient]);
    const headers = signedHeaders(sendUrl, signed);

    const response = await fetch(sendUrl, { method: 'POST', headers, body: sendBody([recipient], 'other text') });

    expect(response.status).toBe(401);
  });

  it('accepts any bearer token', async () => {
    const body = sendBody([recipient]);

    const response = await fetch(sendUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: 'Bearer local-token' },
      body,
    });

    expect(response.status).toBe(202);
    expect(sink.messages()).toHaveLength(1);
  });

  it('answers request-level problems with 400 in ACS’s error shape', async () => {
    const cases: [url: string, body: string, code: string][] = [
      [`${sink.url}/sms`, sendBody([recipient]), 'MissingApiVersionParameter'],
      [sendUrl, '{"from": ', 'BadRequest'],
      [sendUrl, JSON.stringify({ from, smsRecipients: [], message: 'x' }), 'BadRequest'],
      [sendUrl, JSON.stringify({ from: '+1', smsRecipients: [{ to: recipient }], message: 'x' }), 'BadRequest'],
      [sendUrl, sendBody([recipient], 'x'.repeat(2049)), 'BadRequest'],
    ];

    for (const [url, body, errorCode] of cases) {
      const response = await fetch(url, { method: 'POST', headers: signedHeaders(url, body), body });

      expect(response.status).toBe(400);
      const answer = (await response.json()) as { error: { code: unknown; message: unknown } };
      expect(answer.error.code).toBe(errorCode);
      expect(typeof answer.error.message).toBe('string');
    }
    expect(sink.messages()).toHaveLength(0);
  });

  it('answers 404 for other paths and 405 for other methods', async () => {
    expect((await fetch(`${sink.url}/emails:send?api-version=2023-03-31`, { method: 'POST' })).status).toBe(404);
    const response = await fetch(sendUrl);
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
  });
});

describe('SMS sink data file', () => {
  let folder: string;

  beforeEach(async () => {
    folder = await mkdtemp(join(tmpdir(), 'sms-sink-'));
  });

  afterEach(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('keeps the outbox across a restart, readable by its owner only, and clear() empties it for the next one', async () => {
    const dataFile = join(folder, 'nested', 'sms.json');

    const first = await startSmsSink({ port: await freePort(), dataFile });
    const sender = createAcsSmsSender({
      endpoint: first.url,
      from,
      credential: { accessKey: first.accessKey },
      allowInsecureConnection: true,
    });
    await sender.send(sms);
    const sent = first.messages();
    await first.close();
    if (process.platform !== 'win32') expect((await stat(dataFile)).mode & 0o777).toBe(0o600);

    const second = await startSmsSink({ port: await freePort(), dataFile });
    expect(second.messages()).toEqual(sent);
    second.clear();
    await second.close();

    const third = await startSmsSink({ port: await freePort(), dataFile });
    expect(third.messages()).toEqual([]);
    await third.close();
  });
});
