import * as z from 'zod/mini';
import { enrollmentListQuerySchema } from '../enrollmentListQuery.js';
import { enrollmentRequestSchema } from '../enrollmentRequest.js';
import {
  enrollmentAcceptedSchema,
  enrollmentCancelRequestedSchema,
  enrollmentEventPathSchema,
  enrollmentIdSchema,
  enrollmentListSchema,
  enrollmentStatusSchema,
} from '../hrApiSchemas.js';
import type { ApiOperation, ApiOperationSpec } from './builder.js';
import { keyedOperationErrors, problemResponse } from './responses.js';
import { callers } from './security.js';

const hr = { tags: ['HR'], security: callers.hr } satisfies Partial<ApiOperationSpec>;

const enrollmentPath = z.strictObject({ id: enrollmentIdSchema });
const invalid = problemResponse('The request is not valid; `errors` points at every offending field or parameter.');
const unknownEnrollment = problemResponse('There is no such enrollment.');
const finished = problemResponse('The enrollment has already finished.');

/** The HR system's API (functions/hrApi.ts registers these routes). */
export const hrApiOperations: readonly ApiOperation[] = [
  {
    ...hr,
    method: 'post',
    path: '/api/enrollments',
    operationId: 'startEnrollment',
    summary: 'Start an enrollment',
    description:
      'Idempotent per employee: the same request repeated while the enrollment is active answers 200 with it; a ' +
      'different one answers 409. Unknown fields are refused. Nothing is written when the request is refused.',
    requestBody: { schema: enrollmentRequestSchema },
    responses: {
      200: {
        description: 'The same request was already accepted; this is its enrollment.',
        body: { schema: enrollmentAcceptedSchema },
      },
      202: {
        description: 'Started: the invitation is on its way.',
        body: { schema: enrollmentAcceptedSchema },
        headers: { Location: { description: 'The status URL.', schema: z.url() } },
      },
      400: invalid,
      409: problemResponse('The employee has an active enrollment started with different details.'),
      413: problemResponse('The body is larger than 16 KiB.'),
      415: problemResponse('The body is not JSON.'),
      ...keyedOperationErrors,
    },
  },
  {
    ...hr,
    method: 'get',
    path: '/api/enrollments',
    operationId: 'listEnrollments',
    summary: 'List enrollments',
    description:
      'One page at a time, in no meaningful order. While more may follow, the answer has a continuationToken and a ' +
      '`Link: <…>; rel="next"` header. A page may hold fewer items than `limit`, even none, and still have a ' +
      'continuation token (the stage filter is applied after each page is read, as Table Storage pages may be ' +
      'short too): follow the token until it is absent. Unknown or repeated parameters are refused.',
    query: enrollmentListQuerySchema,
    responses: {
      200: {
        description: 'One page.',
        body: { schema: enrollmentListSchema },
        headers: {
          Link: {
            description: 'RFC 8288 `<url>; rel="next"`: the next page, with the same filters. Absent on the last page.',
            schema: z.string(),
          },
        },
      },
      400: invalid,
      ...keyedOperationErrors,
    },
  },
  {
    ...hr,
    method: 'get',
    path: '/api/enrollments/{id}',
    operationId: 'getEnrollment',
    summary: 'Where an enrollment stands',
    pathParameters: enrollmentPath,
    responses: {
      200: { description: 'Its status.', body: { schema: enrollmentStatusSchema } },
      400: invalid,
      404: unknownEnrollment,
      ...keyedOperationErrors,
    },
  },
  {
    ...hr,
    method: 'post',
    path: '/api/enrollments/{id}/cancel',
    operationId: 'cancelEnrollment',
    summary: 'Cancel an enrollment',
    description: 'The orchestration disables a minted password and records the outcome; the stage becomes cancelled.',
    pathParameters: enrollmentPath,
    responses: {
      202: { description: 'Cancel requested.', body: { schema: enrollmentCancelRequestedSchema } },
      400: invalid,
      404: unknownEnrollment,
      409: finished,
      ...keyedOperationErrors,
    },
  },
  {
    ...hr,
    method: 'post',
    path: '/api/enrollments/{id}/events/{event}',
    operationId: 'raiseEnrollmentEvent',
    summary: 'Report that MFA is registered or the contact verified',
    description:
      'For identity systems that learn these facts before the employee confirms them on the pages. ' +
      '`mfa-registered` is checked with the directory (Microsoft Graph) first, as the employee’s own confirmation ' +
      'is; the mint asks the directory again and, should MFA be gone by then, the enrollment waits for it once more.',
    pathParameters: z.strictObject({ id: enrollmentIdSchema, event: enrollmentEventPathSchema }),
    responses: {
      202: { description: 'Passed on to the enrollment; its status before.', body: { schema: enrollmentStatusSchema } },
      400: invalid,
      404: unknownEnrollment,
      409: problemResponse(
        'The enrollment has already finished, or (mfa-registered) the directory shows no MFA method registered ' +
          'for the user: raise it again once it does.',
      ),
      ...keyedOperationErrors,
    },
  },
];
