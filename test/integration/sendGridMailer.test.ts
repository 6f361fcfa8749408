import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSendGridMailer } from '../../adapters/sendGridMailer.js';
import { PermanentError, TransientError } from '../../core/errors.js';
import type { Mailer, OutgoingMail } from '../../core/ports.js';
import { startMailSink, type RunningMailSink } from '../../devhost/mailSink.js';
import { freePort } from '../../devhost/freePort.js';

const recipient = 'ada.lovelace@contoso.example';
const link = 'https://enroll.contoso.example/e/7f3a9c?token=one-time-secret&lang=en';
const code = '493817';

const mail: OutgoingMail = {
  to: recipient,
  subject: 'Set up your app password',
  text: `Hello Ada,\n\nopen ${link}.\nYour code is ${code}.\nHelp: https://help.contoso.example/app-passwords`,
  html:
    `<p>Hello Ada,</p><p><a href="${link.replaceAll('&', '&amp;')}">Start</a></p>` +
    `<p>Your code is ${code}.</p><a href='https://help.contoso.example/app-passwords'>Help</a>` +
    `<a href="mailto:it@contoso.example">IT</a>`,
  kind: 'invitation',
};

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

function expectNoPersonalData(error: Error): void {
  for (const secret of [recipient, link, code, mail.subject, 'one-time-secret', 'Hello Ada']) {
    expect(error.message).not.toContain(secret);
  }
  expect(error.cause).toBeUndefined();
}

describe('SendGrid mailer against the local mail sink', () => {
  let sink: RunningMailSink;
  let mailer: Mailer;
  const from = { email: 'it-onboarding@contoso.example', name: 'Contoso IT' };

  beforeEach(async () => {
    sink = await startMailSink({ port: await freePort() });
    mailer = createSendGridMailer({ apiKey: 'SG.local-test-key', from, baseUrl: sink.url });
  });

  afterEach(async () => {
    await sink.close();
  });

  it('delivers from, to, subject, both bodies and the kind as category, with click tracking off', async () => {
    await mailer.send(mail);

    const messages = sink.messages();
    expect(messages).toHaveLength(1);
    const [message] = messages;
    expect(message).toMatchObject({
      from: from.email,
      to: [recipient],
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
      categories: ['invitation'],
      clickTracking: false,
    });
    expect(message?.id).toMatch(/^[\w-]{10,}$/);
    expect(Number.isNaN(Date.parse(message?.receivedAt ?? ''))).toBe(false);
  });

  it('extracts every http(s) link from the text and the html hrefs, once each', async () => {
    await mailer.send(mail);

    expect(sink.messages()[0]?.links).toEqual([link, 'https://help.contoso.example/app-passwords']);
  });

  it('rejects a malformed payload with 400 and every problem in SendGrid’s error shape', async () => {
    const response = await fetch(`${sink.url}/v3/mail/send`, {
      method: 'POST',
      headers: { Authorization: 'Bearer test', 'Content-Type': 'application/json' },
      body: JSON.stringify({ from: { email: 'not an address' }, subject: 'Hi', content: [] }),
    });

    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: { message: unknown; field: unknown; help: unknown }[] };
    expect(body.errors.map((error) => error.field)).toEqual(['personalizations', 'from.email', 'content']);
    for (const error of body.errors) {
      expect(typeof error.message).toBe('string');
      expect(error.help).toMatch(/^http:\/\/sendgrid\.com\/docs\//);
    }
    expect(sink.messages()).toHaveLength(0);
  });

  it('names each bad recipient and content block by its index', async () => {
    const response = await fetch(`${sink.url}/v3/mail/send`, {
      method: 'POST',
      headers: { Authorization: 'Bearer test', 'Content-Type': 'application/json' },
      body: JSON.stringify({
        personalizations: [{ to: [{ email: 'a@contoso.example' }, { email: 'nope' }] }, { to: [] }],
        from: { email: 'it@contoso.example' },
        content: [{ type: 'text/plain', value: '' }],
      }),
    });

    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: { field: unknown }[] };
    expect(body.errors.map((error) => error.field)).toEqual([
      'personalizations.0.to.1.email',
      'personalizations.1.to',
      'subject',
      'content.0.value',
    ]);
  });

  it('answers a body that is not JSON with 400 Bad Request', async () => {
    const response = await fetch(`${sink.url}/v3/mail/send`, {
      method: 'POST',
      headers: { Authorization: 'Bearer test', 'Content-Type': 'application/json' },
      body: '{"personalizations": [',
    });

    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ errors: [{ message: 'Bad Request', field: null, help: null }] });
  });

  it('answers 401 without a bearer token', async () => {
    for (const headers of [{}, { Authorization: 'Bearer ' }, { Authorization: 'Basic abc' }]) {
      const response = await fetch(`${sink.url}/v3/mail/send`, { method: 'POST', headers, body: '{}' });

      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({
        errors: [
          { message: 'The provided authorization grant is invalid, expired, or revoked', field: null, help: null },
        ],
      });
    }
  });

  it('turns a 500 into a TransientError and sends normally afterwards', async () => {
    sink.failNext(1, 500);

    const error = await failureOf(mailer.send(mail));

    expect(error).toBeInstanceOf(TransientError);
    expect(error.message).toContain('invitation');
    expect(error.message).toContain('500');
    expectNoPersonalData(error);
    await mailer.send(mail);
    expect(sink.messages()).toHaveLength(1);
  });

  it('turns a 429 with Retry-After into a TransientError that says how long to wait', async () => {
    sink.failNext(1, 429, 3);

    const error = await failureOf(mailer.send({ ...mail, kind: 'reminder' }));

    expect(error).toBeInstanceOf(TransientError);
    expect(error).toHaveProperty('retryAfterMs', 3000);
    expect(error.message).toContain('reminder');
    expectNoPersonalData(error);
  });

  it('leaves retryAfterMs unset when the provider gave no hint', async () => {
    sink.failNext(1, 503);

    const error = await failureOf(mailer.send(mail));

    expect(error).toBeInstanceOf(TransientError);
    expect(error).toHaveProperty('retryAfterMs', undefined);
  });

  it('turns a rejected recipient into a PermanentError naming the field but not the address', async () => {
    const error = await failureOf(mailer.send({ ...mail, to: 'not-an-email', kind: 'contact-code' }));

    expect(error).toBeInstanceOf(PermanentError);
    expect(error.message).toContain('contact-code');
    expect(error.message).toContain('400');
    expect(error.message).toContain('personalizations.0.to.0.email');
    expect(error.message).not.toContain('not-an-email');
    expectNoPersonalData(error);
    expect(sink.messages()).toHaveLength(0);
  });

  it('turns an oversized message (413) into a PermanentError', async () => {
    const error = await failureOf(mailer.send({ ...mail, html: `<p>${'x'.repeat(1_100_000)}</p>` }));

    expect(error).toBeInstanceOf(PermanentError);
    expect(error.message).toContain('413');
    expectNoPersonalData(error);
  });

  it('turns a provider that never answers into a TransientError once timeoutMs has passed', async () => {
    const impatient = createSendGridMailer({ apiKey: 'SG.local-test-key', from, baseUrl: sink.url, timeoutMs: 200 });
    sink.hangNext(1);

    const started = Date.now();
    const error = await failureOf(impatient.send(mail));

    expect(error).toBeInstanceOf(TransientError);
    expect(error.message).toMatch(/timed out after 200 ms/);
    expect(Date.now() - started).toBeLessThan(5_000);
    expectNoPersonalData(error);
  });

  it('turns an unreachable provider into a TransientError', async () => {
    const nowhere = createSendGridMailer({
      apiKey: 'SG.local-test-key',
      from,
      baseUrl: `http://127.0.0.1:${await freePort()}`,
    });

    const error = await failureOf(nowhere.send(mail));

    expect(error).toBeInstanceOf(TransientError);
    expectNoPersonalData(error);
  });
});

describe('mail sink data file', () => {
  let folder: string;

  beforeEach(async () => {
    folder = await mkdtemp(join(tmpdir(), 'mail-sink-'));
  });

  afterEach(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('keeps the outbox across a restart, and clear() empties it for the next one too', async () => {
    const dataFile = join(folder, 'nested', 'outbox.json');
    const from = { email: 'it-onboarding@contoso.example', name: 'Contoso IT' };

    const first = await startMailSink({ port: await freePort(), dataFile });
    await createSendGridMailer({ apiKey: 'SG.local-test-key', from, baseUrl: first.url }).send(mail);
    const sent = first.messages();
    await first.close();

    const second = await startMailSink({ port: await freePort(), dataFile });
    expect(second.messages()).toEqual(sent);
    second.clear();
    await second.close();

    const third = await startMailSink({ port: await freePort(), dataFile });
    expect(third.messages()).toEqual([]);
    await third.close();
  });

  it('shows a message only once its data file holds it, and answers 500 when it cannot be stored', async () => {
    const folderOfFile = join(folder, 'nested');
    const dataFile = join(folderOfFile, 'outbox.json');
    const from = { email: 'it-onboarding@contoso.example', name: 'Contoso IT' };
    const sink = await startMailSink({ port: await freePort(), dataFile });
    const mailer = createSendGridMailer({ apiKey: 'SG.local-test-key', from, baseUrl: sink.url });

    // A file where the data file's folder should be: the write fails even for root, whom permissions do not stop.
    await writeFile(folderOfFile, 'not a folder');
    expect(await failureOf(mailer.send(mail))).toBeInstanceOf(TransientError);
    expect(sink.messages()).toEqual([]);

    await rm(folderOfFile);
    await mailer.send({ ...mail, subject: 'Stored' });
    expect(sink.messages().map((message) => message.subject)).toEqual(['Stored']);
    await sink.close();

    const restarted = await startMailSink({ port: await freePort(), dataFile });
    expect(restarted.messages().map((message) => message.subject)).toEqual(['Stored']);
    await restarted.close();
  });
});
