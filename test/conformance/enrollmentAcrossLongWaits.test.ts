import { beforeAll, describe, expect, it } from 'vitest';
import {
  activityNames,
  enrollmentEvents,
  enrollmentOrchestrationName,
  type EnrollmentProgress,
} from '../../core/orchestrationContract.js';
import type { OrchestratorHandler } from '../../devhost/durable/episode.js';
import { EventType } from '../../devhost/durable/history.js';
import {
  day,
  emailKinds,
  loadEnrollmentHandler,
  mintedReference,
  replayInput,
  replayStart,
} from '../helpers/enrollmentReplay.js';
import { OrchestrationDriver } from '../helpers/orchestrationDriver.js';

/*
 * The app's own enrollment orchestrator across the waits Azure splits (see longTimers.test.ts for the provider's
 * rules: extension DurableOrchestrationContext.cs CreateTimer<T>, Listener/OutOfProcOrchestrationShim.cs, DTFx
 * TaskOrchestrationContext.cs). With the production policy every enrollment waits 7 days for the reveal, and 8 days
 * for the verification deadline after the second reminder; the employee's reveal, HR's cancel or a verification can
 * come at any step of those waits. orchestrations/raceWithTimer.ts waits in steps of ordinary timers, so each race
 * ends cleanly; with one long timer the same races fail the instance or leave it waiting for ever.
 */

const start = replayStart;
const at = (days: number) => new Date(start.getTime() + days * day).toISOString();

let handler: OrchestratorHandler;

beforeAll(async () => {
  handler = await loadEnrollmentHandler();
});

const stage = (driver: OrchestrationDriver) => (driver.customStatus as EnrollmentProgress).stage;
/** Every timer in history, as days from its creation to when it fires. */
const timerDays = (driver: OrchestrationDriver) =>
  driver.history
    .filter((event) => event.EventType === EventType.TimerCreated)
    .map((event) => (Date.parse(event.FireAt ?? '') - Date.parse(event.Timestamp)) / day);

async function started(): Promise<OrchestrationDriver> {
  const driver = new OrchestrationDriver(handler, enrollmentOrchestrationName, replayInput, start);
  await driver.start();
  await driver.completeActivity(activityNames.sendEmail, { ok: true });
  return driver;
}

async function toIssuing(driver: OrchestrationDriver): Promise<void> {
  await driver.completeActivity(activityNames.mintAppPassword, mintedReference);
  await driver.completeActivity(activityNames.sendEmail, { ok: true });
  expect(stage(driver)).toBe('ready');
}

async function finish(driver: OrchestrationDriver, outcome: string, reason?: string): Promise<void> {
  await driver.completeActivity(activityNames.recordOutcome, null);
  expect(driver.runtimeStatus, String(driver.output)).toBe('Completed');
  expect(driver.output).toEqual({ stage: outcome, ...(reason === undefined ? {} : { reason }) });
  expect(Math.max(...timerDays(driver)), 'no timer over three days').toBeLessThanOrEqual(3);
}

describe('the enrollment orchestrator across the long-timer split', () => {
  it('ends as revealed when the reveal wins the retrieval race after a step of the 7-day wait', async () => {
    const driver = await started();
    await driver.raiseEvent(enrollmentEvents.mfaRegistered);
    await driver.raiseEvent(enrollmentEvents.contactVerified);
    await toIssuing(driver);
    expect(
      driver.timers.map((timer) => timer.fireAt),
      'the first step of the retrieval wait',
    ).toEqual([at(3)]);
    await driver.fireNextTimer();
    expect(driver.timers.map((timer) => timer.fireAt)).toEqual([at(6)]);
    driver.advance(day);
    await driver.raiseEvent(enrollmentEvents.passwordRevealed);
    await finish(driver, 'revealed');
    expect(driver.scheduled.map((work) => work.name)).not.toContain(activityNames.disableAppPassword);
  });

  it('disables the password when HR cancels after two steps of the retrieval wait', async () => {
    const driver = await started();
    await driver.raiseEvent(enrollmentEvents.mfaRegistered);
    await driver.raiseEvent(enrollmentEvents.contactVerified);
    await toIssuing(driver);
    await driver.fireTimersThrough(at(6));
    driver.advance(day / 2);
    await driver.raiseEvent(enrollmentEvents.cancelled);
    await driver.completeActivity(activityNames.disableAppPassword, { ok: true });
    await finish(driver, 'cancelled', 'cancelled-by-hr');
  });

  it('takes a verification that beats the deadline after one of its steps, then ignores the cancelled step', async () => {
    const driver = await started();
    for (const reminderDay of [3, 6]) {
      await driver.fireTimersThrough(at(reminderDay));
      await driver.completeActivity(activityNames.sendEmail, { ok: true });
    }
    expect(
      driver.timers.map((timer) => timer.fireAt),
      'the deadline, 8 days away, in steps',
    ).toEqual([at(9)]);
    await driver.fireNextTimer();
    driver.advance(day);
    await driver.raiseEvent(enrollmentEvents.mfaRegistered);
    expect(
      driver.timers.map((timer) => timer.fireAt),
      'a new step for the contact',
    ).toEqual([at(13)]);
    const stale = driver.queuedTimers.filter((timer) => !driver.timers.includes(timer)).map((timer) => timer.fireAt);
    expect(stale, 'the cancelled step still fires').toEqual([at(12)]);
    await driver.fireNextTimer();
    expect(driver.runtimeStatus).toBe('Running');
    driver.advance(day / 2);
    await driver.raiseEvent(enrollmentEvents.contactVerified);
    expect(stage(driver)).toBe('issuing');
    await toIssuing(driver);
    await driver.raiseEvent(enrollmentEvents.passwordRevealed);
    await finish(driver, 'revealed');
    expect(emailKinds(driver)).toEqual(['invitation', 'reminder', 'reminder', 'ready']);
  });

  it('expires at the deadline when only one verification came, after steps before and after it', async () => {
    const driver = await started();
    for (const reminderDay of [3, 6]) {
      await driver.fireTimersThrough(at(reminderDay));
      await driver.completeActivity(activityNames.sendEmail, { ok: true });
    }
    await driver.fireNextTimer();
    driver.advance(day);
    await driver.raiseEvent(enrollmentEvents.contactVerified);
    await driver.fireTimersThrough(at(14));
    expect(emailKinds(driver).at(-1)).toBe('expired');
    await driver.completeActivity(activityNames.sendEmail, { ok: true });
    await finish(driver, 'expired', 'verification-deadline');
  });
});
