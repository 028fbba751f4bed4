/**
 * The incremental JSON validator against the rule it replaces: `JSON.parse(body.toString('utf8'))`,
 * with a body that `trim()`s to nothing counting as empty. Differential over a seeded corpus of
 * valid documents and their mutations, fed whole and in random chunks, plus the deep cases.
 */
import { describe, expect, it } from 'vitest';
import { JsonValidator, validateJson, type JsonVerdict } from '../../src/invoke/json-validator.js';
import { seededRandom as prng } from '../helpers/seeded-random.js';

type Outcome = 'ok' | 'empty' | 'bad';

/** What the front door did before: the reference. */
function reference(body: Buffer): Outcome {
  const text = body.toString('utf8');
  if (text.trim() === '') return 'empty';
  try {
    JSON.parse(text);
    return 'ok';
  } catch {
    return 'bad';
  }
}

function outcome(verdict: JsonVerdict): Outcome {
  return verdict.ok ? (verdict.empty ? 'empty' : 'ok') : 'bad';
}

const WS = [' ', '\t', '\n', '\r'];
const STRING_PIECES = ['a', 'Z', ' ', 'é', '€', '😀', '\\"', '\\\\', '\\/', '\\b', '\\f', '\\n', '\\r', '\\t', '\\u00e9', '\\uD83D', '\\uDE00', '\\u0000', '\u007f', '\u2028'];

class Generator {
  constructor(readonly random: () => number) {}

  int(n: number): number {
    return Math.floor(this.random() * n);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }

  ws(): string {
    let out = '';
    while (this.random() < 0.3) out += this.pick(WS);
    return out;
  }

  digits(first19: boolean): string {
    let out = first19 ? String(1 + this.int(9)) : String(this.int(10));
    while (this.random() < 0.5) out += String(this.int(10));
    return out;
  }

  number(): string {
    let out = this.random() < 0.3 ? '-' : '';
    out += this.random() < 0.2 ? '0' : this.digits(true);
    if (this.random() < 0.3) out += `.${this.digits(false)}`;
    if (this.random() < 0.3) out += `${this.pick(['e', 'E'])}${this.pick(['', '+', '-'])}${this.digits(false)}`;
    return out;
  }

  string(): string {
    let out = '"';
    const length = this.int(6);
    for (let i = 0; i < length; i += 1) out += this.pick(STRING_PIECES);
    return `${out}"`;
  }

  value(depth: number): string {
    const roll = this.int(depth > 4 ? 5 : 7);
    switch (roll) {
      case 0:
        return this.pick(['true', 'false', 'null']);
      case 1:
      case 2:
        return this.number();
      case 3:
      case 4:
        return this.string();
      case 5: {
        const items = Array.from({ length: this.int(4) }, () => `${this.ws()}${this.value(depth + 1)}${this.ws()}`);
        return items.length === 0 ? `[${this.ws()}]` : `[${items.join(',')}]`;
      }
      default: {
        const members = Array.from({ length: this.int(4) }, () => `${this.ws()}${this.string()}${this.ws()}:${this.ws()}${this.value(depth + 1)}${this.ws()}`);
        return members.length === 0 ? `{${this.ws()}}` : `{${members.join(',')}}`;
      }
    }
  }

  document(): Buffer {
    return Buffer.from(`${this.ws()}${this.value(0)}${this.ws()}`, 'utf8');
  }
}

/** Bytes that matter to a JSON parser, including invalid UTF-8 and trim()-only whitespace. */
const MUTATION_BYTES = [
  0x22, 0x5c, 0x2c, 0x3a, 0x5b, 0x5d, 0x7b, 0x7d, 0x2d, 0x2b, 0x2e, 0x30, 0x31, 0x39, 0x65, 0x45, 0x74, 0x6e, 0x66, 0x75,
  0x20, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x00, 0x1f, 0x7f, 0x80, 0xa0, 0xbf, 0xc0, 0xc2, 0xe2, 0xed, 0xef, 0xf0, 0xff,
];

function mutate(doc: Buffer, g: Generator): Buffer {
  const bytes = [...doc];
  const edits = 1 + g.int(3);
  for (let e = 0; e < edits; e += 1) {
    const at = g.int(bytes.length + 1);
    switch (g.int(5)) {
      case 0:
        bytes.splice(at, 1);
        break;
      case 1:
        bytes.splice(at, 0, g.pick(MUTATION_BYTES));
        break;
      case 2:
        if (at < bytes.length) bytes[at] = g.pick(MUTATION_BYTES);
        break;
      case 3:
        bytes.length = at;
        break;
      default: {
        const insert = g.pick([' ', '\u00a0', '\ufeff', '\u2028', '\v', ',', '"', '\\u', '1e', '-', 'tru', ']', '}', '[', '{']);
        bytes.splice(at, 0, ...Buffer.from(insert, 'utf8'));
      }
    }
  }
  return Buffer.from(bytes);
}

/** Feed `body` cut at random places (sometimes one byte at a time). */
function chunked(body: Buffer, g: Generator): JsonVerdict {
  const validator = new JsonValidator();
  let at = 0;
  while (at < body.length) {
    const size = g.random() < 0.2 ? 1 : 1 + g.int(8);
    validator.feed(body.subarray(at, at + size));
    at += size;
  }
  return validator.end();
}

describe('JsonValidator agrees with JSON.parse', () => {
  it('on hand-picked edge cases', () => {
    const cases = [
      '', ' ', '\t\n\r ', '\v', '\f', '\u00a0', '\ufeff', '\u2028 \u3000', '\u00a0{}', '{}\u00a0', '\ufeff{}', ' \v 1',
      '0', '-0', '-', '01', '1.', '.5', '1.5', '1e', '1e+', '1e+5', '1E-05', '-0.0e0', '1 2', 'Infinity', 'NaN', '+1',
      'true', 'tru', 'truee', 'nul', 'null', 'false', 'False',
      '""', '"', '"\\"', '"\\u"', '"\\u123"', '"\\u123G"', '"\\uABCD"', '"\\x41"', "\"\\'\"", '"\t"', '"\u007f"', '"é"',
      '[]', '[', ']', '[,]', '[1,]', '[1 2]', '[[]', '[]]', '{}', '{', '{"a"}', '{"a":}', '{"a":1,}', '{a:1}', "{'a':1}",
      '{"a":1 "b":2}', '{"a":[{"b":{}}]}', '[{]}', '{[]}', '[1,{"a":[true,false,null]}]',
    ];
    for (const text of cases) {
      const body = Buffer.from(text, 'utf8');
      expect(outcome(validateJson(body)), JSON.stringify(text)).toBe(reference(body));
    }
  });

  it('on raw bytes: invalid UTF-8 inside strings is taken (as its U+FFFD was), outside it is not', () => {
    const cases = [[0x22, 0xff, 0x22], [0x22, 0xe2, 0x82, 0x22], [0x22, 0xc0, 0xaf, 0x22], [0x22, 0xed, 0xa0, 0x80, 0x22], [0xff], [0xc2], [0xc2, 0xa0], [0xe0, 0x82, 0xa0], [0xc1, 0xa0], [0x5b, 0x80, 0x5d], [0xef, 0xbb, 0xbf], [0xef, 0xbb], [0xf0, 0x9f, 0x98, 0x80]];
    for (const bytes of cases) {
      const body = Buffer.from(bytes);
      expect(outcome(validateJson(body)), body.toString('hex')).toBe(reference(body));
    }
  });

  it('on 4,000 generated documents and 8,000 mutations, fed whole and in random chunks', () => {
    const g = new Generator(prng(20_251_129));
    const seen: Record<Outcome, number> = { ok: 0, empty: 0, bad: 0 };
    for (let i = 0; i < 4000; i += 1) {
      const doc = g.document();
      const bodies = [doc, mutate(doc, g), mutate(doc, g)];
      for (const body of bodies) {
        const expected = reference(body);
        seen[expected] += 1;
        expect(outcome(validateJson(body)), body.toString('hex')).toBe(expected);
        expect(outcome(chunked(body, g)), `chunked ${body.toString('hex')}`).toBe(expected);
      }
    }
    // The corpus really exercises both sides.
    expect(seen.ok).toBeGreaterThan(4000);
    expect(seen.bad).toBeGreaterThan(4000);
  });

  it('on nesting as deep as JSON.parse still parses', () => {
    for (const depth of [1, 2, 100, 10_000, 100_000]) {
      for (const [open, close] of [['[', ']'], ['{"a":', '}']] as const) {
        const valid = Buffer.from(open.repeat(depth) + '1' + close.repeat(depth));
        expect(outcome(validateJson(valid))).toBe(reference(valid));
        const unbalanced = Buffer.from(open.repeat(depth) + '1' + close.repeat(depth - 1));
        expect(outcome(validateJson(unbalanced))).toBe(reference(unbalanced));
        const extra = Buffer.from(open.repeat(depth) + '1' + close.repeat(depth + 1));
        expect(outcome(validateJson(extra))).toBe(reference(extra));
      }
    }
    const crossed = Buffer.from('['.repeat(5000) + '{"a":1]' + ']'.repeat(4999));
    expect(outcome(validateJson(crossed))).toBe('bad');
  });

  it('takes a 6 MB document nested 3 million deep, in 64 KB chunks, without recursion', () => {
    const depth = 3_000_000;
    const body = Buffer.alloc(depth * 2);
    body.fill(0x5b, 0, depth);
    body.fill(0x5d, depth);
    const validator = new JsonValidator();
    for (let at = 0; at < body.length; at += 65_536) validator.feed(body.subarray(at, at + 65_536));
    expect(validator.end()).toEqual({ ok: true, empty: false });
    const objects = Buffer.from('{"a":'.repeat(1_200_000) + '0' + '}'.repeat(1_200_000));
    expect(validateJson(objects)).toEqual({ ok: true, empty: false });
    body[depth + 10] = 0x7d;
    expect(validateJson(body).ok).toBe(false);
  });

  it('on long strings skipped by whole words: any hostile byte at any place and alignment is still seen', () => {
    // A 600-byte string body, at byte offsets 0-3 in its ArrayBuffer, with one byte changed at
    // each place: the word skip must stop at exactly the same byte as the byte loop would.
    const hostile = [0x22, 0x5c, 0x00, 0x01, 0x1f, 0x20, 0x7f, 0x80, 0xa0, 0xff, 0x21, 0x5b];
    const length = 600;
    for (let align = 0; align < 4; align += 1) {
      const backing = Buffer.alloc(length + 8);
      const body = backing.subarray(align, align + length);
      for (let at = 1; at < length - 1; at += 1) {
        for (const byte of hostile) {
          body.fill(0x78);
          body[0] = 0x22;
          body[length - 1] = 0x22;
          body[at] = byte;
          const expected = reference(body);
          const whole = validateJson(body);
          expect(outcome(whole), `align ${align}, byte ${byte} at ${at}`).toBe(expected);
          if (byte < 0x20) expect(whole).toMatchObject({ ok: false, message: expect.stringContaining(`at byte offset ${at}:`) });
          if (at % 37 === 0) {
            // Split where a word view starts mid-string (the second piece is 256 bytes or more).
            const validator = new JsonValidator();
            validator.feed(body.subarray(0, at >> 1));
            validator.feed(body.subarray(at >> 1));
            expect(outcome(validator.end()), `split, align ${align}, byte ${byte} at ${at}`).toBe(expected);
          }
        }
      }
    }
  });

  it('on a 1 MB string with escapes, multi-byte characters and a late control character, in 64 KB chunks', () => {
    // Escapes and multi-byte characters early, then a megabyte of plain bytes skipped by words.
    const text = 'x'.repeat(1000) + 'é€😀\\"' + 'y'.repeat(1_048_000);
    for (const tail of ['', '\u0001', '\n']) {
      const body = Buffer.from(JSON.stringify({ text: text + tail, n: 1 }));
      const validator = new JsonValidator();
      for (let at = 0; at < body.length; at += 65_536) validator.feed(body.subarray(at, at + 65_536));
      expect(outcome(validator.end())).toBe('ok');
    }
    const raw = Buffer.from(JSON.stringify(text));
    raw[raw.length - 5] = 0x09; // an unescaped tab near the end
    expect(validateJson(raw)).toMatchObject({ ok: false, message: expect.stringContaining(`at byte offset ${raw.length - 5}:`) });
  });

  it('reports where and why a body is not JSON, and ignores chunks after a failure', () => {
    const validator = new JsonValidator();
    expect(validator.feed(Buffer.from('{"a":'))).toBe(true);
    expect(validator.feed(Buffer.from(' tru,'))).toBe(false);
    expect(validator.feed(Buffer.from('e}'))).toBe(false);
    expect(validator.end()).toEqual({ ok: false, message: "Unexpected character (',' (code 44)) at byte offset 9: expected true, false or null" });
    expect(validateJson(Buffer.from('[1,'))).toEqual({ ok: false, message: 'Unexpected end-of-input at byte offset 3' });
  });
});
