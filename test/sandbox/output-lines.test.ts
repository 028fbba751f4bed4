/**
 * The bounded line splitter: lines at '\n' only, long lines cut at the limit without cutting a
 * UTF-8 character, a final partial line flushed, and a fixed buffer whatever the input.
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { MAX_LOG_LINE_BYTES, OutputLines, splitOutputLines, utf8Cut } from '../../src/sandbox/output-lines.js';

function collect(max?: number): { lines: string[]; splitter: OutputLines } {
  const lines: string[] = [];
  return { lines, splitter: new OutputLines((line) => lines.push(line), max) };
}

/** Feed `text` in chunks of `size` bytes (cutting UTF-8 characters wherever they fall), then end. */
function feed(splitter: OutputLines, bytes: Buffer, size: number): void {
  for (let at = 0; at < bytes.length; at += size) splitter.write(bytes.subarray(at, at + size));
  splitter.end();
}

const bytesOf = (line: string): number => Buffer.byteLength(line);

/** The reference cut, character by character: each piece takes characters while they fit in `max` bytes. */
function greedyPieces(text: string, max: number): string[] {
  const pieces: string[] = [];
  let piece = '';
  for (const char of text) {
    if (bytesOf(piece) + bytesOf(char) > max) {
      pieces.push(piece);
      piece = '';
    }
    piece += char;
  }
  pieces.push(piece);
  return pieces;
}

describe('OutputLines', () => {
  it('uses CloudWatch Logs event size less its 26 bytes of overhead', () => {
    expect(MAX_LOG_LINE_BYTES).toBe(262_118);
  });

  it('splits at \\n across chunks, keeps empty lines and \\r, flushes the last partial line', () => {
    const { lines, splitter } = collect();
    splitter.write(Buffer.from('one\ntw'));
    splitter.write(Buffer.from('o\r\n\nthr'));
    expect(lines).toEqual(['one', 'two\r', '']);
    splitter.write(Buffer.from('ee'));
    splitter.end();
    expect(lines).toEqual(['one', 'two\r', '', 'three']);
    splitter.end();
    expect(lines).toHaveLength(4);
  });

  it('a lone \\r does not end a line (only \\n does, as Lambda reads stdout)', () => {
    const { lines, splitter } = collect();
    feed(splitter, Buffer.from('progress 1\rprogress 2\r\nok'), 3);
    expect(lines).toEqual(['progress 1\rprogress 2\r', 'ok']);
  });

  it('emits nothing for input that ends with \\n and nothing at end for an empty stream', () => {
    const { lines, splitter } = collect();
    splitter.end();
    feed(splitter, Buffer.from('a\n'), 1);
    expect(lines).toEqual(['a']);
  });

  it('cuts a long line into pieces of the limit, in one chunk and byte by byte', () => {
    for (const size of [1, 7, 1000]) {
      const { lines, splitter } = collect(10);
      feed(splitter, Buffer.from(`${'a'.repeat(25)}\nshort\n${'b'.repeat(10)}`), size);
      expect(lines).toEqual(['a'.repeat(10), 'a'.repeat(10), 'a'.repeat(5), 'short', 'b'.repeat(10)]);
    }
  });

  it('at the exact boundary: a line of the limit is one line, one byte more is two', () => {
    for (const size of [1, 3, 10, 11, 64]) {
      const { lines, splitter } = collect(10);
      const text = `${'x'.repeat(10)}\n${'y'.repeat(11)}\n${'z'.repeat(20)}\n${'w'.repeat(10)}`;
      feed(splitter, Buffer.from(text), size);
      expect(lines, `chunks of ${size}`).toEqual(['x'.repeat(10), 'y'.repeat(10), 'y', 'z'.repeat(10), 'z'.repeat(10), 'w'.repeat(10)]);
    }
  });

  it('never cuts a multi-byte character: across chunk boundaries and at the split point', () => {
    // 'é' 2 bytes, '€' 3 bytes, '😀' 4 bytes: every offset of the cut lands somewhere in one of them.
    const text = 'aé€😀'.repeat(50);
    for (const max of [4, 5, 6, 7, 10, 33]) {
      const pieces = greedyPieces(text, max);
      for (const size of [1, 2, 3, 5, 64, 10_000]) {
        const { lines, splitter } = collect(max);
        feed(splitter, Buffer.from(`${text}\n${text}`), size);
        expect(lines, `max ${max}, chunks of ${size}`).toEqual([...pieces, ...pieces]);
      }
    }
  });

  it('decodes invalid UTF-8 as U+FFFD without losing the bytes around it', () => {
    const { lines, splitter } = collect(8);
    // A lone continuation byte, a truncated '€' (E2 82) before '\n', and one at the end of the stream.
    feed(splitter, Buffer.from([0x61, 0x80, 0x62, 0xe2, 0x82, 0x0a, 0x63, 0xe2]), 1);
    expect(lines).toEqual(['a\ufffdb\ufffd', 'c\ufffd']);
    const long = collect(4);
    // More continuation bytes than a character can have: cut anyway, at the limit.
    feed(long.splitter, Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x0a]), 100);
    expect(long.lines.map(bytesOf)).toEqual([12, 6]);
  });

  it('utf8Cut backs off to the start of an incomplete character only', () => {
    const euro = Buffer.from('ab€');
    expect(utf8Cut(euro, 0, 5)).toBe(5);
    expect(utf8Cut(euro, 0, 4)).toBe(2);
    expect(utf8Cut(euro, 0, 3)).toBe(2);
    expect(utf8Cut(euro, 0, 2)).toBe(2);
    const emoji = Buffer.from('😀😀');
    expect(utf8Cut(emoji, 0, 7)).toBe(4);
    expect(utf8Cut(emoji, 4, 8)).toBe(8);
  });

  it('holds a fixed buffer whatever the input: 1 GB without a newline in 64 KB chunks', () => {
    let count = 0;
    let bytes = 0;
    let longest = 0;
    const splitter = new OutputLines((line) => {
      count += 1;
      bytes += line.length;
      longest = Math.max(longest, line.length);
    });
    const chunk = Buffer.alloc(64 * 1024, 'x');
    const total = 1024 * 1024 * 1024;
    let retained = -1;
    for (let written = 0; written < total; written += chunk.length) {
      splitter.write(chunk);
      if (retained < 0) retained = splitter.retainedBytes;
      // Never more than the one buffer allocated for the first unfinished line.
      expect(splitter.retainedBytes).toBe(retained);
      expect(splitter.pendingBytes).toBeLessThanOrEqual(MAX_LOG_LINE_BYTES);
    }
    splitter.end();
    expect(retained).toBe(MAX_LOG_LINE_BYTES);
    expect(bytes).toBe(total);
    expect(longest).toBe(MAX_LOG_LINE_BYTES);
    expect(count).toBe(Math.ceil(total / MAX_LOG_LINE_BYTES));
  });

  it('allocates nothing while every chunk ends with a whole line', () => {
    const { lines, splitter } = collect();
    for (let i = 0; i < 100; i += 1) splitter.write(Buffer.from(`line ${i}\nmore\n`));
    expect(splitter.retainedBytes).toBe(0);
    expect(lines).toHaveLength(200);
  });

  it('refuses a limit that cannot hold a UTF-8 character', () => {
    expect(() => new OutputLines(() => undefined, 3)).toThrow(RangeError);
  });
});

describe('splitOutputLines', () => {
  it('reads a byte stream and flushes the partial line when it ends', async () => {
    const stream = new PassThrough();
    const lines: string[] = [];
    splitOutputLines(stream, (line) => lines.push(line), 4);
    stream.write(Buffer.from('€').subarray(0, 2));
    stream.write(Buffer.concat([Buffer.from('€').subarray(2), Buffer.from('abcdef\nend')]));
    stream.end();
    await new Promise((resolve) => stream.once('end', resolve));
    expect(lines).toEqual(['€a', 'bcde', 'f', 'end']);
  });
});
