import { randomBytes } from 'node:crypto';
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { callbackAddressProblem, callbackUrlProblem } from '../../../core/callbackUrl.js';
import type { Config } from '../../../core/config.js';
import { fingerprintRequest, parseEnrollmentRequest, type EnrollmentRequest } from '../../../core/enrollmentRequest.js';
import { isFinished, toStatusBody } from '../../../core/enrollmentStatus.js';
import type { EnrollmentAcceptedBody } from '../../../core/hrApiSchemas.js';
import type { EnrollmentInput, EnrollmentPolicy } from '../../../core/orchestrationContract.js';
import type { AppPasswordCredential, EnrollmentInstances, EnrollmentStore } from '../../../core/ports.js';
import { problems } from '../../../core/problem.js';
import type { Stage } from '../../../core/stages.js';
import type { HrApiDependencies } from '../hrApi.js';
import { jsonResponse, readJsonBody, type HttpHandler } from '../http.js';
import { labelTaken, reserveLabel } from '../labelReservation.js';
import { settleFailedStart } from './failedStart.js';

/** A claim whose orchestration never appeared (the starter crashed in between) is taken over after this long. */
const orphanedClaimAfterMs = 2 * 60_000;

export function policyFromConfig(config: Config): EnrollmentPolicy {
  return {
    invitationValidForMs: config.INVITATION_VALID_FOR,
    reminderIntervalMs: config.REMINDER_INTERVAL,
    maxReminders: config.MAX_REMINDERS,
    retrievalValidForMs: config.RETRIEVAL_VALID_FOR,
    activityRetry: {
      firstRetryIntervalMs: config.ACTIVITY_RETRY_FIRST_INTERVAL,
      maxNumberOfAttempts: config.ACTIVITY_RETRY_MAX_ATTEMPTS,
      backoffCoefficient: 2,
      maxRetryIntervalMs: config.ACTIVITY_RETRY_MAX_INTERVAL,
    },
    callbackRetry: {
      firstRetryIntervalMs: config.CALLBACK_RETRY_FIRST_INTERVAL,
      maxNumberOfAttempts: config.CALLBACK_RETRY_MAX_ATTEMPTS,
      backoffCoefficient: 2,
      maxRetryIntervalMs: config.CALLBACK_RETRY_MAX_INTERVAL,
    },
    vaultThrottleSpreadMs: config.KEYVAULT_THROTTLE_SPREAD,
  };
}

/**
 * A label's holder is gone when its enrollment finished without a reveal (the label is freed by the enrollment's last
 * activity, which may still be running when HR sees the final stage), or when a reservation that never got a
 * password has no orchestration long after its start should have created one. An issued password is never taken
 * over just because its instance history was purged.
 */
export function labelHolderGone(instances: EnrollmentInstances, now: () => Date) {
  return async (credential: AppPasswordCredential): Promise<boolean> => {
    const status = await instances.status(credential.enrollmentId);
    if (status === undefined) {
      return (
        credential.issued === undefined && now().getTime() - Date.parse(credential.reservedAt) > orphanedClaimAfterMs
      );
    }
    return (
      isFinished(credential.enrollmentId, status) && toStatusBody(credential.enrollmentId, status).stage !== 'revealed'
    );
  };
}

/**
 * HR's start: idempotent per employee. Claiming the employee's slot is the idempotency and race guard; a slot whose
 * enrollment finished, or whose start died before its orchestration appeared, is taken over.
 */
export function createStartEnrollment(deps: Omit<HrApiDependencies, 'directory'>): HttpHandler {
  const statusUrl = (id: string) => `${deps.config.PUBLIC_BASE_URL}/api/enrollments/${id}`;
  const accepted = (id: string, stage: Stage, status: 200 | 202) =>
    jsonResponse(
      status,
      { id, stage, statusUrl: statusUrl(id) } satisfies EnrollmentAcceptedBody,
      status === 202 ? { Location: statusUrl(id) } : {},
    );

  async function start(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
    const parsed = parseEnrollmentRequest(await readJsonBody(request), deps.config.DEFAULT_LOCALE);
    if (!parsed.ok) throw problems.validation(parsed.errors);
    const enrollment = parsed.value;
    if (enrollment.callbackUrl !== undefined) await refuseUnusableCallback(enrollment.callbackUrl);
    const fingerprint = fingerprintRequest(enrollment);
    const instances = deps.instances(request, context);
    const store = await deps.enrollments();

    // Claiming the employee's slot is the idempotency and race guard: of two identical requests racing, exactly one
    // inserts the claim and starts the orchestration; the other finds the claim and answers with it.
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const id = deps.newId();
      const claim = await store.claimActive(enrollment.employeeId, id, fingerprint);
      if (claim.outcome === 'claimed') {
        await startClaimed(id, enrollment, fingerprint, store, instances);
        return accepted(id, 'invited', 202);
      }
      const existing = claim.active;
      const status = await instances.status(existing.enrollmentId);
      const stale =
        status === undefined
          ? await isOrphaned(store, existing.enrollmentId, existing.claimedAt)
          : isFinished(existing.enrollmentId, status);
      if (stale) {
        await store.releaseActiveIfUnchanged(enrollment.employeeId, existing);
        continue;
      }
      if (existing.requestFingerprint !== fingerprint) {
        throw problems.conflict(
          `Employee ${enrollment.employeeId} already has an enrollment in progress (${existing.enrollmentId}) ` +
            'started with different details. Cancel it first or wait until it finishes.',
        );
      }
      if (status === undefined) await resumeStart(store, instances, existing.enrollmentId);
      const stage = status === undefined ? 'invited' : toStatusBody(existing.enrollmentId, status).stage;
      return accepted(existing.enrollmentId, stage, 200);
    }
    throw problems.conflict('The enrollment for this employee changed while starting; retry the request.');
  }

  /**
   * Before anything is written: a callback this deployment cannot sign or should not call is a bad request. In Azure
   * the host is resolved and every address checked; the sender checks again when it sends.
   */
  async function refuseUnusableCallback(url: string): Promise<void> {
    const localEmulators = deps.config.USE_LOCAL_EMULATORS;
    const detail =
      deps.config.CALLBACK_SIGNING_SECRET === undefined
        ? 'HR callbacks are not enabled on this deployment (it has no signing secret); leave callbackUrl out'
        : (callbackUrlProblem(url, { localEmulators }) ??
          (localEmulators ? undefined : await callbackAddressProblem(url, deps.resolveHost)));
    if (detail !== undefined) throw problems.validation([{ pointer: '/callbackUrl', detail }]);
  }

  const startInput = (enrollmentId: string, employeeId: string, notifyHr: boolean): EnrollmentInput => ({
    enrollmentId,
    employeeId,
    policy: policyFromConfig(deps.config),
    notifyHr,
  });

  /**
   * The same request again while its enrollment has a record but no instance: the earlier start failed without
   * knowing whether it landed, or its starter died after saving. Starting under the same id is safe either way: the
   * start of an instance that exists by then fails, and its status answers for it. Without a record, the claim's
   * holder is still between claiming and saving.
   */
  async function resumeStart(store: EnrollmentStore, instances: EnrollmentInstances, id: string): Promise<void> {
    const record = await store.get(id);
    if (record === undefined) return;
    const input = startInput(id, record.employeeId, record.callbackUrl !== undefined);
    try {
      await instances.start(id, input);
    } catch (error) {
      if ((await settleFailedStart(instances, id, input)) !== 'started') throw error;
    }
  }

  async function isOrphaned(store: EnrollmentStore, enrollmentId: string, claimedAt?: string): Promise<boolean> {
    const record = await store.get(enrollmentId);
    // The winner of a race is between claiming and saving, unless it claimed long ago and died there.
    if (record === undefined)
      return claimedAt !== undefined && deps.now().getTime() - Date.parse(claimedAt) > orphanedClaimAfterMs;
    return deps.now().getTime() - new Date(record.createdAt).getTime() > orphanedClaimAfterMs;
  }

  async function startClaimed(
    id: string,
    enrollment: EnrollmentRequest,
    fingerprint: string,
    store: EnrollmentStore,
    instances: EnrollmentInstances,
  ): Promise<void> {
    const credentials = await deps.credentials();
    const createdAt = deps.now().toISOString();
    let reservedLabel: string | undefined;
    let input: EnrollmentInput | undefined;
    try {
      const { deviceLabel, callbackUrl, ...rest } = enrollment;
      const reservation = await reserveLabel({
        store: credentials,
        userPrincipalName: enrollment.userPrincipalName,
        requested: deviceLabel,
        owner: { enrollmentId: id, requestFingerprint: fingerprint, reservedAt: createdAt },
        maxPerUser: deps.config.MAX_APP_PASSWORDS_PER_USER,
        isAbandoned: labelHolderGone(instances, deps.now),
      });
      if (reservation.outcome === 'taken') throw labelTaken(enrollment.userPrincipalName, reservation.credential.label);
      reservedLabel = reservation.label;
      await store.save({
        ...rest,
        deviceLabel: reservation.label,
        ...(callbackUrl === undefined ? {} : { callbackUrl }),
        enrollmentId: id,
        requestFingerprint: fingerprint,
        createdAt,
        pageSecret: randomBytes(32).toString('base64url'),
      });
      input = startInput(id, enrollment.employeeId, callbackUrl !== undefined);
      await instances.start(id, input);
    } catch (error) {
      const outcome = input === undefined ? 'absent' : await settleFailedStart(instances, id, input);
      if (outcome === 'started') return;
      // Unknown: the instance may exist or run later. The claim, the record and the label stay: HR's retry starts it
      // under the same id (resumeStart), or the orphan rule takes it over.
      if (outcome === 'unknown') throw error;
      // Leave nothing half-written: without an orchestration, the record and the claim must go too.
      await store.delete(id).catch(() => undefined);
      if (reservedLabel !== undefined) {
        await credentials.remove(enrollment.userPrincipalName, reservedLabel, id).catch(() => undefined);
      }
      await store.releaseActive(enrollment.employeeId, id).catch(() => undefined);
      throw error;
    }
  }

  return start;
}
