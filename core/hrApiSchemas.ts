import * as z from 'zod/mini';
import { stages } from './stages.js';

// What the HR API sends back, and its path parameters, as schemas: the handlers' types are derived from them and the
// OpenAPI document (core/openapi/) is generated from them, so the code and the description cannot drift apart.

/**
 * Any UUID, in either case: enrollment ids are `crypto.randomUUID()`s, but HR may have stored them upper-cased. Spelt
 * without the `i` flag because JSON Schema patterns (the OpenAPI document) have no flags.
 */
export const uuidPattern = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export const enrollmentIdSchema = z
  .string()
  .check(z.regex(uuidPattern, 'expected an enrollment id (a UUID)'), z.meta({ description: 'The enrollment id.' }));

/** The `{event}` path segment of `POST /api/enrollments/{id}/events/{event}`. */
export const enrollmentEventPathSchema = z
  .enum(['mfa-registered', 'contact-verified'])
  .check(z.meta({ description: 'What an identity system learned first: MFA is registered, or the contact verified.' }));

export type EnrollmentEventPath = z.output<typeof enrollmentEventPathSchema>;

export const stageSchema = z.enum(stages, { error: `expected one of ${stages.join(', ')}` }).check(
  z.meta({
    description:
      'invited → awaiting-verification → issuing → ready → revealed, or one of the final stages expired, cancelled, ' +
      'failed.',
  }),
);

/** An ISO 8601 instant, described: every date the API sends. */
export const instant = (description: string) => z.iso.datetime().check(z.meta({ description }));

export const enrollmentStatusSchema = z
  .object({
    id: enrollmentIdSchema,
    employeeId: z.string(),
    stage: stageSchema,
    mfaRegistered: z.boolean(),
    contactVerified: z.boolean(),
    createdAt: instant('When the enrollment started.'),
    updatedAt: instant('When its stage or progress last changed.'),
    invitationExpiresAt: z.optional(instant('Until when the employee can verify.')),
    retrievalExpiresAt: z.optional(instant('Until when the ready password can be revealed.')),
    reason: z.optional(
      z.string().check(
        z.meta({
          description: 'Why an enrollment failed, expired or was cancelled: a short code such as cancelled-by-hr.',
        }),
      ),
    ),
  })
  .check(z.meta({ title: 'Enrollment status', description: 'Where one enrollment stands. Never holds a secret.' }));

export type EnrollmentStatusBody = z.output<typeof enrollmentStatusSchema>;

export const enrollmentAcceptedSchema = z
  .object({
    id: enrollmentIdSchema,
    stage: stageSchema,
    statusUrl: z.url().check(z.meta({ description: 'Where to follow the enrollment (GET).' })),
  })
  .check(z.meta({ title: 'Enrollment accepted' }));

export type EnrollmentAcceptedBody = z.output<typeof enrollmentAcceptedSchema>;

export const enrollmentCancelRequestedSchema = z
  .extend(enrollmentStatusSchema, { cancelRequested: z.literal(true) })
  .check(
    z.meta({
      title: 'Cancel requested',
      description: 'The status when the cancel was asked for; the stage becomes cancelled shortly after.',
    }),
  );

export type EnrollmentCancelRequestedBody = z.output<typeof enrollmentCancelRequestedSchema>;

export const enrollmentListSchema = z
  .object({
    items: z.array(enrollmentStatusSchema),
    continuationToken: z.optional(
      z.string().check(
        z.meta({
          description:
            'Present when more enrollments may follow: pass it back as the continuationToken query parameter, with ' +
            'the same filters. Opaque.',
        }),
      ),
    ),
  })
  .check(
    z.meta({
      title: 'Enrollment list page',
      description:
        'One page of enrollments. A page may hold fewer items than the limit, even none, and still have a ' +
        'continuation token: keep following it until it is absent.',
    }),
  );

export type EnrollmentListBody = z.output<typeof enrollmentListSchema>;
