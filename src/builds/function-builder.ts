/**
 * One function's esbuild build: an esbuild context kept open, so that a rebuild after a change is
 * incremental, and a watcher on the directories of the build's own source files (from esbuild's
 * metafile) that starts it. A rebuild that fails writes nothing: the last good build keeps serving
 * and esbuild's messages are shown (docs/builds.md, "On change").
 *
 * esbuild's own `watch()` polls, and notices a change up to 2 s late in a large project; a
 * directory watch (inotify) and `rebuild()` notice it within milliseconds, which hot reload needs.
 */
import { context, formatMessagesSync, type BuildContext, type BuildFailure, type Message, type Metafile } from 'esbuild';
import { watch, type FSWatcher } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { FunctionBuild } from '../config/build-properties.js';
import { packageManifest, relativeOutput, writeBuild, type WrittenFiles } from './build-output.js';
import { esbuildOptions } from './esbuild-options.js';

/** What one build did. */
export type BuildOutcome =
  | { readonly ok: true; readonly changed: boolean; readonly ms: number; readonly outputs: ReadonlySet<string> }
  | { readonly ok: false; readonly message: string };

/** Where a builder reports rebuilds started by its watcher. */
export interface BuilderLog {
  info(line: string): void;
  error(text: string): void;
}

/** Changes within this window are one rebuild (an editor's save is several file events). */
const SETTLE_MS = 15;

function isBuildFailure(error: unknown): error is BuildFailure {
  return error instanceof Error && Array.isArray((error as Partial<BuildFailure>).errors);
}

/** esbuild's messages as it prints them (file:line:column, the line, a caret), without colour. */
export function describeFailure(error: unknown): string {
  const messages: Message[] = isBuildFailure(error) ? error.errors : [];
  if (messages.length === 0) return error instanceof Error ? error.message : String(error);
  return formatMessagesSync(messages, { kind: 'error', color: false }).join('').trimEnd();
}

/** The directories holding the build's inputs outside node_modules (packages change by reinstall, not by edit). */
function sourceDirectories(sourceDir: string, metafile: Metafile | undefined): Set<string> {
  const dirs = new Set([sourceDir]);
  for (const input of Object.keys(metafile?.inputs ?? {})) {
    if (input.includes('node_modules/') || input.includes(':')) continue;
    dirs.add(dirname(resolve(sourceDir, input)));
  }
  return dirs;
}

/**
 * @example
 * const builder = await FunctionBuilder.open('Api', fn.build, '/state/builds/Api', log);
 * const first = await builder.build();
 * if (first.ok) builder.watch();
 */
export class FunctionBuilder {
  readonly #name: string;
  readonly #build: FunctionBuild;
  readonly #outDir: string;
  readonly #log: BuilderLog;
  readonly #context: BuildContext<{ write: false; metafile: true }>;
  readonly #watchers = new Map<string, FSWatcher>();
  #written: WrittenFiles | undefined;
  #metafile: Metafile | undefined;
  #watching = false;
  #running: Promise<BuildOutcome> | undefined;
  #again = false;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  private constructor(name: string, build: FunctionBuild, outDir: string, log: BuilderLog, ctx: BuildContext<{ write: false; metafile: true }>) {
    this.#name = name;
    this.#build = build;
    this.#outDir = outDir;
    this.#log = log;
    this.#context = ctx;
  }

  /** Opens the esbuild context (nothing is built yet). */
  static async open(name: string, build: FunctionBuild, outDir: string, log: BuilderLog): Promise<FunctionBuilder> {
    const ctx = await context(esbuildOptions(build, outDir));
    return new FunctionBuilder(name, build, outDir, log, ctx);
  }

  get outDir(): string {
    return this.#outDir;
  }

  /** Build now (after the build under way, when there is one) and write the output if it succeeded. */
  async build(): Promise<BuildOutcome> {
    while (this.#running !== undefined) await this.#running.catch(() => undefined);
    const running = this.#once();
    this.#running = running;
    try {
      return await running;
    } finally {
      this.#running = undefined;
    }
  }

  async #once(): Promise<BuildOutcome> {
    const started = performance.now();
    let result;
    try {
      result = await this.#context.rebuild();
    } catch (error) {
      return { ok: false, message: describeFailure(error) };
    }
    const files = result.outputFiles.map((file) => ({ path: relativeOutput(this.#outDir, file.path), contents: file.contents }));
    files.push(packageManifest(this.#build.properties.format));
    const { written, changed } = writeBuild(this.#outDir, files, this.#written);
    this.#written = written;
    this.#metafile = result.metafile;
    if (this.#watching) this.#watchDirectories(result.metafile);
    return { ok: true, changed, ms: Math.round(performance.now() - started), outputs: new Set(written.keys()) };
  }

  /** Rebuild on every change of the build's sources from now on (until `close`). */
  watch(): void {
    this.#watching = true;
    // The last good build's inputs (the code directory alone when there is none); each success refreshes the set.
    this.#watchDirectories(this.#metafile);
  }

  #watchDirectories(metafile: Metafile | undefined): void {
    if (this.#closed) return;
    const wanted = sourceDirectories(this.#build.sourceDir, metafile);
    for (const dir of wanted) {
      if (this.#watchers.has(dir)) continue;
      try {
        const watcher = watch(dir, { persistent: false }, () => this.#changed());
        watcher.on('error', () => this.#unwatch(dir));
        this.#watchers.set(dir, watcher);
      } catch {
        // A directory removed meanwhile: the next successful build's inputs say what to watch.
      }
    }
    // A failed build has no metafile: the directories watched so far stay (the fix will come there).
    if (metafile === undefined) return;
    for (const dir of [...this.#watchers.keys()]) if (!wanted.has(dir)) this.#unwatch(dir);
  }

  #unwatch(dir: string): void {
    this.#watchers.get(dir)?.close();
    this.#watchers.delete(dir);
  }

  #changed(): void {
    if (this.#closed) return;
    if (this.#running !== undefined) {
      this.#again = true;
      return;
    }
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#rebuildOnChange(), SETTLE_MS);
  }

  async #rebuildOnChange(): Promise<void> {
    const outcome = await this.build();
    if (this.#closed) return;
    if (!outcome.ok) this.#log.error(`lamina: build of ${this.#name} failed; the previous build keeps serving:\n${outcome.message}\n`);
    else if (outcome.changed) this.#log.info(`Rebuilt ${this.#name} in ${outcome.ms} ms`);
    if (this.#again) {
      this.#again = false;
      this.#changed();
    }
  }

  /** Stop watching and release esbuild's context. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    for (const dir of [...this.#watchers.keys()]) this.#unwatch(dir);
    await this.#running?.catch(() => undefined);
    await this.#context.dispose();
  }
}
