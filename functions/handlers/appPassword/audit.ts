import type { AuditLog } from '../../../core/ports.js';

/** Audit subject for a user's credentials as a whole (verify failures have no enrollment of their own). */
export const userAuditSubject = (userPrincipalName: string) => `user:${userPrincipalName.toLowerCase()}`;

/** Appends one audit row, stamped now: the app-password API's callers are HR and the relying services. */
export type AppPasswordAudit = (subject: string, action: string, actor: string, detail?: string) => Promise<void>;

export function createAppPasswordAudit(deps: {
  readonly audit: () => Promise<AuditLog>;
  readonly now: () => Date;
}): AppPasswordAudit {
  return async (subject, action, actor, detail) => {
    await (
      await deps.audit()
    ).append({ enrollmentId: subject, at: deps.now().toISOString(), action, actor, ...(detail ? { detail } : {}) });
  };
}
