/**
 * An incremental JSON validator: a byte state machine fed chunk by chunk as a request body
 * arrives, so checking a payload overlaps its upload and never holds the event loop for longer
 * than one chunk takes (`JSON.parse` of a 6 MB `[[[[...]]]]` held it for seconds).
 *
 * It accepts exactly what the front door accepted before, `JSON.parse(body.toString('utf8'))`
 * (see docs/payload-validation.md): RFC 8259 values with JSON whitespace around them; inside
 * strings any byte from 0x20 up (invalid UTF-8 there decodes to U+FFFD, which JSON.parse takes);
 * outside strings only ASCII. Containers are tracked on an explicit stack (a growing Uint8Array),
 * never by recursion, so depth costs one byte each. A body that is empty or only whitespace by
 * `String.prototype.trim` (which also trims U+00A0, U+2028, U+FEFF, ...) is reported `empty`.
 */

// States. Numbers, not strings: the switch in `feed` is the hot loop.
const BEFORE = 0; // nothing but whitespace yet
const LEAD_UTF8 = 1; // a multi-byte character before any value: may be whitespace to trim()
const VALUE = 2; // a value must come (after ':' or an array's ',')
const ARRAY_FIRST = 3; // after '[': a value or ']'
const OBJECT_FIRST = 4; // after '{': a key or '}'
const KEY = 5; // after an object's ',': a key
const COLON = 6; // after a key
const AFTER = 7; // after a value inside a container: ',' or the closing bracket
const DONE = 8; // after the top-level value: whitespace only
const STRING = 9;
const STRING_ESCAPE = 10;
const STRING_HEX = 11;
const NUM_MINUS = 12; // '-': a digit must follow
const NUM_ZERO = 13; // a leading 0: '.', 'e' or the end of the number
const NUM_INT = 14;
const NUM_DOT = 15; // '.': a digit must follow
const NUM_FRAC = 16;
const NUM_E = 17; // 'e': a sign or a digit
const NUM_E_SIGN = 18; // a digit must follow
const NUM_EXP = 19;
const LITERAL = 20; // inside true / false / null
const FAILED = 21;

const IN_ARRAY = 1;
const IN_OBJECT = 2;

const TRUE = Uint8Array.of(0x74, 0x72, 0x75, 0x65);
const FALSE = Uint8Array.of(0x66, 0x61, 0x6c, 0x73, 0x65);
const NULL = Uint8Array.of(0x6e, 0x75, 0x6c, 0x6c);

/** Code points above 0x7F that `String.prototype.trim` removes (3-byte UTF-8 ones, plus U+00A0). */
const TRIMMED_WIDE = new Set([0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000, 0xfeff]);

/** Hex digit lookup: 1 for 0-9, a-f, A-F. */
const HEX = new Uint8Array(256);
for (const c of '0123456789abcdefABCDEF') HEX[c.charCodeAt(0)] = 1;

/** Chunks from this many bytes get a word view for `skipPlainWords` (a view costs an allocation). */
const WORDS_FROM = 256;

/**
 * Skip the whole words, from word `k` on, in which no byte ends a run of plain string bytes ('"',
 * '\\' or a control character); returns the index of the first byte of the first word that has
 * one (or of the chunk's tail after its last whole word), where the byte loop takes over (it
 * may re-read up to three plain bytes before where it stopped). Long
 * strings (a payload's base64, a document's text) go four bytes at a time this way, with SWAR tests
 * on 32-bit words ("has a byte below 0x20", "has a byte equal to 0x22 / 0x5c": exact for the word,
 * never a false alarm), about three times faster than the byte loop (bench/payload-path.ts). Bytes
 * from 0x80 up (UTF-8) are plain: they never set a test's high bit.
 */
function skipPlainWords(words: Int32Array, k: number, lead: number): number {
  const count = words.length;
  for (; k < count; k += 1) {
    const w = words[k] as number;
    const quote = w ^ 0x22222222;
    const backslash = w ^ 0x5c5c5c5c;
    if ((((w - 0x20202020) & ~w) | ((quote - 0x01010101) & ~quote) | ((backslash - 0x01010101) & ~backslash)) & 0x80808080) break;
  }
  return lead + (k << 2);
}

/** What a whole body turned out to be. */
export type JsonVerdict =
  | { readonly ok: true; readonly empty: boolean }
  | { readonly ok: false; readonly message: string };

function isJsonSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/**
 * Feed the body's chunks in order, then ask `end()`.
 *
 * @example
 * const validator = new JsonValidator();
 * validator.feed(Buffer.from('{"a":[1,'));
 * validator.feed(Buffer.from('2]}'));
 * validator.end(); // { ok: true, empty: false }
 */
export class JsonValidator {
  #state = BEFORE;
  /** Container kinds, innermost at #depth - 1. */
  #stack = new Uint8Array(64);
  #depth = 0;
  /** Bytes consumed before the current chunk (for error offsets). */
  #offset = 0;
  #stringIsKey = false;
  #hexLeft = 0;
  #literal: Uint8Array = TRUE;
  #literalAt = 0;
  /** Leading multi-byte character being decoded (trim()'s whitespace). */
  #codePoint = 0;
  #utf8Left = 0;
  #utf8Length = 0;
  /** Only whitespace so far, some of it not JSON's own (U+00A0, \v, ...): empty, but not before a value. */
  #trimOnly = false;
  #error: string | undefined;

  /** False once the body can no longer be JSON; further chunks are ignored. */
  get ok(): boolean {
    return this.#state !== FAILED;
  }

  /** Check the next chunk. Returns `ok`. */
  feed(chunk: Uint8Array): boolean {
    let state = this.#state;
    if (state === FAILED) return false;
    const n = chunk.length;
    // The chunk's whole aligned 32-bit words, for `skipPlainWords`; `lead` bytes come before the first.
    const lead = (4 - (chunk.byteOffset & 3)) & 3;
    const words = n >= WORDS_FROM ? new Int32Array(chunk.buffer, chunk.byteOffset + lead, (n - lead) >> 2) : undefined;
    let i = 0;
    for (; i < n; i += 1) {
      let c = chunk[i] as number;
      switch (state) {
        case STRING:
          // The hot loop of most payloads: run through plain string bytes here.
          for (let stop = Math.min(n, i + 32); c !== 0x22 && c !== 0x5c && c >= 0x20; c = chunk[i] as number) {
            i += 1;
            if (i !== stop) continue;
            if (i === n) break;
            // 32 bytes into a string and still going: a long one, try whole words (short ones never do).
            if (words !== undefined) {
              i = skipPlainWords(words, (i - lead) >> 2, lead);
              if (i === n) break;
            }
            stop = Math.min(n, i + 32);
          }
          if (i === n) break;
          if (c === 0x22) state = this.#stringIsKey ? COLON : this.#valueDone();
          else if (c === 0x5c) state = STRING_ESCAPE;
          else return this.#fail(i, c, 'a control character must be escaped in a string');
          break;
        case STRING_ESCAPE:
          if (c === 0x75) {
            state = STRING_HEX;
            this.#hexLeft = 4;
          } else if (c === 0x22 || c === 0x5c || c === 0x2f || c === 0x62 || c === 0x66 || c === 0x6e || c === 0x72 || c === 0x74) {
            state = STRING;
          } else {
            return this.#fail(i, c, 'not a valid escape');
          }
          break;
        case STRING_HEX:
          if (HEX[c] !== 1) return this.#fail(i, c, 'expected a hex digit of a \\u escape');
          this.#hexLeft -= 1;
          if (this.#hexLeft === 0) state = STRING;
          break;
        case AFTER:
          if (isJsonSpace(c)) break;
          if (c === 0x2c) state = this.#stack[this.#depth - 1] === IN_OBJECT ? KEY : VALUE;
          else if (c === 0x5d && this.#stack[this.#depth - 1] === IN_ARRAY) state = this.#close();
          else if (c === 0x7d && this.#stack[this.#depth - 1] === IN_OBJECT) state = this.#close();
          else return this.#fail(i, c, "expected ',' or the closing bracket");
          break;
        case BEFORE:
          if (isJsonSpace(c)) break;
          if (c === 0x0b || c === 0x0c) {
            this.#trimOnly = true;
            break;
          }
          if (c >= 0x80) {
            state = this.#leadStart(c);
            if (state === FAILED) return this.#fail(i, c, 'expected a value');
            break;
          }
          if (this.#trimOnly) return this.#fail(i, c, 'only JSON whitespace may come before a value');
          state = this.#valueStart(c);
          if (state === FAILED) return this.#fail(i, c, 'expected a value');
          break;
        case LEAD_UTF8:
          if ((c & 0xc0) !== 0x80) return this.#fail(i, c, 'expected a value');
          this.#codePoint = (this.#codePoint << 6) | (c & 0x3f);
          this.#utf8Left -= 1;
          if (this.#utf8Left > 0) break;
          if (!this.#leadIsTrimmed()) return this.#fail(i, c, 'expected a value');
          this.#trimOnly = true;
          state = BEFORE;
          break;
        case VALUE:
        case ARRAY_FIRST:
          if (isJsonSpace(c)) break;
          if (c === 0x5d && state === ARRAY_FIRST) {
            state = this.#close();
            break;
          }
          state = this.#valueStart(c);
          if (state === FAILED) return this.#fail(i, c, 'expected a value');
          break;
        case OBJECT_FIRST:
        case KEY:
          if (isJsonSpace(c)) break;
          if (c === 0x22) {
            this.#stringIsKey = true;
            state = STRING;
          } else if (c === 0x7d && state === OBJECT_FIRST) {
            state = this.#close();
          } else {
            return this.#fail(i, c, 'expected a double-quoted property name');
          }
          break;
        case COLON:
          if (isJsonSpace(c)) break;
          if (c !== 0x3a) return this.#fail(i, c, "expected ':' after a property name");
          state = VALUE;
          break;
        case DONE:
          if (!isJsonSpace(c)) return this.#fail(i, c, 'expected the end of the document');
          break;
        case NUM_MINUS:
          if (c === 0x30) state = NUM_ZERO;
          else if (c >= 0x31 && c <= 0x39) state = NUM_INT;
          else return this.#fail(i, c, "expected a digit after '-'");
          break;
        case NUM_DOT:
          if (c < 0x30 || c > 0x39) return this.#fail(i, c, "expected a digit after '.'");
          state = NUM_FRAC;
          break;
        case NUM_E:
          if (c === 0x2b || c === 0x2d) state = NUM_E_SIGN;
          else if (c >= 0x30 && c <= 0x39) state = NUM_EXP;
          else return this.#fail(i, c, 'expected a digit in the exponent');
          break;
        case NUM_E_SIGN:
          if (c < 0x30 || c > 0x39) return this.#fail(i, c, 'expected a digit in the exponent');
          state = NUM_EXP;
          break;
        case NUM_INT:
        case NUM_ZERO:
        case NUM_FRAC:
        case NUM_EXP:
          if (c >= 0x30 && c <= 0x39 && state !== NUM_ZERO) break;
          if (c === 0x2e && (state === NUM_INT || state === NUM_ZERO)) state = NUM_DOT;
          else if ((c === 0x65 || c === 0x45) && state !== NUM_EXP) state = NUM_E;
          else {
            // The number ended here: this byte belongs to what follows it.
            state = this.#valueDone();
            i -= 1;
          }
          break;
        case LITERAL:
          if (c !== this.#literal[this.#literalAt]) return this.#fail(i, c, 'expected true, false or null');
          this.#literalAt += 1;
          if (this.#literalAt === this.#literal.length) state = this.#valueDone();
          break;
        default:
          return false;
      }
    }
    this.#state = state;
    this.#offset += n;
    return true;
  }

  /** The verdict on everything fed so far, taken as the whole body. */
  end(): JsonVerdict {
    const state = this.#state;
    if (state === FAILED) return { ok: false, message: this.#error ?? 'invalid JSON' };
    if (state === BEFORE) return { ok: true, empty: true };
    if (this.#depth === 0 && (state === DONE || state === NUM_ZERO || state === NUM_INT || state === NUM_FRAC || state === NUM_EXP)) {
      return { ok: true, empty: false };
    }
    return { ok: false, message: `Unexpected end-of-input at byte offset ${this.#offset}` };
  }

  /** The state after the first byte of a value, or FAILED. */
  #valueStart(c: number): number {
    switch (c) {
      case 0x22:
        this.#stringIsKey = false;
        return STRING;
      case 0x7b:
        this.#push(IN_OBJECT);
        return OBJECT_FIRST;
      case 0x5b:
        this.#push(IN_ARRAY);
        return ARRAY_FIRST;
      case 0x2d:
        return NUM_MINUS;
      case 0x30:
        return NUM_ZERO;
      case 0x74:
        return this.#startLiteral(TRUE);
      case 0x66:
        return this.#startLiteral(FALSE);
      case 0x6e:
        return this.#startLiteral(NULL);
      default:
        return c >= 0x31 && c <= 0x39 ? NUM_INT : FAILED;
    }
  }

  #startLiteral(literal: Uint8Array): number {
    this.#literal = literal;
    this.#literalAt = 1;
    return LITERAL;
  }

  #push(kind: number): void {
    if (this.#depth === this.#stack.length) {
      const grown = new Uint8Array(this.#stack.length * 2);
      grown.set(this.#stack);
      this.#stack = grown;
    }
    this.#stack[this.#depth] = kind;
    this.#depth += 1;
  }

  #close(): number {
    this.#depth -= 1;
    return this.#valueDone();
  }

  #valueDone(): number {
    return this.#depth === 0 ? DONE : AFTER;
  }

  /** A non-ASCII byte before any value: only the start of a 2- or 3-byte character can be trimmed. */
  #leadStart(c: number): number {
    if ((c & 0xe0) === 0xc0) {
      this.#utf8Length = 2;
      this.#codePoint = c & 0x1f;
    } else if ((c & 0xf0) === 0xe0) {
      this.#utf8Length = 3;
      this.#codePoint = c & 0x0f;
    } else {
      return FAILED;
    }
    this.#utf8Left = this.#utf8Length - 1;
    return LEAD_UTF8;
  }

  /** Overlong forms decode to U+FFFD, which trim() keeps. */
  #leadIsTrimmed(): boolean {
    return this.#utf8Length === 2 ? this.#codePoint === 0xa0 : this.#codePoint >= 0x800 && TRIMMED_WIDE.has(this.#codePoint);
  }

  #fail(at: number, c: number, expected: string): false {
    const shown = c >= 0x20 && c < 0x7f ? `'${String.fromCharCode(c)}' (code ${c})` : `code ${c}`;
    this.#error = `Unexpected character (${shown}) at byte offset ${this.#offset + at}: ${expected}`;
    this.#state = FAILED;
    return false;
  }
}

/**
 * Validate a whole buffer at once (tests, tools). The front door feeds chunks as they arrive.
 *
 * @example
 * validateJson(Buffer.from(' [1, "two"] ')); // { ok: true, empty: false }
 * validateJson(Buffer.from('  ')); // { ok: true, empty: true }
 */
export function validateJson(body: Uint8Array): JsonVerdict {
  const validator = new JsonValidator();
  validator.feed(body);
  return validator.end();
}
