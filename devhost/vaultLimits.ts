import { keyVaultLimits, type KeyVaultBudget, type KeyVaultLimits } from '../core/keyVaultLimits.js';
import type { SlidingWindowLog } from '../core/slidingWindow.js';

/* How the local vault applies Key Vault's service limits (core/keyVaultLimits.ts) to the requests it receives. */

/** Key Vault's limits with `overrides` applied; refuses values that could not be a limit. */
export function vaultLimitsWith(overrides: Partial<KeyVaultLimits> = {}): KeyVaultLimits {
  const limits = { ...keyVaultLimits, ...overrides };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isInteger(value) || value < 1) throw new RangeError(`vault limit ${name} must be a positive integer`);
  }
  return limits;
}

/** Which budget a request counts against: secret creations have the small one. */
export function budgetOf(method: string, path: string): KeyVaultBudget {
  return method === 'PUT' && /^\/secrets\/[^/]+\/?$/.test(path) ? 'secretWrites' : 'otherOperations';
}

/** The answer to one request: let it through, or refuse it and say how long until one would be admitted. */
export type Admission = { readonly admitted: true } | { readonly admitted: false; readonly retryAfterMs: number };

/** Admits a request arriving at `now` if `budget` has room, and records it; a refused one is not recorded. */
export function admit(budget: SlidingWindowLog, now: number): Admission {
  const opening = budget.nextOpening(now);
  if (opening > now) return { admitted: false, retryAfterMs: opening - now };
  budget.record(now);
  return { admitted: true };
}
