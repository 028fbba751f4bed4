import { describe, expect, it } from 'vitest';
import { compilePattern, MAX_PATTERN_DEPTH, passesFilters, sqsFilterData, type PatternMatcher } from '../../src/event-sources/filter-pattern.js';

/** The compiled matcher of `pattern` (an object, stringified as a template gives it); fails the test when refused. */
function matcher(pattern: unknown): PatternMatcher {
  const r = compilePattern(JSON.stringify(pattern));
  if (!r.ok) throw new Error(`refused: ${r.problem}`);
  return r.matcher;
}
const problem = (text: string): string => {
  const r = compilePattern(text);
  if (r.ok) throw new Error(`accepted: ${text}`);
  return r.problem;
};

describe('the documented examples of Lambda event filtering', () => {
  // [what, pattern, data that matches, data that does not]
  const table: [string, unknown, unknown, unknown][] = [
    ['null', { UserID: [null] }, { UserID: null }, { UserID: 'x' }],
    ['empty string', { LastName: [''] }, { LastName: '' }, { LastName: 'Doe' }],
    ['equals', { Name: ['Alice'] }, { Name: 'Alice' }, { Name: 'alice' }],
    ['equals-ignore-case', { Name: [{ 'equals-ignore-case': 'alice' }] }, { Name: 'ALICE' }, { Name: 'Bob' }],
    ['and', { Location: ['New York'], Day: ['Monday'] }, { Location: 'New York', Day: 'Monday' }, { Location: 'New York', Day: 'Tuesday' }],
    ['or (values)', { PaymentType: ['Credit', 'Debit'] }, { PaymentType: 'Debit' }, { PaymentType: 'Cash' }],
    ['or (fields)', { $or: [{ Location: ['New York'] }, { Day: ['Monday'] }] }, { Location: 'Boston', Day: 'Monday' }, { Location: 'Boston', Day: 'Friday' }],
    ['not', { Weather: [{ 'anything-but': ['Raining'] }] }, { Weather: 'Sunny' }, { Weather: 'Raining' }],
    ['numeric (equals)', { Price: [{ numeric: ['=', 100] }] }, { Price: 100.0 }, { Price: 101 }],
    ['numeric (range)', { Price: [{ numeric: ['>', 10, '<=', 20] }] }, { Price: 20 }, { Price: 10 }],
    ['exists', { ProductName: [{ exists: true }] }, { ProductName: 'Lamp' }, { Other: 1 }],
    ['does not exist', { ProductName: [{ exists: false }] }, { Other: 1 }, { ProductName: 'Lamp' }],
    ['begins with', { Region: [{ prefix: 'us-' }] }, { Region: 'us-east-1' }, { Region: 'eu-west-1' }],
    ['ends with', { FileName: [{ suffix: '.png' }] }, { FileName: 'cat.png' }, { FileName: 'cat.jpg' }],
    ['SQS body field', { body: { RequestCode: ['BBBB'] } }, { body: { RequestCode: 'BBBB' } }, { body: { RequestCode: 'AAAA' } }],
  ];
  for (const [what, pattern, yes, no] of table) {
    it(`${what}: ${JSON.stringify(pattern)}`, () => {
      const m = matcher(pattern);
      expect(m.matches(yes)).toBe(true);
      expect(m.matches(no)).toBe(false);
    });
  }
});

describe('operators', () => {
  it('exact values compare by type: "5" is not 5, true is not "true"', () => {
    expect(matcher({ a: [5] }).matches({ a: '5' })).toBe(false);
    expect(matcher({ a: [true] }).matches({ a: 'true' })).toBe(false);
    expect(matcher({ a: [true] }).matches({ a: true })).toBe(true);
    expect(matcher({ a: [null] }).matches({})).toBe(false);
  });

  it('prefix and suffix take equals-ignore-case', () => {
    expect(matcher({ a: [{ prefix: { 'equals-ignore-case': 'ORD-' } }] }).matches({ a: 'ord-1' })).toBe(true);
    expect(matcher({ a: [{ suffix: { 'equals-ignore-case': '.PNG' } }] }).matches({ a: 'x.png' })).toBe(true);
    expect(matcher({ a: [{ prefix: 'ord-' }] }).matches({ a: 'ORD-1' })).toBe(false);
    expect(matcher({ a: [{ prefix: 'ord-' }] }).matches({ a: 'x-ord-1' })).toBe(false);
    expect(matcher({ a: [{ suffix: '.png' }] }).matches({ a: 'a.png.txt' })).toBe(false);
    expect(matcher({ a: [{ prefix: '1' }] }).matches({ a: 12 })).toBe(false);
  });

  it('wildcard: * matches any run, \\* a star; linear on hostile text', () => {
    const m = matcher({ key: [{ wildcard: 'dir/*/file*.png' }] });
    expect(m.matches({ key: 'dir/a/b/file1.png' })).toBe(true);
    expect(m.matches({ key: 'dir//file.png' })).toBe(true);
    expect(m.matches({ key: 'dir/a/file1.jpg' })).toBe(false);
    expect(matcher({ k: [{ wildcard: 'a\\*b' }] }).matches({ k: 'a*b' })).toBe(true);
    expect(matcher({ k: [{ wildcard: 'a\\*b' }] }).matches({ k: 'axb' })).toBe(false);
    const hostile = matcher({ k: [{ wildcard: `${'*a'.repeat(40)}*b` }] });
    expect(hostile.matches({ k: 'a'.repeat(5000) })).toBe(false);
    expect(hostile.matches({ k: `${'a'.repeat(5000)}b` })).toBe(true);
  });

  it('cidr: IPv4 and IPv6 blocks, strings only; a bare address is a /32 or /128', () => {
    const v4 = matcher({ ip: [{ cidr: '10.0.0.0/24' }] });
    expect(v4.matches({ ip: '10.0.0.255' })).toBe(true);
    expect(v4.matches({ ip: '10.0.1.0' })).toBe(false);
    expect(v4.matches({ ip: '10.0.0.256' })).toBe(false);
    expect(v4.matches({ ip: '010.0.0.1' })).toBe(false);
    expect(v4.matches({ ip: 167772161 })).toBe(false);
    expect(v4.matches({ ip: '::ffff:10.0.0.1' })).toBe(false);
    expect(matcher({ ip: [{ cidr: '0.0.0.0/0' }] }).matches({ ip: '203.0.113.9' })).toBe(true);
    expect(matcher({ ip: [{ cidr: '192.0.2.7' }] }).matches({ ip: '192.0.2.7' })).toBe(true);
    expect(matcher({ ip: [{ cidr: '192.0.2.7' }] }).matches({ ip: '192.0.2.8' })).toBe(false);
    const v6 = matcher({ ip: [{ cidr: '2001:db8::/32' }] });
    expect(v6.matches({ ip: '2001:db8:ffff::1' })).toBe(true);
    expect(v6.matches({ ip: '2001:DB8::' })).toBe(true);
    expect(v6.matches({ ip: '2001:db9::1' })).toBe(false);
    expect(v6.matches({ ip: '10.0.0.1' })).toBe(false);
    expect(matcher({ ip: [{ cidr: '::ffff:0:0/96' }] }).matches({ ip: '::ffff:192.0.2.1' })).toBe(true);
    expect(v6.matches({ ip: `${'1:'.repeat(3000)}1` })).toBe(false);
  });

  it('anything-but wildcard: none of the globs may match; strings only', () => {
    const m = matcher({ key: [{ 'anything-but': { wildcard: ['*/lib/*', '*.tmp'] } }] });
    expect(m.matches({ key: 'src/app.ts' })).toBe(true);
    expect(m.matches({ key: 'src/lib/a.ts' })).toBe(false);
    expect(m.matches({ key: 'x.tmp' })).toBe(false);
    expect(m.matches({ key: 3 })).toBe(false);
    expect(m.matches({})).toBe(false);
  });

  it('anything-but: values, numbers, prefix, suffix, equals-ignore-case; never an absent field', () => {
    expect(matcher({ a: [{ 'anything-but': 'x' }] }).matches({ a: 'y' })).toBe(true);
    expect(matcher({ a: [{ 'anything-but': 'x' }] }).matches({})).toBe(false);
    expect(matcher({ a: [{ 'anything-but': [1, 2] }] }).matches({ a: 2 })).toBe(false);
    expect(matcher({ a: [{ 'anything-but': [1, 2] }] }).matches({ a: 3 })).toBe(true);
    expect(matcher({ a: [{ 'anything-but': { prefix: 'init' } }] }).matches({ a: 'initial' })).toBe(false);
    expect(matcher({ a: [{ 'anything-but': { prefix: 'init' } }] }).matches({ a: 'final' })).toBe(true);
    expect(matcher({ a: [{ 'anything-but': { suffix: ['.tmp', '.bak'] } }] }).matches({ a: 'f.bak' })).toBe(false);
    expect(matcher({ a: [{ 'anything-but': { 'equals-ignore-case': ['Red'] } }] }).matches({ a: 'RED' })).toBe(false);
    expect(matcher({ a: [{ 'anything-but': { 'equals-ignore-case': ['Red'] } }] }).matches({ a: 'blue' })).toBe(true);
  });

  it('numeric: each comparison, strings never match', () => {
    const at = (op: string, n: number, v: unknown): boolean => matcher({ n: [{ numeric: [op, n] }] }).matches({ n: v });
    expect([at('<', 5, 4), at('<', 5, 5), at('<=', 5, 5), at('>', 5, 5), at('>=', 5, 5), at('=', 5, 5)]).toEqual([true, false, true, false, true, true]);
    expect(at('=', 5, '5')).toBe(false);
    expect(matcher({ n: [{ numeric: ['>=', 0, '<', 1] }] }).matches({ n: 0.5 })).toBe(true);
    expect(matcher({ n: [{ numeric: ['>=', 0, '<', 1] }] }).matches({ n: 1 })).toBe(false);
  });

  it('exists looks at leaves: an object is not one; below an absent object, exists:false matches', () => {
    expect(matcher({ a: [{ exists: true }] }).matches({ a: { b: 1 } })).toBe(false);
    expect(matcher({ a: [{ exists: true }] }).matches({ a: null })).toBe(true);
    expect(matcher({ a: { b: [{ exists: false }] } }).matches({})).toBe(true);
    expect(matcher({ a: { b: [{ exists: false }] } }).matches({ a: { b: 1 } })).toBe(false);
  });

  it('arrays in the data match when any element does, at any depth, objects of arrays included', () => {
    expect(matcher({ tags: ['red'] }).matches({ tags: ['blue', ['red']] })).toBe(true);
    expect(matcher({ tags: ['red'] }).matches({ tags: ['blue'] })).toBe(false);
    expect(matcher({ items: { sku: [{ prefix: 'A' }] } }).matches({ items: [{ sku: 'B1' }, { sku: 'A2' }] })).toBe(true);
    expect(matcher({ items: { sku: [{ prefix: 'A' }] } }).matches({ items: [{ sku: 'B1' }] })).toBe(false);
    expect(matcher({ tags: [{ exists: false }] }).matches({ tags: [] })).toBe(true);
  });

  it('nested $or inside a nested object', () => {
    const m = matcher({ body: { $or: [{ kind: ['a'] }, { size: [{ numeric: ['>', 10] }] }] } });
    expect(m.matches({ body: { kind: 'b', size: 11 } })).toBe(true);
    expect(m.matches({ body: { kind: 'b', size: 9 } })).toBe(false);
  });
});

describe('SQS records (body parsed when it is a JSON object or array)', () => {
  const record = (body: string): Record<string, unknown> => ({ messageId: 'm1', body, attributes: { ApproximateReceiveCount: '1' } });

  it('patterns reach into a JSON body; other fields are matched as they are', () => {
    const m = matcher({ body: { order: { total: [{ numeric: ['>', 100] }] } }, attributes: { ApproximateReceiveCount: ['1'] } });
    expect(m.matches(sqsFilterData(record('{"order":{"total":150}}')))).toBe(true);
    expect(m.matches(sqsFilterData(record('{"order":{"total":50}}')))).toBe(false);
  });

  it('a body that is not JSON matches plain string rules only, never field patterns', () => {
    expect(matcher({ body: ['hello'] }).matches(sqsFilterData(record('hello')))).toBe(true);
    expect(matcher({ body: [{ prefix: 'hel' }] }).matches(sqsFilterData(record('hello')))).toBe(true);
    expect(matcher({ body: { a: [{ exists: false }] } }).matches(sqsFilterData(record('hello')))).toBe(false);
    expect(matcher({ body: ['{not json'] }).matches(sqsFilterData(record('{not json')))).toBe(true);
    // A JSON object body is not its text.
    expect(matcher({ body: ['{"a":1}'] }).matches(sqsFilterData(record('{"a":1}')))).toBe(false);
  });

  it('a deeply nested body is parsed and matched without walking it all', () => {
    const deep = `${'['.repeat(5000)}1${']'.repeat(5000)}`;
    expect(matcher({ body: [1] }).matches(sqsFilterData(record(deep)))).toBe(true);
    expect(matcher({ body: [2] }).matches(sqsFilterData(record(deep)))).toBe(false);
  });

  it('passesFilters: no filter passes everything, else any pattern', () => {
    const data = sqsFilterData(record('{"k":"b"}'));
    expect(passesFilters([], data)).toBe(true);
    expect(passesFilters([matcher({ body: { k: ['a'] } }), matcher({ body: { k: ['b'] } })], data)).toBe(true);
    expect(passesFilters([matcher({ body: { k: ['a'] } })], data)).toBe(false);
  });
});

describe('refused patterns', () => {
  it.each([
    ['{"a": ["x"', 'is not JSON'],
    ['[1]', 'must be a JSON object'],
    ['{}', 'at least one field'],
    ['{"a": "x"}', 'a must be an array of values or rules'],
    ['{"a": []}', 'a is an empty array'],
    ['{"a": {"b": {}}}', 'a.b must name at least one field'],
    ['{"a": [{"regex": "x"}]}', 'a[0]: unknown operator "regex"'],
    ['{"a": [{"cidr": "10.0.0.0/33"}]}', 'prefix length of "10.0.0.0/33" must be 0-32'],
    ['{"a": [{"cidr": "10.0.0/8"}]}', 'is not an IPv4 or IPv6 address'],
    ['{"a": [{"cidr": "1::2::3/64"}]}', 'is not an IPv4 or IPv6 address'],
    ['{"a": [{"cidr": 10}]}', 'cidr takes a string'],
    ['{"a": [{"prefix": "x", "suffix": "y"}]}', 'exactly one operator'],
    ['{"a": [{"prefix": 1}]}', 'prefix takes a string'],
    ['{"a": [{"numeric": [">", "1"]}]}', 'numeric takes'],
    ['{"a": [{"numeric": ["<", 1, ">", 0]}]}', 'numeric takes'],
    ['{"a": [{"numeric": [">", 5, "<", 1]}]}', 'numeric takes'],
    ['{"a": [{"numeric": ["!=", 1]}]}', 'numeric takes'],
    ['{"a": [{"exists": "yes"}]}', 'exists takes true or false'],
    ['{"a": [{"anything-but": []}]}', 'anything-but takes'],
    ['{"a": [{"anything-but": ["x", 1]}]}', 'only strings or only numbers'],
    ['{"a": [{"anything-but": {"regex": "x"}}]}', 'anything-but takes a value'],
    ['{"a": [{"anything-but": {"wildcard": "a**"}}]}', 'anything-but consecutive "*"'],
    ['{"a": [{"wildcard": "a**b"}]}', 'consecutive "*"'],
    ['{"a": [{"wildcard": "a\\\\b"}]}', 'must escape'],
    ['{"a": [[1]]}', 'is not a value or a rule object'],
    ['{"$or": [{"a": ["x"]}]}', '$or must be a list of at least two'],
    ['{"$or": [{"a": ["x"]}, {}]}', '$or[1] must name at least one field'],
  ])('%s: %s', (text, message) => {
    expect(problem(text)).toContain(message);
  });

  it('deep nesting is refused past the limit, accepted up to it', () => {
    const nest = (depth: number): string => `${'{"a":'.repeat(depth - 1)}{"b":[1]}${'}'.repeat(depth - 1)}`;
    expect(compilePattern(nest(MAX_PATTERN_DEPTH)).ok).toBe(true);
    expect(problem(nest(MAX_PATTERN_DEPTH + 1))).toContain(`nests deeper than ${MAX_PATTERN_DEPTH}`);
  });

  it('a pattern longer than 4,096 characters is refused; a long array within it is fine', () => {
    const values = Array.from({ length: 400 }, (_, i) => i);
    const m = matcher({ a: values });
    expect(m.matches({ a: 399 })).toBe(true);
    expect(m.matches({ a: 400 })).toBe(false);
    expect(problem(JSON.stringify({ a: Array.from({ length: 2000 }, (_, i) => i) }))).toContain('at most 4096');
  });

  it('a field named like an Object prototype key is an ordinary field', () => {
    const m = matcher({ constructor: ['x'], toString: [{ exists: false }] });
    expect(m.matches({ constructor: 'x' })).toBe(true);
    expect(m.matches({})).toBe(false);
    expect(problem('{"a": [{"constructor": 1}]}')).toContain('unknown operator');
  });
});
