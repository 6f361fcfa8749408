import * as z from 'zod/mini';
import { PermanentError } from './errors.js';
import type { EnrollmentStatusBody } from './hrApiSchemas.js';
import type { InstanceStatus } from './ports.js';
import { isFinalStage, stages, type Stage } from './stages.js';

const flag = z.optional(z.boolean({ error: 'expected true or false' }));
const text = z.optional(z.string({ error: 'expected a string' }));

/**
 * The orchestration's custom status as the task hub hands it back: absent until the orchestrator first reports, and
 * written by older versions of it too, so every field is optional. A field of the wrong type is no such version: it is
 * refused, never guessed around.
 */
const progressSchema = z.nullish(
  z.object(
    {
      stage: z.optional(z.enum(stages, { error: `expected one of ${stages.join(', ')}` })),
      mfaRegistered: flag,
      contactVerified: flag,
      invitationExpiresAt: text,
      retrievalExpiresAt: text,
      reason: text,
    },
    { error: 'expected an object' },
  ),
);

/** The part of the orchestration's input the status shows. */
const inputSchema = z.nullish(z.object({ employeeId: text }, { error: 'expected an object' }));

function parsed<T>(id: string, what: string, schema: z.ZodMiniType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => `${[what, ...issue.path].join('.')}: ${issue.message}`);
  throw new PermanentError(`Enrollment ${id} has a malformed orchestration status (${issues.join('; ')})`);
}

/**
 * The status API's view of an instance; the stage comes from the orchestration's custom status. Throws a
 * `PermanentError` naming the instance and the fields when the status is not one the orchestrator writes.
 */
export function toStatusBody(id: string, status: InstanceStatus): EnrollmentStatusBody {
  const progress = parsed(id, 'customStatus', progressSchema, status.customStatus) ?? undefined;
  const input = parsed(id, 'input', inputSchema, status.input) ?? undefined;
  let stage: Stage = progress?.stage ?? 'invited';
  if (status.runtimeStatus === 'Failed') stage = 'failed';
  if (status.runtimeStatus === 'Terminated') stage = 'cancelled';
  return {
    id,
    employeeId: input?.employeeId ?? '',
    stage,
    mfaRegistered: progress?.mfaRegistered ?? false,
    contactVerified: progress?.contactVerified ?? false,
    createdAt: status.createdAt,
    updatedAt: status.updatedAt,
    ...(progress?.invitationExpiresAt === undefined ? {} : { invitationExpiresAt: progress.invitationExpiresAt }),
    ...(progress?.retrievalExpiresAt === undefined ? {} : { retrievalExpiresAt: progress.retrievalExpiresAt }),
    ...(progress?.reason === undefined ? {} : { reason: progress.reason }),
  };
}

/** Whether the instance has ended: by the runtime's word, or by a final stage in its custom status. */
export const isFinished = (id: string, status: InstanceStatus) =>
  status.runtimeStatus === 'Completed' ||
  status.runtimeStatus === 'Failed' ||
  status.runtimeStatus === 'Terminated' ||
  isFinalStage(toStatusBody(id, status).stage);
