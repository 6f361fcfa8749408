import { SecretClient } from '@azure/keyvault-secrets';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalEmulatorCredential } from '../../adapters/keyVaultVault.js';
import { appPasswordSecretName } from '../../functions/handlers/activities.js';
import type { Stage } from '../../core/stages.js';
import type { EnrollmentStatusBody } from '../../core/hrApiSchemas.js';
import { startCallbackReceiver, type CallbackReceiver, type ReceivedCallback } from '../helpers/callbackReceiver.js';
import { EmployeeAgent, codeFrom, csrfOf, revealedPassword } from '../helpers/employeeBrowser.js';
import { startTestRuntime, type TestRuntime } from '../helpers/testRuntime.js';
import { waitFor } from '../helpers/waitFor.js';
import { mailedLinkTokens, reportMfa, startRequestFor } from '../helpers/enrollmentJourney.js';

const secret = `whsec_${Buffer.from('e2e-hr-callback-signing-key-0123456789').toString('base64')}`;
const maxAttempts = 4;

let runtime: TestRuntime;
let receiver: CallbackReceiver;
let vault: SecretClient;
/** Answers by path: /ok always 204, /flaky 500 then a dropped connection then 204 per event, /down always 503. */
const attemptsPerEvent = new Map<string, number>();

beforeAll(async () => {
  receiver = await startCallbackReceiver((callback) => {
    const id = callback.headers['webhook-id'] ?? '';
    const attempt = (attemptsPerEvent.get(id) ?? 0) + 1;
    attemptsPerEvent.set(id, attempt);
    if (callback.path.startsWith('/down')) return 503;
    if (callback.path.startsWith('/flaky') && attempt === 1) return 500;
    if (callback.path.startsWith('/flaky') && attempt === 2) return 'drop';
    return 204;
  });
  runtime = await startTestRuntime({
    CALLBACK_SIGNING_SECRET: secret,
    // Short backoff so retries run out in seconds: 0.2 s, 0.4 s, 0.8 s.
    CALLBACK_RETRY_FIRST_INTERVAL: 'PT0.2S',
    CALLBACK_RETRY_MAX_INTERVAL: 'PT1S',
    CALLBACK_RETRY_MAX_ATTEMPTS: String(maxAttempts),
  });
  vault = new SecretClient(runtime.vault.url, createLocalEmulatorCredential(), {
    allowInsecureConnection: true,
    disableChallengeResourceVerification: true,
  });
});

afterAll(async () => {
  await runtime.stop();
  await receiver.close();
});

interface StageEvent {
  type: string;
  timestamp: string;
  data: EnrollmentStatusBody & { id: string };
}

const request = (employeeId: string, callbackUrl: string) => ({ ...startRequestFor(employeeId), callbackUrl });

async function start(employeeId: string, path: string): Promise<string> {
  const response = await runtime.api('/api/enrollments', {
    method: 'POST',
    json: request(employeeId, receiver.url + path),
  });
  expect(response.status).toBe(202);
  return ((await response.json()) as { id: string }).id;
}

const forPath = (path: string) => receiver.received.filter((callback) => callback.path === path);
const verified = (callback: ReceivedCallback) =>
  new Webhook(secret).verify(callback.body, callback.headers) as StageEvent;
/** The stages delivered (answered 204) to `path`, in order. */
const deliveredStages = (path: string) => {
  const seen = new Set<string>();
  return forPath(path)
    .filter((callback) => {
      const id = callback.headers['webhook-id'] ?? '';
      if (seen.has(id)) return false;
      seen.add(id);
      return true;
    })
    .map((callback) => verified(callback).data.stage);
};
const waitForStage = (path: string, stage: Stage, timeoutMs = 10_000) =>
  waitFor(`the ${stage} callback to ${path}`, () => (deliveredStages(path).includes(stage) ? true : undefined), {
    timeoutMs,
  });

async function hrStatus(id: string): Promise<EnrollmentStatusBody> {
  return (await (await runtime.api(`/api/enrollments/${id}`)).json()) as EnrollmentStatusBody;
}

describe('signed HR callbacks', () => {
  it('POSTs every stage of a journey in order, each verifiable with standardwebhooks and free of secrets', async () => {
    const path = '/ok/hr?tenant=dk';
    const id = await start('E8001', path);
    await waitForStage(path, 'invited');
    await reportMfa(runtime, id, 'e8001@contoso.dk');
    await waitForStage(path, 'awaiting-verification');
    await runtime.api(`/api/enrollments/${id}/events/contact-verified`, { method: 'POST' });
    await waitForStage(path, 'ready');

    const revealPath = await waitFor('the ready mail', () =>
      runtime.mail
        .messages()
        .flatMap((message) => message.links)
        .map((link) => new URL(link).pathname)
        .find((linkPath) => linkPath.startsWith('/r/')),
    );
    const employee = new EmployeeAgent(runtime.url);
    const page = await employee.get(revealPath);
    expect((await employee.submit(`${revealPath}/code`, { csrf: csrfOf(page.html) })).status).toBe(303);
    const codeMail = await waitFor('the reveal code', () =>
      runtime.mail.messages().find((message) => message.to.includes('e8001.private@example.com')),
    );
    const code = codeFrom(codeMail.text);
    const reveal = await employee.submit(`${revealPath}/reveal`, { csrf: csrfOf(page.html), code });
    const password = revealedPassword(reveal.html);
    expect(password).toBe((await vault.getSecret(appPasswordSecretName(id))).value);
    await waitForStage(path, 'revealed');

    expect(deliveredStages(path)).toEqual(['invited', 'awaiting-verification', 'issuing', 'ready', 'revealed']);
    const callbacks = forPath(path);
    expect(callbacks).toHaveLength(5);
    const events = callbacks.map(verified);
    expect(callbacks.map((callback) => callback.headers['webhook-id'])).toEqual(
      [1, 2, 3, 4, 5].map((sequence) => `evt_${id}_${sequence}`),
    );
    for (const callback of callbacks) {
      expect(callback.headers['content-type']).toBe('application/json');
      expect(callback.headers['user-agent']).toBe('app-password-enrollment/hr-callbacks');
    }
    expect(events.map((event) => event.type)).toEqual(Array(5).fill('enrollment.stage-changed'));
    expect(events[1]?.data).toMatchObject({ id, employeeId: 'E8001', mfaRegistered: true, contactVerified: false });
    expect(events[3]?.data.retrievalExpiresAt).toBe((await hrStatus(id)).retrievalExpiresAt);
    const times = events.map((event) => Date.parse(event.timestamp));
    expect(times).toEqual([...times].sort((a, b) => a - b));

    // Nothing secret in any callback: not the password (plain or grouped), the code or a link token.
    const everything = JSON.stringify(callbacks);
    const tokens = mailedLinkTokens(runtime);
    expect(tokens.length).toBeGreaterThanOrEqual(2);
    for (const value of [password ?? 'missing', (password ?? '').replace(/(.{4})(?=.)/g, '$1 '), ...tokens]) {
      expect(everything).not.toContain(value);
    }
    expect(everything).not.toMatch(new RegExp(`(?<![0-9])${code}(?![0-9])`));
    // ...nor the signing secret, in the callbacks, the tables, the history or the logs.
    const status = await runtime.taskHub.status(id, true);
    for (const place of [everything, await runtime.dumpTables(), JSON.stringify(status), runtime.logs.join('\n')]) {
      expect(place).not.toContain(secret.slice('whsec_'.length));
    }
    expect(JSON.stringify(status?.input)).not.toContain('/ok/hr');
  }, 60_000);

  it('retries a failing receiver under the same webhook-id until it is delivered, and the enrollment goes on', async () => {
    const path = '/flaky';
    const id = await start('E8002', path);
    await waitForStage(path, 'invited');
    await reportMfa(runtime, id, 'e8002@contoso.dk');
    await waitForStage(path, 'awaiting-verification');

    const invited = forPath(path).filter((callback) => callback.headers['webhook-id'] === `evt_${id}_1`);
    expect(invited, '500, dropped, then delivered').toHaveLength(3);
    for (const attempt of invited) expect(verified(attempt).data.stage).toBe('invited');
    const stamps = invited.map((attempt) => Number(attempt.headers['webhook-timestamp']));
    expect(stamps).toEqual([...stamps].sort((a, b) => a - b));
    expect(new Set(invited.map((attempt) => attempt.body)).size, 'the same event each time').toBe(1);
    expect((await hrStatus(id)).stage).toBe('awaiting-verification');

    const audit = await runtime.dumpTables();
    expect(audit).toContain('hr-callback-failed');
    expect(audit).toContain('hr-callback-delivered');
  }, 60_000);

  it('reaches the final stage when the receiver never accepts anything, giving up on each event in turn', async () => {
    const path = '/down';
    const id = await start('E8003', path);
    await reportMfa(runtime, id, 'e8003@contoso.dk');
    await runtime.api(`/api/enrollments/${id}/events/contact-verified`, { method: 'POST' });
    await waitFor('ready', async () => ((await hrStatus(id)).stage === 'ready' ? true : undefined), {
      timeoutMs: 30_000,
    });
    expect((await runtime.api(`/api/enrollments/${id}/cancel`, { method: 'POST' })).status).toBe(202);
    const done = await waitFor(
      'the orchestration to complete',
      async () => {
        const status = await runtime.taskHub.status(id);
        return status?.runtimeStatus === 'Completed' ? status : undefined;
      },
      { timeoutMs: 30_000 },
    );
    expect(done.output).toEqual({ stage: 'cancelled', reason: 'cancelled-by-hr' });

    const attempts = new Map<string, ReceivedCallback[]>();
    for (const callback of forPath(path)) {
      const eventId = callback.headers['webhook-id'] ?? '';
      attempts.set(eventId, [...(attempts.get(eventId) ?? []), callback]);
    }
    const stages = [...attempts.values()].map((each) => (each[0] === undefined ? '' : verified(each[0]).data.stage));
    // Both verifications normally arrive while the invited event is still being retried, so no awaiting-verification
    // event is due; on a slow machine one may be.
    expect(stages.filter((stage) => stage !== 'awaiting-verification')).toEqual([
      'invited',
      'issuing',
      'ready',
      'cancelled',
    ]);
    for (const each of attempts.values()) expect(each).toHaveLength(maxAttempts);
  }, 60_000);

  it('refuses plain http to a host that is not loopback, changing nothing', async () => {
    const rowsBefore = await runtime.countTableRows();
    const response = await runtime.api('/api/enrollments', {
      method: 'POST',
      json: request('E8004', 'http://hr.contoso.example/callbacks'),
    });
    expect(response.status).toBe(400);
    const problem = (await response.json()) as { errors: { pointer: string; detail: string }[] };
    expect(problem.errors).toEqual([
      {
        pointer: '/callbackUrl',
        detail: 'expected an https URL (plain http only to a loopback host such as 127.0.0.1)',
      },
    ]);
    expect(await runtime.countTableRows()).toBe(rowsBefore);
  });
});
