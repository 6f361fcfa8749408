import { beforeAll, describe, expect, it } from 'vitest';
import type { OrchestratorHandler } from '../../devhost/durable/episode.js';
import {
  activityNames,
  enrollmentEvents,
  enrollmentOrchestrationName,
  type EnrollmentInput,
  type EnrollmentProgress,
  type NotifyHrInput,
} from '../../core/orchestrationContract.js';
import {
  emailKinds,
  loadEnrollmentHandler,
  mintedReference,
  replayInput,
  replayStart,
} from '../helpers/enrollmentReplay.js';
import { OrchestrationDriver } from '../helpers/orchestrationDriver.js';

const start = replayStart;
const input = replayInput;
const reference = mintedReference;

let handler: OrchestratorHandler;

beforeAll(async () => {
  handler = await loadEnrollmentHandler();
});

async function started(): Promise<OrchestrationDriver> {
  const driver = new OrchestrationDriver(handler, enrollmentOrchestrationName, input, start);
  await driver.start();
  await driver.completeActivity(activityNames.sendEmail, { ok: true });
  return driver;
}

const progress = (driver: OrchestrationDriver) => driver.customStatus as EnrollmentProgress;
const scheduledNames = (driver: OrchestrationDriver) => driver.scheduled.map((work) => work.name);

async function readyDriver(): Promise<OrchestrationDriver> {
  const driver = await started();
  await driver.raiseEvent(enrollmentEvents.mfaRegistered);
  await driver.raiseEvent(enrollmentEvents.contactVerified);
  await driver.completeActivity(activityNames.mintAppPassword, reference);
  await driver.completeActivity(activityNames.sendEmail, { ok: true });
  return driver;
}

async function expectOutcome(driver: OrchestrationDriver, stage: string, reason?: string): Promise<void> {
  const record = driver.pendingActivity(activityNames.recordOutcome);
  expect(record, 'recordOutcome is scheduled').toBeDefined();
  expect(JSON.parse(record?.input ?? '{}')).toEqual({
    enrollmentId: input.enrollmentId,
    employeeId: input.employeeId,
    stage,
    ...(reason === undefined ? {} : { reason }),
  });
  await driver.completeActivity(activityNames.recordOutcome, null);
  expect(driver.runtimeStatus).toBe('Completed');
  expect(driver.output).toEqual({ stage, ...(reason === undefined ? {} : { reason }) });
  expect(progress(driver).stage).toBe(stage);
  expect(driver.timers, 'no timer outlives the instance').toEqual([]);
}

describe('enrollment orchestration (replayed through durable-functions)', () => {
  it('sends the invitation first, with a link that expires at the invitation deadline', async () => {
    const driver = new OrchestrationDriver(handler, enrollmentOrchestrationName, input, start);
    await driver.start();
    expect(progress(driver)).toMatchObject({ stage: 'invited', mfaRegistered: false, contactVerified: false });
    expect(JSON.parse(driver.pendingActivity(activityNames.sendEmail)?.input ?? '{}')).toEqual({
      enrollmentId: input.enrollmentId,
      kind: 'invitation',
      linkExpiresAt: '2026-03-16T08:00:00.000Z',
    });
  });

  it('waits for MFA then the contact, then mints, announces and completes on reveal', async () => {
    const driver = await started();
    expect(driver.timers.map((t) => t.fireAt)).toEqual(['2026-03-05T08:00:00.000Z']);
    await driver.raiseEvent(enrollmentEvents.mfaRegistered);
    expect(progress(driver)).toMatchObject({
      stage: 'awaiting-verification',
      mfaRegistered: true,
      contactVerified: false,
    });
    expect(driver.pendingActivity(activityNames.mintAppPassword)).toBeUndefined();
    await driver.raiseEvent(enrollmentEvents.contactVerified);
    expect(progress(driver)).toMatchObject({ stage: 'issuing', mfaRegistered: true, contactVerified: true });
    expect(JSON.parse(driver.pendingActivity(activityNames.mintAppPassword)?.input ?? '{}')).toEqual({
      enrollmentId: input.enrollmentId,
    });
    expect(driver.timers, 'the verification timer was cancelled').toEqual([]);
    driver.advance(1_000);
    await driver.completeActivity(activityNames.mintAppPassword, reference);
    expect(JSON.parse(driver.pendingActivity(activityNames.sendEmail)?.input ?? '{}')).toMatchObject({
      kind: 'ready',
      linkExpiresAt: '2026-03-09T08:00:01.000Z',
    });
    await driver.completeActivity(activityNames.sendEmail, { ok: true });
    expect(progress(driver)).toMatchObject({ stage: 'ready', retrievalExpiresAt: '2026-03-09T08:00:01.000Z' });
    await driver.raiseEvent(enrollmentEvents.passwordRevealed);
    await expectOutcome(driver, 'revealed');
    expect(scheduledNames(driver)).not.toContain(activityNames.disableAppPassword);
  });

  it('accepts the two verifications in the other order', async () => {
    const driver = await started();
    await driver.raiseEvent(enrollmentEvents.contactVerified);
    expect(progress(driver)).toMatchObject({
      stage: 'awaiting-verification',
      mfaRegistered: false,
      contactVerified: true,
    });
    await driver.raiseEvent(enrollmentEvents.mfaRegistered);
    expect(driver.pendingActivity(activityNames.mintAppPassword)).toBeDefined();
  });

  it('ignores duplicate events: one mint, no error', async () => {
    const driver = await started();
    await driver.raiseEvent(enrollmentEvents.mfaRegistered);
    await driver.raiseEvent(enrollmentEvents.mfaRegistered);
    expect(driver.pendingActivity(activityNames.mintAppPassword)).toBeUndefined();
    await driver.raiseEvent(enrollmentEvents.contactVerified);
    await driver.raiseEvent(enrollmentEvents.contactVerified);
    await driver.raiseEvent(enrollmentEvents.mfaRegistered);
    expect(driver.runtimeStatus).toBe('Running');
    expect(scheduledNames(driver).filter((name) => name === activityNames.mintAppPassword)).toHaveLength(1);
  });

  it('sends reminders at the configured cadence, at most maxReminders, then expires at the deadline', async () => {
    const driver = await started();
    const first = await driver.fireNextTimer();
    expect(first.fireAt).toBe('2026-03-05T08:00:00.000Z');
    expect(JSON.parse(driver.pendingActivity(activityNames.sendEmail)?.input ?? '{}')).toMatchObject({
      kind: 'reminder',
      linkExpiresAt: '2026-03-16T08:00:00.000Z',
    });
    await driver.completeActivity(activityNames.sendEmail, { ok: true });
    expect(driver.timers.map((t) => t.fireAt)).toEqual(['2026-03-08T08:00:00.000Z']);
    await driver.fireNextTimer();
    await driver.completeActivity(activityNames.sendEmail, { ok: true });
    expect(
      driver.timers.map((t) => t.fireAt),
      'after two reminders only the deadline is left, waited for in steps of at most three days',
    ).toEqual(['2026-03-11T08:00:00.000Z']);
    await driver.raiseEvent(enrollmentEvents.mfaRegistered);
    expect(driver.timers.map((t) => t.fireAt)).toEqual(['2026-03-11T08:00:00.000Z']);
    const steps = await driver.fireTimersThrough('2026-03-16T08:00:00.000Z');
    expect(steps.map((t) => t.fireAt)).toEqual([
      '2026-03-11T08:00:00.000Z',
      '2026-03-14T08:00:00.000Z',
      '2026-03-16T08:00:00.000Z',
    ]);
    expect(emailKinds(driver)).toEqual(['invitation', 'reminder', 'reminder', 'expired']);
    await driver.completeActivity(activityNames.sendEmail, { ok: true });
    await expectOutcome(driver, 'expired', 'verification-deadline');
    expect(scheduledNames(driver)).not.toContain(activityNames.mintAppPassword);
  });

  it('cancels while waiting for both verifications', async () => {
    const driver = await started();
    await driver.raiseEvent(enrollmentEvents.cancelled);
    await expectOutcome(driver, 'cancelled', 'cancelled-by-hr');
    expect(scheduledNames(driver)).not.toContain(activityNames.mintAppPassword);
  });

  it('cancels while waiting for the contact after MFA', async () => {
    const driver = await started();
    await driver.raiseEvent(enrollmentEvents.mfaRegistered);
    await driver.raiseEvent(enrollmentEvents.cancelled);
    await expectOutcome(driver, 'cancelled', 'cancelled-by-hr');
    expect(scheduledNames(driver)).not.toContain(activityNames.mintAppPassword);
  });

  it('cancels while waiting for MFA after the contact', async () => {
    const driver = await started();
    await driver.raiseEvent(enrollmentEvents.contactVerified);
    await driver.raiseEvent(enrollmentEvents.cancelled);
    await expectOutcome(driver, 'cancelled', 'cancelled-by-hr');
  });

  it('retries a transiently failing mint with backoff and goes on when it succeeds', async () => {
    const driver = await started();
    await driver.raiseEvent(enrollmentEvents.mfaRegistered);
    await driver.raiseEvent(enrollmentEvents.contactVerified);
    await driver.failActivity(activityNames.mintAppPassword, 'Key Vault store failed (status 503)');
    expect(driver.pendingActivity(activityNames.mintAppPassword), 'no retry before the backoff').toBeUndefined();
    const retryTimer = await driver.fireNextTimer();
    expect(new Date(retryTimer.fireAt).getTime() - start.getTime()).toBe(5_000);
    await driver.failActivity(activityNames.mintAppPassword, 'Key Vault store failed (status 429)');
    const secondRetry = await driver.fireNextTimer();
    expect(new Date(secondRetry.fireAt).getTime() - start.getTime()).toBe(5_000 + 10_000);
    await driver.completeActivity(activityNames.mintAppPassword, reference);
    expect(progress(driver).stage, 'ready as soon as the password exists, before its mail').toBe('ready');
    expect(JSON.parse(driver.pendingActivity(activityNames.sendEmail)?.input ?? '{}')).toMatchObject({ kind: 'ready' });
    await driver.completeActivity(activityNames.sendEmail, { ok: true });
    expect(progress(driver).stage).toBe('ready');
  });

  it('fails the enrollment when the mint keeps failing after every retry', async () => {
    const driver = await started();
    await driver.raiseEvent(enrollmentEvents.mfaRegistered);
    await driver.raiseEvent(enrollmentEvents.contactVerified);
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      await driver.failActivity(activityNames.mintAppPassword, 'Key Vault store failed (status 503)');
      await driver.fireNextTimer();
    }
    await expectOutcome(driver, 'failed', 'mint-mintAppPassword-unavailable');
    expect(scheduledNames(driver).filter((name) => name === activityNames.mintAppPassword)).toHaveLength(3);
  });

  it('fails the enrollment at once when the mint reports a permanent failure', async () => {
    const driver = await started();
    await driver.raiseEvent(enrollmentEvents.mfaRegistered);
    await driver.raiseEvent(enrollmentEvents.contactVerified);
    await driver.completeActivity(activityNames.mintAppPassword, { ok: false, reason: 'vault-forbidden' });
    await expectOutcome(driver, 'failed', 'mint-vault-forbidden');
    expect(emailKinds(driver)).toEqual(['invitation']);
  });

  describe('when Key Vault throttles', () => {
    const throttled = (retryAfterMs?: number) => ({
      ok: false,
      reason: 'vault-throttled',
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    });
    const waitsOf = (driver: OrchestrationDriver, from: Date) =>
      driver.timers.map((t) => Date.parse(t.fireAt) - from.getTime());

    async function issuing(policy: Partial<EnrollmentInput['policy']> = {}): Promise<OrchestrationDriver> {
      const driver = new OrchestrationDriver(
        handler,
        enrollmentOrchestrationName,
        {
          ...input,
          policy: { ...input.policy, ...policy },
        },
        start,
      );
      await driver.start();
      await driver.completeActivity(activityNames.sendEmail, { ok: true });
      await driver.raiseEvent(enrollmentEvents.mfaRegistered);
      await driver.raiseEvent(enrollmentEvents.contactVerified);
      return driver;
    }

    it('waits on a durable timer as long as Key Vault asked, spread by up to the spread, then mints again', async () => {
      const driver = await issuing();
      await driver.completeActivity(activityNames.mintAppPassword, throttled(3_000));

      expect(driver.pendingActivity(activityNames.mintAppPassword), 'nothing before the wait').toBeUndefined();
      const [wait] = waitsOf(driver, driver.now);
      expect(wait).toBeGreaterThanOrEqual(3_000);
      expect(wait).toBeLessThan(3_000 + 10_000);
      expect(progress(driver).stage).toBe('issuing');
      await driver.fireNextTimer();
      await driver.completeActivity(activityNames.mintAppPassword, reference);
      expect(progress(driver).stage).toBe('ready');
    });

    it('never fails for it, however often, and spends no attempt of the retry policy', async () => {
      const driver = await issuing();
      // Three times the policy's three attempts, and a real failure after them still gets its full retries.
      for (let time = 0; time < 9; time += 1) {
        await driver.completeActivity(activityNames.mintAppPassword, throttled(1_000));
        await driver.fireNextTimer();
      }
      await driver.failActivity(activityNames.mintAppPassword, 'Key Vault store failed (status 503)');
      await driver.fireNextTimer();
      await driver.failActivity(activityNames.mintAppPassword, 'Key Vault store failed (status 503)');
      await driver.fireNextTimer();
      await driver.completeActivity(activityNames.mintAppPassword, reference);
      expect(progress(driver).stage).toBe('ready');
      expect(scheduledNames(driver).filter((name) => name === activityNames.mintAppPassword)).toHaveLength(12);
    });

    it('backs off 1, 2, 4, 8, then 16 s when Key Vault gave no Retry-After', async () => {
      const driver = await issuing({ vaultThrottleSpreadMs: 0 });
      const waits: number[] = [];
      for (let time = 0; time < 6; time += 1) {
        await driver.completeActivity(activityNames.mintAppPassword, throttled());
        waits.push(...waitsOf(driver, driver.now));
        await driver.fireNextTimer();
      }
      expect(waits).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 16_000]);
    });

    it('waits out a throttled disable at the retrieval deadline, then expires as usual', async () => {
      const driver = await readyDriver();
      await driver.fireTimersThrough('2026-03-09T08:00:00.000Z');
      await driver.completeActivity(activityNames.disableAppPassword, throttled(2_000));
      expect(driver.pendingActivity(activityNames.sendEmail), 'no expiry mail before the disable').toBeUndefined();
      await driver.fireNextTimer();
      await driver.completeActivity(activityNames.disableAppPassword, { ok: true });
      expect(emailKinds(driver).at(-1)).toBe('expired');
      await driver.completeActivity(activityNames.sendEmail, { ok: true });
      await expectOutcome(driver, 'expired', 'retrieval-deadline');
      expect(scheduledNames(driver).filter((name) => name === activityNames.disableAppPassword)).toHaveLength(2);
    });

    it('still disables what it mints when HR cancels during the wait', async () => {
      const driver = await issuing();
      await driver.completeActivity(activityNames.mintAppPassword, throttled(5_000));
      await driver.raiseEvent(enrollmentEvents.cancelled);
      await driver.fireNextTimer();
      await driver.completeActivity(activityNames.mintAppPassword, reference);
      await driver.completeActivity(activityNames.disableAppPassword, { ok: true });
      await expectOutcome(driver, 'cancelled', 'cancelled-by-hr');
      expect(emailKinds(driver)).toEqual(['invitation']);
    });
  });

  it('fails when the invitation cannot be delivered, without waiting for anything', async () => {
    const driver = new OrchestrationDriver(handler, enrollmentOrchestrationName, input, start);
    await driver.start();
    await driver.completeActivity(activityNames.sendEmail, { ok: false, reason: 'recipient-rejected' });
    await expectOutcome(driver, 'failed', 'invitation-recipient-rejected');
  });

  it('keeps the password revealable when the ready mail cannot be delivered, until the retrieval deadline', async () => {
    const driver = await started();
    await driver.raiseEvent(enrollmentEvents.mfaRegistered);
    await driver.raiseEvent(enrollmentEvents.contactVerified);
    await driver.completeActivity(activityNames.mintAppPassword, reference);
    await driver.completeActivity(activityNames.sendEmail, { ok: false, reason: 'recipient-rejected' });
    expect(progress(driver).stage).toBe('ready');
    expect(driver.pendingActivity(activityNames.disableAppPassword)).toBeUndefined();
    await driver.fireTimersThrough('2026-03-09T08:00:00.000Z');
    await driver.completeActivity(activityNames.disableAppPassword, { ok: true });
    await driver.completeActivity(activityNames.sendEmail, { ok: true });
    await expectOutcome(driver, 'expired', 'retrieval-deadline');
  });

  it('disables the secret when cancelled while the ready mail is being sent', async () => {
    const driver = await started();
    await driver.raiseEvent(enrollmentEvents.mfaRegistered);
    await driver.raiseEvent(enrollmentEvents.contactVerified);
    await driver.completeActivity(activityNames.mintAppPassword, reference);
    await driver.raiseEvent(enrollmentEvents.cancelled);
    await driver.completeActivity(activityNames.sendEmail, { ok: true });
    await driver.completeActivity(activityNames.disableAppPassword, { ok: true });
    await expectOutcome(driver, 'cancelled', 'cancelled-by-hr');
  });

  it('completes as revealed when the employee reveals while the ready mail is still being sent', async () => {
    const driver = await started();
    await driver.raiseEvent(enrollmentEvents.mfaRegistered);
    await driver.raiseEvent(enrollmentEvents.contactVerified);
    await driver.completeActivity(activityNames.mintAppPassword, reference);
    await driver.raiseEvent(enrollmentEvents.passwordRevealed);
    await driver.completeActivity(activityNames.sendEmail, { ok: false, reason: 'recipient-rejected' });
    await expectOutcome(driver, 'revealed');
    expect(scheduledNames(driver)).not.toContain(activityNames.disableAppPassword);
  });

  it('disables the secret and expires when the password is not revealed in time', async () => {
    const driver = await readyDriver();
    const steps = await driver.fireTimersThrough('2026-03-09T08:00:00.000Z');
    expect(
      steps.map((t) => t.fireAt),
      'seven days in steps of at most three',
    ).toEqual(['2026-03-05T08:00:00.000Z', '2026-03-08T08:00:00.000Z', '2026-03-09T08:00:00.000Z']);
    expect(
      driver.pendingActivity(activityNames.disableAppPassword),
      'the deadline disables the password',
    ).toBeDefined();
    expect(JSON.parse(driver.pendingActivity(activityNames.disableAppPassword)?.input ?? '{}')).toEqual({
      enrollmentId: input.enrollmentId,
      secretName: reference.secretName,
      version: reference.version,
    });
    await driver.completeActivity(activityNames.disableAppPassword, { ok: true });
    expect(emailKinds(driver).at(-1)).toBe('expired');
    await driver.completeActivity(activityNames.sendEmail, { ok: true });
    await expectOutcome(driver, 'expired', 'retrieval-deadline');
  });

  it('ends revealed, not expired, when the deadline finds the employee had claimed the reveal (its event lost)', async () => {
    const driver = await readyDriver();
    await driver.fireTimersThrough('2026-03-09T08:00:00.000Z');
    await driver.completeActivity(activityNames.disableAppPassword, { ok: true, revealed: true });
    expect(emailKinds(driver)).not.toContain('expired');
    await expectOutcome(driver, 'revealed');
  });

  it('ends revealed when a cancel finds the employee had claimed the reveal', async () => {
    const driver = await readyDriver();
    await driver.raiseEvent(enrollmentEvents.cancelled);
    await driver.completeActivity(activityNames.disableAppPassword, { ok: true, revealed: true });
    await expectOutcome(driver, 'revealed');
  });

  it('goes back to waiting for MFA when the mint finds none registered, then mints once MFA is reported again', async () => {
    const driver = await started();
    await driver.raiseEvent(enrollmentEvents.mfaRegistered);
    await driver.raiseEvent(enrollmentEvents.contactVerified);
    await driver.completeActivity(activityNames.mintAppPassword, { ok: false, reason: 'mfa-not-registered' });
    expect(progress(driver)).toMatchObject({
      stage: 'awaiting-verification',
      mfaRegistered: false,
      contactVerified: true,
    });
    expect(driver.runtimeStatus).toBe('Running');
    expect(driver.pendingActivity(activityNames.mintAppPassword)).toBeUndefined();
    // Still raced against the reminders and the invitation deadline.
    expect(driver.timers.map((timer) => timer.fireAt)).toEqual(['2026-03-05T08:00:00.000Z']);
    await driver.raiseEvent(enrollmentEvents.mfaRegistered);
    expect(progress(driver)).toMatchObject({ stage: 'issuing', mfaRegistered: true });
    expect(scheduledNames(driver).filter((name) => name === activityNames.mintAppPassword)).toHaveLength(2);
    await driver.completeActivity(activityNames.mintAppPassword, reference);
    await driver.completeActivity(activityNames.sendEmail, { ok: true });
    expect(progress(driver).stage).toBe('ready');
  });

  it('expires at the invitation deadline when MFA never comes back after a deferred mint', async () => {
    const driver = await started();
    await driver.raiseEvent(enrollmentEvents.contactVerified);
    await driver.raiseEvent(enrollmentEvents.mfaRegistered);
    await driver.completeActivity(activityNames.mintAppPassword, { ok: false, reason: 'mfa-not-registered' });
    await driver.fireNextTimer();
    await driver.completeActivity(activityNames.sendEmail, { ok: true });
    await driver.fireNextTimer();
    await driver.completeActivity(activityNames.sendEmail, { ok: true });
    await driver.fireTimersThrough('2026-03-16T08:00:00.000Z');
    await driver.completeActivity(activityNames.sendEmail, { ok: true });
    expect(emailKinds(driver)).toEqual(['invitation', 'reminder', 'reminder', 'expired']);
    await expectOutcome(driver, 'expired', 'verification-deadline');
  });

  it('completes as revealed and cancels the retrieval timer', async () => {
    const driver = await readyDriver();
    expect(driver.timers).toHaveLength(1);
    await driver.raiseEvent(enrollmentEvents.passwordRevealed);
    expect(driver.timers).toEqual([]);
    await expectOutcome(driver, 'revealed');
  });

  it('disables the secret when cancelled while the password waits to be revealed', async () => {
    const driver = await readyDriver();
    await driver.raiseEvent(enrollmentEvents.cancelled);
    await driver.completeActivity(activityNames.disableAppPassword, { ok: true });
    await expectOutcome(driver, 'cancelled', 'cancelled-by-hr');
  });

  it('disables the fresh secret when cancelled while it was being minted', async () => {
    const driver = await started();
    await driver.raiseEvent(enrollmentEvents.mfaRegistered);
    await driver.raiseEvent(enrollmentEvents.contactVerified);
    await driver.raiseEvent(enrollmentEvents.cancelled);
    await driver.completeActivity(activityNames.mintAppPassword, reference);
    expect(driver.pendingActivity(activityNames.disableAppPassword)).toBeDefined();
    await driver.completeActivity(activityNames.disableAppPassword, { ok: true });
    await expectOutcome(driver, 'cancelled', 'cancelled-by-hr');
    expect(emailKinds(driver)).toEqual(['invitation']);
  });

  it('re-issues without invitation or verification: mints at once and sends the ready link to the verified contact', async () => {
    const driver = new OrchestrationDriver(
      handler,
      enrollmentOrchestrationName,
      { ...input, reissueOf: '0b7c6f1e-1111-4a55-9d0e-6f1f2a7b9c10' },
      start,
    );
    await driver.start();
    expect(scheduledNames(driver)).toEqual([activityNames.mintAppPassword]);
    expect(progress(driver)).toMatchObject({ stage: 'issuing', mfaRegistered: true, contactVerified: true });
    await driver.completeActivity(activityNames.mintAppPassword, reference);
    const ready = driver.pendingActivity(activityNames.sendEmail);
    expect(JSON.parse(ready?.input ?? '{}')).toMatchObject({ kind: 'ready', recipient: 'contact' });
    await driver.completeActivity(activityNames.sendEmail, { ok: true });
    await driver.raiseEvent(enrollmentEvents.passwordRevealed);
    await expectOutcome(driver, 'revealed');
    expect(emailKinds(driver)).toEqual(['ready']);
  });

  it('sends an ordinary enrollment’s ready link to the invitation address (no recipient in history)', async () => {
    const driver = await readyDriver();
    const ready = driver.scheduled.filter((work) => work.name === activityNames.sendEmail).at(-1);
    expect(JSON.parse(ready?.input ?? '{}')).not.toHaveProperty('recipient');
  });

  it('never puts a secret-looking value in its custom status or actions', async () => {
    const driver = await readyDriver();
    const text = JSON.stringify(driver.history);
    expect(text).not.toMatch(/"value"/i);
    expect(Object.keys(progress(driver)).sort()).toEqual(
      ['contactVerified', 'invitationExpiresAt', 'mfaRegistered', 'retrievalExpiresAt', 'stage'].sort(),
    );
  });

  it('makes no callback call at all when HR asked for none', async () => {
    const driver = await readyDriver();
    await driver.raiseEvent(enrollmentEvents.passwordRevealed);
    await expectOutcome(driver, 'revealed');
    expect(scheduledNames(driver)).not.toContain(activityNames.notifyHr);
  });
});

describe('HR callbacks (notifyHr)', () => {
  const notifying: EnrollmentInput = { ...input, notifyHr: true };
  const eventId = (sequence: number) => `evt_${input.enrollmentId}_${sequence}`;

  async function notifyingStart(): Promise<OrchestrationDriver> {
    const driver = new OrchestrationDriver(handler, enrollmentOrchestrationName, notifying, start);
    await driver.start();
    driver.advance(2_000);
    await driver.completeActivity(activityNames.sendEmail, { ok: true });
    return driver;
  }

  const pendingNotify = (driver: OrchestrationDriver) => {
    const work = driver.pendingActivity(activityNames.notifyHr);
    return work === undefined ? undefined : (JSON.parse(work.input) as NotifyHrInput);
  };
  const notified = (driver: OrchestrationDriver) =>
    driver.scheduled
      .filter((work) => work.name === activityNames.notifyHr)
      .map((work) => JSON.parse(work.input) as NotifyHrInput);

  it('notifies every stage change in order, each with its own id and the time it happened', async () => {
    const driver = await notifyingStart();
    expect(pendingNotify(driver)).toEqual({
      enrollmentId: input.enrollmentId,
      eventId: eventId(1),
      occurredAt: '2026-03-02T08:00:02.000Z',
      stage: 'invited',
      mfaRegistered: false,
      contactVerified: false,
      invitationExpiresAt: '2026-03-16T08:00:00.000Z',
    });
    await driver.completeActivity(activityNames.notifyHr, { ok: true });

    driver.advance(60_000);
    await driver.raiseEvent(enrollmentEvents.mfaRegistered);
    expect(pendingNotify(driver)).toMatchObject({
      eventId: eventId(2),
      stage: 'awaiting-verification',
      mfaRegistered: true,
      contactVerified: false,
      occurredAt: '2026-03-02T08:01:02.000Z',
    });
    await driver.completeActivity(activityNames.notifyHr, { ok: true });

    driver.advance(60_000);
    await driver.raiseEvent(enrollmentEvents.contactVerified);
    expect(pendingNotify(driver), 'nothing between the verifications and the mint').toBeUndefined();
    expect(driver.pendingActivity(activityNames.mintAppPassword)).toBeDefined();
    driver.advance(1_000);
    await driver.completeActivity(activityNames.mintAppPassword, reference);
    expect(pendingNotify(driver), 'nothing before the ready mail').toBeUndefined();
    driver.advance(1_000);
    await driver.completeActivity(activityNames.sendEmail, { ok: true });
    expect(pendingNotify(driver)).toMatchObject({
      eventId: eventId(3),
      stage: 'issuing',
      occurredAt: '2026-03-02T08:02:02.000Z',
    });
    await driver.completeActivity(activityNames.notifyHr, { ok: true });
    expect(pendingNotify(driver)).toMatchObject({
      eventId: eventId(4),
      stage: 'ready',
      occurredAt: '2026-03-02T08:02:03.000Z',
      retrievalExpiresAt: '2026-03-09T08:02:03.000Z',
    });
    await driver.completeActivity(activityNames.notifyHr, { ok: true });

    await driver.raiseEvent(enrollmentEvents.passwordRevealed);
    expect(pendingNotify(driver), 'the outcome is recorded first').toBeUndefined();
    await driver.completeActivity(activityNames.recordOutcome, null);
    expect(pendingNotify(driver)).toMatchObject({ eventId: eventId(5), stage: 'revealed' });
    expect(driver.runtimeStatus).toBe('Running');
    await driver.completeActivity(activityNames.notifyHr, { ok: true });
    expect(driver.runtimeStatus).toBe('Completed');
    expect(driver.output).toEqual({ stage: 'revealed' });
    expect(notified(driver).map((event) => event.stage)).toEqual([
      'invited',
      'awaiting-verification',
      'issuing',
      'ready',
      'revealed',
    ]);
  });

  it('retries one event under the same id with the callback backoff, then goes on when retries run out', async () => {
    const driver = await notifyingStart();
    await driver.failActivity(activityNames.notifyHr, 'HR callback failed with HTTP 500');
    expect(pendingNotify(driver), 'no retry before the backoff').toBeUndefined();
    const first = await driver.fireNextTimer();
    expect(new Date(first.fireAt).getTime() - start.getTime()).toBe(2_000 + 10_000);
    expect(pendingNotify(driver)?.eventId).toBe(eventId(1));
    await driver.failActivity(activityNames.notifyHr, 'HR callback failed with HTTP 500');
    const second = await driver.fireNextTimer();
    expect(new Date(second.fireAt).getTime() - start.getTime()).toBe(2_000 + 10_000 + 20_000);
    await driver.failActivity(activityNames.notifyHr, 'HR callback failed with HTTP 500');
    // durable-functions still waits out the last backoff before it gives up (as with the mint above).
    await driver.fireNextTimer();
    expect(notified(driver).map((event) => event.eventId)).toEqual([eventId(1), eventId(1), eventId(1)]);

    expect(driver.runtimeStatus).toBe('Running');
    expect(
      driver.timers.map((t) => t.fireAt),
      'waiting for the employee again',
    ).toEqual(['2026-03-05T08:00:00.000Z']);
    await driver.raiseEvent(enrollmentEvents.cancelled);
    await driver.completeActivity(activityNames.recordOutcome, null);
    expect(pendingNotify(driver)).toMatchObject({ eventId: eventId(2), stage: 'cancelled', reason: 'cancelled-by-hr' });
    await driver.completeActivity(activityNames.notifyHr, { ok: false, reason: 'receiver-refused' });
    expect(driver.runtimeStatus).toBe('Completed');
    expect(driver.output).toEqual({ stage: 'cancelled', reason: 'cancelled-by-hr' });
  });

  it('tells HR about issuing and the failure when the mint fails, and nothing about an undelivered invitation', async () => {
    const driver = await notifyingStart();
    await driver.completeActivity(activityNames.notifyHr, { ok: true });
    await driver.raiseEvent(enrollmentEvents.contactVerified);
    await driver.completeActivity(activityNames.notifyHr, { ok: true });
    await driver.raiseEvent(enrollmentEvents.mfaRegistered);
    await driver.completeActivity(activityNames.mintAppPassword, { ok: false, reason: 'vault-forbidden' });
    await driver.completeActivity(activityNames.recordOutcome, null);
    await driver.completeActivity(activityNames.notifyHr, { ok: true });
    await driver.completeActivity(activityNames.notifyHr, { ok: true });
    expect(driver.runtimeStatus).toBe('Completed');
    expect(notified(driver).map((event) => [event.eventId, event.stage, event.reason])).toEqual([
      [eventId(1), 'invited', undefined],
      [eventId(2), 'awaiting-verification', undefined],
      [eventId(3), 'issuing', undefined],
      [eventId(4), 'failed', 'mint-vault-forbidden'],
    ]);

    const undelivered = new OrchestrationDriver(handler, enrollmentOrchestrationName, notifying, start);
    await undelivered.start();
    await undelivered.completeActivity(activityNames.sendEmail, { ok: false, reason: 'recipient-rejected' });
    await undelivered.completeActivity(activityNames.recordOutcome, null);
    expect(pendingNotify(undelivered)).toMatchObject({ eventId: eventId(1), stage: 'failed' });
  });

  it('puts nothing secret-looking in a callback payload', async () => {
    const driver = await notifyingStart();
    const payload = pendingNotify(driver) ?? {};
    expect(Object.keys(payload).sort()).toEqual(
      [
        'contactVerified',
        'enrollmentId',
        'eventId',
        'invitationExpiresAt',
        'mfaRegistered',
        'occurredAt',
        'stage',
      ].sort(),
    );
  });
});
