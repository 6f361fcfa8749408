import { app } from '@azure/functions';
import type { Services } from './composition.js';
import { createOpenApiHandler } from './handlers/openApi.js';

export function registerOpenApi(services: Services): void {
  // Anonymous: the document describes the API and holds no secret (an API's shape is public, as a published client
  // library would make it anyway); every operation it lists still demands its own key.
  app.http('openApiDocument', {
    authLevel: 'anonymous',
    methods: ['GET'],
    route: 'api/openapi.json',
    handler: createOpenApiHandler(services.config.PUBLIC_BASE_URL),
  });
}
