import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { digestsEqual, hashToken, isWellFormedToken, newLinkToken } from '../../core/tokens.js';

const sha256Hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

describe('newLinkToken', () => {
  it('is 43 base64url characters', () => {
    const { token } = newLinkToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('carries at least 128 bits: it decodes to 32 bytes', () => {
    const { token } = newLinkToken();
    const bytes = Buffer.from(token, 'base64url');
    expect(bytes.length).toBe(32);
    expect(bytes.length * 8).toBeGreaterThanOrEqual(128);
    // Round-trips, so nothing was padded or lost.
    expect(bytes.toString('base64url')).toBe(token);
  });

  it('is different on every draw (1000 draws)', () => {
    const tokens = new Set(Array.from({ length: 1000 }, () => newLinkToken().token));
    expect(tokens.size).toBe(1000);
  });

  it('stores the SHA-256 hex of the token, not the token', () => {
    const { token, hash } = newLinkToken();
    expect(hash).toBe(sha256Hex(token));
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).not.toContain(token);
  });

  it('produces tokens that pass its own shape check', () => {
    for (let i = 0; i < 100; i += 1) expect(isWellFormedToken(newLinkToken().token)).toBe(true);
  });
});

describe('hashToken', () => {
  it('is SHA-256 hex of the UTF-8 text', () => {
    expect(hashToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(hashToken('x'.repeat(43))).toBe(sha256Hex('x'.repeat(43)));
  });

  it('differs for different tokens', () => {
    expect(hashToken('a'.repeat(43))).not.toBe(hashToken(`${'a'.repeat(42)}b`));
  });
});

describe('isWellFormedToken', () => {
  it.each([['A'.repeat(43)], ['abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123-_x']])('accepts %s', (candidate) => {
    expect(isWellFormedToken(candidate)).toBe(true);
  });

  it.each([
    ['', 'empty'],
    ['A'.repeat(42), 'too short'],
    ['A'.repeat(44), 'too long'],
    [`${'A'.repeat(42)}=`, 'padding'],
    [`${'A'.repeat(42)}+`, 'standard base64 plus'],
    [`${'A'.repeat(42)}/`, 'standard base64 slash'],
    [`${'A'.repeat(42)} `, 'whitespace'],
    [`${'A'.repeat(42)}\n`, 'trailing newline'],
    [`${'A'.repeat(42)}é`, 'non-ASCII'],
  ])('refuses %j (%s)', (candidate) => {
    expect(isWellFormedToken(candidate)).toBe(false);
  });
});

describe('digestsEqual', () => {
  const a = sha256Hex('one');
  const b = sha256Hex('two');

  it('is true for equal digests', () => {
    expect(digestsEqual(a, sha256Hex('one'))).toBe(true);
    expect(digestsEqual(a.toUpperCase(), a)).toBe(true);
  });

  it('is false for different digests of the same length', () => {
    expect(digestsEqual(a, b)).toBe(false);
  });

  it('is false for a one-character difference', () => {
    const last = a.endsWith('0') ? '1' : '0';
    expect(digestsEqual(a, `${a.slice(0, -1)}${last}`)).toBe(false);
  });

  it('is false (and does not throw) for digests of different lengths', () => {
    expect(digestsEqual(a, a.slice(0, 32))).toBe(false);
    expect(digestsEqual(a.slice(0, 32), a)).toBe(false);
    expect(digestsEqual(a, '')).toBe(false);
  });
});
