import { TableClient, TableServiceClient } from '@azure/data-tables';
import { SecretClient } from '@azure/keyvault-secrets';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalEmulatorCredential } from '../../adapters/keyVaultVault.js';
import { catalogues } from '../../core/i18n/index.js';
import { activityNames } from '../../core/orchestrationContract.js';
import { startAzurite, type RunningAzurite } from '../../devhost/azurite.js';
import { createDevhostProcess, type DevhostProcess } from '../helpers/devhostProcess.js';
import { codeFrom, csrfOf, revealedPassword } from '../helpers/employeeBrowser.js';
import { freeAzuritePorts } from '../../devhost/freePort.js';
import { waitFor } from '../helpers/waitFor.js';

/*
 * Fault-injection soak (GitHub issue 7, item 6): 200 enrollments driven through the documented HR API, the employee
 * pages and the dev console against `npm start` as a child process, while the local vault answers 429 (Retry-After)
 * and 503, the mail sink answers 500 and hangs, Azurite is stopped and started again, and the runtime is SIGKILLed
 * twice while activities are in flight. Every enrollment must reach the final stage it was driven towards, no instance
 * may be left running, the employee gets no more e-mails than the at-least-once contract allows, and no app password,
 * one-time code or link token appears in any table row, Azurite file, log line or HTTP response (the one reveal per
 * enrollment and the mailbox itself excepted). Nothing waits by sleeping: every wait polls with a deadline.
 */

const enrollmentCount = 200;
/** Where the run leaves the runtime's log and its findings (git-ignored), for CI to keep. */
const artifacts = fileURLToPath(new URL('../../test-results/soak/', import.meta.url));
const concurrency = 10;
/** Deadlines in seconds, so the whole run, expiries included, takes a few minutes. */
const settings = {
  INVITATION_VALID_FOR: 'PT20S',
  REMINDER_INTERVAL: 'PT8S',
  MAX_REMINDERS: '1',
  // Longer than the invitation: a revealed enrollment must survive a mail hang (10 s) and a restart before its reveal.
  RETRIEVAL_VALID_FOR: 'PT30S',
  ACTIVITY_RETRY_FIRST_INTERVAL: 'PT1S',
  ACTIVITY_RETRY_MAX_INTERVAL: 'PT2S',
  ACTIVITY_RETRY_MAX_ATTEMPTS: '8',
};

type Plan = 'revealed' | 'cancelled-waiting' | 'cancelled-ready' | 'expired-verification' | 'expired-retrieval';
type MailKind = 'invitation' | 'reminder' | 'ready' | 'expired';
const mailKinds: readonly MailKind[] = ['invitation', 'reminder', 'ready', 'expired'];

/** Seven in ten revealed; the rest cancelled (waiting or ready), expired unverified, or expired unrevealed. */
function planFor(index: number): Plan {
  const slot = index % 10;
  if (slot < 7) return 'revealed';
  if (slot === 7) return index % 20 === 7 ? 'cancelled-waiting' : 'cancelled-ready';
  return slot === 8 ? 'expired-verification' : 'expired-retrieval';
}

const finalStageOf: Readonly<Record<Plan, { stage: string; reason?: string }>> = {
  revealed: { stage: 'revealed' },
  'cancelled-waiting': { stage: 'cancelled', reason: 'cancelled-by-hr' },
  'cancelled-ready': { stage: 'cancelled', reason: 'cancelled-by-hr' },
  'expired-verification': { stage: 'expired', reason: 'verification-deadline' },
  'expired-retrieval': { stage: 'expired', reason: 'retrieval-deadline' },
};

/**
 * The e-mails each plan sends to the invitation address, [min, max] per kind before duplicates. A reminder may go
 * out when the HR events arrive after REMINDER_INTERVAL (a restart or an outage can delay them that long).
 */
const mailsOf: Readonly<Record<Plan, Readonly<Record<MailKind, readonly [number, number]>>>> = {
  revealed: { invitation: [1, 1], reminder: [0, 1], ready: [1, 1], expired: [0, 0] },
  'cancelled-waiting': { invitation: [1, 1], reminder: [0, 1], ready: [0, 0], expired: [0, 0] },
  'cancelled-ready': { invitation: [1, 1], reminder: [0, 1], ready: [1, 1], expired: [0, 0] },
  'expired-verification': { invitation: [1, 1], reminder: [1, 1], ready: [0, 0], expired: [1, 1] },
  'expired-retrieval': { invitation: [1, 1], reminder: [0, 1], ready: [1, 1], expired: [1, 1] },
};

/** Subject → kind, in both languages. */
const kindBySubject = new Map<string, MailKind | 'code'>(
  Object.values(catalogues).flatMap((catalogue) => [
    [catalogue.mail.invitation.subject, 'invitation'] as const,
    [catalogue.mail.reminder.subject, 'reminder'] as const,
    [catalogue.mail.ready.subject, 'ready'] as const,
    [catalogue.mail.expired.subject, 'expired'] as const,
    [catalogue.mail.contactCode.subject, 'code'] as const,
  ]),
);

interface Enrollment {
  readonly index: number;
  readonly plan: Plan;
  readonly employeeId: string;
  readonly body: Readonly<Record<string, unknown>>;
  readonly inviteEmail: string;
  readonly contactEmail: string;
  id?: string;
  /** What the reveal page showed. */
  password?: string;
  /**
   * A reveal whose connection was cut by a kill after it may have claimed the reveal, and that the service then
   * refused as already shown: the claim is the record, so the enrollment must still end revealed, its password
   * enabled. Any other reveal that ends "already shown" without the driver seeing the password is a lost reveal, a
   * failure.
   */
  revealLost?: boolean;
  /** The HR API answered the start with an enrollment that did not exist: a start cut off by a kill. */
  startCutOff?: boolean;
  finalStage?: string;
  codePosts: number;
  /** What each reveal attempt met, for the report when it goes wrong. */
  readonly trail: string[];
  problem?: string;
}

interface OutboxMessage {
  readonly id: string;
  readonly channel: 'email' | 'sms';
  readonly receivedAt: string;
  readonly to: readonly string[];
  readonly subject: string;
  readonly text: string;
  readonly links: readonly string[];
}

interface HistoryEvent {
  readonly EventType: number;
  readonly EventId: number;
  readonly Name?: string;
  readonly Timestamp: string;
  readonly TaskScheduledId?: number;
}

/** What a response body is, for the secret scan. */
type BodyKind = 'api' | 'console' | 'mailbox' | 'page' | 'reveal';

interface Exchange {
  /** Set to 'reveal' by the caller for the one response that shows an enrollment's password. */
  kind: BodyKind;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly body: string;
}

/** A kill: when the process died and when its successor was serving again. */
interface Kill {
  readonly from: number;
  readonly to: number;
  /** The activities in flight at the kill. */
  readonly during: string;
}

const taskScheduled = 4;
const taskCompleted = 5;
const taskFailed = 6;

let azurite: RunningAzurite;
let azuriteDir: string;
let azuritePorts: { blobPort: number; queuePort: number; tablePort: number };
let devhost: DevhostProcess;
let vault: SecretClient;
const exchanges: Exchange[] = [];
const sessionTokens = new Set<string>();
/** Every mail the driver saw in the outbox, by id, to check that the outbox still holds them all at the end. */
const mailSeen = new Set<string>();

beforeAll(async () => {
  azuriteDir = await mkdtemp(join(tmpdir(), 'soak-azurite-'));
  azuritePorts = await freeAzuritePorts();
  azurite = await startAzurite({ ...azuritePorts, location: azuriteDir });
  devhost = await createDevhostProcess(settings, { storageConnectionString: azurite.connectionString });
  await devhost.start();
  vault = new SecretClient(devhost.vaultUrl, createLocalEmulatorCredential(), {
    allowInsecureConnection: true,
    disableChallengeResourceVerification: true,
  });
}, 60_000);

afterAll(async () => {
  await devhost.stop();
  await azurite.stop();
  await rm(azuriteDir, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------------------------
// HTTP, recorded: every body the test receives is kept for the secret scan.

async function http(
  kind: BodyKind,
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Exchange> {
  const method = init.method ?? 'GET';
  const response = await fetch(`${devhost.url}${path}`, {
    method,
    redirect: 'manual',
    ...(init.headers === undefined ? {} : { headers: init.headers }),
    ...(init.body === undefined ? {} : { body: init.body }),
    // Longer than the mailer's 10 s timeout, so a page waiting on a hung mail sink still answers.
    signal: AbortSignal.timeout(30_000),
  });
  for (const line of response.headers.getSetCookie()) {
    const value = /^enrollment_session=([^;]+)/.exec(line)?.[1];
    if (value !== undefined && value !== '') sessionTokens.add(value);
  }
  const exchange = { kind, method, path, status: response.status, body: await response.text() };
  exchanges.push(exchange);
  return exchange;
}

const hr = (method: string, path: string, body?: unknown) =>
  http('api', path, {
    method,
    headers: {
      'x-functions-key': devhost.functionKey,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

/** A form post the way the page's own form sends it. */
const submit = (path: string, fields: Record<string, string>): Promise<Exchange> =>
  http('page', path, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin' },
    body: new URLSearchParams(fields).toString(),
  });

/** Retries `attempt` (network errors, 5xx, anything it throws) until it returns a value or `timeoutMs` passes. */
function retrying<T>(what: string, attempt: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  return waitFor(what, attempt, { timeoutMs, intervalMs: 250 });
}

function ok(exchange: Exchange, ...statuses: number[]): Exchange {
  if (!statuses.includes(exchange.status)) {
    throw new Error(`${exchange.method} ${exchange.path} answered ${exchange.status}`);
  }
  return exchange;
}

async function outboxTo(address: string): Promise<OutboxMessage[]> {
  const reply = ok(await http('mailbox', `/_dev/api/outbox?channel=email&to=${encodeURIComponent(address)}`), 200);
  const messages = (JSON.parse(reply.body) as { messages: OutboxMessage[] }).messages;
  for (const message of messages) mailSeen.add(message.id);
  return messages.filter((message) => message.to.includes(address));
}

const kindOf = (message: OutboxMessage) => kindBySubject.get(message.subject);

async function statusOf(id: string): Promise<{ stage: string; reason?: string }> {
  return JSON.parse(ok(await hr('GET', `/api/enrollments/${id}`), 200).body) as { stage: string; reason?: string };
}

async function injectFault(fault: Record<string, unknown>): Promise<void> {
  await retrying(`fault ${JSON.stringify(fault)}`, async () =>
    ok(
      await http('console', '/_dev/api/faults', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(fault),
      }),
      200,
    ),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Driving one enrollment.

let startedCount = 0;
const driving = new Set<Enrollment>();

function idOf(enrollment: Enrollment): string {
  if (enrollment.id === undefined) throw new Error(`${enrollment.employeeId} has no id yet`);
  return enrollment.id;
}

async function start(enrollment: Enrollment): Promise<void> {
  enrollment.id = await retrying(
    `the start of ${enrollment.employeeId}`,
    async () => {
      const reply = ok(await hr('POST', '/api/enrollments', enrollment.body), 200, 202);
      const { id } = JSON.parse(reply.body) as { id: string };
      // A start cut off (killed) after claiming the employee and before starting the orchestration leaves a claim
      // without an instance: repeating the request answers with that enrollment until the claim counts as orphaned,
      // two minutes after the enrollment record was saved, and then starts afresh.
      const status = await hr('GET', `/api/enrollments/${id}`);
      if (status.status === 404) {
        enrollment.startCutOff = true;
        throw new Error(`the HR API answers ${reply.status} with enrollment ${id}, which does not exist`);
      }
      ok(status, 200);
      return id;
    },
    150_000,
  );
  startedCount += 1;
}

async function raise(enrollment: Enrollment, event: 'mfa-registered' | 'contact-verified'): Promise<void> {
  // The HR route asks the directory before it takes MFA: the local one learns it through the dev console first.
  if (event === 'mfa-registered') {
    const upn = encodeURIComponent(String(enrollment.body['userPrincipalName']));
    await retrying(`MFA in the directory for ${enrollment.employeeId}`, async () =>
      ok(
        await http('console', `/_dev/api/directory/${upn}/mfa`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ registered: true }),
        }),
        200,
      ),
    );
  }
  await retrying(`${event} for ${enrollment.employeeId}`, async () =>
    ok(await hr('POST', `/api/enrollments/${idOf(enrollment)}/events/${event}`), 202),
  );
}

async function verify(enrollment: Enrollment): Promise<void> {
  const events = ['mfa-registered', 'contact-verified'] as const;
  for (const event of enrollment.index % 2 === 0 ? events : [...events].reverse()) await raise(enrollment, event);
}

async function cancel(enrollment: Enrollment): Promise<void> {
  // 409 only when a cancel whose answer was lost has already finished it.
  await retrying(`cancel of ${enrollment.employeeId}`, async () =>
    ok(await hr('POST', `/api/enrollments/${idOf(enrollment)}/cancel`), 202, 409),
  );
}

async function untilStage(enrollment: Enrollment, stage: string): Promise<void> {
  await retrying(`${enrollment.employeeId} ${stage}`, async () => {
    const status = await statusOf(idOf(enrollment));
    if (status.stage !== stage) throw new Error(`stage ${status.stage}`);
    return true;
  });
}

async function mail(enrollment: Enrollment, kind: MailKind): Promise<OutboxMessage> {
  return retrying(`the ${kind} mail to ${enrollment.employeeId}`, async () =>
    (await outboxTo(enrollment.inviteEmail)).find((message) => kindOf(message) === kind),
  );
}

/** The reveal through the employee pages with a code, as someone without the session cookie does it. */
async function reveal(enrollment: Enrollment): Promise<void> {
  const link = (await mail(enrollment, 'ready')).links.find((candidate) => candidate.includes('/r/')) ?? '';
  const path = new URL(link).pathname;
  /** Whether one of our reveals lost its connection (a kill) after it may have claimed the reveal. */
  let cutOff = false;
  for (let attempt = 1; attempt <= 6; attempt += 1) {
    const page = await retrying(`the reveal page of ${enrollment.employeeId}`, async () =>
      ok(await http('page', path), 200, 410),
    );
    if (page.status === 410) {
      if (!cutOff) throw new Error(`the reveal page answered 410 before any reveal: ${enrollment.trail.join(', ')}`);
      enrollment.revealLost = true;
      return;
    }
    const csrf = csrfOf(page.body);
    const trail = (note: string) => enrollment.trail.push(`${new Date().toISOString().slice(11, 23)} ${note}`);
    let posting = false;
    let shown: Exchange;
    try {
      const before = (await outboxTo(enrollment.contactEmail)).length;
      enrollment.codePosts += 1;
      const sent = await submit(`${path}/code`, { csrf });
      trail(`code ${sent.status}`);
      // Not 303 when the mail sink failed or hung for the code mail: start over from the page.
      if (sent.status !== 303) continue;
      const codeMail = await retrying(
        `the code mail to ${enrollment.employeeId}`,
        async () => (await outboxTo(enrollment.contactEmail))[before],
        30_000,
      );
      posting = true;
      shown = await submit(`${path}/reveal`, { csrf, code: codeFrom(codeMail.text) });
    } catch (error) {
      // The runtime went away mid-request (a kill): start over from the page once it is back.
      trail(error instanceof Error ? error.message : String(error));
      if (posting) cutOff = true;
      continue;
    }
    trail(`reveal ${shown.status}`);
    const password = shown.status === 200 ? revealedPassword(shown.body) : undefined;
    if (password !== undefined) {
      shown.kind = 'reveal';
      enrollment.password = password;
      return;
    }
    if (shown.status === 410) {
      // Already shown, though none of our reveals showed it. Only a kill between a claim and its answer may do that
      // (the service errs towards never revealing twice, SECURITY.md T2); storage or task-hub failures after the
      // claim never may. A 5xx is not a cut-off: the claim was given back, or never taken, and a retry must reveal.
      if (!cutOff) throw new Error(`lost reveal: already shown, none of ours cut off: ${enrollment.trail.join(', ')}`);
      enrollment.revealLost = true;
      return;
    }
  }
  throw new Error(`no reveal in 6 attempts: ${enrollment.trail.join(', ')}`);
}

async function drive(enrollment: Enrollment): Promise<void> {
  await start(enrollment);
  switch (enrollment.plan) {
    case 'revealed':
      await verify(enrollment);
      await reveal(enrollment);
      return;
    case 'cancelled-waiting':
      await mail(enrollment, 'invitation');
      // Half of them with one of the two facts in already.
      if (enrollment.index % 40 === 7) await raise(enrollment, 'mfa-registered');
      await cancel(enrollment);
      return;
    case 'cancelled-ready':
      await verify(enrollment);
      await untilStage(enrollment, 'ready');
      await mail(enrollment, 'ready');
      await cancel(enrollment);
      return;
    case 'expired-verification':
      // Half of them with the contact verified but never MFA.
      if (enrollment.index % 20 === 8) await raise(enrollment, 'contact-verified');
      return;
    case 'expired-retrieval':
      await verify(enrollment);
      await untilStage(enrollment, 'ready');
      return;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Faults. Each step of the plan runs once enough enrollments have started, and is confirmed before the next one:
// an injected failure by as many new lines in the runtime's log (every vault or mail failure the app meets is logged
// once, by the activity or the page that met it), a kill and an outage by the runtime and Azurite being back.

/** Log lines that show the app met an injected fault. */
const evidenceOf = {
  'vault 429': /Key Vault .*\(status 429/,
  'vault 503': /Key Vault .*\(status 503/,
  'mail 500': /SendGrid .*HTTP 500/,
  'mail hang': /SendGrid .*timed out after/,
} as const;
type FaultName = keyof typeof evidenceOf;

const logLines = () => devhost.output.join('').split('\n');
const countLog = (pattern: RegExp) => logLines().filter((line) => pattern.test(line)).length;

const injected = new Map<FaultName | 'mail hang (cut by a kill)', number>();
const unconfirmed: string[] = [];
const kills: Kill[] = [];
const seconds = (ms: number, digits = 1) => (ms / 1000).toFixed(digits);
const outage = { stoppingMs: 0, noticedAfterMs: 0, downMs: 0 };

async function inject(name: FaultName, count: number, retryAfterSeconds?: number): Promise<void> {
  const [target, kind] = name.split(' ') as ['vault' | 'mail', string];
  const before = countLog(evidenceOf[name]);
  await injectFault({
    target,
    ...(kind === 'hang' ? { kind: 'hang' } : { kind: 'fail', status: Number(kind) }),
    count,
    ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
  });
  injected.set(name, (injected.get(name) ?? 0) + count);
  // A hang shows once the mailer's 10 s timeout has passed.
  await waitFor(
    `${count} × ${name} in the log`,
    () => (countLog(evidenceOf[name]) >= before + count ? true : undefined),
    { timeoutMs: 60_000, intervalMs: 100 },
  ).catch(() => {
    unconfirmed.push(`${name} × ${count}: ${countLog(evidenceOf[name]) - before} seen`);
  });
}

/**
 * The activities scheduled and not finished, with how long ago they were scheduled, across the running instances
 * that changed in the last 20 s (scheduling an activity updates its instance; one waiting on a timer did not).
 */
async function activitiesInFlight(): Promise<{ name: string; ageMs: number }[]> {
  const list = ok(await http('console', '/_dev/api/instances'), 200);
  const recent = (
    JSON.parse(list.body) as { instances: { instanceId: string; runtimeStatus: string; lastUpdatedTime: string }[] }
  ).instances.filter(
    (instance) => instance.runtimeStatus === 'Running' && Date.now() - Date.parse(instance.lastUpdatedTime) < 20_000,
  );
  const found: { name: string; ageMs: number }[] = [];
  for (const instance of recent) {
    const reply = await http('console', `/_dev/api/instances/${instance.instanceId}`);
    if (reply.status !== 200) continue;
    const events = (JSON.parse(reply.body) as { historyEvents?: HistoryEvent[] }).historyEvents ?? [];
    const done = new Set(
      events
        .filter((event) => event.EventType === taskCompleted || event.EventType === taskFailed)
        .map((event) => event.TaskScheduledId),
    );
    for (const event of events) {
      if (event.EventType === taskScheduled && !done.has(event.EventId)) {
        found.push({ name: event.Name ?? '?', ageMs: Date.now() - Date.parse(event.Timestamp) });
      }
    }
  }
  return found;
}

/**
 * SIGKILL while an activity is in flight, then start again. With `holdMail`, the next mail send hangs first, so that
 * an e-mail activity is surely mid-send (scheduled half a second ago, not finished) when the process dies; should the
 * hang go to a code mail instead, any activity in flight will do after 8 s.
 */
async function killDuringActivity(holdMail: boolean): Promise<void> {
  if (holdMail) {
    await injectFault({ target: 'mail', kind: 'hang', count: 1 });
    injected.set('mail hang (cut by a kill)', (injected.get('mail hang (cut by a kill)') ?? 0) + 1);
  }
  const since = Date.now();
  const inFlight = await waitFor(
    'an activity in flight',
    async () => {
      const held = holdMail && Date.now() - since < 8_000;
      const activities = (await activitiesInFlight()).filter(
        (activity) => !held || (activity.ageMs >= 500 && activity.name === activityNames.sendEmail),
      );
      return activities.length > 0 ? activities : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 50 },
  );
  const from = Date.now();
  await devhost.kill();
  await devhost.start();
  kills.push({ from, to: Date.now(), during: inFlight.map((activity) => activity.name).join('+') });
}

/**
 * Stops Azurite and starts it again (same ports and folder, so its data stays) as soon as the runtime is seen to
 * suffer: a request through it answers 5xx or is held up 1.5 s by storage retries, or it logs a failure.
 */
async function azuriteOutage(): Promise<void> {
  const probeId = [...driving].find((enrollment) => enrollment.id !== undefined)?.id;
  const logLength = devhost.output.length;
  const from = Date.now();
  await azurite.stop();
  outage.stoppingMs = Date.now() - from;
  await waitFor(
    'the runtime to notice Azurite is gone',
    async () => {
      if (devhost.output.length > logLength) return true;
      const probe = hr('GET', `/api/enrollments/${probeId ?? '00000000-0000-4000-8000-000000000000'}`).then(
        (reply) => reply.status >= 500,
        () => true,
      );
      const heldUp = new Promise<boolean>((resolve) => {
        setTimeout(() => {
          resolve(true);
        }, 1_500).unref();
      });
      return (await Promise.race([probe, heldUp])) ? true : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 100 },
  );
  outage.noticedAfterMs = Date.now() - from;
  azurite = await startAzurite({ ...azuritePorts, location: azuriteDir });
  outage.downMs = Date.now() - from;
}

/**
 * After how many started enrollments each step runs. Drivers start enrollment n only once every injection due at
 * n − `planLag` has been met, so the faults spread over the run rather than bunching at its end; kills and the
 * outage hold no driver back, as they need the traffic.
 */
const faultPlan: readonly { readonly at: number; readonly paced: boolean; readonly run: () => Promise<void> }[] = [
  { at: 10, paced: true, run: () => inject('vault 429', 3, 1) },
  { at: 20, paced: true, run: () => inject('mail 500', 3) },
  { at: 30, paced: true, run: () => inject('mail hang', 1) },
  { at: 40, paced: true, run: () => inject('vault 503', 3) },
  { at: 50, paced: false, run: () => killDuringActivity(true) },
  { at: 65, paced: true, run: () => inject('mail 500', 3) },
  { at: 75, paced: true, run: () => inject('vault 429', 3, 1) },
  { at: 85, paced: false, run: azuriteOutage },
  { at: 100, paced: true, run: () => inject('vault 503', 3) },
  { at: 110, paced: true, run: () => inject('mail hang', 1) },
  { at: 125, paced: true, run: () => inject('mail 500', 2) },
  { at: 140, paced: false, run: () => killDuringActivity(false) },
  { at: 155, paced: true, run: () => inject('vault 429', 2, 1) },
  { at: 165, paced: true, run: () => inject('vault 503', 2) },
];
const planLag = 20;
let stepsDone = 0;

/** When each step ran (s into the run) and how long it took to be confirmed. */
const stepTimes: string[] = [];

async function runFaultPlan(began: number): Promise<void> {
  for (const step of faultPlan) {
    await waitFor(`${step.at} enrollments started`, () => (startedCount >= step.at ? true : undefined), {
      timeoutMs: 600_000,
      intervalMs: 50,
    });
    const from = Date.now();
    await step.run();
    stepTimes.push(`#${step.at} at ${seconds(from - began, 0)} s for ${seconds(Date.now() - from)} s`);
    stepsDone += 1;
  }
}

async function keepPaceWithFaults(enrollment: Enrollment): Promise<void> {
  await waitFor(
    `the fault plan to reach enrollment ${enrollment.index}`,
    () =>
      faultPlan.every((step, index) => index < stepsDone || !step.paced || step.at > enrollment.index - planLag)
        ? true
        : undefined,
    { timeoutMs: 600_000, intervalMs: 50 },
  );
}

// ---------------------------------------------------------------------------------------------------------------
// The secret scan.

interface Needles {
  /** Needle → whose it is and what, for the report (the value itself is never printed). */
  readonly passwords: Map<string, string>;
  readonly tokens: Map<string, string>;
  readonly codes: Map<string, string>;
}

/**
 * The needles in `text`, value → owner: passwords with whitespace removed and again with markup removed too (the
 * grouped forms: spaced in text, an element per group in a page; both passes, as a stray `<` in a body could swallow
 * one), tokens in any run of base64url characters, codes digit-bounded (timestamps and numbers are full of six-digit
 * stretches). Six digits inside a longer identifier (a UUID, a hex hash or version, a base64url token: 20 or more
 * letters, digits, `-` and `_`, letters among them) are that identifier's, not a code: with thousands of random
 * identifiers in the tables, one of them holds one of the codes as a digit-bounded run every few runs.
 */
function secretsIn(text: string, needles: Needles): Map<string, string> {
  const found = new Map<string, string>();
  const slide = (runs: RegExpMatchArray | null, width: number, table: Map<string, string>) => {
    for (const run of runs ?? []) {
      for (let offset = 0; offset + width <= run.length; offset += 1) {
        const value = run.slice(offset, offset + width);
        const owner = table.get(value);
        if (owner !== undefined) found.set(value, owner);
      }
    }
  };
  const compact = text.replace(/\s+/g, '');
  slide(compact.match(/[a-z]{16,}/g), 16, needles.passwords);
  slide(compact.replace(/<[^>]*>/g, '').match(/[a-z]{16,}/g), 16, needles.passwords);
  slide(text.match(/[A-Za-z0-9_-]{43,}/g), 43, needles.tokens);
  for (const match of text.matchAll(/(?<!\d)\d{6}(?!\d)/g)) {
    const owner = needles.codes.get(match[0]);
    if (owner === undefined) continue;
    const at = match.index;
    const before = /[A-Za-z0-9_-]*$/.exec(text.slice(Math.max(0, at - 64), at))?.[0] ?? '';
    const after = /^[A-Za-z0-9_-]*/.exec(text.slice(at + 6, at + 70))?.[0] ?? '';
    const identifier = `${before}${match[0]}${after}`;
    if (identifier.length >= 20 && /[A-Za-z]/.test(identifier)) continue;
    found.set(match[0], owner);
  }
  return found;
}

/** Where `value` is in `text`, with `value` itself masked, so a report can show it without repeating the secret. */
function contextOf(text: string, value: string): string {
  const at = text.indexOf(value);
  if (at < 0) return '(grouped)';
  return `…${text.slice(Math.max(0, at - 40), at)}<secret>${text.slice(at + value.length, at + value.length + 40)}…`
    .replace(/[A-Za-z0-9_-]{43}/g, '{token}')
    .replace(/\s+/g, ' ');
}

interface TableRow {
  readonly place: string;
  readonly text: string;
}

async function everyTableRow(connectionString: string): Promise<TableRow[]> {
  const service = TableServiceClient.fromConnectionString(connectionString, { allowInsecureConnection: true });
  const rows: TableRow[] = [];
  for await (const table of service.listTables()) {
    const name = table.name ?? '';
    const client = TableClient.fromConnectionString(connectionString, name, { allowInsecureConnection: true });
    for await (const entity of client.listEntities()) {
      rows.push({ place: `table ${name}, row ${entity.partitionKey}/${entity.rowKey}`, text: JSON.stringify(entity) });
    }
  }
  return rows;
}

/** Every file Azurite keeps (table, blob and queue stores, blob extents), as text. */
async function everyAzuriteFile(folder: string): Promise<{ files: number; text: string }> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  const texts: string[] = [];
  for (const entry of entries) {
    if (entry.isFile()) texts.push(await readFile(join(entry.parentPath, entry.name), 'latin1'));
  }
  return { files: texts.length, text: texts.join('\n') };
}

// ---------------------------------------------------------------------------------------------------------------

describe('fault-injection soak', () => {
  it('brings 200 enrollments to their final stage through vault, mail, storage and process faults, leaking nothing', async () => {
    const began = Date.now();
    const enrollments: Enrollment[] = Array.from({ length: enrollmentCount }, (_, index) => {
      const tag = `soak${String(index).padStart(3, '0')}`;
      const inviteEmail = `${tag}.invite@example.com`;
      const contactEmail = `${tag}.contact@example.org`;
      return {
        index,
        plan: planFor(index),
        employeeId: `S${String(index).padStart(3, '0')}`,
        body: {
          employeeId: `S${String(index).padStart(3, '0')}`,
          userPrincipalName: `${tag}@contoso.example`,
          displayName: `Soak ${index}`,
          inviteEmail,
          contact: { email: contactEmail },
          locale: index % 3 === 0 ? 'da' : 'en',
        },
        inviteEmail,
        contactEmail,
        codePosts: 0,
        trail: [],
      };
    });

    // Bounded concurrency: `concurrency` drivers take the next enrollment until none is left.
    const queue = [...enrollments];
    const drivers = Array.from({ length: concurrency }, async () => {
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
        await keepPaceWithFaults(next);
        driving.add(next);
        try {
          await drive(next);
        } catch (error) {
          next.problem = error instanceof Error ? error.message : String(error);
        } finally {
          driving.delete(next);
        }
      }
    });
    await Promise.all([...drivers, runFaultPlan(began)]);
    const driven = Date.now();
    // Soft expectations from here on: one run reports every kind of failure, and the summary line.
    expect
      .soft(
        enrollments
          .filter((enrollment) => enrollment.problem !== undefined)
          .map((enrollment) => `${enrollment.employeeId} (${enrollment.plan}): ${enrollment.problem ?? ''}`),
        'drivers that gave up',
      )
      .toEqual([]);
    const started = enrollments.filter((enrollment) => enrollment.id !== undefined);

    // Every instance finishes (the last expiries are due about 30 s after the last drive): none left behind.
    const terminal = new Set(['Completed', 'Failed', 'Terminated']);
    const ids = new Set(started.map(idOf));
    let instances: { instanceId: string; runtimeStatus: string; stage: string | null }[] = [];
    const openInstances = () =>
      instances.filter((instance) => ids.has(instance.instanceId) && !terminal.has(instance.runtimeStatus));
    await retrying(
      'every instance to finish',
      async () => {
        const reply = ok(await http('console', '/_dev/api/instances'), 200);
        instances = (JSON.parse(reply.body) as { instances: typeof instances }).instances;
        return openInstances().length === 0 ? true : undefined;
      },
      180_000,
    ).catch(() => undefined);
    expect.soft(openInstances(), 'instances still Running or Pending').toEqual([]);
    expect
      .soft(
        instances.filter((instance) => instance.runtimeStatus !== 'Completed'),
        'instances that did not complete',
      )
      .toEqual([]);
    expect.soft(instances).toHaveLength(enrollmentCount);

    // Each enrollment at the final stage it was driven towards.
    const wrongStage: string[] = [];
    for (const enrollment of started) {
      const status = await retrying(`status of ${enrollment.employeeId}`, () => statusOf(idOf(enrollment)));
      enrollment.finalStage = status.stage;
      // A reveal cut off by a kill was claimed: the claim row is the truth, so it ends revealed all the same.
      const expected = finalStageOf[enrollment.plan];
      if (status.stage !== expected.stage || status.reason !== expected.reason) {
        wrongStage.push(`${enrollment.employeeId} (${enrollment.plan}): ${status.stage} ${status.reason ?? ''}`);
      }
    }
    expect.soft(wrongStage, 'enrollments at another final stage').toEqual([]);

    // Passwords: the one shown is the vault's value; every other minted one has been disabled; none was minted
    // before both facts were in, and no enrollment got two.
    const vaultProblems: string[] = [];
    for (const enrollment of started) {
      const name = `apppw-${idOf(enrollment)}`;
      if (enrollment.password !== undefined) {
        const value = (await vault.getSecret(name)).value;
        if (!/^[a-z]{16}$/.test(enrollment.password) || enrollment.password !== value) {
          vaultProblems.push(`${enrollment.employeeId}: the reveal showed another value than the vault holds`);
        }
        continue;
      }
      const read = await vault.getSecret(name).then(
        () => 200,
        (error: unknown) => (error as { statusCode?: number }).statusCode,
      );
      const minted = enrollment.plan !== 'cancelled-waiting' && enrollment.plan !== 'expired-verification';
      // A reveal cut off by a kill after its claim leaves the enrollment revealed and its secret enabled.
      const expected = !minted ? 404 : enrollment.finalStage === 'revealed' ? 200 : 403;
      if (read !== expected) {
        vaultProblems.push(`${enrollment.employeeId} (${enrollment.plan}): its secret answers ${String(read)}`);
      }
    }

    // E-mails: what each plan sends, plus at most one duplicate per kind, and that only where the at-least-once
    // contract allows one: the activity was cut off by a kill (the first copy before it, the second after the
    // restart) or its result could not be stored (the runtime logs the work item as failed).
    const allMail = (
      JSON.parse(ok(await http('mailbox', '/_dev/api/outbox?channel=email'), 200).body) as {
        messages: OutboxMessage[];
      }
    ).messages;
    const mailProblems: string[] = [];
    const duplicates: string[] = [];
    // A sink that showed a message before storing it could lose it in a kill, with the link or code the driver used.
    const mailKept = new Set(allMail.map((message) => message.id));
    const mailLost = [...mailSeen].filter((id) => !mailKept.has(id)).length;
    if (mailLost > 0) mailProblems.push(`${mailLost} mails the driver saw are gone from the outbox`);
    for (const enrollment of started) {
      const toEmployee = allMail.filter((message) => message.to.includes(enrollment.inviteEmail));
      const expected = mailsOf[enrollment.plan];
      for (const kind of mailKinds) {
        const copies = toEmployee.filter((message) => kindOf(message) === kind);
        const [min, max] = expected[kind];
        if (copies.length < min || copies.length > max + 1) {
          mailProblems.push(`${enrollment.employeeId}: ${copies.length} ${kind} mail(s), expected ${min}-${max}`);
        }
        if (copies.length === max + 1 && max > 0) {
          const first = Date.parse(copies[copies.length - 2]?.receivedAt ?? '');
          const again = Date.parse(copies[copies.length - 1]?.receivedAt ?? '');
          const kill = kills.find((k) => first <= k.from && again >= k.to);
          const storeFailed = logLines().some((line) =>
            line.includes(`work item activity for ${idOf(enrollment)} failed`),
          );
          const cause = kill !== undefined ? 'kill' : storeFailed ? 'result not stored' : undefined;
          duplicates.push(
            `${enrollment.employeeId} ${kind} (${cause ?? 'no cause'}, ${new Date(first).toISOString()} ` +
              `+${again - first} ms)`,
          );
          if (cause === undefined) {
            mailProblems.push(`${enrollment.employeeId}: a second ${kind} mail ${again - first} ms after the first`);
          }
        }
      }
      const codeMails = allMail.filter((message) => message.to.includes(enrollment.contactEmail));
      if (codeMails.length > enrollment.codePosts) {
        mailProblems.push(`${enrollment.employeeId}: ${codeMails.length} code mails for ${enrollment.codePosts} asks`);
      }
    }

    // Stop the runtime (its last log lines and the vault's file are then complete), read every table row through
    // Azurite's API, stop Azurite so that it writes everything out, and read its files.
    await devhost.stop();
    const vaultFile = JSON.parse(await readFile(join(devhost.dataDir, 'vault.json'), 'utf8')) as {
      secrets: { name: string; versions: { value: string }[] }[];
    };
    const tables = await everyTableRow(azurite.connectionString);
    await azurite.stop();
    const files = await everyAzuriteFile(azuriteDir);
    const log = devhost.output.join('');
    await mkdir(artifacts, { recursive: true });
    await writeFile(join(artifacts, 'runtime.log'), log);
    for (const secret of vaultFile.secrets) {
      if (secret.versions.length !== 1) vaultProblems.push(`${secret.name} has ${secret.versions.length} versions`);
    }

    // The secret scan. Needles: every value the vault holds, every link token in every mail, every session cookie,
    // every one-time code that was sent.
    const needles: Needles = { passwords: new Map(), tokens: new Map(), codes: new Map() };
    for (const secret of vaultFile.secrets) {
      for (const version of secret.versions) needles.passwords.set(version.value, `the value of ${secret.name}`);
    }
    for (const message of allMail) {
      for (const link of message.links) {
        const token = /\/[er]\/([A-Za-z0-9_-]{43})$/.exec(new URL(link).pathname)?.[1];
        if (token !== undefined) needles.tokens.set(token, `a link token sent to ${message.to.join(',')}`);
      }
      if (kindOf(message) === 'code')
        needles.codes.set(codeFrom(message.text), `a code sent to ${message.to.join(',')}`);
    }
    for (const token of sessionTokens) needles.tokens.set(token, 'a session cookie');

    const reveals = exchanges.filter((exchange) => exchange.kind === 'reveal');
    const scanned = exchanges.filter((exchange) => exchange.kind !== 'reveal' && exchange.kind !== 'mailbox');
    const leaks: string[] = [];
    const scan = (place: string, text: string) => {
      for (const [value, owner] of secretsIn(text, needles)) {
        leaks.push(`${owner} in ${place}: ${contextOf(text, value)}`);
      }
    };
    for (const row of tables) scan(row.place, row.text);
    scan('the Azurite files', files.text);
    scan('the runtime log', log);
    for (const exchange of scanned) {
      // A page may name its own link (its forms post back to it); any other token is a leak.
      const own = /^\/[er]\/([A-Za-z0-9_-]{43})/.exec(exchange.path)?.[1];
      const body = own === undefined ? exchange.body : exchange.body.replaceAll(own, '');
      scan(`the response to ${exchange.method} ${exchange.path.replace(/[A-Za-z0-9_-]{43}/g, '{token}')}`, body);
    }

    const outcomes = new Map<string, number>();
    for (const enrollment of enrollments) {
      const key = enrollment.revealLost === true ? `reveal cut off (${enrollment.finalStage ?? '?'})` : enrollment.plan;
      outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
    }
    const cutOffStarts = enrollments.filter((enrollment) => enrollment.startCutOff === true).length;
    const summary = [
      `soak: ${enrollmentCount} enrollments (${[...outcomes].map(([plan, count]) => `${count} ${plan}`).join(', ')}); ` +
        `faults ${[...injected].map(([name, count]) => `${name} ×${count}`).join(', ')}, ` +
        `Azurite down ${seconds(outage.downMs)} s, ${kills.length} kills; ${duplicates.length} duplicate e-mails; ` +
        `wall ${seconds(Date.now() - began, 0)} s`,
      `kills during: ${kills.map((kill) => kill.during).join(' | ')}; Azurite took ${seconds(outage.stoppingMs)} s ` +
        `to stop, the runtime showed the outage after ${seconds(outage.noticedAfterMs)} s, restarted at ` +
        `${seconds(outage.downMs)} s`,
      `duplicates: ${duplicates.join('; ') || 'none'}`,
      `starts cut off by a kill: ${cutOffStarts}; plan steps: ${stepTimes.join(', ')}`,
      `scanned ${tables.length} table rows, ${files.files} Azurite files, ${log.split('\n').length} log lines and ` +
        `${scanned.length} responses (driving took ${seconds(driven - began, 0)} s) for ` +
        `${needles.passwords.size} passwords, ${needles.tokens.size} link tokens and ${needles.codes.size} codes`,
    ];
    console.log(summary.join('\n  '));
    await writeFile(join(artifacts, 'summary.txt'), `${summary.join('\n')}\n`);

    expect.soft(unconfirmed, 'injected faults the app never met').toEqual([]);
    expect.soft(vaultProblems, 'vault').toEqual([]);
    expect.soft(mailProblems, 'e-mails beyond the at-least-once contract').toEqual([]);
    expect.soft(leaks, 'secrets outside the vault, the mailbox and the one reveal').toEqual([]);
    // The scan can fail: the mailbox holds every token and code, the reveal pages hold the passwords, each in its
    // grouped form.
    const mailbox = allMail.map((message) => `${message.text}\n${message.links.join('\n')}`).join('\n');
    expect.soft(secretsIn(mailbox, needles).size).toBe(needles.tokens.size - sessionTokens.size + needles.codes.size);
    const passwordsOnly: Needles = { passwords: needles.passwords, tokens: new Map(), codes: new Map() };
    const revealed = secretsIn(reveals.map((exchange) => exchange.body).join('\n'), passwordsOnly);
    expect.soft(revealed.size).toBe(reveals.length);
    expect.soft(reveals).toHaveLength(enrollments.filter((enrollment) => enrollment.password !== undefined).length);
    expect.soft(tables.length).toBeGreaterThan(enrollmentCount);
  });
});
