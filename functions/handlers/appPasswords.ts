import { randomBytes } from 'node:crypto';
import type { HttpRequest, InvocationContext } from '@azure/functions';
import type { AppPasswordSummary, ReissueAccepted, VerifyResult } from '../../core/appPasswordApiSchemas.js';
import { decoyHashSalt, hashAppPassword, hashesEqual } from '../../core/appPasswordHash.js';
import { reissueRequestSchema, userPrincipalNameSchema, verifyRequestSchema } from '../../core/appPasswordRequests.js';
import type { Config } from '../../core/config.js';
import { ensureError } from '../../core/errors.js';
import { canonicalIpAddress } from '../../core/ipAddress.js';
import { fingerprintRequest, parseBody } from '../../core/enrollmentRequest.js';
import { enrollmentEvents, type EnrollmentInput } from '../../core/orchestrationContract.js';
import type {
  AppPasswordCredential,
  AppPasswordCredentialStore,
  AuditLog,
  EnrollmentInstances,
  EnrollmentRecord,
  EnrollmentStore,
  RateLimiter,
  Vault,
} from '../../core/ports.js';
import { problems } from '../../core/problem.js';
import { redact } from '../../core/redact.js';
import { takeSlots } from './attemptSlots.js';
import { isFinished, labelHolderGone, policyFromConfig, toStatusBody } from './hrApi.js';
import {
  clientAddress,
  jsonResponse,
  problemResponse,
  readJsonBody,
  requireUuidParam,
  withProblemDetails,
  type HttpHandler,
} from './http.js';
import { labelTaken, reserveLabel } from './labelReservation.js';

export interface AppPasswordApiDependencies {
  readonly config: Config;
  readonly credentials: () => Promise<AppPasswordCredentialStore>;
  readonly enrollments: () => Promise<EnrollmentStore>;
  readonly rateLimiter: () => Promise<RateLimiter>;
  readonly audit: () => Promise<AuditLog>;
  readonly vault: () => Promise<Vault>;
  readonly instances: (request: HttpRequest, context: InvocationContext) => EnrollmentInstances;
  readonly now: () => Date;
  readonly newId: () => string;
}

export interface AppPasswordApiHandlers {
  readonly verify: HttpHandler;
  readonly list: HttpHandler;
  readonly revoke: HttpHandler;
  readonly revokeAll: HttpHandler;
  readonly reissue: HttpHandler;
}

/** Audit subject for a user's credentials as a whole (verify failures have no enrollment of their own). */
export const userAuditSubject = (userPrincipalName: string) => `user:${userPrincipalName.toLowerCase()}`;

const isExpired = (credential: AppPasswordCredential, now: Date) =>
  credential.issued?.expiresAt != null && Date.parse(credential.issued.expiresAt) <= now.getTime();

/**
 * The machine-facing side of app passwords: the relying services' verify call, and HR's list, revoke and re-issue.
 * Verify reads Table Storage only (one partition), never Key Vault: Key Vault allows about 4,000 operations per 10 s
 * per vault, far below what an SMTP relay checking every login would need.
 */
export function createAppPasswordApiHandlers(deps: AppPasswordApiDependencies): AppPasswordApiHandlers {
  const statusUrl = (id: string) => `${deps.config.PUBLIC_BASE_URL}/api/enrollments/${id}`;

  const audit = async (subject: string, action: string, actor: string, detail?: string) => {
    await (
      await deps.audit()
    ).append({ enrollmentId: subject, at: deps.now().toISOString(), action, actor, ...(detail ? { detail } : {}) });
  };

  function requireUserParam(request: HttpRequest): string {
    const parsed = userPrincipalNameSchema.safeParse(request.params['upn'] ?? '');
    if (!parsed.success)
      throw problems.validation([{ pointer: '#/path/upn', detail: 'expected a user principal name' }]);
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
    if (status !== undefined && !isFinished(status)) {
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
    verify: withProblemDetails(async (request, context) => {
      const parsed = parseBody(verifyRequestSchema, await readJsonBody(request));
      if (!parsed.ok) throw problems.validation(parsed.errors);
      const { userPrincipalName, password } = parsed.value;
      const caller = clientAddress(request);
      // The end client as the relying service saw it; without it, the relying service itself stands in.
      const client =
        parsed.value.clientAddress === undefined
          ? caller
          : (canonicalIpAddress(parsed.value.clientAddress) ?? parsed.value.clientAddress);
      // Both slots are taken before any hashing, so racing guesses cannot outrun the count; keyed on the name as given,
      // so a refused name answers the same whether or not such a user exists.
      const slots = await takeSlots(await deps.rateLimiter(), deps.config.VERIFY_FAILURE_WINDOW, [
        [`verify-user:${userPrincipalName.toLowerCase()} from ${client}`, deps.config.VERIFY_MAX_FAILURES_PER_USER],
        [`verify-client:${client}`, deps.config.VERIFY_MAX_FAILURES_PER_CLIENT],
      ]);
      if (!slots.granted) {
        return problemResponse(problems.tooManyRequests('Too many failed attempts; try again later.').problem, {
          'Retry-After': String(Math.ceil(slots.retryAfterMs / 1000)),
        });
      }

      const { salt, credentials } = await (await deps.credentials()).list(userPrincipalName);
      // One scrypt whatever the user has (all of a user's hashes share the salt), and one for a user with none:
      // "no such user" and "wrong password" cost the same and answer the same.
      const presented = await hashAppPassword(password, salt ?? decoyHashSalt(userPrincipalName.toLowerCase()));
      const now = deps.now();
      let match: AppPasswordCredential | undefined;
      for (const credential of credentials) {
        const hash = credential.issued?.hash;
        // Every live hash is compared, without stopping at a match, so the time does not tell which one matched.
        if (hash !== undefined && !isExpired(credential, now) && hashesEqual(presented, hash)) match ??= credential;
      }
      if (match?.issued !== undefined) {
        // A right password is no failure: its slots go back. Should that fail, it counts as one, which errs safe.
        await slots.release().catch((error: unknown) => {
          context.warn(redact(`Verify slots not released: ${ensureError(error).message}`));
        });
        const valid: VerifyResult = { valid: true, deviceLabel: match.label, issuedAt: match.issued.issuedAt };
        return jsonResponse(200, valid);
      }
      await audit(
        userAuditSubject(userPrincipalName),
        'app-password-verify-failed',
        'relying-service',
        client === caller ? `client ${client}` : `client ${client} via ${caller}`,
      );
      const invalid: VerifyResult = { valid: false };
      return jsonResponse(200, invalid);
    }),

    list: withProblemDetails(async (request) => {
      const userPrincipalName = requireUserParam(request);
      const now = deps.now();
      const items = [...(await findCredentials(userPrincipalName))]
        .sort((a, b) => a.reservedAt.localeCompare(b.reservedAt))
        .map((credential) => summary(credential, now));
      return jsonResponse(200, { userPrincipalName, appPasswords: items });
    }),

    revoke: withProblemDetails(async (request, context) => {
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
    }),

    revokeAll: withProblemDetails(async (request, context) => {
      const userPrincipalName = requireUserParam(request);
      const revoked: string[] = [];
      for (const credential of await findCredentials(userPrincipalName)) {
        await revokeCredential(request, context, userPrincipalName, credential);
        revoked.push(credential.label);
      }
      return jsonResponse(200, { userPrincipalName, revoked });
    }),

    reissue: withProblemDetails(async (request, context) => {
      const sourceId = requireUuidParam(request, 'id');
      const parsed = parseBody(reissueRequestSchema, await readJsonBody(request));
      if (!parsed.ok) throw problems.validation(parsed.errors);
      const { deviceLabel } = parsed.value;
      const instances = deps.instances(request, context);
      const store = await deps.enrollments();
      const source = await store.get(sourceId);
      const sourceStatus = await instances.status(sourceId);
      if (source === undefined || sourceStatus === undefined)
        throw problems.notFound(`There is no enrollment ${sourceId}.`);
      const sourceBody = toStatusBody(sourceId, sourceStatus);
      if (!isFinished(sourceStatus) || !sourceBody.mfaRegistered || !sourceBody.contactVerified) {
        throw problems.conflict(
          `Enrollment ${sourceId} is ${sourceBody.stage}: another app password needs a finished enrollment in which ` +
            'the employee registered MFA and verified a contact.',
        );
      }

      const fingerprint = fingerprintRequest({ reissueOf: sourceId, deviceLabel });
      const id = deps.newId();
      const createdAt = deps.now().toISOString();
      const credentials = await deps.credentials();
      const reservation = await reserveLabel({
        store: credentials,
        userPrincipalName: source.userPrincipalName,
        requested: deviceLabel,
        owner: { enrollmentId: id, requestFingerprint: fingerprint, reservedAt: createdAt },
        maxPerUser: deps.config.MAX_APP_PASSWORDS_PER_USER,
        isAbandoned: labelHolderGone(instances, deps.now),
      });
      if (reservation.outcome === 'taken') {
        const { credential } = reservation;
        // The same request again (a retry after a lost answer): the same issuance, not a second password.
        if (credential.requestFingerprint !== fingerprint) throw labelTaken(source.userPrincipalName, credential.label);
        const existing = await instances.status(credential.enrollmentId);
        const stage = existing === undefined ? 'issuing' : toStatusBody(credential.enrollmentId, existing).stage;
        const same: ReissueAccepted = {
          id: credential.enrollmentId,
          deviceLabel: credential.label,
          stage,
          statusUrl: statusUrl(credential.enrollmentId),
        };
        return jsonResponse(200, same);
      }

      const { appPassword: _previous, ...inherited } = source;
      const record: EnrollmentRecord = {
        ...inherited,
        enrollmentId: id,
        deviceLabel: reservation.label,
        requestFingerprint: fingerprint,
        createdAt,
        pageSecret: randomBytes(32).toString('base64url'),
      };
      try {
        await store.save(record);
        const input: EnrollmentInput = {
          enrollmentId: id,
          employeeId: source.employeeId,
          policy: policyFromConfig(deps.config),
          reissueOf: sourceId,
          // The callback URL came along with the copied record.
          notifyHr: record.callbackUrl !== undefined,
        };
        await instances.start(id, input);
      } catch (error) {
        await store.delete(id).catch(() => undefined);
        await credentials.remove(source.userPrincipalName, reservation.label, id).catch(() => undefined);
        throw error;
      }
      await audit(sourceId, 'app-password-reissued', 'hr', `enrollment ${id}, label ${reservation.label}`);
      const accepted: ReissueAccepted = {
        id,
        deviceLabel: reservation.label,
        stage: 'issuing',
        statusUrl: statusUrl(id),
      };
      return jsonResponse(202, accepted, { Location: statusUrl(id) });
    }),
  };
}
