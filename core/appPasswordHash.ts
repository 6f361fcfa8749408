import { createHmac, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { appPasswordAlphabet, appPasswordLength } from './appPassword.js';

/**
 * scrypt parameters for stored app-password hashes. An app password is 16 random letters (about 75 bits), not a
 * human choice, so no dictionary helps an attacker who steals the table: even at one guess per microsecond, 2^75
 * guesses take about a billion years. The slow hash is defence in depth on top of that, and it is paid on every
 * verify call, so it is sized for a relying service's latency: N = 2^14, r = 8, p = 1 is 16 MiB and roughly 30-50 ms
 * on one core. The parameters are stored with each user's salt, so they can be raised later without breaking old
 * hashes.
 */
export interface HashParameters {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

export const currentHashParameters: HashParameters = { N: 2 ** 14, r: 8, p: 1 };

/** 32-byte derived key; 16-byte salt (NIST SP 800-132 asks for at least 128 bits). */
const keyBytes = 32;
const saltBytes = 16;

/** A user's salt and the parameters every hash under it was made with (one derivation per verify, see below). */
export interface UserHashSalt extends HashParameters {
  /** base64 */
  readonly salt: string;
}

export function newUserHashSalt(): UserHashSalt {
  return { ...currentHashParameters, salt: randomBytes(saltBytes).toString('base64') };
}

/**
 * The salt used for a user who has none (no app password ever issued): derived from the user name with a per-process
 * random key, so "no such user" costs the same scrypt as "wrong password" and the salt reveals nothing.
 */
const decoyKey = randomBytes(32);
export function decoyHashSalt(userPrincipalName: string): UserHashSalt {
  const salt = createHmac('sha256', decoyKey).update(userPrincipalName).digest().subarray(0, saltBytes);
  return { ...currentHashParameters, salt: salt.toString('base64') };
}

const wellFormedPassword = new RegExp(`^[${appPasswordAlphabet}]{${appPasswordLength}}$`);

/**
 * What people paste is what the page showed: four groups of four, maybe with spaces, dashes or capitals from a phone
 * keyboard. Those variants of a well-formed password hash the same; anything else is hashed as given (and fails).
 */
export function normalizeAppPassword(presented: string): string {
  const compact = presented.replace(/[\s-]/g, '').toLowerCase();
  return wellFormedPassword.test(compact) ? compact : presented;
}

/** scrypt on libuv's thread pool, so a verify never blocks the event loop for the other requests. */
export function hashAppPassword(password: string, salt: UserHashSalt): Promise<string> {
  const options: ScryptOptions = { N: salt.N, r: salt.r, p: salt.p, maxmem: 256 * salt.N * salt.r + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scrypt(normalizeAppPassword(password), Buffer.from(salt.salt, 'base64'), keyBytes, options, (error, key) => {
      if (error === null) resolve(key.toString('base64'));
      else reject(error);
    });
  });
}

/** Constant-time comparison of two base64 hashes. */
export function hashesEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'base64');
  const right = Buffer.from(b, 'base64');
  return left.length === right.length && timingSafeEqual(left, right);
}
