import { firstFreeLabel } from '../../core/appPasswordLabels.js';
import type { AppPasswordCredential, AppPasswordCredentialStore } from '../../core/ports.js';
import { problems } from '../../core/problem.js';

export type LabelOwner = Pick<AppPasswordCredential, 'enrollmentId' | 'requestFingerprint' | 'reservedAt'>;

export type LabelReservation =
  | { readonly outcome: 'reserved'; readonly label: string }
  | { readonly outcome: 'taken'; readonly credential: AppPasswordCredential };

export interface LabelRequest {
  readonly store: AppPasswordCredentialStore;
  readonly userPrincipalName: string;
  /** The label HR asked for; undefined for the first free `device-N`. */
  readonly requested: string | undefined;
  readonly owner: LabelOwner;
  readonly maxPerUser: number;
  /**
   * Whether a label's holder is gone without leaving a usable password: its enrollment ended unrevealed but has not
   * yet freed the label (HR may see the final stage a moment before that activity runs), or its start died.
   */
  readonly isAbandoned: (credential: AppPasswordCredential) => Promise<boolean>;
}

/**
 * Reserves the label a new app password is filed under: the one HR asked for, or else the first free `device-N`.
 * A requested label that is taken is returned as such, so the caller can tell a repeated request (same fingerprint)
 * from a clash; a full quota is a 409 with what to do about it. An abandoned label is freed and taken.
 */
export async function reserveLabel(request: LabelRequest): Promise<LabelReservation> {
  const { store, userPrincipalName, requested, owner, maxPerUser } = request;
  // Generated labels can collide with a concurrent request that picked the same free one, and an abandoned label is
  // freed first: either way, try again.
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const label =
      requested ?? firstFreeLabel((await store.list(userPrincipalName)).credentials.map((item) => item.label));
    const result = await store.reserve(userPrincipalName, { label, ...owner }, maxPerUser);
    if (result.outcome === 'reserved') return { outcome: 'reserved', label };
    if (result.outcome === 'limit-reached') {
      throw problems.conflict(
        `${userPrincipalName} already has ${maxPerUser} app passwords, the most allowed; revoke one first.`,
      );
    }
    if (requested === undefined) continue;
    if (!(await request.isAbandoned(result.credential))) return result;
    await store.remove(userPrincipalName, result.credential.label, result.credential.enrollmentId);
  }
  throw problems.conflict('The user’s app passwords changed while a label was chosen; retry the request.');
}

/** The 409 for a requested label that another request holds. */
export function labelTaken(userPrincipalName: string, label: string) {
  return problems.conflict(
    `${userPrincipalName} already has an app password labelled "${label}"; choose another deviceLabel or revoke that one first.`,
  );
}
