import * as z from 'zod/mini';
import { deviceLabelSchema } from './enrollmentRequest.js';
import { enrollmentIdSchema, instant, stageSchema } from './hrApiSchemas.js';

// What the app-password endpoints send back, as schemas: the handlers' types come from them and the OpenAPI document
// is generated from them (core/openapi/appPasswordApi.ts).

export const verifyResultSchema = z
  .union([
    z.object({
      valid: z.literal(true),
      deviceLabel: z.string().check(z.meta({ description: 'The label of the app password that matched.' })),
      issuedAt: instant('When that app password was issued.'),
    }),
    z.object({ valid: z.literal(false) }),
  ])
  .check(
    z.meta({
      description:
        'The answer for an unknown user is exactly the answer for a wrong password: same status, headers and body.',
    }),
  );

export type VerifyResult = z.output<typeof verifyResultSchema>;

export const appPasswordSummarySchema = z.object({
  label: z.string(),
  status: z
    .enum(['pending', 'active', 'expired'])
    .check(
      z.meta({ description: 'pending: reserved, not yet issued or not yet verifying; active: verifies; expired.' }),
    ),
  enrollmentId: enrollmentIdSchema,
  reservedAt: instant('When the label was reserved.'),
  issuedAt: z.optional(instant('When the password was minted.')),
  expiresAt: z.optional(z.nullable(instant('When it stops verifying; null when it never expires.'))),
});

export type AppPasswordSummary = z.output<typeof appPasswordSummarySchema>;

export const appPasswordListSchema = z.object({
  userPrincipalName: z.string(),
  appPasswords: z.array(appPasswordSummarySchema),
});

export const appPasswordsRevokedSchema = z.object({
  userPrincipalName: z.string(),
  revoked: z.array(z.string()).check(z.meta({ description: 'The labels revoked.' })),
});

export const reissueAcceptedSchema = z.object({
  id: enrollmentIdSchema.check(z.meta({ description: 'The new issuance, followed like any enrollment.' })),
  deviceLabel: deviceLabelSchema,
  stage: stageSchema,
  statusUrl: z.url(),
});

export type ReissueAccepted = z.output<typeof reissueAcceptedSchema>;
