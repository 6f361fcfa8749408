import { odata, TableClient } from '@azure/data-tables';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTableAuditLog } from '../../adapters/tables/auditLog.js';
import { createTableOneTimeCodeStore } from '../../adapters/tables/oneTimeCodeStore.js';
import { createTableClientFactory } from '../../adapters/tables/tableClients.js';
import { codeFrom, csrfOf, EmployeeAgent, revealedPassword } from '../helpers/employeeBrowser.js';
import { startCountingProxy, type CountingProxy } from '../helpers/countingProxy.js';
import { readyWithSession, revealedEnrollment, type ReadyEnrollment } from '../helpers/enrollmentJourney.js';
import { startTestRuntime, type TestRuntime } from '../helpers/testRuntime.js';
import { waitFor } from '../helpers/waitFor.js';

/*
 * How many storage and vault round trips one reveal makes, pinned, so that a change which adds one shows up here and
 * a change which removes some updates the numbers on purpose. Storage is counted by a pass-through proxy in front of
 * Azurite that the app's tables and the local runtime's task hub both go through; the vault by its own request log.
 * The count includes the work a reveal hands off to after its answer (audit, event, the slot given back): the test
 * waits for its effects, read from Azurite directly, past the proxy. That the answer does not wait for that work is
 * revealFaults.test.ts's to show. The task hub's worker is stopped while a reveal is measured, so that nothing else
 * (the orchestration reacting to the reveal, say) touches storage meanwhile; the reveal's event still reaches the hub.
 */

/** The numbers pinned for one reveal: change them when a change to the reveal path means to. */
const pinned = {
  // The ready link's row carries what the reveal needs, so neither the enrollment record nor the orchestration's
  // status is read. Before the answer: the link-miss slot, the link with the session link beside it, the claim, and
  // the vault GET. After it: the slot given back, the audit row, the event (the Durable HTTP API reads the instance for its 404/410 answer, the task hub again as it delivers, and a queue write).
  withSession: { appTables: 6, taskHub: 3, vault: 1 },
  // In place of the session link, before the answer: the code read and its attempt counted before the comparison.
  // After it, the spent code is deleted too, and its comparison audited with the reveal in one transaction.
  withCode: { appTables: 8, taskHub: 3, vault: 1 },
  // The reveal page a reveal follows: the slot, the link with the session link beside it, then the claim (is it
  // taken?) and the code (was one sent?) together; the slot given back after the answer.
  page: { appTables: 6, taskHub: 0, vault: 0 },
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

/** Azurite as it is, past the proxy: how the test learns that the follow-up work has landed. */
function direct() {
  const connectionString = inject('azuriteConnectionString');
  const prefix = runtime.settings['APP_TABLE_PREFIX'] ?? '';
  const tables = createTableClientFactory({ connectionString }, { tablePrefix: prefix });
  const table = (name: string) =>
    TableClient.fromConnectionString(connectionString, name, { allowInsecureConnection: true });
  return {
    audit: createTableAuditLog(tables),
    codes: createTableOneTimeCodeStore(tables),
    /** Whether any link-miss slot is still held: every link that matched gives its slot back after the answer. */
    async slotsHeld(): Promise<boolean> {
      for await (const row of table(`${prefix}RateLimits`).listEntities()) {
        if (row.partitionKey?.startsWith('link-miss')) return true;
      }
      return false;
    },
    /** Whether an event for the instance waits in the task hub's queue (its worker is stopped). */
    async eventQueued(id: string): Promise<boolean> {
      const work = table(`${runtime.settings['TASKHUB_NAME'] ?? ''}Work`).listEntities({
        queryOptions: { filter: odata`InstanceId eq ${id} and Kind eq ${'event'}` },
      });
      for await (const row of work) if (row.rowKey !== undefined) return true;
      return false;
    },
  };
}

const untilNoSlotHeld = () =>
  waitFor('every link-miss slot given back', async () => ((await direct().slotsHeld()) ? undefined : true));

/**
 * Runs `act` on a quiet runtime and counts the round trips made until `settled` says the work its answer handed off
 * is done; by kind, with the calls themselves (marked by whether they came before the answer) for a failure's story.
 */
async function roundTripsOf(
  act: () => Promise<void>,
  settled: () => Promise<boolean>,
): Promise<{ counts: RoundTrips; calls: string[] }> {
  await untilNoSlotHeld();
  const storageBefore = proxy.requests.length;
  const vaultBefore = runtime.vault.requests.length;
  await act();
  const storageAnswered = proxy.requests.length;
  await waitFor('the follow-up work', async () => ((await settled()) ? true : undefined));
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
      ...storage.map(
        (request, index) =>
          `${storageBefore + index < storageAnswered ? 'before' : 'after'} the answer: storage ${request.method} ` +
          decodeURIComponent(request.path),
      ),
      ...vault.map((request) => `vault ${request.method} ${request.path} ${request.status}`),
    ],
  };
}

/**
 * The work a reveal hands off is done: audited (a code's comparison with it, in one transaction), the event queued,
 * the slot back, and a code that opened it spent.
 */
function revealSettled(id: string): () => Promise<boolean> {
  return async () => {
    const tables = direct();
    const actions = (await tables.audit.list(id)).map((entry) => entry.action);
    return (
      actions.includes('app-password-revealed') &&
      (await tables.eventQueued(id)) &&
      !(await tables.slotsHeld()) &&
      (await tables.codes.get(id, 'reveal')) === undefined
    );
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

  it('of the reveal page, with the session cookie', async () => {
    let csrf: string | undefined;

    const { counts, calls } = await roundTripsOf(
      async () => {
        csrf = csrfOf((await withSession.agent.get(withSession.revealPath)).html);
      },
      async () => !(await direct().slotsHeld()),
    );

    expect(csrf).toBeDefined();
    expect(counts, calls.join('\n')).toEqual(pinned.page);
  });

  it('with the session cookie', async () => {
    const csrf = csrfOf((await withSession.agent.get(withSession.revealPath)).html);
    let password: string | undefined;

    const { counts, calls } = await roundTripsOf(async () => {
      password = revealedPassword((await withSession.agent.submit(`${withSession.revealPath}/reveal`, { csrf })).html);
    }, revealSettled(withSession.id));

    expect(password).toMatch(/^[a-z]{16}$/);
    expect(counts, calls.join('\n')).toEqual(pinned.withSession);
  });

  it('with a code sent to the verified contact', async () => {
    let password: string | undefined;

    const { counts, calls } = await roundTripsOf(async () => {
      password = revealedPassword((await codeAgent.submit(`${withCode.revealPath}/reveal`, codeForm)).html);
    }, revealSettled(withCode.id));

    expect(password).toMatch(/^[a-z]{16}$/);
    expect(counts, calls.join('\n')).toEqual(pinned.withCode);
  });
});
