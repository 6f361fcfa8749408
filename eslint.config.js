// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Node built-ins that do I/O or read ambient state; none of them belongs in deterministic or pure code. */
const ioModules = [
  'fs',
  'fs/promises',
  'http',
  'https',
  'http2',
  'net',
  'dgram',
  'dns',
  'tls',
  'child_process',
  'cluster',
  'worker_threads',
  'os',
  'process',
  'readline',
  'timers',
  'timers/promises',
].flatMap((name) => [name, `node:${name}`]);

const sdkPatterns = [
  '@azure/*',
  '!@azure/functions',
  '@sendgrid/*',
  '**/adapters/**',
  '**/devhost/**',
  '**/functions/**',
];

// The deployable app's cold start loads what its entry imports statically: classic zod shares its core with zod/mini
// and would pull every locale and the JIT into that shared chunk (the entry 1.17× the bare libraries instead of 1.06×).
const classicZod = {
  name: 'zod',
  message: 'Import zod/mini in the app: classic zod brings its locales into the chunk every cold start loads.',
};

const clockAndRandom = [
  {
    selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']",
    message: 'Use context.df.currentUtcDateTime: an orchestrator must replay identically.',
  },
  {
    selector: "NewExpression[callee.name='Date'][arguments.length=0]",
    message: 'new Date() reads the clock; use context.df.currentUtcDateTime.',
  },
  {
    selector: "CallExpression[callee.object.name='Math'][callee.property.name='random']",
    message: 'Randomness belongs in an activity, never in an orchestrator.',
  },
  {
    selector: "MemberExpression[object.name='process']",
    message: 'Settings reach orchestrations through their input, never through process.',
  },
];

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.local/', 'coverage/', '.artifacts/'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['orchestrations/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [...ioModules, 'crypto', 'node:crypto'].map((name) => ({
            name,
            message: 'Orchestrators are replayed: no I/O, clock, randomness or environment.',
          })),
          patterns: [{ group: sdkPatterns, message: 'Orchestrators import core types only; I/O goes in activities.' }],
        },
      ],
      'no-restricted-syntax': ['error', ...clockAndRandom],
      'no-restricted-globals': ['error', 'setTimeout', 'setInterval', 'fetch', 'process'],
    },
  },
  {
    files: ['core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...ioModules.map((name) => ({ name, message: 'core/ has no I/O; put it behind a port in adapters/.' })),
            classicZod,
          ],
          patterns: [{ group: sdkPatterns, message: 'core/ depends on nothing but zod and node:crypto.' }],
        },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[object.name='process'][property.name='env']",
          message: 'Read settings through loadConfig(env), whose caller passes the environment.',
        },
      ],
      'no-restricted-globals': ['error', 'fetch'],
    },
  },
  {
    files: ['adapters/**/*.ts', 'functions/**/*.ts', 'pages/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [classicZod] }] },
  },
  {
    // The pages are deployed code and the dev console reuses their layout: the arrow runs devhost → pages only.
    files: ['pages/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [classicZod],
          patterns: [
            {
              group: ['**/devhost/**', '**/functions/**', '**/adapters/**'],
              message: 'pages/ renders from core/ alone; the dev console imports pages/, never the reverse.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
);
