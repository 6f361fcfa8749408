import { describe, expect, it } from 'vitest';
import { redact } from '../../core/redact.js';

/** SHA-256 of "hello": no run of exactly six decimal digits. */
const sha256OfHello = '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824';
/** SHA-256 of "abc": contains the digit runs 414140 and 396177. */
const sha256OfAbc = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';

const token = 'Xk3_9aZ-qL0pWm2vN8rT5yB1cD4eF6gH7iJ0kL2mN4o';

describe('redact', () => {
  it('uses a 43-character token in the fixtures', () => {
    expect(token).toHaveLength(43);
  });

  it('redacts a link token inside a URL', () => {
    const line = `GET https://enroll.contoso.com/e/${token} 200`;
    const result = redact(line);
    expect(result).not.toContain(token);
    expect(result).toBe('GET https://enroll.contoso.com/e/[redacted-token] 200');
  });

  it('redacts a bare token and one followed by a query string', () => {
    expect(redact(token)).toBe('[redacted-token]');
    expect(redact(`/r/${token}?lang=da`)).toBe('/r/[redacted-token]?lang=da');
  });

  it('redacts an app password written plain', () => {
    expect(redact('minted password qwertyuiopasdfgh for E1')).toBe('minted password [redacted-password] for E1');
  });

  it('redacts an app password grouped in fours', () => {
    expect(redact('shown: qwer tyui opas dfgh.')).toBe('shown: [redacted-password].');
  });

  it('redacts a six-digit one-time code', () => {
    expect(redact('code 042913 sent')).toBe('code [redacted-code] sent');
    expect(redact('code=123456')).toBe('code=[redacted-code]');
  });

  it('redacts a Bearer token, JWT-shaped or not', () => {
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';
    const result = redact(`Authorization: Bearer ${jwt}`);
    expect(result).toBe('Authorization: Bearer [redacted]');
    expect(result).not.toContain(jwt);
    expect(redact('Bearer abc.def')).toBe('Bearer [redacted]');
  });

  it('redacts several secrets in one line', () => {
    const result = redact(`token ${token} code 654321 password abcd efgh ijkl mnop`);
    expect(result).toBe('token [redacted-token] code [redacted-code] password [redacted-password]');
  });

  it.each([
    ['an ordinary sentence', 'The enrollment for employee E12345 moved to awaiting-verification.'],
    ['a sentence with long words', 'Internationalization and telecommunications are fifteen-letter-ish words.'],
    ['a UUID', 'enrollment 5a0c5f7e-3c1b-4a55-9d0e-6f1f2a7b9c10 started'],
    ['an ISO timestamp', 'fires at 2026-03-16T08:00:00.000Z'],
    ['a 64-character hex hash without a six-digit run', `hash ${sha256OfHello}`],
    ['a four-digit year and short numbers', 'retry 3 of 5 in 2026 after 60000 ms'],
  ])('leaves %s readable', (_what, line) => {
    expect(redact(line)).toBe(line);
  });

  // The code pattern needs non-alphanumeric neighbours: ids and hashes that contain six digits in a row must stay
  // complete, or logs could not be searched for them.
  it('leaves a hex hash with a run of six digits complete', () => {
    expect(redact(`hash ${sha256OfAbc}`)).toBe(`hash ${sha256OfAbc}`);
  });

  it('leaves a UUID whose last group starts with six digits complete', () => {
    const line = 'enrollment 5a0c5f7e-3c1b-4a55-9d0e-123456abcdef';
    expect(redact(line)).toBe(line);
  });
});
