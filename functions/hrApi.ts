import { randomUUID } from 'node:crypto';
import { app } from '@azure/functions';
import * as df from 'durable-functions';
import { createDurableInstances } from '../adapters/durableInstances.js';
import type { Services } from './composition.js';
import { createHrApiHandlers } from './handlers/hrApi.js';

export function registerHrApi(services: Services): void {
  const handlers = createHrApiHandlers({
    config: services.config,
    enrollments: services.enrollments,
    credentials: services.credentials,
    instances: (_request, context) => createDurableInstances(df.getClient(context)),
    now: services.now,
    newId: randomUUID,
  });
  const common = () => ({ authLevel: 'function' as const, extraInputs: [df.input.durableClient()] });
  app.http('startEnrollment', {
    ...common(),
    methods: ['POST'],
    route: 'api/enrollments',
    handler: handlers.startEnrollment,
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
