import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { codeFrom, csrfOf, EmployeeAgent, revealedPassword } from '../helpers/employeeBrowser.js';
import { startCountingProxy, type CountingProxy } from '../helpers/countingProxy.js';
import { readyWithSession, revealedEnrollment, type ReadyEnrollment } from '../helpers/enrollmentJourney.js';
import { startTestRuntime, type TestRuntime } from '../helpers/testRuntime.js';
import { waitFor } from '../helpers/waitFor.js';

/*
 * How many storage and vault round trips one reveal makes, pinned, so that a change which adds one shows up here and
 * a change which removes some updates the numbers on purpose. Storage is counted by a pass-through proxy in front of
 * Azurite that the app's tables and the local runtime's task hub both go through; the vault by its own request log.
 * The task hub's worker is stopped while a reveal is measured, so that nothing else (the orchestration reacting to
 * the reveal, say) touches storage meanwhile; the reveal's own status reads and its event still go through the hub.
 */

/** The numbers pinned for one reveal: change them when a change to the reveal path means to. */
const pinned = {
  // The link-miss slot taken and given back, link, enrollment, session link, claim, audit; the status, and the event
  // (the Durable HTTP API reads the instance for its 404/410 answer, the task hub again as it delivers, and a queue
  // write); the vault GET.
  withSession: { appTables: 7, taskHub: 4, vault: 1 },
  // In place of the session link: the code read, its attempt counted before the comparison, the code deleted and the
  // comparison audited.
  withCode: { appTables: 10, taskHub: 4, vault: 1 },
};

let proxy: CountingProxy;
let runtime: TestRuntime;

beforeAll(async () => {
  const connectionString = inject('azuriteConnectionString');
  const tableEndpoint = /TableEndpoint=(http:\/\/[^/;]+)/.exec(connectionString)?.[1];
  if (tableEndpoint === undefined) throw new Error('no table endpoint in the Azurite connection string');
  proxy = await startCountingProxy(tableEndpoint);
  runtime = await startTestRuntime(
    {},
    { storageConnectionString: connectionString.replace(tableEndpoint, proxy.origin) },
  );
  // One whole journey first: each table is created on its first use, once per process, not once per reveal.
  await revealedEnrollment(runtime);
});

afterAll(async () => {
  await runtime.stop();
  await proxy.close();
});

interface RoundTrips {
  readonly appTables: number;
  readonly taskHub: number;
  readonly vault: number;
}

/** Runs `reveal` and counts the round trips made meanwhile, by kind, with the calls themselves for a failure's story. */
async function roundTripsOf(reveal: () => Promise<void>): Promise<{ counts: RoundTrips; calls: string[] }> {
  const storageBefore = proxy.requests.length;
  const vaultBefore = runtime.vault.requests.length;
  await reveal();
  const storage = proxy.requests.slice(storageBefore);
  const vault = runtime.vault.requests.slice(vaultBefore);
  const hub = runtime.settings['TASKHUB_NAME'] ?? '';
  const onHub = (path: string) => decodeURIComponent(path).includes(`/${hub}`);
  return {
    counts: {
      appTables: storage.filter((request) => !onHub(request.path)).length,
      taskHub: storage.filter((request) => onHub(request.path)).length,
      vault: vault.length,
    },
    calls: [
      ...storage.map((request) => `storage ${request.method} ${decodeURIComponent(request.path)}`),
      ...vault.map((request) => `vault ${request.method} ${request.path} ${request.status}`),
    ],
  };
}

describe('round trips of one reveal', () => {
  let withSession: ReadyEnrollment;
  let withCode: ReadyEnrollment;
  let codeAgent: EmployeeAgent;
  let codeForm: { csrf: string; code: string };

  beforeAll(async () => {
    withSession = await readyWithSession(runtime);
    withCode = await readyWithSession(runtime);
    // The second employee reveals from another browser, proving presence with a fresh code instead of the session.
    codeAgent = new EmployeeAgent(runtime.url);
    const csrf = csrfOf((await codeAgent.get(withCode.revealPath)).html);
    const contact = 'email' in withCode.contact ? withCode.contact.email : '';
    const sent = runtime.mail.messages().filter((message) => message.to.includes(contact)).length;
    await codeAgent.submit(`${withCode.revealPath}/code`, { csrf });
    const text = await waitFor(
      'the reveal code',
      () => runtime.mail.messages().filter((message) => message.to.includes(contact))[sent]?.text,
    );
    codeForm = { csrf, code: codeFrom(text) };
    // Quiet: the worker finishes what it is doing and takes no more work until the runtime stops.
    await runtime.taskHub.stop();
  });

  it('with the session cookie', async () => {
    const csrf = csrfOf((await withSession.agent.get(withSession.revealPath)).html);
    let password: string | undefined;

    const { counts, calls } = await roundTripsOf(async () => {
      password = revealedPassword((await withSession.agent.submit(`${withSession.revealPath}/reveal`, { csrf })).html);
    });

    expect(password).toMatch(/^[a-z]{16}$/);
    expect(counts, calls.join('\n')).toEqual(pinned.withSession);
  });

  it('with a code sent to the verified contact', async () => {
    let password: string | undefined;

    const { counts, calls } = await roundTripsOf(async () => {
      password = revealedPassword((await codeAgent.submit(`${withCode.revealPath}/reveal`, codeForm)).html);
    });

    expect(password).toMatch(/^[a-z]{16}$/);
    expect(counts, calls.join('\n')).toEqual(pinned.withCode);
  });
});
