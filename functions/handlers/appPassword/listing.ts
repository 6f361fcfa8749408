import type { HttpRequest, InvocationContext } from '@azure/functions';
import type { AppPasswordSummary } from '../../../core/appPasswordApiSchemas.js';
import { userPrincipalNameSchema } from '../../../core/appPasswordRequests.js';
import { isFinished } from '../../../core/enrollmentStatus.js';
import { enrollmentEvents } from '../../../core/orchestrationContract.js';
import type { AppPasswordCredential } from '../../../core/ports.js';
import { problems } from '../../../core/problem.js';
import { jsonResponse, type HttpHandler } from '../http.js';
import type { AppPasswordAudit } from './audit.js';
import type { AppPasswordApiDependencies } from '../appPasswords.js';

export const isExpired = (credential: AppPasswordCredential, now: Date) =>
  credential.issued?.expiresAt != null && Date.parse(credential.issued.expiresAt) <= now.getTime();

/** HR's view of a user's app passwords, and their revocation: one label, or all of them. */
export interface AppPasswordListing {
  readonly list: HttpHandler;
  readonly revoke: HttpHandler;
  readonly revokeAll: HttpHandler;
}

export type ListingDependencies = Pick<AppPasswordApiDependencies, 'credentials' | 'vault' | 'instances' | 'now'>;

function requireUserParam(request: HttpRequest): string {
  const parsed = userPrincipalNameSchema.safeParse(request.params['upn'] ?? '');
  if (!parsed.success) throw problems.validation([{ pointer: '#/path/upn', detail: 'expected a user principal name' }]);
  return parsed.data;
}

function summary(credential: AppPasswordCredential, now: Date): AppPasswordSummary {
  const { issued } = credential;
  return {
    label: credential.label,
    status: issued === undefined ? 'pending' : isExpired(credential, now) ? 'expired' : 'active',
    enrollmentId: credential.enrollmentId,
    reservedAt: credential.reservedAt,
    ...(issued === undefined ? {} : { issuedAt: issued.issuedAt, expiresAt: issued.expiresAt }),
  };
}

export function createAppPasswordListing(deps: ListingDependencies, audit: AppPasswordAudit): AppPasswordListing {
  /**
   * Revokes one label: a password still on its way is cancelled through its orchestration (which disables what it
   * minted), an issued one is disabled in the vault; the hash goes either way, so it stops verifying at once.
   */
  async function revokeCredential(
    request: HttpRequest,
    context: InvocationContext,
    userPrincipalName: string,
    credential: AppPasswordCredential,
  ): Promise<void> {
    const instances = deps.instances(request, context);
    const status = await instances.status(credential.enrollmentId);
    if (status !== undefined && !isFinished(credential.enrollmentId, status)) {
      await instances.raiseEvent(credential.enrollmentId, enrollmentEvents.cancelled);
    }
    if (credential.issued !== undefined) await (await deps.vault()).disableAppPassword(credential.issued);
    await (await deps.credentials()).remove(userPrincipalName, credential.label);
    await audit(credential.enrollmentId, 'app-password-revoked', 'hr', `label ${credential.label}`);
  }

  async function findCredentials(userPrincipalName: string): Promise<readonly AppPasswordCredential[]> {
    return (await (await deps.credentials()).list(userPrincipalName)).credentials;
  }

  return {
    list: async (request) => {
      const userPrincipalName = requireUserParam(request);
      const now = deps.now();
      const items = [...(await findCredentials(userPrincipalName))]
        .sort((a, b) => a.reservedAt.localeCompare(b.reservedAt))
        .map((credential) => summary(credential, now));
      return jsonResponse(200, { userPrincipalName, appPasswords: items });
    },

    revoke: async (request, context) => {
      const userPrincipalName = requireUserParam(request);
      const label = request.params['label'] ?? '';
      const credential = (await findCredentials(userPrincipalName)).find(
        (item) => item.label.toLowerCase() === label.toLowerCase(),
      );
      if (credential === undefined) {
        throw problems.notFound(`${userPrincipalName} has no app password labelled "${label}".`);
      }
      await revokeCredential(request, context, userPrincipalName, credential);
      return jsonResponse(200, { userPrincipalName, revoked: [credential.label] });
    },

    revokeAll: async (request, context) => {
      const userPrincipalName = requireUserParam(request);
      const revoked: string[] = [];
      for (const credential of await findCredentials(userPrincipalName)) {
        await revokeCredential(request, context, userPrincipalName, credential);
        revoked.push(credential.label);
      }
      return jsonResponse(200, { userPrincipalName, revoked });
    },
  };
}
