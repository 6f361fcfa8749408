import * as z from 'zod/mini';
import {
  appPasswordListSchema,
  appPasswordsRevokedSchema,
  reissueAcceptedSchema,
  verifyResultSchema,
} from '../appPasswordApiSchemas.js';
import { reissueRequestSchema, userPrincipalNameSchema, verifyRequestSchema } from '../appPasswordRequests.js';
import { deviceLabelSchema } from '../enrollmentRequest.js';
import { enrollmentIdSchema } from '../hrApiSchemas.js';
import type { ApiOperation, ApiOperationSpec } from './builder.js';
import { keyedOperationErrors, problemResponse } from './responses.js';
import { callers } from './security.js';

const hr = { tags: ['App passwords'], security: callers.hr } satisfies Partial<ApiOperationSpec>;
const invalid = problemResponse('The request is not valid; `errors` points at every offending field or parameter.');
const userPath = z.strictObject({ upn: userPrincipalNameSchema });

/** The relying services' verify call and HR's app-password management (functions/appPasswords.ts). */
export const appPasswordApiOperations: readonly ApiOperation[] = [
  {
    tags: ['Relying services'],
    security: callers.relyingService,
    method: 'post',
    path: '/api/app-passwords/verify',
    operationId: 'verifyAppPassword',
    summary: 'Check a presented app password',
    description:
      'Reads only Table Storage (one salted scrypt per call), never Key Vault. Spaces, dashes and capitals of the ' +
      'four-group display form are accepted. Revoked, disabled and expired passwords never verify. Failed attempts ' +
      'count per user and client address (VERIFY_MAX_FAILURES_PER_USER) and per client address ' +
      '(VERIFY_MAX_FAILURES_PER_CLIENT) in a window (VERIFY_FAILURE_WINDOW); the client is `clientAddress`, or the ' +
      "relying service's own address when it sends none. Each attempt takes its place under both limits before " +
      'anything is hashed; past a limit, or when concurrent attempts leave no place, the answer is 429, whether or ' +
      'not the user exists, and a right password gives its place back. A client address with no failures is always ' +
      'heard, so failures from elsewhere never lock the owner out: pass `clientAddress`, or every client behind the ' +
      'relying service shares one budget.',
    requestBody: { schema: verifyRequestSchema },
    responses: {
      200: { description: 'The verdict.', body: { schema: verifyResultSchema } },
      400: invalid,
      413: problemResponse('The body is larger than 16 KiB.'),
      415: problemResponse('The body is not JSON.'),
      429: {
        ...problemResponse(
          'Too many failed attempts for this user from this client address, or from this client address; or too ' +
            'many attempts at once. Nothing was checked.',
        ),
        headers: {
          'Retry-After': { description: 'Seconds until the window ends.', schema: z.int().check(z.minimum(1)) },
        },
      },
      ...keyedOperationErrors,
    },
  },
  {
    ...hr,
    method: 'get',
    path: '/api/users/{upn}/app-passwords',
    operationId: 'listAppPasswords',
    summary: 'A user’s app passwords',
    description: 'Labels, states and dates; never a value or a hash.',
    pathParameters: userPath,
    responses: {
      200: { description: 'Oldest first.', body: { schema: appPasswordListSchema } },
      400: invalid,
      ...keyedOperationErrors,
    },
  },
  {
    ...hr,
    method: 'delete',
    path: '/api/users/{upn}/app-passwords',
    operationId: 'revokeAllAppPasswords',
    summary: 'Revoke all of a user’s app passwords',
    description: 'Each as in revokeAppPassword.',
    pathParameters: userPath,
    responses: {
      200: { description: 'What was revoked (possibly nothing).', body: { schema: appPasswordsRevokedSchema } },
      400: invalid,
      ...keyedOperationErrors,
    },
  },
  {
    ...hr,
    method: 'delete',
    path: '/api/users/{upn}/app-passwords/{label}',
    operationId: 'revokeAppPassword',
    summary: 'Revoke one app password',
    description:
      'The label matches ignoring case. The hash is removed (it stops verifying at once), the vault version is ' +
      'disabled, a password still on its way is cancelled, and the revocation is audited.',
    pathParameters: z.strictObject({ upn: userPrincipalNameSchema, label: deviceLabelSchema }),
    responses: {
      200: { description: 'Revoked.', body: { schema: appPasswordsRevokedSchema } },
      400: invalid,
      404: problemResponse('The user has no app password with this label.'),
      ...keyedOperationErrors,
    },
  },
  {
    ...hr,
    method: 'post',
    path: '/api/enrollments/{id}/app-passwords',
    operationId: 'reissueAppPassword',
    summary: 'Issue another app password for a finished enrollment',
    description:
      'For another device of an employee who registered MFA and verified a contact in that enrollment. The one-time ' +
      'link goes to that contact; revealing needs a fresh code sent to it. The new issuance is followed like an ' +
      'enrollment (statusUrl). The same request repeated answers 200 with the same issuance.',
    pathParameters: z.strictObject({ id: enrollmentIdSchema }),
    requestBody: { schema: reissueRequestSchema },
    responses: {
      200: { description: 'The same request was already accepted.', body: { schema: reissueAcceptedSchema } },
      202: {
        description: 'Issuing.',
        body: { schema: reissueAcceptedSchema },
        headers: { Location: { description: 'The status URL.', schema: z.url() } },
      },
      400: invalid,
      404: problemResponse('There is no such enrollment.'),
      409: problemResponse(
        'The enrollment has not finished with both verifications, the label is taken, or the user has the most ' +
          'app passwords allowed.',
      ),
      ...keyedOperationErrors,
    },
  },
];
