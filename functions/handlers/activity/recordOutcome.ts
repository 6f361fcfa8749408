import type { RecordOutcomeInput } from '../../../core/orchestrationContract.js';
import type { OrchestrationAudit } from './audit.js';
import type { ActivityDependencies } from '../activities.js';

export type RecordOutcomeDependencies = Pick<ActivityDependencies, 'enrollments' | 'revealClaims'>;

/** The enrollment's last word: its outcome audited, its label freed unless revealed, the employee free to start again. */
export function createRecordOutcome(
  deps: RecordOutcomeDependencies,
  audit: OrchestrationAudit,
  releaseLabel: (enrollmentId: string) => Promise<void>,
) {
  /** `version V claimed at T` for the outcome of a revealed enrollment, from its claim row. */
  async function revealDetail(enrollmentId: string): Promise<string | undefined> {
    const reference = (await (await deps.enrollments()).get(enrollmentId))?.appPassword;
    if (reference === undefined) return undefined;
    const claim = await (await deps.revealClaims()).find(enrollmentId, reference.version);
    return claim === undefined ? undefined : `version ${reference.version} claimed at ${claim.claimedAt}`;
  }

  return async (input: RecordOutcomeInput): Promise<null> => {
    // A revealed enrollment's entry says when the reveal was claimed: the page's own audit row is written after the
    // password is shown and may have been let go, this one is retried until it lands.
    const detail = input.stage === 'revealed' ? await revealDetail(input.enrollmentId) : input.reason;
    await audit(input.enrollmentId, `enrollment-${input.stage}`, detail);
    // Only a revealed password keeps its label; any other ending frees it for the next request.
    if (input.stage !== 'revealed') await releaseLabel(input.enrollmentId);
    // Frees the employee's slot so HR can start a new enrollment; only this enrollment's claim is released.
    await (await deps.enrollments()).releaseActive(input.employeeId, input.enrollmentId);
    return null;
  };
}
