/**
 * Writing a build's files into the function's code directory so that an environment starting at
 * any moment loads either the whole previous build or the whole new one's entry file: every file
 * is written under a temporary name first, then the temporaries are renamed into place back to
 * back, source maps and assets before the entry files that name them (docs/builds.md, "Output").
 * Files of the previous build that the new one no longer has are removed last.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, sep } from 'node:path';

/** One file of a build: its path relative to the output directory and its bytes. */
export interface BuiltFile {
  readonly path: string;
  readonly contents: Uint8Array;
}

/** Digests of the files last written, by relative path: the next write skips what did not change. */
export type WrittenFiles = ReadonlyMap<string, string>;

/** Readable by a function that runs as its own user (docs/isolation.md): the code is bind-mounted read-only. */
const DIR_MODE = 0o755;
const FILE_MODE = 0o644;
const SCRIPT = /\.(c|m)?js$/;

const digest = (contents: Uint8Array): string => createHash('sha256').update(contents).digest('hex');

/**
 * The package.json written beside the bundle: Node (and Lamina's runtime client) read a `.js` file
 * as an ES module only under `"type": "module"`, and the state directory may sit under a project of
 * either kind, so the output says what it is.
 */
export function packageManifest(format: 'cjs' | 'esm'): BuiltFile {
  return { path: 'package.json', contents: Buffer.from(`${JSON.stringify({ type: format === 'esm' ? 'module' : 'commonjs' })}\n`) };
}

function makeDirectory(path: string): void {
  mkdirSync(path, { recursive: true, mode: DIR_MODE });
}

/** Every file under `dir`, relative, for the first write into a directory an earlier run left. */
function filesUnder(dir: string, prefix = ''): string[] {
  let names: string[];
  try {
    names = readdirSync(join(dir, prefix));
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    const path = prefix === '' ? name : `${prefix}/${name}`;
    return statSync(join(dir, path), { throwIfNoEntry: false })?.isDirectory() === true ? filesUnder(dir, path) : [path];
  });
}

/**
 * Write `files` into `outDir`; `previous` is what the last call returned (undefined the first
 * time: whatever an earlier run left there is then removed). Returns the digests now in place and
 * whether anything changed.
 *
 * @example
 * let written = writeBuild('/state/builds/Api', [{ path: 'app.js', contents }], undefined).written;
 * written = writeBuild('/state/builds/Api', next, written).written;
 */
export function writeBuild(outDir: string, files: readonly BuiltFile[], previous: WrittenFiles | undefined): { written: WrittenFiles; changed: boolean } {
  makeDirectory(outDir);
  const written = new Map(files.map((file) => [file.path, digest(file.contents)]));
  const stale = previous === undefined ? filesUnder(outDir) : [...previous.keys()];
  const toWrite = files.filter((file) => previous?.get(file.path) !== written.get(file.path));
  // Entry files (scripts) last: when they appear, the maps and assets they name are in place.
  toWrite.sort((a, b) => Number(SCRIPT.test(a.path)) - Number(SCRIPT.test(b.path)));
  const temporaries = toWrite.map((file, index) => {
    const target = join(outDir, file.path);
    makeDirectory(dirname(target));
    const temporary = join(dirname(target), `.${basename(target)}.lamina-${process.pid}-${index}`);
    writeFileSync(temporary, file.contents, { mode: FILE_MODE });
    return { temporary, target };
  });
  for (const { temporary, target } of temporaries) renameSync(temporary, target);
  const removed = stale.filter((path) => !written.has(path));
  for (const path of removed) rmSync(join(outDir, path), { force: true, recursive: true });
  return { written, changed: toWrite.length > 0 || removed.length > 0 };
}

/** An output file's path relative to the output directory, with `/` separators. */
export function relativeOutput(outDir: string, path: string): string {
  return relative(outDir, path).split(sep).join('/');
}

/**
 * The handler as the built code names it: unchanged when the bundle kept the handler's directory
 * (`src/app.handler` and `<out>/src/app.js`), else the file name alone, as `sam build` rewrites it
 * (a single entry `src/app.ts` is bundled to `<out>/app.js`).
 *
 * @example
 * builtHandler('src/handlers/app.handler', new Set(['app.js', 'app.js.map'])); // 'app.handler'
 */
export function builtHandler(handler: string, outputs: ReadonlySet<string>): string {
  const slash = handler.lastIndexOf('/');
  if (slash < 0) return handler;
  const dot = handler.indexOf('.', slash + 1);
  const module = dot < 0 ? handler : handler.slice(0, dot);
  const kept = ['.js', '.mjs', '.cjs'].some((ext) => outputs.has(`${module}${ext}`));
  return kept ? handler : handler.slice(slash + 1);
}
