/**
 * CloudWatch Logs filter patterns as `lamina logs --filter` reads them
 * (src/observability/filter-pattern.ts, src/observability/json-filter.ts).
 */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { compileFilter } from '../../../src/observability/logs/filter-pattern.js';

function matching(pattern: string, messages: readonly string[]): string[] {
  const matches = compileFilter(pattern);
  return messages.filter((message) => matches(message));
}

const LINES = ['ERROR disk full', 'ERROR: timeout after 3s', 'WARN slow call', 'INFO all good', 'error lowercase', 'Task timed out after 3.00 seconds'];

describe('term patterns', () => {
  it('matches every message when empty', () => {
    expect(matching('', LINES)).toEqual(LINES);
    expect(matching('   ', LINES)).toEqual(LINES);
  });

  it('needs every term, case-sensitively', () => {
    expect(matching('ERROR', LINES)).toEqual(['ERROR disk full', 'ERROR: timeout after 3s']);
    expect(matching('ERROR timeout', LINES)).toEqual(['ERROR: timeout after 3s']);
  });

  it('keeps the spaces of a quoted phrase, with escaped quotes inside', () => {
    expect(matching('"timed out after"', LINES)).toEqual(['Task timed out after 3.00 seconds']);
    expect(matching('"disk full" ERROR', LINES)).toEqual(['ERROR disk full']);
    expect(compileFilter('"say \\"hi\\""')('they say "hi" here')).toBe(true);
    expect(compileFilter('"say \\"hi\\""')('they say hi here')).toBe(false);
  });

  it('? terms match any of them', () => {
    expect(matching('?ERROR ?WARN', LINES)).toEqual(['ERROR disk full', 'ERROR: timeout after 3s', 'WARN slow call']);
    expect(matching('?"timed out" ?WARN', LINES)).toEqual(['WARN slow call', 'Task timed out after 3.00 seconds']);
    // With a plain term: that term and one of the ? terms.
    expect(matching('after ?3s ?seconds', LINES)).toEqual(['ERROR: timeout after 3s', 'Task timed out after 3.00 seconds']);
  });

  it('-term excludes', () => {
    expect(matching('ERROR -timeout', LINES)).toEqual(['ERROR disk full']);
    expect(matching('-ERROR -"timed out"', LINES)).toEqual(['WARN slow call', 'INFO all good', 'error lowercase']);
  });

  it('refuses an unclosed quote and a bare ? or -', () => {
    expect(() => compileFilter('"oops')).toThrow(ConfigError);
    expect(() => compileFilter('ERROR ?')).toThrow(/must be followed by a term/);
    expect(() => compileFilter('- x')).toThrow(ConfigError);
  });
});

const JSON_LINES = [
  '{"level":"ERROR","message":"disk full","code":507,"ok":false,"user":{"id":"u-1","tags":["a","b"]}}',
  '{"level":"INFO","message":"fine","code":200,"ok":true,"user":{"id":"u-2"}}',
  '{"level":"WARN","message":"slow","code":429,"ok":null}',
  'ERROR not json at all',
  '{"level":"ERROR"', // cut JSON
  '["level","ERROR"]',
];

describe('JSON patterns', () => {
  it('compares strings with = and !=, with * wildcards', () => {
    expect(matching('{ $.level = "ERROR" }', JSON_LINES)).toEqual([JSON_LINES[0]]);
    expect(matching('{ $.level = ERROR }', JSON_LINES)).toEqual([JSON_LINES[0]]);
    expect(matching('{ $.level != "ERROR" }', JSON_LINES)).toEqual([JSON_LINES[1], JSON_LINES[2]]);
    expect(matching('{ $.message = "dis*" }', JSON_LINES)).toEqual([JSON_LINES[0]]);
    expect(matching('{ $.message = "*l*" }', JSON_LINES)).toEqual([JSON_LINES[0], JSON_LINES[2]]);
  });

  it('compares numbers', () => {
    expect(matching('{ $.code >= 400 }', JSON_LINES)).toEqual([JSON_LINES[0], JSON_LINES[2]]);
    expect(matching('{ $.code < 300 }', JSON_LINES)).toEqual([JSON_LINES[1]]);
    expect(matching('{ $.code = 429 }', JSON_LINES)).toEqual([JSON_LINES[2]]);
    expect(matching('{ $.code != 429 }', JSON_LINES)).toEqual([JSON_LINES[0], JSON_LINES[1]]);
  });

  it('follows nested selectors and array indexes', () => {
    expect(matching('{ $.user.id = "u-2" }', JSON_LINES)).toEqual([JSON_LINES[1]]);
    expect(matching('{ $.user.tags[1] = "b" }', JSON_LINES)).toEqual([JSON_LINES[0]]);
    expect(matching('{ $[1] = "ERROR" }', JSON_LINES)).toEqual([]);
  });

  it('joins with && and || and parentheses', () => {
    expect(matching('{ $.level = "ERROR" || $.code = 429 }', JSON_LINES)).toEqual([JSON_LINES[0], JSON_LINES[2]]);
    expect(matching('{ ($.level = "ERROR" || $.level = "WARN") && $.code > 500 }', JSON_LINES)).toEqual([JSON_LINES[0]]);
    expect(matching('{ $.level = "INFO" && $.ok IS TRUE }', JSON_LINES)).toEqual([JSON_LINES[1]]);
  });

  it('IS TRUE, IS FALSE, IS NULL, NOT EXISTS', () => {
    expect(matching('{ $.ok IS FALSE }', JSON_LINES)).toEqual([JSON_LINES[0]]);
    expect(matching('{ $.ok IS NULL }', JSON_LINES)).toEqual([JSON_LINES[2]]);
    expect(matching('{ $.user NOT EXISTS }', JSON_LINES)).toEqual([JSON_LINES[2]]);
  });

  it('refuses what it cannot read', () => {
    for (const bad of ['{ $.level = "ERROR"', '{ level = "x" }', '{ $.level = }', '{ ($.a = 1 }', '{ $.a IS MAYBE }', '{ $.a > "text" }', '{ $.a = 1 $.b = 2 }', '{ $.a.!b = 1 }']) {
      expect(() => compileFilter(bad), bad).toThrow(ConfigError);
    }
  });
});
