/**
 * Key Vault's service limits for secrets, per vault and region: 300 secret creations (sets of a new version) and 4,000
 * other transactions in any 10 seconds. Past a limit it answers 429 and does not process the request; requests answered
 * 429 do not count towards the limit (Key Vault docs: "Azure Key Vault service limits", "Azure Key Vault throttling
 * guidance"). The local vault enforces these, and the app paces itself by them.
 */
export interface KeyVaultLimits {
  /** Secret creations (a PUT that sets a new version) allowed in any window. */
  readonly secretWrites: number;
  /** Every other operation (reads, lists, updates, deletes) allowed in any window. */
  readonly otherOperations: number;
  /** Length of the sliding window, in milliseconds. */
  readonly windowMs: number;
}

export const keyVaultLimits: KeyVaultLimits = { secretWrites: 300, otherOperations: 4_000, windowMs: 10_000 };

/** The two budgets Key Vault counts secret operations against. */
export type KeyVaultBudget = 'secretWrites' | 'otherOperations';
