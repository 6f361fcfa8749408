import type { OpenApiDocument } from '../../core/openapi/builder.js';
import { jsonResponse, withProblemDetails, type HttpHandler } from './http.js';

/** Clients and gateways may keep the document a while; it changes only with a deployment. */
const cacheControl = 'public, max-age=300';

/**
 * `GET /api/openapi.json`: the OpenAPI document with `serverUrl` (PUBLIC_BASE_URL) as its server. The builder and
 * the JSON Schema conversion are imported and run on the first request, not at start-up, so they cost nothing on a
 * cold start that never serves the document (`npm run bench`); the document is then kept for the process's life.
 */
export function createOpenApiHandler(serverUrl: string): HttpHandler {
  let document: Promise<OpenApiDocument> | undefined;
  const build = async () => (await import('../../core/openapi/document.js')).buildApiDocument(serverUrl);
  return withProblemDetails(async () => {
    document ??= build().catch((error: unknown) => {
      document = undefined;
      throw error;
    });
    return jsonResponse(200, await document, { 'Cache-Control': cacheControl });
  });
}
