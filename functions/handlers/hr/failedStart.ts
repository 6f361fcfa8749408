import type { EnrollmentInstances } from '../../../core/ports.js';

/** What a start that threw left behind: an instance (it landed after all), none, or no way to tell. */
export type FailedStartOutcome = 'started' | 'absent' | 'unknown';

async function instanceOutcome(instances: EnrollmentInstances, id: string): Promise<FailedStartOutcome> {
  try {
    return (await instances.status(id)) === undefined ? 'absent' : 'started';
  } catch {
    return 'unknown';
  }
}

/**
 * A start that threw is ambiguous: Azure Storage sends the ExecutionStarted message before it writes the instance row,
 * so a start whose answer was lost, or whose row write failed, may have an instance or one that runs later. An instance
 * that exists has started; one that does not is started again under the same id (a start of an instance that exists
 * by then fails, and the status answers for it); only an instance still absent after that is reported absent.
 */
export async function settleFailedStart(
  instances: EnrollmentInstances,
  id: string,
  input: unknown,
): Promise<FailedStartOutcome> {
  const outcome = await instanceOutcome(instances, id);
  if (outcome !== 'absent') return outcome;
  try {
    await instances.start(id, input);
    return 'started';
  } catch {
    return instanceOutcome(instances, id);
  }
}
