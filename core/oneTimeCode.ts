import { createHmac, randomInt } from 'node:crypto';

/** The rules for one-time codes (docs/architecture.md, "Hard rules"). */
export const codePolicy = {
  validForMs: 10 * 60_000,
  maxAttempts: 5,
  /** At most this many codes per window, so nobody can flood an employee's phone or inbox. */
  maxSendsPerWindow: 3,
  sendWindowMs: 15 * 60_000,
} as const;

/** Limits on guessing: per client for unknown links, per enrollment for refused form posts. */
export const abusePolicy = {
  linkMissesPerClient: 20,
  refusedPostsPerEnrollment: 20,
  windowMs: 15 * 60_000,
} as const;

/** Six digits from `crypto.randomInt`, leading zeros kept. */
export function newOneTimeCode(): string {
  return String(randomInt(0, 1_000_000)).padStart(6, '0');
}

/**
 * Codes are stored as an HMAC keyed with the enrollment's page secret, not a bare hash: a million candidates would
 * make a bare SHA-256 of a 6-digit code trivial to reverse for anyone who can read the table.
 */
export function hashOneTimeCode(pageSecret: string, purpose: string, code: string): string {
  return createHmac('sha256', pageSecret).update(`code:${purpose}:${code}`).digest('hex');
}

/** The CSRF token of every form rendered for one link: bound to the enrollment's secret and the link. */
export function csrfTokenFor(pageSecret: string, linkTokenHash: string): string {
  return createHmac('sha256', pageSecret).update(`csrf:${linkTokenHash}`).digest('base64url');
}

/** "a…@example.com": enough for the employee to recognise the address, not enough to harvest it. */
export function maskEmail(address: string): string {
  const at = address.lastIndexOf('@');
  if (at <= 0) return '…';
  return `${address.charAt(0)}…${address.slice(at)}`;
}

/** "+45 •• •• •• 56". */
export function maskPhone(e164: string): string {
  return `${e164.slice(0, 3)} •• •• •• ${e164.slice(-2)}`;
}
