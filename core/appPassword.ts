import { randomInt } from 'node:crypto';

const alphabet = 'abcdefghijklmnopqrstuvwxyz';
export const appPasswordLength = 16;

/**
 * A new app password: 16 lowercase letters, about 75 bits. `randomInt` draws without modulo bias; lowercase letters
 * only, because people type these into phones and printers' web panels, where case and symbols cause mistakes.
 */
export function generateAppPassword(pick: (max: number) => number = randomInt): string {
  let password = '';
  for (let i = 0; i < appPasswordLength; i += 1) password += alphabet.charAt(pick(alphabet.length));
  return password;
}

/** Four groups of four, the way it is shown: easier to read aloud and compare. */
export function groupAppPassword(password: string): string {
  return password.replace(/(.{4})(?=.)/g, '$1 ');
}

export const appPasswordAlphabet = alphabet;
