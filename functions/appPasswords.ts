import { randomUUID } from 'node:crypto';
import { app } from '@azure/functions';
import * as df from 'durable-functions';
import { createDurableInstances } from '../adapters/durableInstances.js';
import { verifyFunctionName } from '../core/functionNames.js';
import type { Services } from './composition.js';
import { createAppPasswordApiHandlers } from './handlers/appPasswords.js';

export function registerAppPasswordApi(services: Services): void {
  const handlers = createAppPasswordApiHandlers({
    ...services,
    instances: (_request, context) => createDurableInstances(df.getClient(context)),
    newId: randomUUID,
  });
  app.http(verifyFunctionName, {
    authLevel: 'function',
    methods: ['POST'],
    route: 'api/app-passwords/verify',
    handler: handlers.verify,
  });
  const hr = () => ({ authLevel: 'function' as const, extraInputs: [df.input.durableClient()] });
  app.http('listAppPasswords', {
    ...hr(),
    methods: ['GET'],
    route: 'api/users/{upn}/app-passwords',
    handler: handlers.list,
  });
  app.http('revokeAllAppPasswords', {
    ...hr(),
    methods: ['DELETE'],
    route: 'api/users/{upn}/app-passwords',
    handler: handlers.revokeAll,
  });
  app.http('revokeAppPassword', {
    ...hr(),
    methods: ['DELETE'],
    route: 'api/users/{upn}/app-passwords/{label}',
    handler: handlers.revoke,
  });
  app.http('reissueAppPassword', {
    ...hr(),
    methods: ['POST'],
    route: 'api/enrollments/{id}/app-passwords',
    handler: handlers.reissue,
  });
}
