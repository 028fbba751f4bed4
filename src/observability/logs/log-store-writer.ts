/**
 * The writing side of the log store (docs/cloudwatch-logs.md): log lines heard from the platform
 * are kept in memory per stream and appended to the stream's current segment on a short timer
 * and at close, never with a synchronous call per line (a function's output is on the hot path).
 * After each flush the store is held under its size cap by removing the least recently written
 * segments first, so a function that prints without end costs bounded disk, and bounded memory:
 * when more than a quarter of the cap waits to be written, a stream's waiting output lines are
 * dropped for its newest, counted, and a line in the stream says so. The platform's own lines
 * (START, END, REPORT, a timeout) are never dropped: a killed function's output still draining
 * after its REPORT must not take the REPORT with it. They are a few per invocation, so bounded.
 *
 * A flush writes each stream's waiting lines with one synchronous open, write and close: with many
 * environments, each flush has as many streams to write, and `fs.promises.appendFile` cost each of
 * them three thread-pool round trips and their promises (a quarter of the platform's CPU per
 * invoke at 64 busy environments, bench/RESULTS.md "Issue 18, third round"). The writes go to the
 * page cache of the state directory's disk, as the state store's do.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { rm, rmdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { encodedName, listSegments, logGroupOf, segmentName, type SegmentFile } from './log-store-layout.js';

export const DEFAULT_LOG_STORE_BYTES = 100 * 1024 * 1024;
const DEFAULT_FLUSH_MS = 200;
const MAX_SEGMENT_BYTES = 8 * 1024 * 1024;

export interface LogStoreOptions {
  /** The store's folder (`<state>/logs`). */
  readonly root: string;
  /** The size cap of every stream together (default 100 MiB). */
  readonly maxBytes?: number;
  /** How long a line may wait in memory before its flush (default 200 ms). */
  readonly flushMs?: number;
}

interface StreamState {
  readonly group: string;
  readonly stream: string;
  readonly dir: string;
  seq: number;
  segment: SegmentFile | undefined;
  lines: string[];
  /** Bytes of `lines`. */
  bytes: number;
  /** Where the platform's lines are in `lines` (kept when a flood drops the output around them). */
  platformAt: number[];
  dropped: number;
  /** Timestamp of the first line kept after a drop: the notice's time. */
  droppedAt: number;
  made: boolean;
  /** Its environment is gone: forgotten once its last lines are written. */
  released: boolean;
}

/**
 * @example
 * const store = await LogStoreWriter.open({ root: join(stateDir, 'logs') });
 * store.append('Hello', '2026/11/30/[$LATEST]0123...', 'START RequestId: ...');
 * await store.close(); // everything appended is on disk
 */
export class LogStoreWriter {
  readonly root: string;
  readonly maxBytes: number;
  readonly #flushMs: number;
  readonly #segmentBytes: number;
  readonly #maxPending: number;
  readonly #streams = new Map<string, StreamState>();
  /** Every segment on disk that this writer knows of: the cap's view. */
  readonly #segments = new Set<SegmentFile>();
  #total = 0;
  #pending = 0;
  /** Waiting bytes that start a flush before the timer (a loud stream). */
  readonly #flushAt: number;
  /** Flushes asked for and not finished: a loud stream asks for one, not one per line. */
  #queued = 0;
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();
  #closed = false;
  /** The stream of the last line appended, and its function (cleared when a state is dropped). */
  #last: StreamState | undefined;
  #lastFunction = '';

  private constructor(options: LogStoreOptions, existing: SegmentFile[]) {
    this.root = options.root;
    this.maxBytes = options.maxBytes ?? DEFAULT_LOG_STORE_BYTES;
    this.#flushMs = options.flushMs ?? DEFAULT_FLUSH_MS;
    // Several segments fit under the cap, so the cap can drop the old part of a stream that never stops.
    this.#segmentBytes = Math.max(4096, Math.min(MAX_SEGMENT_BYTES, Math.floor(this.maxBytes / 8)));
    this.#maxPending = Math.max(4096, Math.floor(this.maxBytes / 4));
    this.#flushAt = Math.min(1024 * 1024, Math.floor(this.#maxPending / 4));
    for (const segment of existing) {
      this.#segments.add(segment);
      this.#total += segment.bytes;
    }
  }

  /** Open the store, learning what earlier runs left in it (held to the cap at the first flush). */
  static async open(options: LogStoreOptions): Promise<LogStoreWriter> {
    return new LogStoreWriter(options, await listSegments(options.root));
  }

  /** Bytes on disk, as far as this writer knows. */
  get totalBytes(): number {
    return this.#total;
  }

  /**
   * Keep one line of a function's stream; written at the next flush. `output` lines (what the
   * function's processes printed) may be dropped in a flood; `platform` lines are not.
   */
  append(functionName: string, stream: string, message: string, timestamp = Date.now(), origin: 'output' | 'platform' = 'output'): void {
    if (this.#closed) return;
    // An invocation's lines come in a row from one stream (START, the function's, END, REPORT):
    // the last stream's state is kept at hand instead of a key built and looked up per line.
    let state = this.#last;
    if (state === undefined || state.stream !== stream || this.#lastFunction !== functionName) {
      const group = logGroupOf(functionName);
      const key = `${group}\n${stream}`;
      state = this.#streams.get(key);
      if (state === undefined) {
        state = { group, stream, dir: join(this.root, encodedName(group), encodedName(stream)), seq: 0, segment: undefined, lines: [], bytes: 0, platformAt: [], dropped: 0, droppedAt: 0, made: false, released: false };
        this.#streams.set(key, state);
      }
      this.#last = state;
      this.#lastFunction = functionName;
    }
    // One event per line: a newline inside a message would split it when read back.
    const line = `${timestamp}\t${message.includes('\n') ? message.replaceAll('\n', ' ') : message}\n`;
    if (this.#pending + line.length > this.#maxPending) {
      // The newest lines matter most: this stream's waiting output goes (its platform lines stay);
      // a quiet stream's output line goes when louder streams fill the buffer.
      this.#dropOutput(state, timestamp);
      if (this.#pending + line.length > this.#maxPending && origin === 'output') {
        state.dropped += 1;
        return;
      }
    }
    if (origin === 'platform') state.platformAt.push(state.lines.length);
    state.lines.push(line);
    state.bytes += line.length;
    this.#pending += line.length;
    if (this.#pending > this.#flushAt && this.#queued === 0) void this.flush();
    else this.#timer ??= setTimeout(() => void this.flush(), this.#flushMs).unref();
  }

  /** Drop a stream's waiting output lines, keeping its platform lines in their order. */
  #dropOutput(state: StreamState, timestamp: number): void {
    const kept = state.platformAt.map((index) => state.lines[index] ?? '');
    const keptBytes = kept.reduce((sum, line) => sum + line.length, 0);
    state.dropped += state.lines.length - kept.length;
    state.droppedAt = timestamp;
    this.#pending -= state.bytes - keptBytes;
    state.lines = kept;
    state.bytes = keptBytes;
    state.platformAt = kept.map((_line, index) => index);
  }

  /**
   * The stream's environment is gone (no more lines will come): its state is dropped after its
   * last lines are written, so a long `lamina serve` keeps no state per environment it retired.
   */
  release(functionName: string, stream: string): void {
    const state = this.#streams.get(`${logGroupOf(functionName)}\n${stream}`);
    if (state !== undefined) state.released = true;
  }

  /** Write what waits (after any flush under way); settles once it is on disk. */
  flush(): Promise<void> {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#queued += 1;
    this.#flushing = this.#flushing
      .then(() => this.#write())
      .catch((error: unknown) => {
        process.stderr.write(`lamina: the log store could not write: ${(error as Error).message}\n`);
      })
      .finally(() => {
        this.#queued -= 1;
      });
    return this.#flushing;
  }

  /** Write everything appended so far and accept no more. */
  async close(): Promise<void> {
    await this.flush();
    this.#closed = true;
  }

  async #write(): Promise<void> {
    for (const [key, state] of this.#streams) {
      if (state.lines.length === 0 && state.dropped === 0) {
        if (state.released) {
          this.#streams.delete(key);
          if (this.#last === state) this.#last = undefined;
        }
        continue;
      }
      const lines = state.lines;
      this.#pending -= state.bytes;
      state.lines = [];
      state.bytes = 0;
      if (state.platformAt.length > 0) state.platformAt = [];
      if (state.dropped > 0) {
        lines.unshift(`${state.droppedAt}\tlamina: ${state.dropped} log line(s) of this stream were dropped: the log store could not keep up\n`);
        state.dropped = 0;
      }
      const chunk = lines.join('');
      this.#appendChunk(state, chunk);
    }
    await this.#holdCap();
  }

  #appendChunk(state: StreamState, chunk: string): void {
    if (!state.made) {
      mkdirSync(state.dir, { recursive: true });
      state.made = true;
      state.seq = Math.max(state.seq, ...[...this.#segments].filter((s) => dirname(s.path) === state.dir).map((s) => s.seq));
    }
    const bytes = Buffer.byteLength(chunk);
    if (state.segment === undefined || (state.segment.bytes > 0 && state.segment.bytes + bytes > this.#segmentBytes)) {
      state.seq += 1;
      const path = join(state.dir, segmentName(state.seq));
      state.segment = { path, group: state.group, stream: state.stream, seq: state.seq, bytes: 0, lastWrite: Date.now() };
      this.#segments.add(state.segment);
    }
    try {
      appendNow(state.segment.path, chunk);
    } catch (error) {
      // Another process's cap (a `lamina invoke` beside `lamina serve`) removed the stream's folder.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      mkdirSync(state.dir, { recursive: true });
      appendNow(state.segment.path, chunk);
    }
    state.segment.bytes += bytes;
    state.segment.lastWrite = Date.now();
    this.#total += bytes;
  }

  /** Remove the least recently written segments until the store is under its cap. */
  async #holdCap(): Promise<void> {
    if (this.#total <= this.maxBytes) return;
    const oldestFirst = [...this.#segments].sort((a, b) => a.lastWrite - b.lastWrite || a.seq - b.seq);
    for (const segment of oldestFirst) {
      if (this.#total <= this.maxBytes) break;
      await rm(segment.path, { force: true });
      this.#segments.delete(segment);
      this.#total -= segment.bytes;
      for (const state of this.#streams.values()) {
        // The next line of that stream starts a new segment.
        if (state.segment === segment) state.segment = undefined;
      }
      // A stream left with no segment goes; rmdir refuses a folder that is not empty.
      await rmdir(dirname(segment.path)).catch(() => undefined);
      if (this.#streams.size > 0) this.#forgetRemovedDir(dirname(segment.path));
    }
  }

  /** A stream folder removed by the cap must be made again before its next write. */
  #forgetRemovedDir(dir: string): void {
    for (const state of this.#streams.values()) {
      if (state.dir === dir && state.segment === undefined) state.made = false;
    }
  }
}

/** Append `chunk` to the file at `path` (made if missing): open, write whole, close. */
function appendNow(path: string, chunk: string): void {
  const fd = openSync(path, 'a');
  try {
    const bytes = Buffer.from(chunk);
    for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at);
  } finally {
    closeSync(fd);
  }
}
