import * as z from 'zod/mini';
import { enrollmentIdSchema, instant, stageSchema } from './hrApiSchemas.js';
import type { NotifyHrInput } from './orchestrationContract.js';
import type { EnrollmentRecord } from './ports.js';

/** The Standard Webhooks event type of every HR callback. */
export const hrCallbackEventType = 'enrollment.stage-changed';

/**
 * The JSON body of one HR callback: the Standard Webhooks envelope (`type`, `timestamp`, `data`) around what the
 * status API shows of the enrollment at that stage. Built from the orchestration's payload and the record's employee
 * id only, so it cannot carry a password, a link token, a code or personal data beyond what HR sent. The schema is
 * also the OpenAPI document's description of the callback (core/openapi/document.ts).
 */
export const hrCallbackEventSchema = z.object({
  type: z.literal(hrCallbackEventType),
  timestamp: instant('When the stage changed; the webhook-timestamp header is when this attempt was sent.'),
  data: z.object({
    id: enrollmentIdSchema,
    employeeId: z.string(),
    stage: stageSchema,
    mfaRegistered: z.boolean(),
    contactVerified: z.boolean(),
    reason: z.optional(z.string()),
    invitationExpiresAt: z.optional(instant('Until when the invitation link works.')),
    retrievalExpiresAt: z.optional(instant('Until when the password can be revealed, once it is ready.')),
  }),
});

export type HrCallbackEvent = z.output<typeof hrCallbackEventSchema>;

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
