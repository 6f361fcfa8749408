import { labelOf } from '../../../core/appPasswordLabels.js';
import type { AppPasswordCredentialStore, EnrollmentStore } from '../../../core/ports.js';

/** Frees the label of an enrollment that ended without a usable password (no-op when it was never reserved). */
export function createLabelRelease(deps: {
  readonly enrollments: () => Promise<EnrollmentStore>;
  readonly credentials: () => Promise<AppPasswordCredentialStore>;
}): (enrollmentId: string) => Promise<void> {
  return async (enrollmentId) => {
    const record = await (await deps.enrollments()).get(enrollmentId);
    if (record === undefined) return;
    await (await deps.credentials()).remove(record.userPrincipalName, labelOf(record), enrollmentId);
  };
}
