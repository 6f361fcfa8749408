import { randomBytes } from 'node:crypto';
import type { ReissueAccepted } from '../../../core/appPasswordApiSchemas.js';
import { reissueRequestSchema } from '../../../core/appPasswordRequests.js';
import { fingerprintRequest, parseBody } from '../../../core/enrollmentRequest.js';
import { isFinished, toStatusBody } from '../../../core/enrollmentStatus.js';
import type { EnrollmentInput } from '../../../core/orchestrationContract.js';
import type { EnrollmentInstances, EnrollmentRecord, EnrollmentStore } from '../../../core/ports.js';
import { problems } from '../../../core/problem.js';
import { labelHolderGone, policyFromConfig } from '../hr/startEnrollment.js';
import { jsonResponse, readJsonBody, requireUuidParam, type HttpHandler } from '../http.js';
import { labelTaken, reserveLabel } from '../labelReservation.js';
import type { AppPasswordAudit } from './audit.js';
import type { AppPasswordApiDependencies } from '../appPasswords.js';

export type ReissueDependencies = Pick<
  AppPasswordApiDependencies,
  'config' | 'credentials' | 'enrollments' | 'instances' | 'now' | 'newId'
>;

/**
 * HR asking for another app password on a finished enrollment in which the employee registered MFA and verified a
 * contact: a new enrollment that skips straight to minting, under its own device label. The same request again (a
 * retry after a lost answer) answers with the same issuance, not a second password.
 */
export function createReissueHandler(deps: ReissueDependencies, audit: AppPasswordAudit): HttpHandler {
  const statusUrl = (id: string) => `${deps.config.PUBLIC_BASE_URL}/api/enrollments/${id}`;

  /** The finished enrollment a re-issue copies; refused unless MFA and the contact were verified in it. */
  async function requireSource(instances: EnrollmentInstances, store: EnrollmentStore, sourceId: string) {
    const source = await store.get(sourceId);
    const sourceStatus = await instances.status(sourceId);
    if (source === undefined || sourceStatus === undefined)
      throw problems.notFound(`There is no enrollment ${sourceId}.`);
    const sourceBody = toStatusBody(sourceId, sourceStatus);
    if (!isFinished(sourceId, sourceStatus) || !sourceBody.mfaRegistered || !sourceBody.contactVerified) {
      throw problems.conflict(
        `Enrollment ${sourceId} is ${sourceBody.stage}: another app password needs a finished enrollment in which ` +
          'the employee registered MFA and verified a contact.',
      );
    }
    return source;
  }

  return async (request, context) => {
    const sourceId = requireUuidParam(request, 'id');
    const parsed = parseBody(reissueRequestSchema, await readJsonBody(request));
    if (!parsed.ok) throw problems.validation(parsed.errors);
    const { deviceLabel } = parsed.value;
    const instances = deps.instances(request, context);
    const store = await deps.enrollments();
    const source = await requireSource(instances, store, sourceId);

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
  };
}
