import type { EnrollmentPolicy } from './orchestrationContract.js';

/** The next thing worth waking up for while the employee has not finished verifying. */
export interface VerificationWake {
  readonly fireAt: Date;
  readonly kind: 'reminder' | 'deadline';
}

export function addMilliseconds(instant: Date, ms: number): Date {
  return new Date(instant.getTime() + ms);
}

/**
 * Reminders go out at fixed offsets from the start (start + n × interval) rather than "interval after the last one",
 * so a slow activity never pushes the cadence, and none is sent at or after the deadline.
 */
export function planVerificationWake(
  startedAt: Date,
  policy: Pick<EnrollmentPolicy, 'invitationValidForMs' | 'reminderIntervalMs' | 'maxReminders'>,
  remindersSent: number,
): VerificationWake {
  const deadline = addMilliseconds(startedAt, policy.invitationValidForMs);
  if (remindersSent < policy.maxReminders && policy.reminderIntervalMs > 0) {
    const next = addMilliseconds(startedAt, (remindersSent + 1) * policy.reminderIntervalMs);
    if (next < deadline) return { fireAt: next, kind: 'reminder' };
  }
  return { fireAt: deadline, kind: 'deadline' };
}
