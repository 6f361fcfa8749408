import type { OrchestrationContext } from 'durable-functions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerOrchestrator } from '../helpers/durableHarness.js';
import { OrchestrationDriver } from '../helpers/orchestrationDriver.js';
import { startTestRuntime, type TestRuntime } from '../helpers/testRuntime.js';

/*
 * What the local runtime does not do, and says so instead of behaving differently from Azure in silence: the actions
 * it does not run (the extension runs them, Listener/OutOfProcOrchestrationShim.cs InvokeAPIFromAction) fail the
 * instance naming the action, and the instance operations it does not serve (HttpApiHandler.cs) answer 501. The app
 * uses none of them; devhost/README.md lists them.
 */

const subOrchestration = registerOrchestrator('ConformanceSubOrchestration', function* (context: OrchestrationContext) {
  const result: unknown = yield context.df.callSubOrchestrator('ConformanceChild', { n: 1 });
  return result;
});

describe('what the local runtime does not run', () => {
  it('fails an instance that calls a sub-orchestration, naming the action', async () => {
    const driver = new OrchestrationDriver(subOrchestration, 'ConformanceSubOrchestration', null, new Date());
    await driver.start();
    expect(driver.runtimeStatus).toBe('Failed');
    expect(driver.output).toBe('The local runtime does not support CallSubOrchestrator (see devhost/README.md)');
  });

  describe('instance operations', () => {
    let runtime: TestRuntime;

    beforeAll(async () => {
      runtime = await startTestRuntime();
    });

    afterAll(async () => {
      await runtime.stop();
    });

    it.each(['suspend', 'resume', 'rewind', 'restart'])('answers %s with 501 and says why', async (operation) => {
      const response = await fetch(`${runtime.url}/runtime/webhooks/durabletask/instances/any-id/${operation}`, {
        method: 'POST',
      });
      expect(response.status).toBe(501);
      expect(((await response.json()) as { Message: string }).Message).toContain('devhost/README.md');
    });
  });
});
