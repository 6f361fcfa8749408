import type { InvocationContext } from '@azure/functions';
import { isPermanentError, isThrottledError } from '../../../core/errors.js';
import type { DisableInput, DisableResult } from '../../../core/orchestrationContract.js';
import type { RevealClaim } from '../../../core/ports.js';
import type { OrchestrationAudit } from './audit.js';
import { throttled } from './throttled.js';
import type { ActivityDependencies } from '../activities.js';

export type DisableDependencies = Pick<ActivityDependencies, 'vault' | 'revealClaims' | 'now'>;

/**
 * Disables an unrevealed password (at the retrieval deadline, or on a cancel) and takes its hash away with it, unless
 * the employee's claim on its reveal shows it was shown after all: then it stays.
 */
export function createDisableAppPassword(
  deps: DisableDependencies,
  audit: OrchestrationAudit,
  releaseLabel: (enrollmentId: string) => Promise<void>,
) {
  /**
   * Whether the employee took the reveal before the orchestration could: the claim row decides. The orchestration
   * takes it itself (insert-if-absent), so no reveal can start once this returns false, and one that was taken first
   * is never disabled behind the employee's back.
   */
  async function revealedFirst(input: DisableInput): Promise<boolean> {
    const claims = await deps.revealClaims();
    const ours: RevealClaim = {
      id: `orchestration:${input.enrollmentId}`,
      holder: 'orchestration',
      claimedAt: deps.now().toISOString(),
    };
    if (await claims.claim(input.enrollmentId, input.version, ours)) return false;
    const holder = (await claims.find(input.enrollmentId, input.version))?.holder;
    // Held by an earlier try of this activity (the claim is the orchestration's, whatever its time): disable.
    if (holder === 'orchestration') return false;
    if (holder === 'employee') return true;
    // Given back between the two calls (the employee's vault read failed): take it now.
    return !(await claims.claim(input.enrollmentId, input.version, ours));
  }

  return async (input: DisableInput, context: InvocationContext): Promise<DisableResult> => {
    if (await revealedFirst(input)) {
      await audit(input.enrollmentId, 'app-password-kept', `version ${input.version} was revealed`);
      return { ok: true, revealed: true };
    }
    try {
      await (await deps.vault()).disableAppPassword({ secretName: input.secretName, version: input.version });
    } catch (error) {
      if (isThrottledError(error)) return throttled(error, context);
      if (!isPermanentError(error)) throw error;
      await audit(input.enrollmentId, 'app-password-disable-refused', error.message);
      return { ok: false, reason: 'vault-refused' };
    }
    // The hash goes with it: a disabled password must never verify.
    await releaseLabel(input.enrollmentId);
    await audit(input.enrollmentId, 'app-password-disabled', `version ${input.version}`);
    return { ok: true, revealed: false };
  };
}
