/**
 * The reading side of the log store (docs/cloudwatch-logs.md): a group's events in time order
 * across its streams, and the events written since the last look (`lamina logs --follow`, which
 * reads the files while another process's `lamina serve` appends to them). Only whole lines are
 * read: a line still being appended is read at the next look.
 */
import { open } from 'node:fs/promises';
import { listSegments, parseEventLine, type LogEvent } from './log-store-layout.js';

export interface TailOptions {
  /** Only events at or after this time (ms). */
  readonly since?: number | undefined;
  /** Only events whose message matches. */
  readonly filter?: ((message: string) => boolean) | undefined;
}

/** How much of a segment has been read, by path. */
interface ReadMark {
  offset: number;
}

/**
 * @example
 * const tail = new LogTail(join(stateDir, 'logs'), '/aws/lambda/Hello', { since: Date.now() - 600_000 });
 * for (const event of await tail.poll()) console.log(event.message); // all so far
 * await tail.poll(); // only what was written since
 */
export class LogTail {
  readonly #root: string;
  readonly #group: string;
  readonly #options: TailOptions;
  readonly #marks = new Map<string, ReadMark>();

  constructor(root: string, group: string, options: TailOptions = {}) {
    this.#root = root;
    this.#group = group;
    this.#options = options;
  }

  /** The events written since the last poll (all of them at the first), oldest first. */
  async poll(): Promise<LogEvent[]> {
    const segments = await listSegments(this.#root, this.#group);
    const live = new Set(segments.map((segment) => segment.path));
    for (const path of this.#marks.keys()) if (!live.has(path)) this.#marks.delete(path);
    const found: LogEvent[] = [];
    for (const segment of segments) {
      let mark = this.#marks.get(segment.path);
      if (mark === undefined) {
        mark = { offset: 0 };
        this.#marks.set(segment.path, mark);
        // Last written before --since: none of its events can be wanted.
        if (this.#options.since !== undefined && segment.lastWrite < this.#options.since) mark.offset = segment.bytes;
      }
      if (segment.bytes <= mark.offset) continue;
      await this.#read(segment.path, segment.stream, mark, segment.bytes, found);
    }
    // Each stream's events are in order already; a stable sort merges the streams by time.
    return found.sort((a, b) => a.timestamp - b.timestamp);
  }

  async #read(path: string, stream: string, mark: ReadMark, size: number, into: LogEvent[]): Promise<void> {
    let handle;
    try {
      handle = await open(path, 'r');
    } catch (error) {
      // Removed by the size cap meanwhile.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    try {
      const buffer = Buffer.alloc(size - mark.offset);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, mark.offset);
      const end = buffer.lastIndexOf(0x0a, bytesRead - 1);
      if (end < 0) return;
      mark.offset += end + 1;
      const { since, filter } = this.#options;
      for (const line of buffer.toString('utf8', 0, end).split('\n')) {
        const event = parseEventLine(line, stream);
        if (event === undefined || (since !== undefined && event.timestamp < since)) continue;
        if (filter === undefined || filter(event.message)) into.push(event);
      }
    } finally {
      await handle.close();
    }
  }
}

/**
 * An event as `aws logs tail` prints it: the time (UTC, microseconds), the stream, the message.
 *
 * @example formatEvent({ timestamp: 0, stream: 's', message: 'hi' }) // '1970-01-01T00:00:00.000000+00:00 s hi'
 */
export function formatEvent(event: LogEvent): string {
  return `${new Date(event.timestamp).toISOString().replace('Z', '000+00:00')} ${event.stream} ${event.message}`;
}
