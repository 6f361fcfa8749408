import type { NotifyHrInput } from './orchestrationContract.js';
import type { EnrollmentRecord } from './ports.js';
import type { Stage } from './stages.js';

/** The Standard Webhooks event type of every HR callback. */
export const hrCallbackEventType = 'enrollment.stage-changed';

/**
 * The JSON body of one HR callback: the Standard Webhooks envelope (`type`, `timestamp`, `data`) around what the
 * status API shows of the enrollment at that stage. Built from the orchestration's payload and the record's employee
 * id only, so it cannot carry a password, a link token, a code or personal data beyond what HR sent.
 */
export interface HrCallbackEvent {
  readonly type: typeof hrCallbackEventType;
  /** When the stage changed (ISO 8601); the `webhook-timestamp` header is when this attempt was sent. */
  readonly timestamp: string;
  readonly data: {
    readonly id: string;
    readonly employeeId: string;
    readonly stage: Stage;
    readonly mfaRegistered: boolean;
    readonly contactVerified: boolean;
    readonly reason?: string;
    readonly invitationExpiresAt?: string;
    readonly retrievalExpiresAt?: string;
  };
}

export function hrCallbackEvent(record: Pick<EnrollmentRecord, 'employeeId'>, change: NotifyHrInput): HrCallbackEvent {
  return {
    type: hrCallbackEventType,
    timestamp: change.occurredAt,
    data: {
      id: change.enrollmentId,
      employeeId: record.employeeId,
      stage: change.stage,
      mfaRegistered: change.mfaRegistered,
      contactVerified: change.contactVerified,
      ...(change.reason === undefined ? {} : { reason: change.reason }),
      invitationExpiresAt: change.invitationExpiresAt,
      ...(change.retrievalExpiresAt === undefined ? {} : { retrievalExpiresAt: change.retrievalExpiresAt }),
    },
  };
}
