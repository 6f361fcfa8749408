import * as z from 'zod/mini';
import { deviceLabelSchema, email } from './enrollmentRequest.js';

/** What a relying service sends to check a presented password. */
export const verifyRequestSchema = z.strictObject({
  userPrincipalName: email('the user principal name'),
  // Long enough for any app password with separators; a cap keeps a hostile body from feeding scrypt megabytes.
  password: z
    .string({ error: 'expected the presented password as a string' })
    .check(z.minLength(1, 'expected the presented password'), z.maxLength(128, 'expected at most 128 characters')),
});

export type VerifyRequest = z.output<typeof verifyRequestSchema>;

/** HR asking for another app password on a finished enrollment: each device gets its own, named. */
export const reissueRequestSchema = z.strictObject({ deviceLabel: deviceLabelSchema });

export type ReissueRequest = z.output<typeof reissueRequestSchema>;

/** A user principal name in a path: the same rule as in the bodies. */
export const userPrincipalNameSchema = email('a user principal name');
