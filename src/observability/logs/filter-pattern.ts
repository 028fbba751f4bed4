/**
 * CloudWatch Logs filter patterns, the part `lamina logs --filter` supports (docs/cloudwatch-logs.md):
 *
 * - terms: `ERROR timeout` matches a message that contains every term (case-sensitive);
 * - `"quoted phrases"`, with `\"` inside;
 * - `?ERROR ?WARN`: any of the `?` terms (with plain terms too: all of those and one of these);
 * - `-term`: a message that contains it does not match;
 * - JSON patterns for messages that are JSON: `{ $.level = "ERROR" }`, see ./json-filter.ts.
 *
 * An empty pattern matches every message.
 */
import { ConfigError } from '../../errors.js';
import { compileJsonFilter } from './json-filter.js';

export type MessageFilter = (message: string) => boolean;

interface Term {
  readonly text: string;
  readonly kind: 'all' | 'any' | 'none';
}

/** Split a term pattern into its terms; quoted phrases keep their spaces. */
function terms(pattern: string): Term[] {
  const found: Term[] = [];
  let i = 0;
  while (i < pattern.length) {
    const char = pattern[i];
    if (char === ' ' || char === '\t') {
      i += 1;
      continue;
    }
    const kind = char === '?' ? 'any' : char === '-' ? 'none' : 'all';
    if (kind !== 'all') i += 1;
    let text = '';
    if (pattern[i] === '"') {
      i += 1;
      while (i < pattern.length && pattern[i] !== '"') {
        if (pattern[i] === '\\' && i + 1 < pattern.length) i += 1;
        text += pattern[i];
        i += 1;
      }
      if (i >= pattern.length) throw new ConfigError(`--filter: the quoted phrase at "${text}" is not closed`);
      i += 1;
    } else {
      while (i < pattern.length && pattern[i] !== ' ' && pattern[i] !== '\t') {
        text += pattern[i];
        i += 1;
      }
    }
    if (text === '') throw new ConfigError(`--filter: '${kind === 'any' ? '?' : '-'}' must be followed by a term`);
    found.push({ text, kind });
  }
  return found;
}

/**
 * @throws ConfigError for a pattern that cannot be read (an unclosed quote or brace, a bad selector).
 * @example
 * const matches = compileFilter('ERROR -retry');
 * matches('ERROR: disk full'); // true
 * matches('ERROR: retry 2'); // false
 */
export function compileFilter(pattern: string): MessageFilter {
  const trimmed = pattern.trim();
  if (trimmed.startsWith('{')) return compileJsonFilter(trimmed);
  const all = terms(trimmed);
  const required = all.filter((t) => t.kind === 'all').map((t) => t.text);
  const anyOf = all.filter((t) => t.kind === 'any').map((t) => t.text);
  const excluded = all.filter((t) => t.kind === 'none').map((t) => t.text);
  return (message) =>
    required.every((t) => message.includes(t)) &&
    (anyOf.length === 0 || anyOf.some((t) => message.includes(t))) &&
    !excluded.some((t) => message.includes(t));
}
