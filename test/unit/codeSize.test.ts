import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * Keeps the code walkable: a function a reader can hold in their head, a file that is one concept. The local runtime
 * (devhost/, not deployed) holds more machinery per concept, and gets a looser file limit.
 */
const root = fileURLToPath(new URL('../../', import.meta.url));
const maxFunctionLines = 150;
/** Each checked directory and the most lines a file in it may have. */
const maxFileLinesIn: Readonly<Record<string, number>> = {
  functions: 400,
  core: 400,
  adapters: 400,
  pages: 400,
  orchestrations: 400,
  devhost: 600,
};

function sourceFiles(directory: string): string[] {
  return readdirSync(join(root, directory), { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

const files = Object.keys(maxFileLinesIn)
  .flatMap(sourceFiles)
  .map((path) => relative(root, join(root, path)));
const maxFileLines = (path: string) => maxFileLinesIn[path.split('/')[0] ?? ''] ?? 0;
const lineCount = (text: string) => text.split('\n').length - (text.endsWith('\n') ? 1 : 0);

/** Every function with a body, named as a reader would look for it, and its length in lines. */
function functionLengths(
  path: string,
  text = readFileSync(join(root, path), 'utf8'),
): { readonly name: string; readonly lines: number }[] {
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
  const found: { name: string; lines: number }[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body !== undefined) {
      const first = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const last = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      const parent = node.parent;
      const name =
        node.name?.getText(source) ??
        (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent)
          ? parent.name.getText(source)
          : '<anonymous>');
      found.push({ name: `${path}:${first + 1} ${name}`, lines: last - first + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('code size', () => {
  it('finds the deployed sources', () => {
    expect(files).toContain('functions/handlers/employeePages.ts');
    expect(files).toContain('devhost/devConsole.ts');
    expect(files.length).toBeGreaterThan(100);
  });

  it(`keeps every function within ${maxFunctionLines} lines`, () => {
    const long = files.flatMap((path) => functionLengths(path)).filter((fn) => fn.lines > maxFunctionLines);
    expect(long.map((fn) => `${fn.name}: ${fn.lines} lines`)).toEqual([]);
  });

  it('keeps every file within its directory’s limit (400 lines deployed, 600 in devhost/)', () => {
    const long = files
      .map((path) => ({ path, lines: lineCount(readFileSync(join(root, path), 'utf8')) }))
      .filter(({ path, lines }) => lines > maxFileLines(path));
    expect(long.map(({ path, lines }) => `${path}: ${lines} lines`)).toEqual([]);
  });

  it('measures functions of every kind, nested ones on their own', () => {
    const body = Array.from({ length: maxFunctionLines - 2 }, (_, i) => `  const v${i} = ${i};`).join('\n');
    const text = `export function outer() {\n  const inner = () => {\n${body}\n  };\n  return { inner };\n}\n`;
    const measured = functionLengths('probe.ts', text).map((fn) => [fn.name, fn.lines]);
    expect(measured).toEqual([
      ['probe.ts:1 outer', maxFunctionLines + 3],
      ['probe.ts:2 inner', maxFunctionLines],
    ]);
  });
});
