import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** 32 random bytes: twice the 128 bits a link token must carry (docs/architecture.md), still a 43-character link. */
const tokenBytes = 32;
const tokenPattern = /^[A-Za-z0-9_-]{43}$/;

export interface NewToken {
  /** Goes into the link and nowhere else. */
  readonly token: string;
  /** What is stored: SHA-256, hex. */
  readonly hash: string;
}

export function newLinkToken(): NewToken {
  const token = randomBytes(tokenBytes).toString('base64url');
  return { token, hash: hashToken(token) };
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Cheap shape check so malformed links are refused before any storage lookup. */
export function isWellFormedToken(candidate: string): boolean {
  return tokenPattern.test(candidate);
}

/** Constant-time comparison of two hex digests of equal length (one-time code hashes). */
export function digestsEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && timingSafeEqual(left, right);
}
