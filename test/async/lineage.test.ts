/**
 * The recursion count in the trace header (src/async/lineage.ts): both forms of the `Lineage=`
 * field, hostile headers, and the stop at a function's 17th round in one chain.
 */
import { describe, expect, it } from 'vitest';
import { lineageKey, parseLineage, RECURSION_LIMIT, stepLineage } from '../../src/async/lineage.js';

const FN = 'arn:aws:lambda:us-east-1:000000000000:function:loop';
const OTHER = 'arn:aws:lambda:us-east-1:000000000000:function:other';
const ROOT = 'Root=1-5759e988-bd862e3fe1be46a994272793';
const newRoot = (): string => ROOT;

/** `n` distinct 8-hex-digit keys that are not FN's. */
function keys(n: number): string[] {
  return Array.from({ length: n }, (_, i) => (0x10000000 + i).toString(16)).filter((k) => k !== lineageKey(FN));
}

function lineageOf(header: string): string {
  const field = header.split(';').find((part) => part.startsWith('Lineage='));
  if (field === undefined) throw new Error(`no Lineage in ${header}`);
  return field;
}

describe('lineageKey', () => {
  it('is 8 lowercase hex digits, stable, and differs between functions', () => {
    expect(lineageKey(FN)).toMatch(/^[0-9a-f]{8}$/);
    expect(lineageKey(FN)).toBe(lineageKey(FN));
    expect(lineageKey(FN)).not.toBe(lineageKey(OTHER));
  });
});

describe('parseLineage', () => {
  it('reads the versioned form and the older key:count form', () => {
    expect([...parseLineage(`${ROOT};Lineage=1:0a1b2c3d:5`)]).toEqual([['0a1b2c3d', 5]]);
    expect([...parseLineage(`${ROOT};Lineage=a87bd80c:0`)]).toEqual([['a87bd80c', 0]]);
  });

  it('reads several entries, in either form, and keeps the highest count of a repeated key', () => {
    const counts = parseLineage(`${ROOT};Parent=53995c3f42cd8ad8;Lineage=1:0a1b2c3d:5|ffffffff:2|1:0a1b2c3d:7|1:00000000:1;Sampled=1`);
    expect(Object.fromEntries(counts)).toEqual({ '0a1b2c3d': 7, ffffffff: 2, '00000000': 1 });
  });

  it('finds the field wherever it is and with spaces around it', () => {
    expect(Object.fromEntries(parseLineage('Lineage=1:0a1b2c3d:3;Root=1-x'))).toEqual({ '0a1b2c3d': 3 });
    expect(Object.fromEntries(parseLineage('Root=1-x;  Lineage=1:0a1b2c3d:3  '))).toEqual({ '0a1b2c3d': 3 });
  });

  it('is empty without a header or a Lineage field', () => {
    for (const header of [undefined, null, '', ROOT, `${ROOT};Lineage=`, 'Lineage', ';;;;']) expect(parseLineage(header).size).toBe(0);
  });

  it.each([
    ['a negative count', 'Lineage=1:0a1b2c3d:-3'],
    ['a fractional count', 'Lineage=1:0a1b2c3d:2.5'],
    ['a count that is not a number', 'Lineage=1:0a1b2c3d:many'],
    ['an upper-case key', 'Lineage=1:0A1B2C3D:2'],
    ['a short key', 'Lineage=1:0a1b2c3:2'],
    ['a long key', 'Lineage=1:0a1b2c3d0:2'],
    ['a key that is not hex', 'Lineage=1:0a1b2c3g:2'],
    ['too many colons', 'Lineage=1:2:0a1b2c3d:2'],
    ['no colon', 'Lineage=0a1b2c3d'],
    ['NaN', 'Lineage=1:0a1b2c3d:NaN'],
    ['Infinity', 'Lineage=1:0a1b2c3d:Infinity'],
  ])('ignores an entry with %s', (_what, header) => {
    expect(parseLineage(`${ROOT};${header}`).size).toBe(0);
  });

  it('keeps the good entries next to malformed ones', () => {
    expect(Object.fromEntries(parseLineage('Lineage=junk|1:0a1b2c3d:4|::|1:zzzzzzzz:1|||'))).toEqual({ '0a1b2c3d': 4 });
  });

  it('reads at most a bounded number of entries from a huge header', () => {
    const entries = keys(1000).map((k) => `1:${k}:1`);
    const header = `${ROOT};Lineage=${entries.join('|')}`;
    const counts = parseLineage(header);
    expect(counts.size).toBeGreaterThan(0);
    expect(counts.size).toBeLessThanOrEqual(32);
    // A megabyte of garbage in the field is no worse.
    expect(parseLineage(`${ROOT};Lineage=${'x'.repeat(1_000_000)}`).size).toBe(0);
    expect(parseLineage(`${ROOT};Lineage=${'|'.repeat(1_000_000)}`).size).toBe(0);
  });
});

describe('stepLineage', () => {
  it('starts a fresh chain (a new root) with round 1 when there is no header', () => {
    for (const header of [undefined, null, '', '   ']) {
      const step = stepLineage(header, FN, newRoot);
      expect(step).toEqual({ stop: false, round: 1, traceHeader: `${ROOT};Lineage=1:${lineageKey(FN)}:1` });
    }
  });

  it('keeps the other fields of the header, in order, and replaces the old Lineage field', () => {
    const step = stepLineage(`${ROOT};Parent=53995c3f42cd8ad8;Lineage=a87bd80c:3;Sampled=1;Custom=x=y`, FN, () => 'Root=unused');
    expect(step.stop).toBe(false);
    if (step.stop) return;
    expect(step.round).toBe(1);
    expect(step.traceHeader.split(';')).toEqual([ROOT, 'Parent=53995c3f42cd8ad8', 'Sampled=1', 'Custom=x=y', lineageOf(step.traceHeader)]);
    expect(Object.fromEntries(parseLineage(step.traceHeader))).toEqual({ a87bd80c: 3, [lineageKey(FN)]: 1 });
  });

  it('lets round 16 go ahead and stops round 17 exactly', () => {
    expect(RECURSION_LIMIT).toBe(16);
    const at15 = stepLineage(`${ROOT};Lineage=1:${lineageKey(FN)}:15`, FN, newRoot);
    expect(at15).toMatchObject({ stop: false, round: 16 });
    const at16 = stepLineage(`${ROOT};Lineage=1:${lineageKey(FN)}:16`, FN, newRoot);
    expect(at16).toEqual({ stop: true, round: 17 });
  });

  it('stops a chain fed back to itself at its 17th round, counting each function apart', () => {
    let header: string | undefined;
    const rounds: number[] = [];
    for (let i = 0; i < 40; i += 1) {
      const a = stepLineage(header, FN, newRoot);
      if (a.stop) {
        rounds.push(a.round);
        break;
      }
      const b = stepLineage(a.traceHeader, OTHER, newRoot);
      if (b.stop) throw new Error('the other function stopped first');
      expect(b.round).toBe(a.round);
      header = b.traceHeader;
      rounds.push(a.round);
    }
    expect(rounds).toEqual([...Array.from({ length: 16 }, (_, i) => i + 1), 17]);
  });

  it('still stops a loop whose header already carries the bounded number of other entries', () => {
    // 32 other functions already counted (a long chain, or a hostile caller): the loop's own
    // count must not fall off the end of the field.
    let header = `${ROOT};Lineage=${keys(40).slice(0, 32).map((k) => `1:${k}:1`).join('|')}`;
    let stoppedAt: number | undefined;
    for (let i = 0; i < 40 && stoppedAt === undefined; i += 1) {
      const step = stepLineage(header, FN, newRoot);
      if (step.stop) stoppedAt = step.round;
      else header = step.traceHeader;
    }
    expect(stoppedAt).toBe(17);
  });

  it('keeps the Lineage field it writes bounded, whatever it was given', () => {
    const header = `${ROOT};Lineage=${keys(1000).map((k) => `1:${k}:1`).join('|')}`;
    const step = stepLineage(header, FN, newRoot);
    expect(step.stop).toBe(false);
    if (step.stop) return;
    expect(lineageOf(step.traceHeader).split('|').length).toBeLessThanOrEqual(32);
    expect(parseLineage(step.traceHeader).get(lineageKey(FN))).toBe(1);
  });

  it('stops at once when a header claims a huge count, and ignores a negative one', () => {
    expect(stepLineage(`Lineage=1:${lineageKey(FN)}:99999999999`, FN, newRoot)).toEqual({ stop: true, round: 100000000000 });
    expect(stepLineage(`Lineage=1:${lineageKey(FN)}:-50`, FN, newRoot)).toMatchObject({ stop: false, round: 1 });
  });
});
