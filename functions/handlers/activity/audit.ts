import type { AuditLog } from '../../../core/ports.js';

/** Appends one audit row for an enrollment, with the orchestration as the actor. */
export type OrchestrationAudit = (enrollmentId: string, action: string, detail?: string) => Promise<void>;

export function createOrchestrationAudit(deps: {
  readonly audit: () => Promise<AuditLog>;
  readonly now: () => Date;
}): OrchestrationAudit {
  return async (enrollmentId, action, detail) => {
    await (
      await deps.audit()
    ).append({
      enrollmentId,
      at: deps.now().toISOString(),
      action,
      actor: 'orchestration',
      ...(detail ? { detail } : {}),
    });
  };
}
