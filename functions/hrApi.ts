import { randomUUID } from 'node:crypto';
import { app } from '@azure/functions';
import * as df from 'durable-functions';
import { createDurableInstances } from '../adapters/durableInstances.js';
import type { Services } from './composition.js';
import { createListEnrollmentsHandler } from './handlers/enrollmentList.js';
import { createHrApiHandlers, type HrApiDependencies } from './handlers/hrApi.js';

export function registerHrApi(services: Services): void {
  const dependencies: HrApiDependencies = {
    config: services.config,
    enrollments: services.enrollments,
    credentials: services.credentials,
    directory: services.directory,
    resolveHost: services.resolveHost,
    instances: (_request, context) => createDurableInstances(df.getClient(context)),
    now: services.now,
    newId: randomUUID,
  };
  const handlers = createHrApiHandlers(dependencies);
  const common = () => ({ authLevel: 'function' as const, extraInputs: [df.input.durableClient()] });
  app.http('startEnrollment', {
    ...common(),
    methods: ['POST'],
    route: 'api/enrollments',
    handler: handlers.startEnrollment,
  });
  // The same route as the start, for GET: the Functions host picks the function by method.
  app.http('listEnrollments', {
    ...common(),
    methods: ['GET'],
    route: 'api/enrollments',
    handler: createListEnrollmentsHandler(dependencies),
  });
  app.http('getEnrollment', {
    ...common(),
    methods: ['GET'],
    route: 'api/enrollments/{id}',
    handler: handlers.getEnrollment,
  });
  app.http('cancelEnrollment', {
    ...common(),
    methods: ['POST'],
    route: 'api/enrollments/{id}/cancel',
    handler: handlers.cancelEnrollment,
  });
  app.http('raiseEnrollmentEvent', {
    ...common(),
    methods: ['POST'],
    route: 'api/enrollments/{id}/events/{event}',
    handler: handlers.raiseEnrollmentEvent,
  });
}
