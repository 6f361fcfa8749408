import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTableClientFactory, encodeKey } from '../../adapters/tables/tableClients.js';
import { startTableFaultProxy, type TableFaultProxy } from '../helpers/tableFaultProxy.js';
import { startTestRuntime, type TestRuntime } from '../helpers/testRuntime.js';
import { waitFor } from '../helpers/waitFor.js';

/*
 * HR's start when the task hub's storage fails inside `startNew`: the task hub (and only it) behind a proxy that
 * faults chosen requests. A failed start is ambiguous, as in Azure: the start message may be sent and the instance
 * row not written. Whatever failed, HR's retried start gets one enrollment, with exactly one instance and one
 * invitation, and a start that left nothing behind leaves nothing half-written either.
 */

let runtime: TestRuntime;
let proxy: TableFaultProxy;
const hub = `Sf${Date.now().toString(36)}`;

beforeAll(async () => {
  proxy = await startTableFaultProxy(inject('azuriteConnectionString'));
  runtime = await startTestRuntime(
    { TASKHUB_NAME: hub, APP_TABLES: inject('azuriteConnectionString') },
    { storageConnectionString: proxy.connectionString },
  );
}, 60_000);

afterEach(() => {
  proxy.clear();
});

afterAll(async () => {
  await runtime.stop();
  await proxy.close();
});

/** The SDK's retries included: the client tries each request four times before the start gives up. */
const oneFailedWrite = 4;
/** `createEntity` of an instance row; `upsertEntity` of a work item (the start message). */
const instanceRowInserts = { method: 'POST', path: new RegExp(`/${hub}Instances(\\?|$)`) };
/**
 * Point reads of a new instance's row (the start's check for an existing instance, and the status): not the history
 * queries, nor the rows of the instances that exist now, whose episodes may still be running.
 */
async function newInstanceRowReads(): Promise<{ method: string; path: RegExp }> {
  const existing = (await runtime.taskHub.list()).map((instance) => encodeKey(instance.instanceId));
  return { method: 'GET', path: new RegExp(`/${hub}Instances\\(PartitionKey='(?!(${existing.join('|')})')`) };
}
const startMessageWrites = { method: 'PUT', path: new RegExp(`/${hub}Work\\(.*-start`) };

const request = (employeeId: string) => ({
  employeeId,
  userPrincipalName: `${employeeId.toLowerCase()}@contoso.dk`,
  displayName: 'Pia Winther',
  inviteEmail: `${employeeId.toLowerCase()}@example.com`,
  contact: { email: `${employeeId.toLowerCase()}.contact@example.com` },
  locale: 'en',
});

async function start(employeeId: string): Promise<{ status: number; id: string | undefined }> {
  const response = await runtime.api('/api/enrollments', { method: 'POST', json: request(employeeId) });
  const body = (await response.json()) as { id?: string };
  return { status: response.status, id: body.id };
}

async function instancesOf(employeeId: string): Promise<string[]> {
  return (await runtime.taskHub.list())
    .filter((instance) => (instance.input as { employeeId?: string } | null)?.employeeId === employeeId)
    .map((instance) => instance.instanceId);
}

const invitations = (employeeId: string) =>
  runtime.mail.messages().filter((message) => message.to.includes(`${employeeId.toLowerCase()}@example.com`));

/** HR's start, retried until it is accepted, as HR's client retries a 5xx. */
async function startUntilAccepted(employeeId: string): Promise<{ statuses: number[]; ids: string[] }> {
  const statuses: number[] = [];
  const ids: string[] = [];
  await waitFor(
    'an accepted start',
    async () => {
      const answer = await start(employeeId);
      statuses.push(answer.status);
      if (answer.id !== undefined) ids.push(answer.id);
      return answer.status === 202 || answer.status === 200 ? true : undefined;
    },
    { timeoutMs: 60_000 },
  );
  return { statuses, ids };
}

/** The one enrollment an employee's start produced: its instance runs and its one invitation goes out. */
async function expectOneEnrollment(employeeId: string, id: string): Promise<void> {
  await waitFor('the invitation', () => (invitations(employeeId).length > 0 ? true : undefined));
  expect(await instancesOf(employeeId)).toEqual([id]);
  expect((await runtime.taskHub.status(id))?.runtimeStatus).toBe('Running');
  const again = await start(employeeId);
  expect(again).toEqual({ status: 200, id });
  expect(invitations(employeeId)).toHaveLength(1);
}

describe('an HR start whose task hub write fails', () => {
  it('keeps the enrollment whose start message went out but whose instance row did not: it runs, once', async () => {
    // An answer the SDK does not retry, so the start fails at once, its message sent: a retried 503 would give the
    // message's episode time to write the row first, and the start would find it.
    proxy.inject(instanceRowInserts, 1, 'fail', 403);
    const { statuses, ids } = await startUntilAccepted('E7001');
    expect(proxy.faulted).toBe(1);
    expect(statuses).toEqual([202]);
    await expectOneEnrollment('E7001', ids[0] ?? '');
  }, 90_000);

  it('starts again under the same id when the start message was never sent', async () => {
    proxy.inject(startMessageWrites, oneFailedWrite);
    const { statuses, ids } = await startUntilAccepted('E7002');
    expect(proxy.faulted).toBe(oneFailedWrite);
    expect(statuses).toEqual([202]);
    await expectOneEnrollment('E7002', ids[0] ?? '');
  }, 90_000);

  it('leaves nothing half-written when no start got through; the retry starts one enrollment', async () => {
    proxy.inject(startMessageWrites, 2 * oneFailedWrite);
    const { statuses, ids } = await startUntilAccepted('E7003');
    expect(statuses[0]).toBe(500);
    expect(statuses.at(-1)).toBe(202);
    const tables = createTableClientFactory(
      { connectionString: inject('azuriteConnectionString') },
      { tablePrefix: runtime.settings['APP_TABLE_PREFIX'] },
    );
    // A 500 carries no id: the only id HR saw is the accepted one.
    expect(ids).toHaveLength(1);
    const accepted = ids.at(-1) ?? '';
    const records = await tables('Enrollments');
    const rows: string[] = [];
    for await (const row of records.listEntities()) {
      if (JSON.stringify(row).includes('E7003')) rows.push(String(row.rowKey));
    }
    // The accepted enrollment's record and the employee's claim; nothing of the start that failed.
    expect(rows.sort()).toEqual([encodeKey('E7003'), encodeKey(accepted)].sort());
    const labels: unknown[] = [];
    for await (const row of (await tables('AppPasswords')).listEntities()) {
      if (row.partitionKey === encodeKey('e7003@contoso.dk')) labels.push(row['enrollmentId']);
    }
    expect(labels).toEqual([accepted]);
    await expectOneEnrollment('E7003', accepted);
  }, 90_000);

  it('leaves what it wrote when it cannot tell whether the start landed; the retry starts it under the same id', async () => {
    // The start's check for an existing instance and the status asked afterwards both fail: it is HR's retry that
    // finds the record without an instance and starts it.
    proxy.inject(await newInstanceRowReads(), 2 * oneFailedWrite);
    const { statuses, ids } = await startUntilAccepted('E7004');
    expect(statuses).toEqual([500, 200]);
    expect(ids).toHaveLength(1);
    await expectOneEnrollment('E7004', ids[0] ?? '');
  }, 90_000);
});
