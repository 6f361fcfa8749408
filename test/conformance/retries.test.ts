import * as df from 'durable-functions';
import type { OrchestrationContext } from 'durable-functions';
import { describe, expect, it } from 'vitest';
import { EventType } from '../../devhost/durable/history.js';
import { registerOrchestrator } from '../helpers/durableHarness.js';
import { OrchestrationDriver } from '../helpers/orchestrationDriver.js';

/*
 * Pins DTFx's retry interceptor (Azure/durabletask src/DurableTask.Core/RetryInterceptor.cs, Invoke): a timer of
 * firstRetryInterval × backoff^n (capped) after each failed attempt, and after the last attempt a timer that fires at
 * once ("Dummy timer for back-compat", commit 657586bc), so an exhausted activity fails without waiting another
 * interval. durable-functions waits for that timer too (src/task/RetryableTask.ts).
 */

const start = new Date('2026-05-04T09:00:00.000Z');

const withRetries = registerOrchestrator('ConformanceRetries', function* (context: OrchestrationContext) {
  const options = new df.RetryOptions(60_000, 3);
  options.backoffCoefficient = 2;
  try {
    const result: unknown = yield context.df.callActivityWithRetry('ConformanceFlaky', options, { n: 1 });
    return { result };
  } catch (error) {
    return { gaveUpAt: context.df.currentUtcDateTime.toISOString(), error: String(error).split('\n')[0] };
  }
});

const timersOf = (driver: OrchestrationDriver) =>
  driver.history
    .filter((event) => event.EventType === EventType.TimerCreated)
    .map((event) => Date.parse(event.FireAt ?? '') - Date.parse(event.Timestamp));

describe('activity retries, as DTFx runs them', () => {
  it('waits first interval × backoff^n between attempts, and goes on when an attempt succeeds', async () => {
    const driver = new OrchestrationDriver(withRetries, 'ConformanceRetries', null, start);
    await driver.start();
    await driver.failActivity('ConformanceFlaky', 'busy');
    await driver.fireNextTimer();
    await driver.failActivity('ConformanceFlaky', 'busy');
    await driver.fireNextTimer();
    expect(timersOf(driver)).toEqual([60_000, 120_000]);
    await driver.completeActivity('ConformanceFlaky', { ok: true });
    expect(driver.output).toEqual({ result: { ok: true } });
  });

  it('fails an exhausted activity at once: the timer after the last attempt fires immediately', async () => {
    const driver = new OrchestrationDriver(withRetries, 'ConformanceRetries', null, start);
    await driver.start();
    for (let attempt = 1; attempt < 3; attempt += 1) {
      await driver.failActivity('ConformanceFlaky', `busy ${attempt}`);
      await driver.fireNextTimer();
    }
    const lastFailure = driver.now.toISOString();
    await driver.failActivity('ConformanceFlaky', 'busy 3');
    expect(timersOf(driver)).toEqual([60_000, 120_000, 0]);
    expect(driver.timers.map((timer) => timer.fireAt)).toEqual([lastFailure]);
    await driver.fireNextTimer();
    expect(driver.runtimeStatus).toBe('Completed');
    expect(driver.output).toEqual({ gaveUpAt: lastFailure, error: 'Error: busy 3 ' });
  });
});
