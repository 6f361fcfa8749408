import { readdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The layers of docs/architecture.md, arrows one way: functions/ and devhost/ → adapters/, orchestrations/, pages/ →
 * core/. ESLint keeps I/O and the upper folders out of core/ and orchestrations/; this checks every arrow, for every
 * import of every file, static or dynamic, so a folder that reaches upwards or sideways fails here.
 */

const root = fileURLToPath(new URL('../../', import.meta.url));

/** What each folder may import of the app's folders (itself included). */
const mayImport: Readonly<Record<string, readonly string[]>> = {
  core: ['core'],
  orchestrations: ['orchestrations', 'core'],
  pages: ['pages', 'core'],
  adapters: ['adapters', 'core'],
  functions: ['functions', 'adapters', 'orchestrations', 'pages', 'core'],
  devhost: ['devhost', 'functions', 'adapters', 'orchestrations', 'pages', 'core'],
};

interface SourceFile {
  /** Relative to the repository root, with forward slashes. */
  readonly path: string;
  readonly text: string;
}

function sourceFiles(folder: string): SourceFile[] {
  return readdirSync(join(root, folder), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts'))
    .map((name) => {
      const path = posix.join(folder, name.split('\\').join('/'));
      return { path, text: readFileSync(join(root, path), 'utf8') };
    });
}

/** The relative specifiers a file imports: `import`, `export … from`, `import type` and `import()`. */
function relativeImports(text: string): string[] {
  return ts
    .preProcessFile(text, true, true)
    .importedFiles.map((file) => file.fileName)
    .filter((name) => name.startsWith('.'));
}

/** Each import that points from a folder to one it may not use, as `from → to`. */
function layerViolations(files: readonly SourceFile[]): string[] {
  return files.flatMap(({ path, text }) => {
    const layer = path.split('/')[0] ?? '';
    const allowed = mayImport[layer] ?? [];
    return relativeImports(text)
      .map((specifier) => posix.normalize(posix.join(posix.dirname(path), specifier)))
      .filter((target) => !allowed.includes(target.split('/')[0] ?? ''))
      .map((target) => `${path} → ${target}`);
  });
}

describe('the layers', () => {
  it.each(Object.keys(mayImport))('%s/ imports only the folders below it', (folder) => {
    const files = sourceFiles(folder);
    expect(files.length, `${folder}/ has TypeScript files`).toBeGreaterThan(0);
    expect(layerViolations(files)).toEqual([]);
  });

  it('catches an import upwards or sideways, static, type-only or dynamic, and lets the allowed ones through', () => {
    const files: SourceFile[] = [
      { path: 'core/openapi/document.ts', text: "import { x } from '../../adapters/keyVaultVault.js';" },
      { path: 'pages/view.ts', text: "export type { Y } from '../orchestrations/enrollment.js';" },
      { path: 'adapters/a.ts', text: "import type { Z } from '../functions/composition.js';" },
      { path: 'orchestrations/o.ts', text: "const m = await import('../devhost/runtime.js');" },
      { path: 'functions/f.ts', text: "import '../scripts/package.mjs'; import { ok } from '../core/problem.js';" },
      {
        path: 'devhost/d.ts',
        text: "import { app } from '../functions/index.js'; import { c } from './durable/x.js';",
      },
    ];
    expect(layerViolations(files)).toEqual([
      'core/openapi/document.ts → adapters/keyVaultVault.js',
      'pages/view.ts → orchestrations/enrollment.js',
      'adapters/a.ts → functions/composition.js',
      'orchestrations/o.ts → devhost/runtime.js',
      'functions/f.ts → scripts/package.mjs',
    ]);
  });
});
