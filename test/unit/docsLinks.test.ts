import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import GithubSlugger from 'github-slugger';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../core/config.js';

/**
 * The documentation is part of the product: a link a reader follows must land, on a file and on a heading, as GitHub
 * renders them; the repository must carry its own documents rather than point at one outside it; and the settings
 * page must list every setting the code reads.
 */

const root = fileURLToPath(new URL('../../', import.meta.url));

/** The documents a reader is sent through, relative to the root. */
const documents = [
  'README.md',
  'CONTRIBUTING.md',
  'SECURITY.md',
  'devhost/README.md',
  'infra/README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

/** Fenced code blocks and inline code spans: what looks like a link or heading there is not one. */
function withoutCode(markdown: string): string {
  return markdown
    .replace(/^( {0,3})(`{3,}|~{3,})[^\n]*\n[\s\S]*?^\1\2[^\n]*$/gm, '')
    .replace(/(`+)(?!`)[\s\S]*?[^`]\1(?!`)/g, '');
}

/** Every link target in the text: inline links and images, and reference definitions. */
function linkTargets(markdown: string): string[] {
  const text = withoutCode(markdown);
  const inline = [...text.matchAll(/!?\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]*)>?(?:\s+"[^"]*")?\s*\)/g)];
  const definitions = [...text.matchAll(/^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?\s*$/gm)];
  return [...inline, ...definitions].map((match) => match[1] ?? '');
}

/** The anchors GitHub gives the headings of a Markdown text (the text of each heading, slugged, numbered on repeats). */
function headingAnchors(markdown: string): Set<string> {
  const slugger = new GithubSlugger();
  const anchors = new Set<string>();
  const fenced = /^( {0,3})(`{3,}|~{3,})[^\n]*\n[\s\S]*?^\1\2[^\n]*$/gm;
  for (const [, heading = ''] of markdown.replace(fenced, '').matchAll(/^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$/gm)) {
    const plain = heading
      .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/`/g, '')
      .replace(/(?<!\w)[*_]+|[*_]+(?!\w)/g, '');
    anchors.add(slugger.slug(plain));
  }
  return anchors;
}

const isExternal = (target: string) => /^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//');

/**
 * What is wrong with the relative links of `file` (a path relative to `base`): targets that do not exist, and
 * fragments that name no heading of the Markdown file they point into.
 */
function linkProblems(file: string, markdown: string, base = root): string[] {
  const problems: string[] = [];
  for (const target of linkTargets(markdown)) {
    if (target === '' || isExternal(target)) continue;
    const [path = '', fragment] = target.split('#', 2);
    const targetPath = path === '' ? resolve(base, file) : resolve(base, dirname(file), decodeURIComponent(path));
    if (!existsSync(targetPath)) {
      problems.push(`${file}: ${target} points at ${relative(base, targetPath)}, which does not exist`);
      continue;
    }
    if (fragment === undefined || extname(targetPath) !== '.md' || statSync(targetPath).isDirectory()) continue;
    const targetText = path === '' ? markdown : readFileSync(targetPath, 'utf8');
    if (!headingAnchors(targetText).has(decodeURIComponent(fragment))) {
      problems.push(`${file}: ${target} names no heading of ${relative(base, targetPath)}`);
    }
  }
  return problems;
}

/** Text files of the repository, without what is installed, built or generated locally. */
function repositoryFiles(directory = root): string[] {
  const skipped = new Set([
    '.git',
    'node_modules',
    'dist',
    '.local',
    'coverage',
    'test-results',
    '.artifacts',
    '.azure',
  ]);
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    // A worktree's .git is a file; either way it is not the repository's content.
    if (entry.name === '.git') return [];
    if (entry.isDirectory()) {
      return skipped.has(entry.name) || relative(root, path) === join('bench', 'results') ? [] : repositoryFiles(path);
    }
    return entry.isFile() && !/\.(png|jpe?g|gif|ico|zip|wasm)$/i.test(entry.name) ? [path] : [];
  });
}

/**
 * A document outside the repository: the original design brief, or the folder it was shared in. Spelt in pieces, so
 * this file does not name what it looks for.
 */
const brief = 'design'.toUpperCase();
const shared = '/shared';
const outsideDocument = new RegExp([`\\b${brief}(\\.md)?\\b`, `\\.\\.${shared}\\b`, `/work${shared}\\b`].join('|'));

describe('the documentation', () => {
  it.each(documents)('%s: every relative link reaches an existing file and heading', (file) => {
    expect(linkProblems(file, readFileSync(join(root, file), 'utf8'))).toEqual([]);
  });

  it('catches a missing file, a missing heading and a heading in another file, but not code or URLs', () => {
    const markdown = [
      '# Title',
      '## Key Vault’s limits: a `wait`',
      'See [gone](docs/nowhere.md), [bad anchor](#no-such-heading), [good](#key-vaults-limits-a-wait),',
      '[other file](SECURITY.md#no-such-section), [web](https://example.com/x.md), [mail](mailto:a@b.c),',
      '`[in code](missing.md)` and',
      '```',
      '[in a block](missing-too.md)',
      '```',
      '[ref]: docs/also-gone.md',
    ].join('\n');
    expect(linkProblems('README.md', markdown)).toEqual([
      'README.md: docs/nowhere.md points at docs/nowhere.md, which does not exist',
      'README.md: #no-such-heading names no heading of README.md',
      'README.md: SECURITY.md#no-such-section names no heading of SECURITY.md',
      'README.md: docs/also-gone.md points at docs/also-gone.md, which does not exist',
    ]);
  });

  it('numbers repeated headings as GitHub does', () => {
    expect([...headingAnchors('# Usage\n## Usage\n### `npm start` (local)')]).toEqual([
      'usage',
      'usage-1',
      'npm-start-local',
    ]);
  });

  it('names no document outside the repository', () => {
    const offenders = repositoryFiles()
      .filter((path) => outsideDocument.test(readFileSync(path, 'utf8')))
      .map((path) => relative(root, path));
    expect(offenders).toEqual([]);
    expect(outsideDocument.test(`see ${brief}.md`), 'the pattern can match').toBe(true);
    expect(outsideDocument.test(`see ..${shared}/notes`), 'the pattern can match').toBe(true);
  });

  it('lists every setting of core/config.ts in docs/configuration.md, and no other', () => {
    const page = readFileSync(join(root, 'docs/configuration.md'), 'utf8');
    const listed = new Set(
      page
        .split('\n')
        .filter((line) => line.startsWith('| `'))
        .flatMap((line) => [...(line.split('|')[1] ?? '').matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((match) => match[1])),
    );
    const settings = Object.keys(configSchema.shape);
    expect(
      settings.filter((key) => !listed.has(key)),
      'settings missing from the page',
    ).toEqual([]);
    expect(
      [...listed].filter((key) => key !== undefined && !settings.includes(key)),
      'rows that are no setting',
    ).toEqual([]);
  });
});
