import { firstFreeLabel } from '../../core/appPasswordLabels.js';
import type { AppPasswordCredential, AppPasswordCredentialStore } from '../../core/ports.js';
import { problems } from '../../core/problem.js';

export type LabelOwner = Pick<AppPasswordCredential, 'enrollmentId' | 'requestFingerprint' | 'reservedAt'>;

export type LabelReservation =
  | { readonly outcome: 'reserved'; readonly label: string }
  | { readonly outcome: 'taken'; readonly credential: AppPasswordCredential };

/**
 * Reserves the label a new app password is filed under: the one HR asked for, or else the first free `device-N`.
 * A requested label that is taken is returned as such, so the caller can tell a repeated request (same fingerprint)
 * from a clash; a full quota is a 409 with what to do about it.
 */
export async function reserveLabel(
  store: AppPasswordCredentialStore,
  userPrincipalName: string,
  requested: string | undefined,
  owner: LabelOwner,
  maxPerUser: number,
): Promise<LabelReservation> {
  // Generated labels can collide with a concurrent request that picked the same free one: pick again.
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
    if (requested !== undefined) return result;
  }
  throw problems.conflict('The user’s app passwords changed while a label was chosen; retry the request.');
}

/** The 409 for a requested label that another request holds. */
export function labelTaken(userPrincipalName: string, label: string) {
  return problems.conflict(
    `${userPrincipalName} already has an app password labelled "${label}"; choose another deviceLabel or revoke that one first.`,
  );
}
