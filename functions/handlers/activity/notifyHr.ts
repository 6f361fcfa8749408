import { ensureError, isPermanentError } from '../../../core/errors.js';
import { hrCallbackEvent } from '../../../core/hrCallbackEvent.js';
import type { ActivityResult, NotifyHrInput } from '../../../core/orchestrationContract.js';
import type { OrchestrationAudit } from './audit.js';
import type { ActivityDependencies } from '../activities.js';

export type NotifyHrDependencies = Pick<ActivityDependencies, 'enrollments' | 'hrCallbacks'>;

/** POSTs one stage change to HR's callback URL; every attempt, failed or not, is audited. */
export function createNotifyHr(deps: NotifyHrDependencies, audit: OrchestrationAudit) {
  return async (input: NotifyHrInput): Promise<ActivityResult> => {
    const record = await (await deps.enrollments()).get(input.enrollmentId);
    if (record === undefined) return { ok: false, reason: 'enrollment-missing' };
    if (record.callbackUrl === undefined) return { ok: false, reason: 'no-callback-url' };
    const detail = `${input.eventId} ${input.stage}`;
    // The signing secret was removed after this enrollment started: nothing can be sent, and retrying will not help.
    if (deps.hrCallbacks === undefined) {
      await audit(record.enrollmentId, 'hr-callback-not-configured', detail);
      return { ok: false, reason: 'callbacks-not-configured' };
    }
    const body = JSON.stringify(hrCallbackEvent(record, input));
    try {
      await (await deps.hrCallbacks()).send({ url: record.callbackUrl, eventId: input.eventId, body });
    } catch (error) {
      const message = ensureError(error).message;
      if (isPermanentError(error)) {
        await audit(record.enrollmentId, 'hr-callback-refused', `${detail}: ${message}`);
        return { ok: false, reason: 'receiver-refused' };
      }
      // Every failed attempt is audited, so one that runs out of retries leaves its whole story behind.
      await audit(record.enrollmentId, 'hr-callback-failed', `${detail}: ${message}`);
      throw error;
    }
    await audit(record.enrollmentId, 'hr-callback-delivered', detail);
    return { ok: true };
  };
}
