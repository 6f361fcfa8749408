import * as z from 'zod/mini';
import { enrollmentRequestSchema } from '../enrollmentRequest.js';
import {
  enrollmentAcceptedSchema,
  enrollmentCancelRequestedSchema,
  enrollmentListSchema,
  enrollmentStatusSchema,
} from '../hrApiSchemas.js';
import { hrCallbackEventSchema } from '../hrCallbackEvent.js';
import { fieldProblemSchema, problemDocumentSchema } from '../problem.js';
import { buildOpenApiDocument, type ApiDescription, type ApiOperation, type OpenApiDocument } from './builder.js';
import { appPasswordApiOperations } from './appPasswordApi.js';
import { hrApiOperations } from './hrApi.js';
import { securitySchemes, callers } from './security.js';

/** Where the document itself is served; public, like any published API description. */
const documentOperation: ApiOperation = {
  method: 'get',
  path: '/api/openapi.json',
  operationId: 'getOpenApiDocument',
  summary: 'This OpenAPI document',
  tags: ['Meta'],
  security: callers.anyone,
  responses: {
    200: {
      description: 'The document, with this deployment as its server.',
      body: { schema: z.looseObject({ openapi: z.string() }) },
    },
  },
};

/**
 * The whole API. To describe a new endpoint, add its operation (method, path, schemas, responses) to `operations`;
 * a request the service sends to its callers goes in `webhooks`. Shared body schemas go in `components`.
 */
export const apiDescription: ApiDescription = {
  info: {
    title: 'App password enrollment',
    version: '1.0.0',
    description:
      'Onboards employees: MFA and a verified contact first, then a one-time app password. Errors are ' +
      'application/problem+json (RFC 9457).',
  },
  tags: [
    { name: 'HR', description: 'For the HR onboarding system and identity systems.' },
    { name: 'App passwords', description: 'For HR: list, revoke and re-issue app passwords per device label.' },
    { name: 'Relying services', description: 'For services that accept app passwords: verify one.' },
    { name: 'Callbacks', description: 'What this service POSTs to an enrollment’s callbackUrl.' },
    { name: 'Meta', description: 'About the API itself.' },
  ],
  securitySchemes,
  components: [
    { name: 'EnrollmentRequest', schema: enrollmentRequestSchema, direction: 'input' },
    { name: 'EnrollmentAccepted', schema: enrollmentAcceptedSchema, direction: 'output' },
    { name: 'EnrollmentStatus', schema: enrollmentStatusSchema, direction: 'output' },
    { name: 'EnrollmentCancelRequested', schema: enrollmentCancelRequestedSchema, direction: 'output' },
    { name: 'EnrollmentList', schema: enrollmentListSchema, direction: 'output' },
    { name: 'Problem', schema: problemDocumentSchema, direction: 'output' },
    { name: 'FieldProblem', schema: fieldProblemSchema, direction: 'output' },
  ],
  operations: [...hrApiOperations, ...appPasswordApiOperations, documentOperation],
  webhooks: [
    {
      name: 'enrollmentStageChanged',
      method: 'post',
      operationId: 'enrollmentStageChanged',
      summary: 'An enrollment changed stage',
      description:
        'Sent to the enrollment’s callbackUrl on every stage change, in order, signed the Standard Webhooks way: ' +
        'webhook-id (the same in every retry of one event), webhook-timestamp (Unix seconds of the attempt) and ' +
        'webhook-signature (`v1,` + base64 HMAC-SHA256 over `<id>.<timestamp>.<body>` with the deployment’s secret). ' +
        '408, 429, 5xx and network errors are retried with backoff; other statuses are not.',
      tags: ['Callbacks'],
      security: [],
      requestBody: { schema: hrCallbackEventSchema },
      responses: {
        200: { description: 'Any 2xx: delivered.' },
        410: { description: 'Any other 4xx (and redirects): refused, not retried.' },
        503: { description: '408, 429 and 5xx: retried with backoff.' },
      },
    },
  ],
};

/** The document with `serverUrl` as its one server: PUBLIC_BASE_URL when served, `/` in docs/openapi.json. */
export function buildApiDocument(serverUrl: string): OpenApiDocument {
  return buildOpenApiDocument(apiDescription, serverUrl);
}
