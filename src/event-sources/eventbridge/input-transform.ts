/**
 * What a rule's target sends its function (docs/event-sources-eventbridge.md, "Target input"):
 * the whole event, a constant `Input`, the part at `InputPath`, or an `InputTransformer` whose
 * `InputTemplate` placeholders are filled from `InputPathsMap` and EventBridge's predefined
 * variables. Paths and templates are checked once, when the template loads (compile*); the
 * rendering at each event cannot fail and always gives JSON text.
 */
import type { EventBridgeEvent } from './eventbridge-event.js';
import type { JsonPath, PathStep, TargetInput } from './rule-types.js';

/** EventBridge's limits: InputPath 256 characters, InputTemplate 8,192, 100 InputPathsMap entries. */
export const MAX_INPUT_PATH = 256;
export const MAX_INPUT_TEMPLATE = 8192;
export const MAX_PATHS_MAP = 100;

/** The variables EventBridge defines itself; an InputPathsMap may not reuse their names. */
export const PREDEFINED = ['aws.events.rule-arn', 'aws.events.rule-name', 'aws.events.event.ingestion-time', 'aws.events.event', 'aws.events.event.json'] as const;

const KEY = /^[A-Za-z0-9_\-/]+$/;
const PLACEHOLDER_NAME = /^[A-Za-z0-9_.\-]+$/;

/**
 * Parse a JSON path of EventBridge's subset: `$`, then `.name` (letters, digits, `_`, `-`, `/`),
 * `[n]` and `*` / `[*]` steps.
 *
 * @example compileJsonPath('$.detail.items[0].id') // { text, steps: [key detail, key items, index 0, key id] }
 * @example compileJsonPath('detail') // 'must start with "$"'
 */
export function compileJsonPath(text: string): JsonPath | string {
  if (text.length > MAX_INPUT_PATH) return `is ${text.length} characters long; at most ${MAX_INPUT_PATH}`;
  if (!text.startsWith('$')) return 'must start with "$"';
  const steps: PathStep[] = [];
  let i = 1;
  while (i < text.length) {
    if (text[i] === '.') {
      const m = /^(\*|[A-Za-z0-9_\-/]+)/.exec(text.slice(i + 1));
      if (m === null) return `has an empty or invalid step at character ${i + 1} (dot notation: letters, digits, _, -, /)`;
      steps.push(m[1] === '*' ? { kind: 'any' } : { kind: 'key', key: m[1] as string });
      i += 1 + (m[1] as string).length;
    } else if (text[i] === '[') {
      const m = /^\[(\*|\d{1,9})\]/.exec(text.slice(i));
      if (m === null) return `has an invalid [...] at character ${i + 1} (only [n] and [*]; use dot notation for names)`;
      steps.push(m[1] === '*' ? { kind: 'any' } : { kind: 'index', index: Number(m[1]) });
      i += m[0].length;
    } else return `has ${JSON.stringify(text[i])} at character ${i + 1} where "." or "[" was expected`;
  }
  return { text, steps };
}

/**
 * The value at a path: `found: false` when nothing is there. A path with `*` gathers every match
 * into a list (found when the list is not empty).
 *
 * @example readPath(compiled, { detail: { a: 1 } }) // { found: true, value: 1 } for $.detail.a
 */
export function readPath(path: JsonPath, data: unknown): { found: boolean; value: unknown } {
  let current: unknown[] = [data];
  let many = false;
  for (const step of path.steps) {
    const next: unknown[] = [];
    for (const value of current) {
      if (step.kind === 'key') {
        if (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.hasOwn(value, step.key)) next.push((value as Record<string, unknown>)[step.key]);
      } else if (step.kind === 'index') {
        if (Array.isArray(value) && step.index < value.length) next.push(value[step.index]);
      } else {
        many = true;
        if (Array.isArray(value)) next.push(...value);
        else if (typeof value === 'object' && value !== null) next.push(...Object.values(value));
      }
    }
    current = next;
  }
  if (many) return { found: current.length > 0, value: current };
  return current.length === 0 ? { found: false, value: undefined } : { found: true, value: current[0] };
}

/** Where a placeholder sits: inside a JSON string of the template, or outside one. */
interface Slot {
  readonly start: number;
  readonly end: number;
  readonly name: string;
  readonly quoted: boolean;
}

/** The placeholders `<name>` of a template that name a known variable, with their quoting. */
function slots(template: string, known: (name: string) => boolean): Slot[] {
  const out: Slot[] = [];
  let quoted = false;
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    if (quoted && c === '\\') {
      i++;
      continue;
    }
    if (c === '"') quoted = !quoted;
    else if (c === '<') {
      const end = template.indexOf('>', i + 1);
      const name = end < 0 ? '' : template.slice(i + 1, end);
      if (PLACEHOLDER_NAME.test(name) && known(name)) {
        out.push({ start: i, end: end + 1, name, quoted });
        i = end;
      }
    }
  }
  return out;
}

/** A value as it is written into the template: JSON outside quotes, escaped text inside. */
function written(value: { found: boolean; value: unknown }, quoted: boolean): string {
  if (!quoted) return value.found ? JSON.stringify(value.value) ?? 'null' : 'null';
  if (!value.found) return '';
  const text = typeof value.value === 'string' ? value.value : JSON.stringify(value.value) ?? 'null';
  return JSON.stringify(text).slice(1, -1);
}

function fill(template: string, known: (name: string) => boolean, valueOf: (name: string) => { found: boolean; value: unknown }): string {
  let out = '';
  let at = 0;
  for (const slot of slots(template, known)) {
    out += template.slice(at, slot.start) + written(valueOf(slot.name), slot.quoted);
    at = slot.end;
  }
  return out + template.slice(at);
}

/**
 * Check an InputTransformer: its paths compile, its names are allowed, and its template gives
 * JSON (a Lambda target is invoked with JSON) whatever the values.
 *
 * @example compileTransformer({ id: '$.detail.id' }, '{"order": <id>}') // { kind: 'transformer', ... }
 */
export function compileTransformer(pathsMap: Readonly<Record<string, unknown>>, template: string): TargetInput | { problem: string; property: string } {
  const entries = Object.entries(pathsMap);
  if (entries.length > MAX_PATHS_MAP) return { property: 'InputPathsMap', problem: `${entries.length} entries: at most ${MAX_PATHS_MAP}` };
  const paths = new Map<string, JsonPath>();
  for (const [key, raw] of entries) {
    if (key.toLowerCase().startsWith('aws.') || (PREDEFINED as readonly string[]).includes(key)) return { property: `InputPathsMap.${key}`, problem: 'is reserved for EventBridge\'s predefined variables' };
    if (!KEY.test(key)) return { property: `InputPathsMap.${key}`, problem: 'names may hold only letters, digits, _, - and /' };
    if (typeof raw !== 'string') return { property: `InputPathsMap.${key}`, problem: `${JSON.stringify(raw)} is not a JSON path string` };
    const path = compileJsonPath(raw);
    if (typeof path === 'string') return { property: `InputPathsMap.${key}`, problem: `${JSON.stringify(raw)} ${path}` };
    paths.set(key, path);
  }
  if (template.length === 0 || template.length > MAX_INPUT_TEMPLATE) return { property: 'InputTemplate', problem: `is ${template.length} characters long; 1-${MAX_INPUT_TEMPLATE}` };
  const known = (name: string): boolean => paths.has(name) || (PREDEFINED as readonly string[]).includes(name);
  // Any value must give JSON: try strings (quoted outside, escaped inside) and missing values (null).
  for (const probe of [{ found: true, value: 'x"<>\\' }, { found: false, value: undefined }, { found: true, value: { a: [1] } }]) {
    const text = fill(template, known, () => probe);
    try {
      JSON.parse(text);
    } catch {
      return { property: 'InputTemplate', problem: `does not give JSON once its placeholders are filled (${JSON.stringify(text.slice(0, 80))}); a Lambda target is invoked with JSON: quote text templates ("\\"<name> is here\\"")` };
    }
  }
  return { kind: 'transformer', paths, template };
}

export interface RuleFacts {
  readonly ruleArn: string;
  readonly ruleName: string;
  /** When the event reached the bus. */
  readonly ingestionTime: string;
}

/**
 * The JSON text a target sends its function for one event.
 *
 * @example renderTargetInput({ kind: 'event' }, event, facts) // JSON.stringify(event)
 */
export function renderTargetInput(input: TargetInput, event: EventBridgeEvent, facts: RuleFacts): string {
  if (input.kind === 'event') return JSON.stringify(event);
  if (input.kind === 'constant') return input.text;
  if (input.kind === 'path') {
    const at = readPath(input.path, event);
    return at.found ? JSON.stringify(at.value) ?? 'null' : 'null';
  }
  const { detail: _detail, ...withoutDetail } = event;
  const predefined: Readonly<Record<string, unknown>> = {
    'aws.events.rule-arn': facts.ruleArn,
    'aws.events.rule-name': facts.ruleName,
    'aws.events.event.ingestion-time': facts.ingestionTime,
    'aws.events.event': withoutDetail,
    'aws.events.event.json': event,
  };
  const paths = input.paths;
  const valueOf = (name: string): { found: boolean; value: unknown } => {
    const path = paths.get(name);
    if (path !== undefined) return readPath(path, event);
    return Object.hasOwn(predefined, name) ? { found: true, value: predefined[name] } : { found: false, value: undefined };
  };
  return fill(input.template, (name) => paths.has(name) || Object.hasOwn(predefined, name), valueOf);
}
