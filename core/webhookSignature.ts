import { createHmac, timingSafeEqual } from 'node:crypto';

/** Standard Webhooks secrets are `whsec_` and the base64 (standard alphabet, padded) of the HMAC key. */
const secretPattern = /^whsec_((?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?)$/;

/** The key sizes the Standard Webhooks spec recommends: at least 24 bytes, at most 64. */
export const signingKeyBytes = { min: 24, max: 64 } as const;

/**
 * How far `webhook-timestamp` may be from the receiver's clock, either way, for a delivery to verify: the reference
 * library's replay window, so a captured delivery cannot be replayed later with its valid signature.
 */
export const timestampToleranceSeconds = 5 * 60;

/** The Standard Webhooks headers of one delivery attempt, as received. */
export interface WebhookHeaders {
  readonly id: string;
  readonly timestamp: string;
  readonly signature: string;
}

/**
 * The per-deployment key that signs HR callbacks the Standard Webhooks way (https://www.standardwebhooks.com/):
 * `webhook-signature: v1,<base64 HMAC-SHA256(key, "<webhook-id>.<webhook-timestamp>.<body>")>`.
 *
 * The key lives in a private field, so logging or serialising the config that holds it shows nothing.
 */
export class WebhookSigningKey {
  readonly #key: Buffer;

  private constructor(key: Buffer) {
    this.#key = key;
  }

  /** Parses a `whsec_…` secret; undefined when it is not one or its key is shorter or longer than allowed. */
  static parse(secret: string): WebhookSigningKey | undefined {
    const base64 = secretPattern.exec(secret)?.[1];
    if (base64 === undefined) return undefined;
    const key = Buffer.from(base64, 'base64');
    if (key.length < signingKeyBytes.min || key.length > signingKeyBytes.max) return undefined;
    return new WebhookSigningKey(key);
  }

  /**
   * The `webhook-signature` header for one delivery attempt. `body` must be the exact text sent: receivers verify
   * the bytes they got, so it is signed after serialising, never re-serialised.
   */
  sign(id: string, timestampSeconds: number, body: string): string {
    return `v1,${this.#mac(id, String(timestampSeconds), body)}`;
  }

  /**
   * Whether a delivery is one this key signed, checked as a receiver must: `body` is the raw bytes received (never
   * re-serialised JSON), the timestamp is a whole number of seconds within {@link timestampToleranceSeconds} of
   * `nowSeconds`, and one of the space-separated `v1,` signatures matches. The comparison takes the same time
   * wherever a wrong signature differs, so its timing tells a forger nothing about the right one.
   */
  verify(headers: WebhookHeaders, body: string | Buffer, nowSeconds: number): boolean {
    if (!/^\d{1,15}$/.test(headers.timestamp)) return false;
    if (Math.abs(nowSeconds - Number(headers.timestamp)) > timestampToleranceSeconds) return false;
    const expected = Buffer.from(this.#mac(headers.id, headers.timestamp, body));
    // Every candidate is compared (no early exit), and other schemes than v1 (v1a, asymmetric) are not ours.
    let matched = false;
    for (const candidate of headers.signature.split(' ')) {
      if (!candidate.startsWith('v1,')) continue;
      const given = Buffer.from(candidate.slice(3));
      if (given.length === expected.length && timingSafeEqual(given, expected)) matched = true;
    }
    return matched;
  }

  /** base64 HMAC-SHA256 over `<id>.<timestamp>.<body>`, the body hashed as the bytes it is. */
  #mac(id: string, timestamp: string, body: string | Buffer): string {
    return createHmac('sha256', this.#key).update(`${id}.${timestamp}.`).update(body).digest('base64');
  }
}
