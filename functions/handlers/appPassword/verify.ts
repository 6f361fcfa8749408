import type { AppPasswordCredential } from '../../../core/ports.js';
import type { VerifyResult } from '../../../core/appPasswordApiSchemas.js';
import { decoyHashSalt, hashAppPassword, hashesEqual } from '../../../core/appPasswordHash.js';
import { verifyRequestSchema } from '../../../core/appPasswordRequests.js';
import type { Config } from '../../../core/config.js';
import { parseBody } from '../../../core/enrollmentRequest.js';
import { ensureError } from '../../../core/errors.js';
import { canonicalIpAddress } from '../../../core/ipAddress.js';
import { problems } from '../../../core/problem.js';
import { redact } from '../../../core/redact.js';
import { takeSlots } from '../attemptSlots.js';
import { clientAddress, jsonResponse, problemResponse, readJsonBody, type HttpHandler } from '../http.js';
import { userAuditSubject, type AppPasswordAudit } from './audit.js';
import { isExpired } from './listing.js';
import type { AppPasswordApiDependencies } from '../appPasswords.js';

export type VerifyDependencies = Pick<AppPasswordApiDependencies, 'credentials' | 'rateLimiter' | 'now'> & {
  readonly config: Pick<
    Config,
    'VERIFY_FAILURE_WINDOW' | 'VERIFY_MAX_FAILURES_PER_USER' | 'VERIFY_MAX_FAILURES_PER_CLIENT'
  >;
};

/**
 * The relying services' check of a presented password. It reads Table Storage only (one partition), never Key Vault:
 * Key Vault allows about 4,000 operations per 10 s per vault, far below what an SMTP relay checking every login would
 * need.
 */
export function createVerifyHandler(deps: VerifyDependencies, audit: AppPasswordAudit): HttpHandler {
  return async (request, context) => {
    const parsed = parseBody(verifyRequestSchema, await readJsonBody(request));
    if (!parsed.ok) throw problems.validation(parsed.errors);
    const { userPrincipalName, password } = parsed.value;
    const caller = clientAddress(request);
    // The end client as the relying service saw it; without it, the relying service itself stands in.
    const client =
      parsed.value.clientAddress === undefined
        ? caller
        : (canonicalIpAddress(parsed.value.clientAddress) ?? parsed.value.clientAddress);
    // Both slots are taken before any hashing, so racing guesses cannot outrun the count; keyed on the name as given,
    // so a refused name answers the same whether or not such a user exists.
    const slots = await takeSlots(await deps.rateLimiter(), deps.config.VERIFY_FAILURE_WINDOW, [
      [`verify-user:${userPrincipalName.toLowerCase()} from ${client}`, deps.config.VERIFY_MAX_FAILURES_PER_USER],
      [`verify-client:${client}`, deps.config.VERIFY_MAX_FAILURES_PER_CLIENT],
    ]);
    if (!slots.granted) {
      return problemResponse(problems.tooManyRequests('Too many failed attempts; try again later.').problem, {
        'Retry-After': String(Math.ceil(slots.retryAfterMs / 1000)),
      });
    }

    const { salt, credentials } = await (await deps.credentials()).list(userPrincipalName);
    // One scrypt whatever the user has (all of a user's hashes share the salt), and one for a user with none:
    // "no such user" and "wrong password" cost the same and answer the same.
    const presented = await hashAppPassword(password, salt ?? decoyHashSalt(userPrincipalName.toLowerCase()));
    const now = deps.now();
    let match: AppPasswordCredential | undefined;
    for (const credential of credentials) {
      const hash = credential.issued?.hash;
      // Every live hash is compared, without stopping at a match, so the time does not tell which one matched.
      if (hash !== undefined && !isExpired(credential, now) && hashesEqual(presented, hash)) match ??= credential;
    }
    if (match?.issued !== undefined) {
      // A right password is no failure: its slots go back. Should that fail, it counts as one, which errs safe.
      await slots.release().catch((error: unknown) => {
        context.warn(redact(`Verify slots not released: ${ensureError(error).message}`));
      });
      const valid: VerifyResult = { valid: true, deviceLabel: match.label, issuedAt: match.issued.issuedAt };
      return jsonResponse(200, valid);
    }
    await audit(
      userAuditSubject(userPrincipalName),
      'app-password-verify-failed',
      'relying-service',
      client === caller ? `client ${client}` : `client ${client} via ${caller}`,
    );
    const invalid: VerifyResult = { valid: false };
    return jsonResponse(200, invalid);
  };
}
