/**
 * A strict parser of the OpenMetrics 1.0 text format and of Prometheus' text format 0.0.4, for
 * tests of `/metrics`: it throws on what a scraper would refuse (a sample before its TYPE, a
 * family split in two, a repeated series, a bad name, label or value, a missing `# EOF`, a sample
 * name that does not belong to its family's type, a counter below zero, a unit the name does not
 * end with).
 */

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface ParsedFamily {
  readonly name: string;
  type: string;
  unit: string | undefined;
  help: string | undefined;
  readonly samples: Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const NUMBER = /^[-+]?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?|Inf|inf)$/;
const TYPES = new Set(['counter', 'gauge', 'summary', 'histogram', 'gaugehistogram', 'stateset', 'info', 'unknown', 'untyped']);

function value(text: string, line: string): number {
  if (text === 'NaN') return Number.NaN;
  if (!NUMBER.test(text)) throw new Error(`bad value '${text}' in: ${line}`);
  return text.endsWith('Inf') || text.endsWith('inf') ? (text.startsWith('-') ? -Infinity : Infinity) : Number(text);
}

/** `{a="x",b="y"}` from position `at`; returns the labels and the position after `}`. */
function labelsAt(line: string, at: number): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  let i = at + 1;
  while (line[i] !== '}') {
    const eq = line.indexOf('=', i);
    if (eq < 0) throw new Error(`bad labels in: ${line}`);
    const name = line.slice(i, eq);
    if (!LABEL_NAME.test(name)) throw new Error(`bad label name '${name}' in: ${line}`);
    if (name in labels) throw new Error(`label '${name}' twice in: ${line}`);
    if (line[eq + 1] !== '"') throw new Error(`unquoted label value in: ${line}`);
    let text = '';
    let j = eq + 2;
    for (;;) {
      const c = line[j];
      if (c === undefined) throw new Error(`unterminated label value in: ${line}`);
      if (c === '"') break;
      if (c === '\\') {
        const next = line[j + 1];
        if (next === 'n') text += '\n';
        else if (next === '\\' || next === '"') text += next;
        else throw new Error(`bad escape in: ${line}`);
        j += 2;
      } else {
        text += c;
        j += 1;
      }
    }
    labels[name] = text;
    i = j + 1;
    if (line[i] === ',') i += 1;
    else if (line[i] !== '}') throw new Error(`expected , or } in: ${line}`);
  }
  return { labels, end: i + 1 };
}

function sampleOf(line: string): Sample {
  const brace = line.indexOf('{');
  const space = line.indexOf(' ');
  const nameEnd = brace >= 0 && brace < space ? brace : space;
  if (nameEnd <= 0) throw new Error(`bad sample: ${line}`);
  const name = line.slice(0, nameEnd);
  if (!METRIC_NAME.test(name)) throw new Error(`bad metric name '${name}'`);
  let rest = nameEnd;
  let labels: Record<string, string> = {};
  if (brace === nameEnd) ({ labels, end: rest } = labelsAt(line, brace));
  if (line[rest] !== ' ') throw new Error(`expected a space before the value in: ${line}`);
  const parts = line.slice(rest + 1).split(' ');
  if (parts.length > 2 || parts[0] === '') throw new Error(`bad value part in: ${line}`);
  return { name, labels, value: value(parts[0] ?? '', line) };
}

/** The family a sample name belongs to, for a family of this type. */
function belongs(family: ParsedFamily, sample: string, format: 'openmetrics' | 'prometheus'): boolean {
  const n = family.name;
  switch (family.type) {
    case 'counter':
      return format === 'openmetrics' ? sample === `${n}_total` || sample === `${n}_created` : sample === n;
    case 'summary':
      return [n, `${n}_sum`, `${n}_count`, `${n}_created`].includes(sample);
    case 'histogram':
      return [`${n}_bucket`, `${n}_sum`, `${n}_count`, `${n}_created`].includes(sample);
    default:
      return sample === n;
  }
}

function check(family: ParsedFamily, sample: Sample): void {
  if (family.type === 'counter' && !(sample.value >= 0)) throw new Error(`counter ${sample.name} below zero or NaN`);
  if (family.type === 'summary') {
    const q = sample.labels.quantile;
    if (sample.name === family.name && (q === undefined || !(Number(q) >= 0 && Number(q) <= 1))) throw new Error(`summary ${family.name} sample without a quantile in [0, 1]`);
    if (sample.name !== family.name && q !== undefined) throw new Error(`${sample.name} has a quantile label`);
    if (sample.name.endsWith('_count') && !(sample.value >= 0)) throw new Error(`${sample.name} below zero`);
  }
}

/**
 * @example const families = parseExposition(text, 'openmetrics'); families.get('lambda_invocations')?.samples
 */
export function parseExposition(text: string, format: 'openmetrics' | 'prometheus'): Map<string, ParsedFamily> {
  if (!text.endsWith('\n')) throw new Error('the exposition does not end with a newline');
  const lines = text.slice(0, -1).split('\n');
  if (format === 'openmetrics') {
    if (lines.pop() !== '# EOF') throw new Error('no # EOF at the end');
    if (lines.includes('# EOF')) throw new Error('# EOF before the end');
  }
  const families = new Map<string, ParsedFamily>();
  const closed = new Set<string>();
  const seen = new Set<string>();
  let current: ParsedFamily | undefined;
  const open = (name: string): ParsedFamily => {
    if (!METRIC_NAME.test(name)) throw new Error(`bad family name '${name}'`);
    if (current?.name === name) return current;
    if (current !== undefined) closed.add(current.name);
    if (closed.has(name)) throw new Error(`family ${name} is split`);
    const family: ParsedFamily = { name, type: 'unknown', unit: undefined, help: undefined, samples: [] };
    families.set(name, family);
    current = family;
    return family;
  };
  for (const line of lines) {
    if (line === '') throw new Error('an empty line');
    const meta = /^# (TYPE|HELP|UNIT) (\S+)(?: (.*))?$/.exec(line);
    if (meta !== null) {
      const [, kind, name = '', rest = ''] = meta;
      const family = open(name);
      if (family.samples.length > 0) throw new Error(`${kind} of ${name} after its samples`);
      if (kind === 'TYPE') {
        if (!TYPES.has(rest)) throw new Error(`unknown type '${rest}'`);
        family.type = rest;
      } else if (kind === 'UNIT') {
        if (format !== 'openmetrics') throw new Error('# UNIT is not in the 0.0.4 format');
        if (!name.endsWith(`_${rest}`)) throw new Error(`${name} does not end with its unit ${rest}`);
        family.unit = rest;
      } else {
        family.help = rest;
      }
      continue;
    }
    if (line.startsWith('#')) {
      if (format === 'openmetrics') throw new Error(`a comment OpenMetrics does not allow: ${line}`);
      continue;
    }
    const sample = sampleOf(line);
    if (current === undefined || !belongs(current, sample.name, format)) throw new Error(`sample ${sample.name} outside its family (current: ${current?.name ?? 'none'})`);
    const key = `${sample.name}${JSON.stringify(Object.entries(sample.labels).sort())}`;
    if (seen.has(key)) throw new Error(`series repeated: ${line}`);
    seen.add(key);
    check(current, sample);
    current.samples.push(sample);
  }
  return families;
}

/** The value of the one sample of `name` whose labels include `labels`, or undefined. */
export function sampleValue(families: Map<string, ParsedFamily>, name: string, labels: Readonly<Record<string, string>> = {}): number | undefined {
  for (const family of families.values()) {
    for (const sample of family.samples) {
      if (sample.name === name && Object.entries(labels).every(([k, v]) => sample.labels[k] === v)) return sample.value;
    }
  }
  return undefined;
}
