import type { HttpRequest, InvocationContext } from '@azure/functions';
import type { ResolveHost } from '../../core/callbackUrl.js';
import type { Config } from '../../core/config.js';
import { isFinished, toStatusBody } from '../../core/enrollmentStatus.js';
import type { EnrollmentCancelRequestedBody, EnrollmentEventPath } from '../../core/hrApiSchemas.js';
import { enrollmentEvents } from '../../core/orchestrationContract.js';
import type {
  AppPasswordCredentialStore,
  Directory,
  EnrollmentInstances,
  EnrollmentStore,
  InstanceStatus,
} from '../../core/ports.js';
import { problems } from '../../core/problem.js';
import { createStartEnrollment } from './hr/startEnrollment.js';
import { jsonResponse, requireUuidParam, withProblemDetails, type HttpHandler } from './http.js';

export interface HrApiDependencies {
  readonly config: Config;
  readonly enrollments: () => Promise<EnrollmentStore>;
  readonly credentials: () => Promise<AppPasswordCredentialStore>;
  /** Asked before an MFA event is passed on. */
  readonly directory: () => Promise<Directory>;
  /** Looks up a callback URL's host, whose every address must be one HR can be reached at. */
  readonly resolveHost: ResolveHost;
  /** The Durable task hub as seen from one invocation (the client binding is per invocation). */
  readonly instances: (request: HttpRequest, context: InvocationContext) => EnrollmentInstances;
  readonly now: () => Date;
  readonly newId: () => string;
}

const eventsByPath: Readonly<Record<string, string>> = {
  'mfa-registered': enrollmentEvents.mfaRegistered,
  'contact-verified': enrollmentEvents.contactVerified,
} satisfies Record<EnrollmentEventPath, string>;

export interface HrApiHandlers {
  readonly startEnrollment: HttpHandler;
  readonly getEnrollment: HttpHandler;
  readonly cancelEnrollment: HttpHandler;
  readonly raiseEnrollmentEvent: HttpHandler;
}

/**
 * The HR system's API: start (idempotent per employee, `hr/startEnrollment.ts`), status, cancel, and events from
 * identity systems.
 */
export function createHrApiHandlers(deps: HrApiDependencies): HrApiHandlers {
  async function requireStatus(instances: EnrollmentInstances, id: string): Promise<InstanceStatus> {
    const status = await instances.status(id);
    if (status === undefined) throw problems.notFound(`There is no enrollment ${id}.`);
    return status;
  }

  async function requireRunning(instances: EnrollmentInstances, id: string): Promise<InstanceStatus> {
    const status = await requireStatus(instances, id);
    if (isFinished(id, status)) {
      throw problems.conflict(`Enrollment ${id} has already finished (${toStatusBody(id, status).stage}).`);
    }
    return status;
  }

  /**
   * HR may report MFA first, but the directory has the last word, as it has for the employee's own "I have set it
   * up": an app password bypasses MFA for what it unlocks, so nobody may assert MFA into being.
   */
  async function requireMfaInDirectory(id: string): Promise<void> {
    const record = await (await deps.enrollments()).get(id);
    if (record === undefined) throw problems.notFound(`There is no enrollment ${id}.`);
    if (!(await (await deps.directory()).hasRegisteredMfa(record.userPrincipalName))) {
      throw problems.conflict(
        `The directory shows no MFA method registered for ${record.userPrincipalName}; the event is refused until ` +
          'it does. Raise it again once the employee has registered one.',
      );
    }
  }

  return {
    startEnrollment: withProblemDetails(createStartEnrollment(deps)),

    getEnrollment: withProblemDetails(async (request, context) => {
      const id = requireUuidParam(request, 'id');
      const status = await requireStatus(deps.instances(request, context), id);
      return jsonResponse(200, toStatusBody(id, status));
    }),

    cancelEnrollment: withProblemDetails(async (request, context) => {
      const id = requireUuidParam(request, 'id');
      const instances = deps.instances(request, context);
      const status = await requireRunning(instances, id);
      // An event rather than terminate: the orchestration disables a minted secret and records the outcome.
      await instances.raiseEvent(id, enrollmentEvents.cancelled);
      return jsonResponse(202, {
        ...toStatusBody(id, status),
        cancelRequested: true,
      } satisfies EnrollmentCancelRequestedBody);
    }),

    raiseEnrollmentEvent: withProblemDetails(async (request, context) => {
      const id = requireUuidParam(request, 'id');
      const eventName = eventsByPath[request.params['event'] ?? ''];
      if (eventName === undefined) {
        throw problems.validation([
          { pointer: '#/path/event', detail: `expected one of ${Object.keys(eventsByPath).join(', ')}` },
        ]);
      }
      const instances = deps.instances(request, context);
      const status = await requireRunning(instances, id);
      if (eventName === enrollmentEvents.mfaRegistered) await requireMfaInDirectory(id);
      await instances.raiseEvent(id, eventName);
      return jsonResponse(202, toStatusBody(id, status));
    }),
  };
}
