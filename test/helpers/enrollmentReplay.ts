import {
  activityNames,
  enrollmentOrchestrationName,
  type EnrollmentInput,
  type SendEmailInput,
} from '../../core/orchestrationContract.js';
import type { OrchestratorHandler } from '../../devhost/durable/episode.js';
import { installFunctionsCore } from '../../devhost/functionsCore.js';
import type { OrchestrationDriver } from './orchestrationDriver.js';

/** The enrollment orchestrator's input and results for replays, with the production policy's waits. */

export const day = 86_400_000;
export const replayStart = new Date('2026-03-02T08:00:00.000Z');

export const replayInput: EnrollmentInput = {
  enrollmentId: '5a0c5f7e-3c1b-4a55-9d0e-6f1f2a7b9c10',
  employeeId: 'E12345',
  policy: {
    invitationValidForMs: 14 * day,
    reminderIntervalMs: 3 * day,
    maxReminders: 2,
    retrievalValidForMs: 7 * day,
    activityRetry: {
      firstRetryIntervalMs: 5_000,
      maxNumberOfAttempts: 3,
      backoffCoefficient: 2,
      maxRetryIntervalMs: 60_000,
    },
    callbackRetry: {
      firstRetryIntervalMs: 10_000,
      maxNumberOfAttempts: 3,
      backoffCoefficient: 2,
      maxRetryIntervalMs: 300_000,
    },
  },
  notifyHr: false,
};

/** What the mint activity returns: a reference, never the password. */
export const mintedReference = { ok: true, secretName: 'apppw-5a0c5f7e', version: 'a'.repeat(32), expiresOn: null };

/** The app's enrollment orchestrator, as its registration hands it to the runtime. */
export async function loadEnrollmentHandler(): Promise<OrchestratorHandler> {
  const registry = installFunctionsCore();
  await import('../../functions/enrollmentOrchestration.js');
  const registration = registry.get(enrollmentOrchestrationName);
  if (registration === undefined) throw new Error('The enrollment orchestration did not register');
  return registration.handler;
}

/** The kinds of e-mail the orchestrator asked for, in order. */
export const emailKinds = (driver: OrchestrationDriver) =>
  driver.scheduled
    .filter((work) => work.name === activityNames.sendEmail)
    .map((work) => (JSON.parse(work.input) as SendEmailInput).kind);
