import { describe, expect, it } from 'vitest';
import { catalogues, formatDateTime, messagesFor } from '../../core/i18n/index.js';
import { da } from '../../core/i18n/da.js';
import { en } from '../../core/i18n/en.js';

type Leaf = { readonly path: string; readonly value: unknown };

/** Every leaf (anything that is not a plain object) with its dotted path, depth first. */
function leaves(node: unknown, prefix = ''): Leaf[] {
  if (node !== null && typeof node === 'object' && !Array.isArray(node)) {
    return Object.entries(node).flatMap(([key, value]) => leaves(value, prefix === '' ? key : `${prefix}.${key}`));
  }
  return [{ path: prefix, value: node }];
}

/** Sample arguments for each message function; a new function must be added here, or the test fails. */
const sampleArguments: Readonly<Record<string, readonly unknown[]>> = {
  'mail.greeting': ['Ada Lovelace'],
  'mail.linkExpires': ['2026-03-16 09:00'],
  'mail.contactCode.validFor': [15],
  'sms.code': ['123456', 10],
  'sms.ready': ['https://enroll.contoso.example/r/abc', '12. maj 2026 kl. 09.00'],
  'pages.enrollIntro': ['Ada Lovelace'],
  'pages.enrollDeadline': ['16 March 2026 at 09:00'],
  'pages.contact.sendByEmail': ['a…@example.com'],
  'pages.contact.sendBySms': ['+45 •• •• 56'],
  'pages.contact.codeSent': [10],
  'pages.contact.wrongCode': [3],
  'pages.contact.tooManyCodes': [15],
  'pages.password.autoRefresh': [5],
  'pages.password.revealDeadline': ['23 March 2026 at 09:00'],
};

/**
 * Where each section's "no unused keys" check lives: a test renders everything that shows these texts and fails on a
 * key that appears nowhere. A new section needs such a test before it is listed here.
 */
const usageChecks: Readonly<Record<string, string>> = {
  mail: 'test/unit/emails.test.ts (every mail kind in both languages)',
  pages: 'test/unit/pages.test.ts (every page state in both languages)',
  sms: 'test/unit/pages.test.ts (the code sent by SMS through the page handler)',
};

function render(leaf: Leaf): string {
  if (typeof leaf.value === 'string') return leaf.value;
  if (typeof leaf.value === 'function') {
    const args = sampleArguments[leaf.path];
    if (args === undefined) throw new Error(`no sample arguments for ${leaf.path}`);
    const result: unknown = (leaf.value as (...args: readonly unknown[]) => unknown)(...args);
    if (typeof result !== 'string') throw new Error(`${leaf.path} returned ${typeof result}`);
    return result;
  }
  throw new Error(`${leaf.path} is a ${typeof leaf.value}, not a string or function`);
}

const daLeaves = leaves(da);
const enLeaves = leaves(en);

describe('message catalogues', () => {
  it('has exactly the da and en catalogues, served by messagesFor', () => {
    expect(Object.keys(catalogues).sort()).toEqual(['da', 'en']);
    expect(messagesFor('da')).toBe(da);
    expect(messagesFor('en')).toBe(en);
  });

  it('has the same key paths in da and en', () => {
    expect(daLeaves.map((leaf) => leaf.path).sort()).toEqual(enLeaves.map((leaf) => leaf.path).sort());
    expect(daLeaves.length).toBeGreaterThan(10);
  });

  it('has a usage check for every section, so an unused key fails a test', () => {
    expect(Object.keys(da).sort()).toEqual(Object.keys(usageChecks).sort());
    expect(Object.keys(en).sort()).toEqual(Object.keys(usageChecks).sort());
  });

  it('has the same kind of leaf (string or function) at each path', () => {
    const enKinds = new Map(enLeaves.map((leaf) => [leaf.path, typeof leaf.value]));
    for (const leaf of daLeaves) expect(typeof leaf.value, leaf.path).toBe(enKinds.get(leaf.path));
  });

  it.each([
    ['da', daLeaves],
    ['en', enLeaves],
  ] as const)('every %s leaf is a non-empty string or a function returning one', (_locale, list) => {
    for (const leaf of list) {
      expect(['string', 'function'], leaf.path).toContain(typeof leaf.value);
      expect(render(leaf).trim().length, leaf.path).toBeGreaterThan(0);
    }
  });

  it('has a sample for every message function, and no sample for a path that is not one', () => {
    const functions = daLeaves.filter((leaf) => typeof leaf.value === 'function').map((leaf) => leaf.path);
    expect(Object.keys(sampleArguments).sort()).toEqual(functions.sort());
  });

  it('uses the arguments in every message function', () => {
    for (const leaf of [...daLeaves, ...enLeaves].filter((item) => typeof item.value === 'function')) {
      const args = sampleArguments[leaf.path] ?? [];
      for (const arg of args) expect(render(leaf), leaf.path).toContain(String(arg));
    }
  });

  it('translates every entry: no da text is identical to the en text', () => {
    const enText = new Map(enLeaves.map((leaf) => [leaf.path, render(leaf)]));
    // No entry is expected to be the same in both languages; list one here only if it is identical by nature.
    const identicalByNature = new Set<string>([
      // Field labels as the mail apps show them; Danish uses the same words.
      'pages.guides.fields.server',
      'pages.guides.fields.port',
    ]);
    const untranslated = daLeaves
      .filter((leaf) => !identicalByNature.has(leaf.path) && render(leaf) === enText.get(leaf.path))
      .map((leaf) => leaf.path);
    expect(untranslated).toEqual([]);
  });
});

describe('formatDateTime', () => {
  const instant = new Date('2026-03-16T08:00:00.000Z');

  it('formats in the given time zone and language', () => {
    expect(formatDateTime(instant, 'da', 'Europe/Copenhagen')).toContain('09.00');
    expect(formatDateTime(instant, 'da', 'Europe/Copenhagen')).toContain('marts 2026');
    expect(formatDateTime(instant, 'en', 'Europe/Copenhagen')).toContain('09:00');
    expect(formatDateTime(instant, 'en', 'Europe/Copenhagen')).toContain('March 2026');
  });

  it('follows daylight saving time', () => {
    expect(formatDateTime(new Date('2026-07-16T08:00:00.000Z'), 'en', 'Europe/Copenhagen')).toContain('10:00');
  });

  it('uses another zone when configured', () => {
    expect(formatDateTime(instant, 'en', 'UTC')).toContain('08:00');
    expect(formatDateTime(instant, 'en', 'America/New_York')).toContain('04:00');
  });
});
