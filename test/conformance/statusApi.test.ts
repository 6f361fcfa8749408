import type { OrchestrationContext } from 'durable-functions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerOrchestrator } from '../helpers/durableHarness.js';
import { OrchestrationDriver } from '../helpers/orchestrationDriver.js';
import { startTestRuntime, type TestRuntime } from '../helpers/testRuntime.js';
import { waitFor } from '../helpers/waitFor.js';

/*
 * Pins the extension's instance HTTP API (src/WebJobs.Extensions.DurableTask/HttpApiHandler.cs): status times as
 * `ToString("s") + "Z"` (ConvertFrom), and raise event's checks in order (HandleRaiseEventRequestAsync: 404, 410, then
 * "Only application/json request content is supported"); and the 16 KB custom status limit
 * (ContextImplementations/DurableOrchestrationContext.cs SetCustomStatus, MessagePayloadDataConverter.cs Serialize).
 */

const statusHandler = registerOrchestrator('ConformanceStatus', function* (context: OrchestrationContext) {
  const input = context.df.getInput<{ statusChars: number }>();
  context.df.setCustomStatus({ blob: 'x'.repeat(input.statusChars) });
  const value: unknown = yield context.df.waitForExternalEvent('Finish');
  return value;
});

let runtime: TestRuntime;

beforeAll(async () => {
  runtime = await startTestRuntime();
});

afterAll(async () => {
  await runtime.stop();
});

const instances = () => `${runtime.url}/runtime/webhooks/durabletask/instances`;

async function startInstance(statusChars = 1): Promise<string> {
  const response = await fetch(`${runtime.url}/runtime/webhooks/durabletask/orchestrators/ConformanceStatus`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ statusChars }),
  });
  expect(response.status).toBe(202);
  return ((await response.json()) as { id: string }).id;
}

async function raise(id: string, type: string | undefined, body = '"done"'): Promise<Response> {
  return fetch(`${instances()}/${id}/raiseEvent/Finish`, {
    method: 'POST',
    ...(type === undefined ? {} : { headers: { 'content-type': type } }),
    body,
  });
}

describe('the instance HTTP API', () => {
  it('reports created and last-updated times in whole seconds', async () => {
    const id = await startInstance();
    const status = await waitFor('the instance to run', async () => {
      const body = (await (await fetch(`${instances()}/${id}`)).json()) as Record<string, unknown>;
      return body['runtimeStatus'] === 'Running' ? body : undefined;
    });
    expect(status['createdTime']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(status['lastUpdatedTime']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('raises an event only with application/json, after the 404 and 410 answers', async () => {
    expect((await raise('no-such-instance', 'text/plain')).status).toBe(404);
    const id = await startInstance();
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', undefined]) {
      const refused = await raise(id, type);
      expect(refused.status, String(type)).toBe(400);
      expect(await refused.json()).toEqual({ Message: 'Only application/json request content is supported' });
    }
    expect((await raise(id, 'application/json', '{not json')).status).toBe(400);
    expect((await raise(id, 'application/json; charset=utf-8')).status).toBe(202);
    await waitFor('completion', async () => {
      const body = (await (await fetch(`${instances()}/${id}`)).json()) as Record<string, unknown>;
      return body['runtimeStatus'] === 'Completed' ? true : undefined;
    });
    expect((await raise(id, 'text/plain')).status).toBe(410);
  });
});

describe('custom status', () => {
  const run = async (statusChars: number) => {
    const driver = new OrchestrationDriver(statusHandler, 'ConformanceStatus', { statusChars }, new Date());
    await driver.start();
    return driver;
  };

  it('keeps a custom status of up to 16 KB of UTF-16 JSON', async () => {
    // {"blob":"x…"} is the repeat plus 11 characters: 8,703 characters are 17,406 bytes, 16 whole KB.
    const driver = await run(8_703 - 11);
    expect(driver.runtimeStatus).toBe('Running');
    expect(JSON.stringify(driver.customStatus)).toHaveLength(8_703);
  });

  it('fails the instance when the custom status is larger, keeping the status it had', async () => {
    const driver = await run(8_704 - 11);
    expect(driver.runtimeStatus).toBe('Failed');
    expect(driver.output).toBe(
      "Orchestrator function 'ConformanceStatus' failed: The UTF-16 size of the JSON-serialized payload must not " +
        'exceed 16 KB. The current payload size is 17 KB.',
    );
    expect(driver.customStatus).toBeNull();
  });
});
