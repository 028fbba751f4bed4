/**
 * Lambda's event filtering (docs/event-sources-template.md, "Filter criteria"): a record is sent
 * to the function when any of the mapping's `FilterCriteria.Filters[].Pattern` matches it. A
 * pattern is EventBridge's pattern language applied to the record as data:
 *
 * - an object names fields; every field it names must match (AND); nested objects go deeper;
 * - a field's array lists values and rules (./filter-rules.ts), any of which may match (OR);
 * - `$or: [pattern, pattern, ...]` matches when any of its patterns does;
 * - an array in the data matches when any of its elements does.
 *
 * For SQS the record's `body` is parsed when it is a JSON object or array, so that patterns reach
 * into it; otherwise it stays a string, and only plain-string rules on `body` can match it
 * (sqsFilterData).
 */
import type { FilterPattern } from './mapping-types.js';
import { compileRule, type LeafRule } from './filter-rules.js';

/** Lambda's limit on one pattern's text (`Filter.Pattern`, 0-4,096 characters). */
export const MAX_PATTERN_LENGTH = 4096;
/** How deep a pattern may nest; beyond it the pattern is refused rather than walked. */
export const MAX_PATTERN_DEPTH = 32;

export interface PatternMatcher {
  /** The parsed pattern, as the mapping carries it (`SqsMapping.filters`). */
  readonly pattern: FilterPattern;
  /** Whether the record (as data: see sqsFilterData for SQS) matches. */
  matches(record: unknown): boolean;
}

export type CompileResult = { readonly ok: true; readonly matcher: PatternMatcher } | { readonly ok: false; readonly problem: string };

type Node = (value: unknown) => boolean;
type Built = { ok: true; node: Node } | { ok: false; problem: string };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Compile a pattern's JSON text.
 *
 * @example
 * const r = compilePattern('{"body": {"RequestCode": ["BBBB"]}}');
 * if (r.ok) r.matcher.matches({ body: { RequestCode: 'BBBB' } }); // true
 */
export function compilePattern(text: string): CompileResult {
  if (text.length > MAX_PATTERN_LENGTH) return { ok: false, problem: `is ${text.length} characters long; at most ${MAX_PATTERN_LENGTH}` };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return { ok: false, problem: `is not JSON (${(err as Error).message})` };
  }
  return compilePatternObject(parsed);
}

/**
 * Compile an already parsed pattern (a mapping's `filters`).
 *
 * @example compilePatternObject({ status: [{ 'anything-but': 'done' }] }).ok // true
 */
export function compilePatternObject(pattern: unknown): CompileResult {
  if (!isObject(pattern)) return { ok: false, problem: `must be a JSON object naming fields, not ${JSON.stringify(pattern)}` };
  if (Object.keys(pattern).length === 0) return { ok: false, problem: 'must name at least one field' };
  const built = objectNode(pattern, '', 1);
  if (!built.ok) return built;
  const node = built.node;
  return { ok: true, matcher: { pattern, matches: (record) => node(record) } };
}

/** An object of the pattern: every key must match the value of that field in the data. */
function objectNode(pattern: Record<string, unknown>, path: string, depth: number): Built {
  if (depth > MAX_PATTERN_DEPTH) return { ok: false, problem: `nests deeper than ${MAX_PATTERN_DEPTH} levels at ${path}` };
  const checks: Node[] = [];
  for (const [key, spec] of Object.entries(pattern)) {
    const where = path === '' ? key : `${path}.${key}`;
    if (key === '$or') {
      const alternatives = orNode(spec, where, depth);
      if (!alternatives.ok) return alternatives;
      checks.push(alternatives.node);
      continue;
    }
    const field = fieldNode(spec, where, depth);
    if (!field.ok) return field;
    const test = field.node;
    checks.push((data) => test(isObject(data) && Object.hasOwn(data, key) ? data[key] : undefined));
  }
  return { ok: true, node: (data) => checks.every((check) => check(data)) };
}

/** `$or`: a list of at least two patterns, each an object. */
function orNode(spec: unknown, where: string, depth: number): Built {
  if (!Array.isArray(spec) || spec.length < 2 || !spec.every(isObject)) return { ok: false, problem: `${where} must be a list of at least two pattern objects` };
  const nodes: Node[] = [];
  for (const [i, alternative] of spec.entries()) {
    if (Object.keys(alternative).length === 0) return { ok: false, problem: `${where}[${i}] must name at least one field` };
    const built = objectNode(alternative, `${where}[${i}]`, depth + 1);
    if (!built.ok) return built;
    nodes.push(built.node);
  }
  return { ok: true, node: (data) => nodes.some((n) => n(data)) };
}

/** The value of one field: a nested object, or an array of values and rules. */
function fieldNode(spec: unknown, where: string, depth: number): Built {
  if (isObject(spec)) {
    if (Object.keys(spec).length === 0) return { ok: false, problem: `${where} must name at least one field` };
    const nested = objectNode(spec, where, depth + 1);
    if (!nested.ok) return nested;
    const inner = nested.node;
    // An object in the data, or any object of an array in the data; an absent object behaves as
    // empty, so that `exists: false` below it still matches; a string (a body that is not JSON) never does.
    return {
      ok: true,
      node: (value) => (Array.isArray(value) ? flatten(value).some((v) => isObject(v) && inner(v)) : value === undefined ? inner({}) : isObject(value) && inner(value)),
    };
  }
  if (!Array.isArray(spec)) return { ok: false, problem: `${where} must be an array of values or rules, or an object, not ${JSON.stringify(spec)}` };
  if (spec.length === 0) return { ok: false, problem: `${where} is an empty array (it could never match)` };
  const rules: LeafRule[] = [];
  for (const [i, raw] of spec.entries()) {
    const r = compileRule(raw);
    if (!r.ok) return { ok: false, problem: `${where}[${i}]: ${r.problem}` };
    rules.push(r.rule);
  }
  return {
    ok: true,
    node: (value) => {
      if (!Array.isArray(value)) return rules.some((rule) => rule.test(value));
      const items = flatten(value);
      // An empty array has no leaf: it is as good as absent for `exists`.
      return items.length === 0 ? rules.some((rule) => rule.test(undefined)) : items.some((item) => rules.some((rule) => rule.test(item)));
    },
  };
}

/** The leaves of nested arrays, walked without recursion (data may nest arbitrarily deep). */
function flatten(value: readonly unknown[]): unknown[] {
  const out: unknown[] = [];
  const stack: (readonly unknown[])[] = [value];
  const positions: number[] = [0];
  while (stack.length > 0) {
    const top = stack.length - 1;
    const array = stack[top] as readonly unknown[];
    const i = positions[top] as number;
    if (i >= array.length) {
      stack.pop();
      positions.pop();
      continue;
    }
    positions[top] = i + 1;
    const item = array[i];
    if (Array.isArray(item)) {
      stack.push(item);
      positions.push(0);
    } else out.push(item);
  }
  return out;
}

/**
 * An SQS record as filters see it: `body` parsed when it is a JSON object or array, else left as
 * the string it is (a JSON string or number body stays text: plain-string rules match it).
 *
 * @example sqsFilterData({ messageId: '1', body: '{"a":1}' }) // { messageId: '1', body: { a: 1 } }
 */
export function sqsFilterData(record: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const body = record.body;
  if (typeof body !== 'string') return { ...record };
  const first = body.trimStart()[0];
  if (first !== '{' && first !== '[') return { ...record };
  try {
    return { ...record, body: JSON.parse(body) as unknown };
  } catch {
    return { ...record };
  }
}

/**
 * Whether a record passes a mapping's filters: no filter lets everything through; otherwise any
 * matching pattern does (Lambda drops, and for SQS deletes, the records that match none).
 *
 * @example passesFilters([compiled], sqsFilterData(record))
 */
export function passesFilters(matchers: readonly PatternMatcher[], data: unknown): boolean {
  return matchers.length === 0 || matchers.some((m) => m.matches(data));
}
