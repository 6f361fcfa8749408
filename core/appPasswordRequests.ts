import * as z from 'zod/mini';
import { deviceLabelSchema, email } from './enrollmentRequest.js';
import { isIpAddress } from './ipAddress.js';

/** What a relying service sends to check a presented password. */
export const verifyRequestSchema = z.strictObject({
  userPrincipalName: email('the user principal name'),
  // Long enough for any app password with separators; a cap keeps a hostile body from feeding scrypt megabytes.
  password: z
    .string({ error: 'expected the presented password as a string' })
    .check(z.minLength(1, 'expected the presented password'), z.maxLength(128, 'expected at most 128 characters')),
  clientAddress: z.optional(
    z.string({ error: 'expected the client address as a string' }).check(
      z.maxLength(45, 'expected at most 45 characters'),
      z.refine(isIpAddress, 'expected an IPv4 or IPv6 address, such as 203.0.113.7 or 2001:db8::7'),
      z.meta({
        description:
          'The address of the end client that presented the password, as the relying service saw it (IPv4 in ' +
          'dotted decimal or IPv6, without a port). Failed verifies are counted per user and client address and ' +
          "per client address; without it, the relying service's own address stands in, so every client behind " +
          'it shares one budget.',
        examples: ['203.0.113.7', '2001:db8::7'],
      }),
    ),
  ),
});

/** HR asking for another app password on a finished enrollment: each device gets its own, named. */
export const reissueRequestSchema = z.strictObject({ deviceLabel: deviceLabelSchema });

/** A user principal name in a path: the same rule as in the bodies. */
export const userPrincipalNameSchema = email('a user principal name');
