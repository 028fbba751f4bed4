/**
 * CloudWatch Logs JSON filter patterns, for messages that are JSON objects
 * (docs/cloudwatch-logs.md): `{ SELECTOR OPERATOR VALUE }` joined with `&&` and `||` and grouped
 * with parentheses.
 *
 * - selectors: `$.a.b`, `$.list[0].c`;
 * - strings: `=` and `!=` with a quoted or bare value, `*` a wildcard (`{ $.msg = "disk*" }`);
 * - numbers: `=`, `!=`, `<`, `<=`, `>`, `>=`;
 * - `IS TRUE`, `IS FALSE`, `IS NULL`, `NOT EXISTS`.
 *
 * A message that is not a JSON object never matches.
 */
import { ConfigError } from '../../errors.js';

type Node =
  | { readonly kind: 'and' | 'or'; readonly left: Node; readonly right: Node }
  | { readonly kind: 'test'; readonly path: readonly (string | number)[]; readonly test: (value: unknown, exists: boolean) => boolean };

const TOKEN = /\s*(\(|\)|&&|\|\||!=|<=|>=|=|<|>|"(?:[^"\\]|\\.)*"|\$[^\s=!<>()&|]*|[^\s=!<>()&|"]+)/y;

function tokenize(body: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < body.length) {
    const at = TOKEN.lastIndex;
    const match = TOKEN.exec(body);
    if (match?.[1] === undefined) {
      if (body.slice(at).trim() === '') break;
      throw new ConfigError(`--filter: cannot read the JSON pattern at '${body.slice(at).trim()}'`);
    }
    tokens.push(match[1]);
  }
  return tokens;
}

function selector(token: string): (string | number)[] {
  if (!token.startsWith('$')) throw new ConfigError(`--filter: a JSON pattern compares a selector such as $.level, got '${token}'`);
  const path: (string | number)[] = [];
  const part = /\.([A-Za-z0-9_@-]+)|\[(\d+)\]/y;
  part.lastIndex = 1;
  while (part.lastIndex < token.length) {
    const match = part.exec(token);
    if (match === null) throw new ConfigError(`--filter: cannot read the selector '${token}'`);
    path.push(match[1] ?? Number(match[2]));
  }
  return path;
}

function wildcard(text: string): RegExp {
  return new RegExp(`^${text.split('*').map((piece) => piece.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 's');
}

function comparison(op: string, raw: string): (value: unknown) => boolean {
  const quoted = raw.startsWith('"');
  const text = quoted ? (JSON.parse(raw) as string) : raw;
  const number = Number(text);
  if (!quoted && text !== '' && Number.isFinite(number)) {
    const compare: Record<string, (a: number) => boolean> = { '=': (a) => a === number, '!=': (a) => a !== number, '<': (a) => a < number, '<=': (a) => a <= number, '>': (a) => a > number, '>=': (a) => a >= number };
    const fn = compare[op];
    if (fn === undefined) throw new ConfigError(`--filter: unknown operator '${op}'`);
    return (value) => typeof value === 'number' && fn(value);
  }
  if (op !== '=' && op !== '!=') throw new ConfigError(`--filter: '${op}' compares numbers, not '${raw}'`);
  const pattern = wildcard(text);
  const equal = (value: unknown): boolean => (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') && pattern.test(String(value));
  return op === '=' ? equal : (value) => value !== undefined && !equal(value);
}

class Parser {
  #at = 0;
  constructor(private readonly tokens: readonly string[]) {}

  parse(): Node {
    const node = this.#or();
    if (this.#at < this.tokens.length) throw new ConfigError(`--filter: unexpected '${this.tokens[this.#at]}' in the JSON pattern`);
    return node;
  }

  #next(): string {
    const token = this.tokens[this.#at];
    if (token === undefined) throw new ConfigError('--filter: the JSON pattern ends too early');
    this.#at += 1;
    return token;
  }

  #or(): Node {
    let node = this.#and();
    while (this.tokens[this.#at] === '||') {
      this.#at += 1;
      node = { kind: 'or', left: node, right: this.#and() };
    }
    return node;
  }

  #and(): Node {
    let node = this.#primary();
    while (this.tokens[this.#at] === '&&') {
      this.#at += 1;
      node = { kind: 'and', left: node, right: this.#primary() };
    }
    return node;
  }

  #primary(): Node {
    const token = this.#next();
    if (token === '(') {
      const node = this.#or();
      if (this.#next() !== ')') throw new ConfigError('--filter: a parenthesis is not closed in the JSON pattern');
      return node;
    }
    const path = selector(token);
    const op = this.#next();
    if (op.toUpperCase() === 'IS') {
      const what = this.#next().toUpperCase();
      const tests: Record<string, (value: unknown, exists: boolean) => boolean> = { TRUE: (v) => v === true, FALSE: (v) => v === false, NULL: (v) => v === null };
      const test = tests[what];
      if (test === undefined) throw new ConfigError(`--filter: IS must be followed by TRUE, FALSE or NULL, got '${what}'`);
      return { kind: 'test', path, test };
    }
    if (op.toUpperCase() === 'NOT') {
      if (this.#next().toUpperCase() !== 'EXISTS') throw new ConfigError('--filter: NOT must be followed by EXISTS');
      return { kind: 'test', path, test: (_v, exists) => !exists };
    }
    const compare = comparison(op, this.#next());
    return { kind: 'test', path, test: (value, exists) => exists && compare(value) };
  }
}

function lookup(root: unknown, path: readonly (string | number)[]): { readonly exists: boolean; readonly value: unknown } {
  let value: unknown = root;
  for (const key of path) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, key)) return { exists: false, value: undefined };
    value = (value as Record<string | number, unknown>)[key];
  }
  return { exists: true, value };
}

function evaluate(node: Node, root: unknown): boolean {
  if (node.kind === 'and') return evaluate(node.left, root) && evaluate(node.right, root);
  if (node.kind !== 'test') return evaluate(node.left, root) || evaluate(node.right, root);
  const { exists, value } = lookup(root, node.path);
  return node.test(value, exists);
}

/**
 * @throws ConfigError for a pattern that cannot be read.
 * @example
 * compileJsonFilter('{ $.level = "ERROR" }')('{"level":"ERROR"}'); // true
 */
export function compileJsonFilter(pattern: string): (message: string) => boolean {
  if (!pattern.endsWith('}')) throw new ConfigError('--filter: a JSON pattern ends with }');
  const tree = new Parser(tokenize(pattern.slice(1, -1))).parse();
  return (message) => {
    const start = message.trimStart();
    if (!start.startsWith('{')) return false;
    let parsed: unknown;
    try {
      parsed = JSON.parse(message);
    } catch {
      return false;
    }
    return evaluate(tree, parsed);
  };
}
