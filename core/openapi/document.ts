import * as z from 'zod/mini';
import { enrollmentRequestSchema } from '../enrollmentRequest.js';
import {
  enrollmentAcceptedSchema,
  enrollmentCancelRequestedSchema,
  enrollmentListSchema,
  enrollmentStatusSchema,
} from '../hrApiSchemas.js';
import { fieldProblemSchema, problemDocumentSchema } from '../problem.js';
import { buildOpenApiDocument, type ApiDescription, type ApiOperation, type OpenApiDocument } from './builder.js';
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
  operations: [...hrApiOperations, documentOperation],
  webhooks: [],
};

/** The document with `serverUrl` as its one server: PUBLIC_BASE_URL when served, `/` in docs/openapi.json. */
export function buildApiDocument(serverUrl: string): OpenApiDocument {
  return buildOpenApiDocument(apiDescription, serverUrl);
}
