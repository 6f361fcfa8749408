import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { Language, Parser, type Node } from 'web-tree-sitter';

/**
 * Bicep read with the tree-sitter grammar (tree-sitter-bicep's wasm build through web-tree-sitter): syntax only.
 * There is no Bicep compiler on this machine, so this cannot type-check, resolve modules or validate resource
 * schemas; `bicep build` and `az deployment sub what-if` run in the ops pipeline (docs/operations.md).
 */

export const repoRoot = new URL('../../', import.meta.url);

let parserPromise: Promise<Parser> | undefined;

/** A parser for the grammar in an npm package's wasm file (web-tree-sitter: no native build). */
export async function createParser(wasm: string): Promise<Parser> {
  await Parser.init();
  const require = createRequire(import.meta.url);
  const language = await Language.load(require.resolve(wasm));
  const parser = new Parser();
  parser.setLanguage(language);
  return parser;
}

export interface BicepFile {
  /** Repository-relative path (or a label for an in-memory text). */
  readonly path: string;
  readonly text: string;
  readonly root: Node;
}

export async function parseBicep(text: string, path: string): Promise<BicepFile> {
  parserPromise ??= createParser('tree-sitter-bicep/tree-sitter-bicep.wasm');
  const tree = (await parserPromise).parse(text);
  if (tree === null) throw new Error(`tree-sitter returned no tree for ${path}`);
  return { path, text, root: tree.rootNode };
}

/**
 * A `.bicepparam` file read with the same grammar. tree-sitter-bicep 1.1.0 knows `using`, but not the untyped
 * assignment `param name = value` of parameter files; an assignment's value is an ordinary Bicep expression, as is a
 * variable's, so each `param` keyword at the start of a line is read as `var` (padded, so lines and columns stay
 * those of the file). The tree then has `using_statement` and `variable_declaration` nodes, one per assignment.
 */
export async function parseBicepParams(text: string, path: string): Promise<BicepFile> {
  const parsed = await parseBicep(text.replace(/^param(?=\s)/gm, 'var  '), path);
  return { ...parsed, text };
}

/** Every file under `infra/` whose name ends with `extension`, repository-relative, sorted. */
export function bicepFilesUnder(dir = 'infra', extension = '.bicep'): string[] {
  const rootPath = new URL(dir, repoRoot).pathname;
  const found: string[] = [];
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const full = join(folder, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith(extension)) found.push(relative(new URL('.', repoRoot).pathname, full));
    }
  };
  walk(rootPath);
  return found.sort();
}

export function readRepoFile(path: string): string {
  return readFileSync(new URL(path, repoRoot), 'utf8');
}

export async function loadBicep(path: string): Promise<BicepFile> {
  return parseBicep(readRepoFile(path), path);
}

/** `file:line:col: ERROR|MISSING <what>` for every error or missing node (1-based line and column), in any grammar. */
export function syntaxProblems(file: Pick<BicepFile, 'path' | 'root'>): string[] {
  const problems: string[] = [];
  const visit = (node: Node) => {
    if (node.isError || node.isMissing) {
      const { row, column } = node.startPosition;
      const what = node.isMissing ? `MISSING ${node.type}` : `ERROR near ${JSON.stringify(node.text.slice(0, 40))}`;
      problems.push(`${file.path}:${row + 1}:${column + 1}: ${what}`);
    }
    for (const child of node.children) visit(child);
  };
  visit(file.root);
  return problems;
}

// ---------- declarations ----------

export interface Declaration {
  readonly kind: 'parameter' | 'variable' | 'resource' | 'module' | 'output' | 'using' | 'other';
  readonly name: string;
  readonly node: Node;
  /** The decorator calls written above the declaration, e.g. `secure`, `minValue`. */
  readonly decorators: readonly { readonly name: string; readonly args: readonly Node[] }[];
  /** Text of the comments directly above the declaration (above its decorators, if any). */
  readonly comment: string;
}

const kinds: Readonly<Record<string, Declaration['kind']>> = {
  parameter_declaration: 'parameter',
  variable_declaration: 'variable',
  resource_declaration: 'resource',
  module_declaration: 'module',
  output_declaration: 'output',
  using_statement: 'using',
};

export function declarations(file: BicepFile): Declaration[] {
  const result: Declaration[] = [];
  let decorators: Declaration['decorators'] = [];
  let comments: string[] = [];
  let lastRow = -2;
  for (const child of file.root.namedChildren) {
    if (child.type === 'comment') {
      // A blank line between a comment and what follows detaches it.
      if (child.startPosition.row !== lastRow + 1) comments = [];
      comments.push(child.text);
      lastRow = child.endPosition.row;
      continue;
    }
    const attached = child.startPosition.row === lastRow + 1 ? comments.join('\n') : '';
    if (child.type === 'decorators') {
      decorators = child.namedChildren.flatMap((decorator) => {
        const call = decorator.namedChildren[0];
        if (call?.type !== 'call_expression') return [];
        const name = call.childForFieldName('function')?.text ?? '';
        const args = call.childForFieldName('arguments')?.namedChildren ?? [];
        return [{ name, args }];
      });
      lastRow = child.endPosition.row;
      continue;
    }
    const name = child.namedChildren.find((node) => node.type === 'identifier')?.text ?? '';
    result.push({ kind: kinds[child.type] ?? 'other', name, node: child, decorators, comment: attached });
    decorators = [];
    comments = [];
    lastRow = child.endPosition.row;
  }
  return result;
}

export interface Resource {
  readonly symbol: string;
  /** `Microsoft.X/y@version` as written. */
  readonly type: string;
  readonly existing: boolean;
  /** The declaration's body object (inside `if (...)` or a `for` loop, when there is one). */
  readonly body: Node | undefined;
  /** The condition of `= if (...)`, when there is one. */
  readonly condition: Node | undefined;
  readonly declaration: Declaration;
}

/** A resource's or module's quoted type or path, its body object and its `= if (...)` condition. */
function parts(node: Node): { quoted: string; body: Node | undefined; condition: Node | undefined } {
  const conditional = node.namedChildren.find((child) => child.type === 'if_statement');
  return {
    quoted: stringValue(node.namedChildren.find((child) => child.type === 'string')) ?? '',
    body: (conditional ?? node).namedChildren.find((child) => child.type === 'object'),
    condition: conditional?.namedChildren.find((child) => child.type === 'parenthesized_expression'),
  };
}

export function resources(file: BicepFile): Resource[] {
  return declarations(file)
    .filter((declaration) => declaration.kind === 'resource')
    .map((declaration) => {
      const node = declaration.node;
      const { quoted: type, body, condition } = parts(node);
      const existing = node.children.some((child) => child.type === 'existing');
      const loop = node.namedChildren.find((child) => child.type === 'for_statement');
      const loopBody = loop?.childForFieldName('body') ?? undefined;
      return { symbol: declaration.name, type, existing, body: loopBody ?? body, condition, declaration };
    });
}

export interface Module {
  readonly symbol: string;
  /** The module's path as written, relative to the file. */
  readonly path: string;
  /** The module's body object (inside `if (...)`, when there is one). */
  readonly body: Node | undefined;
  readonly condition: Node | undefined;
  readonly declaration: Declaration;
}

export function modules(file: BicepFile): Module[] {
  return declarations(file)
    .filter((declaration) => declaration.kind === 'module')
    .map((declaration) => {
      const { quoted: path, body, condition } = parts(declaration.node);
      return { symbol: declaration.name, path, body, condition, declaration };
    });
}

export function resourcesOfType(file: BicepFile, typePrefix: string): Resource[] {
  return resources(file).filter((resource) => resource.type.toLowerCase().startsWith(`${typePrefix.toLowerCase()}@`));
}

// ---------- values ----------

/** The properties of an object literal by key (identifier keys and quoted keys alike). */
export function properties(object: Node | undefined): Map<string, Node> {
  const map = new Map<string, Node>();
  if (object?.type !== 'object') return map;
  for (const property of object.namedChildren) {
    if (property.type !== 'object_property') continue;
    const [key, value] = property.namedChildren.filter((node) => node.type !== 'comment');
    if (key === undefined || value === undefined) continue;
    const name = key.type === 'string' ? (stringValue(key) ?? key.text) : key.text;
    map.set(name, value);
  }
  return map;
}

/** Follows a dotted path of object keys: `properties.siteConfig.ftpsState`. */
export function propertyAt(object: Node | undefined, path: string): Node | undefined {
  let current = object;
  for (const key of path.split('.')) {
    current = properties(current).get(key);
    if (current === undefined) return undefined;
  }
  return current;
}

/** The value of a string literal without interpolation, else undefined. */
export function stringValue(node: Node | undefined | null): string | undefined {
  if (node?.type !== 'string') return undefined;
  if (node.namedChildren.some((child) => child.type === 'interpolation')) return undefined;
  return node.namedChildren
    .map((child) => (child.type === 'escape_sequence' ? child.text.slice(1) : child.text))
    .join('');
}

/** A literal's JavaScript value (string, number, boolean, null), or undefined for anything computed. */
export function literal(node: Node | undefined | null): string | number | boolean | null | undefined {
  if (node === undefined || node === null) return undefined;
  switch (node.type) {
    case 'string':
      return stringValue(node);
    case 'number':
      return Number(node.text);
    case 'boolean':
      return node.text === 'true';
    case 'null':
      return null;
    default:
      return undefined;
  }
}

/** Every identifier (not property names) in a subtree. */
export function identifiersIn(node: Node | undefined): Set<string> {
  const found = new Set<string>();
  const visit = (current: Node) => {
    if (current.type === 'identifier') found.add(current.text);
    for (const child of current.namedChildren) visit(child);
  };
  if (node !== undefined) visit(node);
  return found;
}

/** Every call expression in a subtree, by function name. */
export function callsIn(node: Node | undefined): { name: string; args: Node[] }[] {
  const found: { name: string; args: Node[] }[] = [];
  const visit = (current: Node) => {
    if (current.type === 'call_expression') {
      found.push({
        name: current.childForFieldName('function')?.text ?? '',
        args: current.childForFieldName('arguments')?.namedChildren ?? [],
      });
    }
    for (const child of current.namedChildren) visit(child);
  };
  if (node !== undefined) visit(node);
  return found;
}

/** The file's text with comments blanked out (positions kept), for plain-text searches. */
export function withoutComments(file: BicepFile): string {
  const characters = file.text.split(''); // tree-sitter indices count UTF-16 code units, as JavaScript strings do
  const visit = (node: Node) => {
    if (node.type === 'comment') {
      for (let index = node.startIndex; index < node.endIndex; index += 1) {
        if (characters[index] !== '\n') characters[index] = ' ';
      }
    }
    for (const child of node.children) visit(child);
  };
  visit(file.root);
  return characters.join('');
}
