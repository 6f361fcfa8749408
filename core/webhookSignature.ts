import { createHmac } from 'node:crypto';

/** Standard Webhooks secrets are `whsec_` and the base64 (standard alphabet, padded) of the HMAC key. */
const secretPattern = /^whsec_((?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?)$/;

/** The key sizes the Standard Webhooks spec recommends: at least 24 bytes, at most 64. */
export const signingKeyBytes = { min: 24, max: 64 } as const;

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
    const mac = createHmac('sha256', this.#key).update(`${id}.${timestampSeconds}.${body}`).digest('base64');
    return `v1,${mac}`;
  }
}
