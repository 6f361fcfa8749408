import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/*
 * JSON snapshot files for the local stand-in servers' `dataFile` option: the whole state is rewritten after each
 * change and read back at start. Writes go to a temporary file that is then renamed over the old one, so a crash
 * mid-write leaves the previous snapshot rather than half a file.
 */

/** Options for writing a snapshot. */
export interface JsonFileOptions {
  /** Permission bits of the written file, e.g. 0o600 for one holding secrets; Node's 0o666 (less umask) if omitted. */
  readonly mode?: number;
}

/**
 * Reads the snapshot at `path` and hands the parsed JSON to `parse`. Resolves with undefined when there is no file
 * yet; other read errors reject as they are. When the text is not JSON (`JSON.parse`'s SyntaxError) or `parse`
 * throws, rejects with what `invalid` makes of that error: a corrupt file must stop the server, never be silently
 * replaced by an empty state on the next write.
 */
export async function readJsonFile<T>(
  path: string,
  parse: (value: unknown) => T,
  invalid: (cause: unknown) => Error = (cause) => new Error(`The data file ${path} is not a valid snapshot`, { cause }),
): Promise<T | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (error instanceof Error && (error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    return parse(JSON.parse(text));
  } catch (error) {
    throw invalid(error);
  }
}

/**
 * Replaces `path` with `value` as JSON, atomically, and is done when it returns: for setters that return nothing yet
 * promise that a restarted server sees the change. It blocks the event loop for the write, which for these small
 * development files is brief; servers that can wait use {@link JsonSnapshotFile} instead.
 */
export function writeJsonFileSync(path: string, value: unknown, options: JsonFileOptions = {}): void {
  const temporary = temporaryPathFor(path);
  mkdirSync(dirname(path), { recursive: true });
  try {
    writeFileSync(temporary, jsonText(value), fileOptions(options));
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}

/** The asynchronous twin of {@link writeJsonFileSync}, for text serialised beforehand. */
async function replaceFile(path: string, text: string, options: JsonFileOptions): Promise<void> {
  const temporary = temporaryPathFor(path);
  await mkdir(dirname(path), { recursive: true });
  try {
    await writeFile(temporary, text, fileOptions(options));
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/**
 * Beside the target so that the rename stays on one file system, which is what makes it atomic; unique per process and
 * per write so that neither two servers sharing a data file nor two writes in flight can clobber each other's file.
 */
function temporaryPathFor(path: string): string {
  return `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
}

/** Indented and newline-terminated: the files are meant to be read (and diffed) by developers too. */
function jsonText(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** The mode only applies when the file is created, which the temporary file always is. */
function fileOptions(options: JsonFileOptions): { encoding: 'utf8'; mode: number } {
  return { encoding: 'utf8', mode: options.mode ?? 0o666 };
}

/**
 * A snapshot file whose asynchronous writes are chained, so a later snapshot can never be overtaken by an earlier one
 * and the file always ends up holding the last state saved.
 */
export class JsonSnapshotFile<T> {
  readonly #path: string;
  readonly #options: JsonFileOptions;
  #queue: Promise<void> = Promise.resolve();

  constructor(path: string, options: JsonFileOptions = {}) {
    this.#path = path;
    this.#options = options;
  }

  /** The stored snapshot, or undefined when there is no file yet; see {@link readJsonFile}. */
  load(parse: (value: unknown) => T, invalid?: (cause: unknown) => Error): Promise<T | undefined> {
    return readJsonFile(this.#path, parse, invalid);
  }

  /** Writes `snapshot` once the writes asked for earlier are done; rejects when this write fails. */
  save(snapshot: T): Promise<void> {
    // Serialised now, not when the queue reaches this write: the snapshot is the state at the time of the call, even
    // if the caller goes on to mutate the objects it holds.
    const text = jsonText(snapshot);
    const write = this.#queue.then(() => replaceFile(this.#path, text, this.#options));
    // A failed write is reported to its caller; the queue carries on so that later snapshots are still written.
    this.#queue = write.catch(() => undefined);
    return write;
  }

  /** Resolves once every write asked for so far has finished, successfully or not. */
  flush(): Promise<void> {
    return this.#queue;
  }
}
