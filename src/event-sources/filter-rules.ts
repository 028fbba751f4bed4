/**
 * The leaf rules of a filter pattern (docs/event-sources-template.md, "Filter criteria"): what may
 * stand in the array of values of one field. Lambda's event filtering uses EventBridge's pattern
 * language; each rule here compiles once (at template load) into a test of one data value.
 *
 * A rule is an exact value (string, number, boolean, null) or a one-key object naming an
 * operator: prefix, suffix, equals-ignore-case, wildcard, anything-but, numeric, exists, cidr.
 */
import { cidrTest } from './cidr-rule.js';

/** A compiled leaf rule. `value` is undefined when the field is absent from the data. */
export interface LeafRule {
  /** `exists: false` is the only rule that matches an absent field. */
  readonly test: (value: unknown) => boolean;
}

export type RuleResult = { readonly ok: true; readonly rule: LeafRule } | { readonly ok: false; readonly problem: string };

const ok = (test: (value: unknown) => boolean): RuleResult => ({ ok: true, rule: { test } });
const fail = (problem: string): RuleResult => ({ ok: false, problem });

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isString = (v: unknown): v is string => typeof v === 'string';
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** An exact value: strings and booleans by identity, numbers numerically (5 equals 5.0), null as null. */
function exact(expected: string | number | boolean | null): LeafRule['test'] {
  return (value) => value === expected;
}

/**
 * Glob matching of `*` (any run of characters, possibly empty) without regular expressions: the
 * classic two-pointer walk with backtracking to the last star, O(text x pattern) at worst, so a
 * hostile `*a*a*a*…b` cannot make it exponential.
 */
function wildcardTest(parts: readonly (string | typeof STAR)[]): (text: string) => boolean {
  return (text) => {
    let t = 0;
    let p = 0;
    let starP = -1;
    let starT = 0;
    while (t < text.length) {
      const part = parts[p];
      if (part !== undefined && part !== STAR && part === text[t]) {
        t++;
        p++;
      } else if (part === STAR) {
        starP = p++;
        starT = t;
      } else if (starP >= 0) {
        p = starP + 1;
        t = ++starT;
      } else return false;
    }
    while (parts[p] === STAR) p++;
    return p === parts.length;
  };
}
const STAR = Symbol('*');

/** `wildcard` text: `*` is a wildcard, `\*` and `\\` are literal; `**` is refused (as EventBridge does). */
function parseWildcard(text: string): (string | typeof STAR)[] | string {
  const parts: (string | typeof STAR)[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '\\') {
      const next = text[i + 1];
      if (next !== '*' && next !== '\\') return `"\\" must escape "*" or "\\" in wildcard ${JSON.stringify(text)}`;
      parts.push(next);
      i++;
    } else if (c === '*') {
      if (parts.at(-1) === STAR) return `consecutive "*" in wildcard ${JSON.stringify(text)}`;
      parts.push(STAR);
    } else parts.push(c);
  }
  return parts;
}

/** `prefix` / `suffix`: a string, or `{ "equals-ignore-case": string }`. */
function affix(kind: 'prefix' | 'suffix', arg: unknown): RuleResult {
  const ignoreCase = isObject(arg) && Object.keys(arg).length === 1 && isString(arg['equals-ignore-case']);
  const text = ignoreCase ? (arg['equals-ignore-case'] as string) : arg;
  if (!isString(text)) return fail(`${kind} takes a string or {"equals-ignore-case": string}, not ${JSON.stringify(arg)}`);
  const want = ignoreCase ? text.toLowerCase() : text;
  return ok((value) => {
    if (!isString(value)) return false;
    const have = ignoreCase ? value.toLowerCase() : value;
    return kind === 'prefix' ? have.startsWith(want) : have.endsWith(want);
  });
}

const NUMERIC_OPS: Readonly<Record<string, (a: number, b: number) => boolean>> = {
  '=': (a, b) => a === b,
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
};

/** `numeric`: `["=", n]`, one bound, or a lower bound (`>`, `>=`) then an upper one (`<`, `<=`). */
function numeric(arg: unknown): RuleResult {
  const bad = fail(`numeric takes ["=", n], [op, n] or [">"|">=", low, "<"|"<=", high], not ${JSON.stringify(arg)}`);
  if (!Array.isArray(arg) || (arg.length !== 2 && arg.length !== 4)) return bad;
  const tests: ((v: number) => boolean)[] = [];
  for (let i = 0; i < arg.length; i += 2) {
    const op = arg[i];
    const n = arg[i + 1];
    const cmp = isString(op) ? NUMERIC_OPS[op] : undefined;
    if (cmp === undefined || !isNumber(n)) return bad;
    tests.push((v) => cmp(v, n));
  }
  if (arg.length === 4) {
    const [low, lo, high, hi] = arg as [string, number, string, number];
    if (!(low === '>' || low === '>=') || !(high === '<' || high === '<=') || lo > hi) return bad;
  }
  return ok((value) => isNumber(value) && tests.every((t) => t(value)));
}

/** `anything-but`: a value, a list of strings or of numbers, or a prefix/suffix/equals-ignore-case rule. */
function anythingBut(arg: unknown): RuleResult {
  if (isObject(arg)) {
    const keys = Object.keys(arg);
    const key = keys[0];
    if (keys.length !== 1 || (key !== 'prefix' && key !== 'suffix' && key !== 'equals-ignore-case' && key !== 'wildcard')) {
      return fail(`anything-but takes a value, a list, or one of prefix, suffix, equals-ignore-case, wildcard, not ${JSON.stringify(arg)}`);
    }
    const inner = arg[key];
    const values = Array.isArray(inner) ? inner : [inner];
    if (values.length === 0 || !values.every(isString)) return fail(`anything-but ${key} takes a string or a list of strings, not ${JSON.stringify(inner)}`);
    const lowered = values.map((v) => v.toLowerCase());
    const globs: ((text: string) => boolean)[] = [];
    if (key === 'wildcard') {
      for (const v of values) {
        const parts = parseWildcard(v);
        if (isString(parts)) return fail(`anything-but ${parts}`);
        globs.push(wildcardTest(parts));
      }
    }
    const hit = (s: string): boolean =>
      key === 'prefix' ? values.some((v) => s.startsWith(v))
        : key === 'suffix' ? values.some((v) => s.endsWith(v))
          : key === 'wildcard' ? globs.some((glob) => glob(s))
            : lowered.includes(s.toLowerCase());
    return ok((value) => isString(value) && !hit(value));
  }
  const values = Array.isArray(arg) ? arg : [arg];
  const allStrings = values.every(isString);
  const allNumbers = values.every(isNumber);
  if (values.length === 0 || !(allStrings || allNumbers)) return fail(`anything-but takes a string, a number, or a list of only strings or only numbers, not ${JSON.stringify(arg)}`);
  const excluded = new Set<unknown>(values);
  // Absent fields never match; present ones of another type match (they are not in the list).
  return ok((value) => value !== undefined && !excluded.has(value));
}

const OPERATORS: Readonly<Record<string, (arg: unknown) => RuleResult>> = {
  prefix: (arg) => affix('prefix', arg),
  suffix: (arg) => affix('suffix', arg),
  'equals-ignore-case': (arg) => {
    if (!isString(arg)) return fail(`equals-ignore-case takes a string, not ${JSON.stringify(arg)}`);
    const want = arg.toLowerCase();
    return ok((value) => isString(value) && value.toLowerCase() === want);
  },
  wildcard: (arg) => {
    if (!isString(arg)) return fail(`wildcard takes a string, not ${JSON.stringify(arg)}`);
    const parts = parseWildcard(arg);
    if (isString(parts)) return fail(parts);
    const test = wildcardTest(parts);
    return ok((value) => isString(value) && test(value));
  },
  'anything-but': anythingBut,
  numeric,
  cidr: (arg) => {
    const test = cidrTest(arg);
    return isString(test) ? fail(test) : ok(test);
  },
  exists: (arg) => {
    if (typeof arg !== 'boolean') return fail(`exists takes true or false, not ${JSON.stringify(arg)}`);
    // EventBridge: exists looks at leaf values; an object is not a leaf.
    return ok((value) => (value !== undefined && !isObject(value)) === arg);
  },
};

/**
 * Compile one element of a field's array of rules.
 *
 * @example compileRule({ prefix: 'ord-' }) // { ok: true, rule } with rule.test('ord-1') === true
 * @example compileRule({ regex: 'a.*' }) // { ok: false, problem: 'unknown operator "regex" ...' }
 */
export function compileRule(raw: unknown): RuleResult {
  if (raw === null || isString(raw) || typeof raw === 'boolean') return ok(exact(raw));
  if (isNumber(raw)) return ok(exact(raw));
  if (!isObject(raw)) return fail(`${JSON.stringify(raw)} is not a value or a rule object`);
  const keys = Object.keys(raw);
  const name = keys[0];
  if (keys.length !== 1 || name === undefined) return fail(`a rule object has exactly one operator, not ${JSON.stringify(raw)}`);
  const operator = Object.hasOwn(OPERATORS, name) ? OPERATORS[name] : undefined;
  if (operator === undefined) {
    return fail(`unknown operator ${JSON.stringify(name)} (known: ${Object.keys(OPERATORS).join(', ')})`);
  }
  return operator(raw[name]);
}
