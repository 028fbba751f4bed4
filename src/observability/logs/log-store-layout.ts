/**
 * How the log store lays out its files under the state directory (docs/cloudwatch-logs.md):
 *
 *   <state>/logs/<log group>/<log stream>/<segment>.log
 *
 * Group and stream names are percent-encoded (`/aws/lambda/Fn` -> `%2Faws%2Flambda%2FFn`), so a
 * name is always one directory and decodes back exactly. A stream is cut into numbered segments
 * (`000001.log`, ...) so that the size cap can drop the oldest part of a stream that never stops.
 * Each line of a segment is one event: its timestamp in milliseconds, a tab, the message.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** The store's folder in a state directory. */
export const LOGS_DIR = 'logs';

/** One log event as stored and read back. */
export interface LogEvent {
  /** Milliseconds since the epoch. */
  readonly timestamp: number;
  readonly stream: string;
  readonly message: string;
}

/** A segment file with what the size cap needs to know of it. */
export interface SegmentFile {
  readonly path: string;
  readonly group: string;
  readonly stream: string;
  readonly seq: number;
  bytes: number;
  /** Last write, ms: the oldest segments go first when the store is over its cap. */
  lastWrite: number;
}

/**
 * The log group Lambda gives a function.
 *
 * @example logGroupOf('Hello') // '/aws/lambda/Hello'
 */
export function logGroupOf(functionName: string): string {
  return `/aws/lambda/${functionName}`;
}

/**
 * A group's or stream's folder name. Dots are encoded too: names come from Logs API callers, and
 * `.` or `..` left as they are would name the store's own folder or the one above it.
 *
 * @example encodedName('/aws/lambda/Fn') // '%2Faws%2Flambda%2FFn'
 * @example encodedName('..') // '%2E%2E'
 */
export function encodedName(name: string): string {
  return encodeURIComponent(name).replaceAll('.', '%2E');
}

function decodedName(entry: string): string | undefined {
  try {
    return decodeURIComponent(entry);
  } catch {
    return undefined;
  }
}

/** @example segmentName(3) // '000003.log' */
export function segmentName(seq: number): string {
  return `${String(seq).padStart(6, '0')}.log`;
}

function segmentSeq(entry: string): number | undefined {
  const match = /^(\d{6,})\.log$/.exec(entry);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/**
 * One stored line back as an event; undefined for a line that is not one (cut by a crash).
 *
 * @example parseEventLine('1764500000000\thello', 's') // { timestamp: 1764500000000, stream: 's', message: 'hello' }
 */
export function parseEventLine(line: string, stream: string): LogEvent | undefined {
  const tab = line.indexOf('\t');
  if (tab <= 0) return undefined;
  const timestamp = Number(line.slice(0, tab));
  return Number.isSafeInteger(timestamp) ? { timestamp, stream, message: line.slice(tab + 1) } : undefined;
}

async function entries(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
    throw error;
  }
}

/** The log groups in a store, sorted. */
export async function listLogGroups(root: string): Promise<string[]> {
  return (await entries(root)).flatMap((entry) => decodedName(entry) ?? []).sort();
}

/** The streams of a group, sorted by name (which starts with their day). */
export async function listLogStreams(root: string, group: string): Promise<string[]> {
  return (await entries(join(root, encodedName(group)))).flatMap((entry) => decodedName(entry) ?? []).sort();
}

/**
 * Every segment of a group (or of the whole store), with its size and last write, in stream and
 * sequence order. Files that vanish while being listed (another process's cap) are skipped.
 */
export async function listSegments(root: string, only?: string): Promise<SegmentFile[]> {
  const groups = only === undefined ? await listLogGroups(root) : [only];
  const found: SegmentFile[] = [];
  for (const group of groups) {
    for (const stream of await listLogStreams(root, group)) {
      const dir = join(root, encodedName(group), encodedName(stream));
      const seqs = (await entries(dir)).flatMap((entry) => segmentSeq(entry) ?? []).sort((a, b) => a - b);
      for (const seq of seqs) {
        const path = join(dir, segmentName(seq));
        try {
          const info = await stat(path);
          found.push({ path, group, stream, seq, bytes: info.size, lastWrite: info.mtimeMs });
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        }
      }
    }
  }
  return found;
}
