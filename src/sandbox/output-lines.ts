/**
 * Bounded line splitting for what a function writes to stdout and stderr (docs/logs.md).
 *
 * A runtime's output is untrusted: one `write` of a gigabyte without a newline must cost the
 * platform no more than a line's worth of memory. The splitter works on bytes, holds at most one
 * fixed buffer of {@link MAX_LOG_LINE_BYTES} per stream (allocated once, the first time a line is
 * left unfinished at the end of a chunk, never grown), and cuts a line longer than that into
 * several lines of at most that size, never inside a UTF-8 character. Each line is decoded as
 * UTF-8 on its own; invalid bytes become U+FFFD. `\r` is kept: only `\n` ends a line.
 */

/**
 * The largest log line, in bytes of UTF-8: a CloudWatch Logs event is at most 256 KiB (262,144
 * bytes), of which 26 bytes are the event's own overhead, leaving 262,118 bytes of message.
 */
export const MAX_LOG_LINE_BYTES = 256 * 1024 - 26;

/** Receives each line, without its `\n`. Synchronous: the splitter's buffer is reused after it returns. */
export type LineSink = (line: string) => void;

/** The UTF-8 sequence length announced by a lead byte (1 for ASCII and for bytes that cannot lead). */
function sequenceLength(lead: number): number {
  if (lead >= 0xc0 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf7) return 4;
  return 1;
}

/**
 * Where to cut `bytes[start, end)` so that the piece does not end inside a UTF-8 character: `end`,
 * or the start of the incomplete character at the end. Invalid bytes are cut anywhere (they decode
 * to U+FFFD whatever happens).
 *
 * @example utf8Cut(Buffer.from('a€'), 0, 3) // 1: '€' is 3 bytes and only 2 are in the piece
 */
export function utf8Cut(bytes: Uint8Array, start: number, end: number): number {
  let lead = end - 1;
  // At most 3 continuation bytes (10xxxxxx) can precede the lead byte of a character.
  while (lead > start && end - lead < 4 && ((bytes[lead] ?? 0) & 0xc0) === 0x80) lead -= 1;
  const byte = bytes[lead] ?? 0;
  if ((byte & 0xc0) === 0x80 || lead === start) return end;
  return sequenceLength(byte) > end - lead ? lead : end;
}

/**
 * @example
 * const lines = new OutputLines((line) => console.log(line));
 * lines.write(Buffer.from('hello\nwor'));  // 'hello'
 * lines.write(Buffer.from('ld\n'));        // 'world'
 * lines.end();
 */
export class OutputLines {
  readonly #sink: LineSink;
  readonly #max: number;
  /** The unfinished line: allocated once, when a chunk first ends inside a line. */
  #held: Buffer | undefined;
  #length = 0;

  constructor(sink: LineSink, maxLineBytes: number = MAX_LOG_LINE_BYTES) {
    // Four bytes at least, so that a piece always holds a whole UTF-8 character.
    if (!Number.isSafeInteger(maxLineBytes) || maxLineBytes < 4) throw new RangeError(`maxLineBytes must be an integer >= 4, got ${maxLineBytes}`);
    this.#sink = sink;
    this.#max = maxLineBytes;
  }

  /** Bytes of memory the splitter keeps between chunks: 0, then the fixed buffer's size. */
  get retainedBytes(): number {
    return this.#held?.length ?? 0;
  }

  /** Bytes of the unfinished line held right now. */
  get pendingBytes(): number {
    return this.#length;
  }

  write(chunk: Buffer): void {
    let from = 0;
    while (from < chunk.length) {
      const newline = chunk.indexOf(0x0a, from);
      const to = newline < 0 ? chunk.length : newline;
      this.#line(chunk, from, to, newline >= 0);
      if (newline < 0) return;
      from = newline + 1;
    }
  }

  /** The stream ended: a final line without `\n` is emitted. */
  end(): void {
    if (this.#length === 0) return;
    const held = this.#held as Buffer;
    const length = this.#length;
    this.#length = 0;
    this.#sink(held.toString('utf8', 0, length));
  }

  /** `chunk[from, to)` continues the current line; `terminated`: a `\n` follows it. */
  #line(chunk: Buffer, from: number, to: number, terminated: boolean): void {
    const max = this.#max;
    if (this.#length === 0) {
      // Nothing held: whole pieces go straight from the chunk (the common case copies nothing).
      while (to - from > max) {
        const cut = utf8Cut(chunk, from, from + max);
        this.#sink(chunk.toString('utf8', from, cut));
        from = cut;
      }
      if (terminated) this.#sink(chunk.toString('utf8', from, to));
      else if (to > from) this.#hold(chunk, from, to);
      return;
    }
    const held = this.#held as Buffer;
    while (from < to) {
      // Full and the line goes on: emit a piece (a line of exactly `max` bytes is one line).
      if (this.#length === max) this.#emitPiece(held);
      const take = Math.min(max - this.#length, to - from);
      chunk.copy(held, this.#length, from, from + take);
      this.#length += take;
      from += take;
    }
    if (terminated) this.end();
  }

  #hold(chunk: Buffer, from: number, to: number): void {
    this.#held ??= Buffer.allocUnsafeSlow(this.#max);
    chunk.copy(this.#held, 0, from, to);
    this.#length = to - from;
  }

  /** Emit the held bytes up to the last whole character; the rest (at most 3 bytes) starts the next piece. */
  #emitPiece(held: Buffer): void {
    const cut = utf8Cut(held, 0, this.#length);
    this.#sink(held.toString('utf8', 0, cut));
    held.copyWithin(0, cut, this.#length);
    this.#length -= cut;
  }
}

/**
 * Split a readable stream's bytes into bounded lines (the stream must not have an encoding set).
 *
 * @example
 * splitOutputLines(child.stdout, (line) => log.write(line));
 */
export function splitOutputLines(stream: NodeJS.ReadableStream, sink: LineSink, maxLineBytes?: number): OutputLines {
  const lines = new OutputLines(sink, maxLineBytes);
  stream.on('data', (chunk: Buffer | string) => lines.write(typeof chunk === 'string' ? Buffer.from(chunk) : chunk));
  stream.on('end', () => lines.end());
  return lines;
}
