import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { ESLint, type Linter } from 'eslint';
import tseslint from 'typescript-eslint';
import { beforeAll, describe, expect, it } from 'vitest';

/**
 * Proves that the project's eslint.config.js keeps orchestrations/ deterministic, core/ free of I/O and classic zod out
 * of the deployable app. The probes are linted from memory under a path that does not exist; type-aware parsing would
 * refuse such a file ("not found by the project service"), so for the probe file alone the type-checked rules are
 * switched off. The rules under test are plain ESLint rules and need no type information.
 */
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const probeName = '__lint_probe__.ts';
const guardedRules = ['no-restricted-syntax', 'no-restricted-imports', 'no-restricted-globals'] as const;

let eslint: ESLint;

beforeAll(() => {
  eslint = new ESLint({
    cwd: repoRoot,
    overrideConfig: [{ files: [`**/${probeName}`], ...tseslint.configs.disableTypeChecked }],
  });
});

type ProbeFolder = 'orchestrations' | 'core' | 'adapters' | 'functions' | 'pages' | 'devhost';

async function lint(folder: ProbeFolder, source: string): Promise<Linter.LintMessage[]> {
  const results = await eslint.lintText(source, { filePath: path.join(repoRoot, folder, probeName) });
  expect(results).toHaveLength(1);
  const messages = results[0]?.messages ?? [];
  // A parsing error or an ignored file would make every assertion below meaningless.
  expect(messages.filter((message) => message.fatal === true || message.ruleId === null)).toEqual([]);
  return messages;
}

/** The guarded rule ids reported for a probe, sorted, one entry per report. */
async function guardedRuleIds(folder: ProbeFolder, source: string): Promise<string[]> {
  const messages = await lint(folder, source);
  return messages
    .map((message) => message.ruleId ?? '')
    .filter((ruleId) => (guardedRules as readonly string[]).includes(ruleId))
    .sort();
}

describe('eslint.config.js keeps orchestrations/ deterministic', () => {
  it.each([
    ['Date.now()', 'export const now = Date.now();\n', ['no-restricted-syntax']],
    ['new Date() without arguments', 'export const now = new Date();\n', ['no-restricted-syntax']],
    ['Math.random()', 'export const roll = Math.random();\n', ['no-restricted-syntax']],
    ['process.env.X', 'export const hub = process.env.X;\n', ['no-restricted-globals', 'no-restricted-syntax']],
    ['node:fs', "import { readFile } from 'node:fs';\nexport const read = readFile;\n", ['no-restricted-imports']],
    [
      'fs without node: prefix',
      "import { readFileSync } from 'fs';\nexport { readFileSync };\n",
      ['no-restricted-imports'],
    ],
    ['node:crypto', "import { randomUUID } from 'node:crypto';\nexport { randomUUID };\n", ['no-restricted-imports']],
    [
      'the Key Vault SDK',
      "import { SecretClient } from '@azure/keyvault-secrets';\nexport { SecretClient };\n",
      ['no-restricted-imports'],
    ],
    ['an adapter', "import { x } from '../adapters/x.js';\nexport { x };\n", ['no-restricted-imports']],
    ['setTimeout', 'setTimeout(() => undefined, 10);\n', ['no-restricted-globals']],
    ['fetch', "export const response = fetch('https://example.com');\n", ['no-restricted-globals']],
  ])('forbids %s', async (_what, source, expected) => {
    expect(await guardedRuleIds('orchestrations', source)).toEqual(expected);
  });

  it('explains the Date.now() refusal', async () => {
    const messages = await lint('orchestrations', 'export const now = Date.now();\n');
    expect(messages.map((message) => message.message)).toEqual([
      'Use context.df.currentUtcDateTime: an orchestrator must replay identically.',
    ]);
  });

  it('accepts deterministic code that imports core and durable-functions', async () => {
    const source = [
      "import * as df from 'durable-functions';",
      "import { addMilliseconds } from '../core/schedule.js';",
      'export const epoch = new Date(0);',
      'export const later = addMilliseconds(new Date(1_700_000_000_000), 1_000);',
      'export const max = Math.max(1, 2);',
      'export const orchestrator = df;',
      '',
    ].join('\n');
    expect(await lint('orchestrations', source)).toEqual([]);
  });
});

describe('eslint.config.js keeps core/ free of I/O', () => {
  it('forbids process.env', async () => {
    expect(await guardedRuleIds('core', 'export const hub = process.env.TASKHUB_NAME;\n')).toEqual([
      'no-restricted-syntax',
    ]);
  });

  it('forbids node:fs', async () => {
    expect(
      await guardedRuleIds('core', "import { readFile } from 'node:fs';\nexport const read = readFile;\n"),
    ).toEqual(['no-restricted-imports']);
  });

  it('forbids the Azure SDKs and adapters', async () => {
    expect(
      await guardedRuleIds(
        'core',
        "import { SecretClient } from '@azure/keyvault-secrets';\nimport { x } from '../adapters/x.js';\nexport { SecretClient, x };\n",
      ),
    ).toEqual(['no-restricted-imports', 'no-restricted-imports']);
  });

  it('allows node:crypto and zod/mini', async () => {
    const source = [
      "import { randomInt } from 'node:crypto';",
      "import * as z from 'zod/mini';",
      'export const pick = randomInt;',
      'export const schema = z.string();',
      '',
    ].join('\n');
    expect(await lint('core', source)).toEqual([]);
  });

  it('allows the clock in core (only orchestrations must replay)', async () => {
    expect(await lint('core', 'export const now = (): number => Date.now();\n')).toEqual([]);
  });
});

describe('eslint.config.js keeps classic zod out of the deployable app', () => {
  const classic = "import { z } from 'zod';\nexport const schema = z.string();\n";

  it.each(['core', 'adapters', 'functions', 'pages'] as const)('forbids it in %s/', async (folder) => {
    const messages = await lint(folder, classic);
    expect(messages.map((message) => message.ruleId)).toEqual(['no-restricted-imports']);
    expect(messages[0]?.message).toContain('zod/mini');
  });

  it('allows it in devhost/, which is never deployed', async () => {
    expect(await guardedRuleIds('devhost', classic)).toEqual([]);
  });
});
