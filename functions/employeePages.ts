import { app } from '@azure/functions';
import * as df from 'durable-functions';
import { createDurableInstances } from '../adapters/durableInstances.js';
import type { Services } from './composition.js';
import { serveAsset } from './handlers/assets.js';
import { createEmployeePageHandlers } from './handlers/employeePages.js';

export function registerEmployeePages(services: Services): void {
  const handlers = createEmployeePageHandlers({
    ...services,
    instances: (_request, context) => createDurableInstances(df.getClient(context)),
  });
  // Anonymous: the link token is the credential, checked by the handler; the durable client reads the stage.
  const page = () => ({ authLevel: 'anonymous' as const, extraInputs: [df.input.durableClient()] });
  const routes = [
    ['employeeEnrollmentPage', ['GET', 'HEAD'], 'e/{token}', handlers.enrollmentPage],
    ['employeeConfirmMfa', ['POST'], 'e/{token}/mfa', handlers.confirmMfa],
    ['employeeSendContactCode', ['POST'], 'e/{token}/contact/send', handlers.sendContactCode],
    ['employeeVerifyContactCode', ['POST'], 'e/{token}/contact/verify', handlers.verifyContactCode],
    ['employeeSendRevealCodeFromEnrollment', ['POST'], 'e/{token}/code', handlers.sendRevealCode],
    ['employeeRevealFromEnrollment', ['POST'], 'e/{token}/reveal', handlers.reveal],
    ['employeeRevealPage', ['GET', 'HEAD'], 'r/{token}', handlers.revealPage],
    ['employeeSendRevealCode', ['POST'], 'r/{token}/code', handlers.sendRevealCode],
    ['employeeReveal', ['POST'], 'r/{token}/reveal', handlers.reveal],
  ] as const;
  for (const [name, methods, route, handler] of routes) {
    app.http(name, { ...page(), methods: [...methods], route, handler });
  }
  app.http('pageAssets', {
    authLevel: 'anonymous',
    methods: ['GET', 'HEAD'],
    route: 'assets/{file}',
    handler: serveAsset,
  });
}
