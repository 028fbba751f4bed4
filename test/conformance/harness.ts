/**
 * Differential conformance harness: run one handler under the official client Lambda ships for a
 * Node major (`aws-lambda-ric@3.3.0` for nodejs20.x/22.x, `aws-lambda-ric@4` for nodejs24.x and
 * later) and under Lamina's RIC, both on that major's node and through the real Lamina platform,
 * and reduce what each produced to a comparable, run-independent record (status, payload, error
 * JSON, the function's own log lines).
 */
import { existsSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import type { FunctionConfig } from '../../src/config/function-config.js';
import type { InvokeRequest } from '../../src/platform/invoke-types.js';
import { PROJECT_ROOT } from '../../src/platform/paths.js';
import { customRuntimeFunction, FIXTURES } from '../helpers/function-config.js';
import { invokeRequest } from '../helpers/invoke-request.js';
import { OFFICIAL_RIC_3_DIR } from '../helpers/official-ric-3.js';
import type { RunningLamina } from '../helpers/lamina-server.js';

export const CONFORMANCE_FIXTURES = join(FIXTURES, 'conformance');
export const OFFICIAL_BOOTSTRAP = join(CONFORMANCE_FIXTURES, 'bootstrap');

export type Side = 'official' | 'lamina';

/** The line of the official client a runtime ships: 3.x up to nodejs22.x, 4.x from nodejs24.x. */
export type OfficialLine = 'v3' | 'v4';

/** One Node major of the suite: its node binary and its official client. */
export interface MajorSetup {
  readonly major: number;
  /** The node both clients run on. */
  readonly node: string;
  readonly line: OfficialLine;
  /** The 3.x client's `dist/index.mjs` (line `v3`). */
  readonly ric3Entry?: string;
}

/**
 * The official client line of a Node major.
 * @example
 * ```ts
 * officialLine(22); // 'v3'
 * officialLine(24); // 'v4'
 * ```
 */
export function officialLine(major: number): OfficialLine {
  return major >= 24 ? 'v4' : 'v3';
}

/** Intentional differences of a case, per official client line. */
export type Differences = { readonly [line in OfficialLine]?: ExpectedDifference | readonly ExpectedDifference[] };

/**
 * The differences a case declares against one line.
 * @example
 * ```ts
 * differencesFor({ expectDifference: { v4: THROW_NULL } }, 'v4'); // [THROW_NULL]
 * ```
 */
export function differencesFor(c: Pick<ConformanceCase, 'expectDifference'>, line: OfficialLine): readonly ExpectedDifference[] {
  const declared = c.expectDifference?.[line];
  if (declared === undefined) return [];
  return Array.isArray(declared) ? (declared as readonly ExpectedDifference[]) : [declared as ExpectedDifference];
}

/** One row of the table: a function (fixture folder + handler) and the events it is invoked with, in order. */
export interface ConformanceCase {
  /** Unique, short, [a-z0-9-]: also the base of both function names. */
  readonly name: string;
  readonly dir: 'cjs' | 'esm';
  readonly handler: string;
  readonly events: readonly unknown[];
  readonly config?: Partial<FunctionConfig>;
  readonly request?: Partial<InvokeRequest>;
  /** How long to wait after the last invoke for late log lines (timers the answer did not wait for). */
  readonly settleMs?: number;
  /** Asserts Lamina's result on a line (which must also equal the official one, unless a difference says otherwise). */
  readonly check?: { readonly [line in OfficialLine]?: (result: SideResult) => void };
  /** Set when the two clients differ on purpose (per official line): both sides' actual behaviour is asserted. */
  readonly expectDifference?: Differences;
}

export interface ExpectedDifference {
  /** One line: what differs and why (also listed in test/conformance/DIFFERENCES.md). */
  readonly reason: string;
  /** Assert the official client's actual behaviour. */
  readonly official: (result: SideResult) => void;
  /** Assert Lamina's actual behaviour. */
  readonly lamina: (result: SideResult) => void;
  /**
   * Rewrite the official result the way this difference predicts Lamina's to look. When every
   * difference of a case has one, the aligned official result must equal Lamina's exactly: the
   * rest of the behaviour is still compared.
   */
  readonly align?: (official: SideResult) => SideResult;
}

/** The normalised error JSON of a function error. */
export interface ErrorShape {
  readonly keys: string[];
  readonly errorType: unknown;
  readonly errorMessage: unknown;
  /** `'string[]'` when `trace` is an array of strings (frame text is not compared). */
  readonly trace: string;
}

export interface InvokeRecord {
  /** `'200'` for a response, `'200 Unhandled'` for a function error (what X-Amz-Function-Error says). */
  readonly status: string;
  /** The response bytes (utf-8, function name replaced by `<fn>`), for a response. */
  readonly payload?: string;
  /** The error JSON, for a function error. */
  readonly error?: ErrorShape;
  /** The function's own log lines during this invoke: `LEVEL\t<req>|undefined|-\tmessage`. */
  readonly logs: string[];
  /** Other lines in the invoke's log (platform lines excluded): stderr output and the like. */
  readonly other: string[];
}

export interface SideResult {
  readonly invokes: InvokeRecord[];
  /** Lines written after the last invoke's END (waited for `settleMs`). */
  readonly after: string[];
}

/**
 * The FunctionConfig of one side of a case on one major. Both sides say `nodejs<major>.x`
 * (AWS_EXECUTION_ENV) and run on the same node; the official side (and Lamina's on another node
 * than the host's) starts through test/fixtures/conformance/bootstrap, Lamina's on the host's node
 * as the platform starts a Node runtime.
 */
export function sideFunction(c: ConformanceCase, side: Side, setup: MajorSetup): FunctionConfig {
  const name = functionName(c, side, setup.major);
  const codeDir = join(CONFORMANCE_FIXTURES, c.dir);
  const base = customRuntimeFunction(name, codeDir, { handler: c.handler, memorySize: 256, timeout: 5, ...c.config });
  const runtime = `nodejs${setup.major}.x`;
  if (side === 'lamina' && setup.node === process.execPath) return { ...base, runtime, launch: { kind: 'node-ric', runtime, node: process.execPath } };
  const environment = {
    ...base.environment,
    CONFORMANCE_NODE: setup.node,
    CONFORMANCE_CLIENT: side === 'lamina' ? 'lamina' : setup.line,
    ...(setup.ric3Entry === undefined ? {} : { CONFORMANCE_RIC3: setup.ric3Entry }),
  };
  return { ...base, runtime, environment, launch: { kind: 'bootstrap', command: OFFICIAL_BOOTSTRAP, args: [] } };
}

export function functionName(c: ConformanceCase, side: Side, major: number): string {
  return `${c.name}--${major}${side === 'official' ? 'off' : 'lam'}`;
}

/** The installed 4.x client, as named and as node resolves it (node_modules may be a symlink). */
const OFFICIAL_RIC_DIRS = [join(PROJECT_ROOT, 'node_modules', 'aws-lambda-ric')].flatMap((dir) => (existsSync(dir) ? [...new Set([dir, realpathSync(dir)])] : [dir]));

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Replace what differs per run or per client installation; keep everything a user could rely on. */
export function normaliseText(text: string, fnName: string, requestIds: readonly string[], taskRoot: string): string {
  let out = text;
  for (const id of requestIds) out = out.replaceAll(id, '<req>');
  out = out.replaceAll(fnName, '<fn>');
  // Where each client lives (it shows up in "Require stack" lists and stack frames).
  for (const dir of OFFICIAL_RIC_DIRS) out = out.replace(new RegExp(`(file://)?${escapeRegExp(dir)}/[\\w./-]+`, 'g'), '<ric>');
  out = out.replace(new RegExp(`(file://)?${escapeRegExp(join(PROJECT_ROOT, 'dist'))}/[\\w./-]+`, 'g'), '<ric>');
  out = out.replace(new RegExp(`(file://)?${escapeRegExp(OFFICIAL_RIC_3_DIR)}/[\\w./-]+`, 'g'), '<ric>');
  // Where the code is: its own folder, or /var/task when the platform mounts it there.
  out = out.replace(new RegExp(`(file://)?(${escapeRegExp(taskRoot)}|/var/task)(?=[/'"\\s]|$)`, 'g'), '<task>');
  // Stack frames: inside JSON-encoded arrays ("    at x", ...), and inline (\r or \n separated).
  out = out.replace(/"\s+at [^"]*"(?:,"\s+at [^"]*")*/g, '"<frames>"');
  out = out.replace(/(?:[\r\n]+\s+at [^\r\n]*)+/g, '\r<frames>');
  // Timestamps inside messages (Date objects logged by the handler are fixed, this is for the RICs).
  out = out.replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z/g, '<time>');
  return out;
}

const PLATFORM_LINE = /^(START RequestId|END RequestId|REPORT RequestId|INIT_START|INIT_REPORT|EXTENSION|TELEMETRY)/;
const TEXT_LINE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z\t([^\t]*)\t(TRACE|DEBUG|INFO|WARN|ERROR|FATAL)\t(.*)$/s;

function requestIdToken(id: unknown, requestIds: readonly string[]): string {
  if (typeof id === 'string' && requestIds.includes(id)) return '<req>';
  return id === undefined ? '(absent)' : String(id);
}

function normaliseJsonValue(value: unknown, norm: (text: string) => string): unknown {
  if (typeof value === 'string') return norm(value);
  if (Array.isArray(value)) {
    // A stack as an array of lines: keep the first line, fold the frames.
    if (value.length > 1 && value.every((line) => typeof line === 'string') && value.slice(1).every((line) => /^\s+at /.test(line as string))) {
      return [norm(value[0] as string), '<frames>'];
    }
    return value.map((item) => normaliseJsonValue(item, norm));
  }
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, normaliseJsonValue(item, norm)]));
  }
  return value;
}

/**
 * Split one log text into the function's own lines (normalised) and other non-platform lines.
 * A Text line becomes `LEVEL\t<request id token>\tmessage`; a JSON line `LEVEL\t<token>\tjson:{rest of the record}`.
 */
export function splitLog(text: string, fnName: string, requestIds: readonly string[], taskRoot: string): { logs: string[]; other: string[] } {
  const norm = (value: string): string => normaliseText(value, fnName, requestIds, taskRoot);
  const logs: string[] = [];
  const other: string[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || PLATFORM_LINE.test(line)) continue;
    const textMatch = TEXT_LINE.exec(line);
    if (textMatch !== null) {
      logs.push(`${textMatch[2]}\t${requestIdToken(textMatch[1], requestIds)}\t${norm(textMatch[3]!)}`);
      continue;
    }
    if (line.startsWith('{"timestamp"')) {
      try {
        const { timestamp: _timestamp, level, requestId, ...rest } = JSON.parse(line) as Record<string, unknown>;
        logs.push(`${String(level)}\t${requestIdToken(requestId, requestIds)}\tjson:${JSON.stringify(normaliseJsonValue(rest, norm))}`);
        continue;
      } catch {
        // not JSON after all
      }
    }
    other.push(norm(line));
  }
  return { logs, other };
}

function errorShape(payload: Buffer, norm: (text: string) => string): ErrorShape {
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload.toString('utf8'));
  } catch {
    return { keys: [], errorType: '(not JSON)', errorMessage: norm(payload.toString('utf8')), trace: 'absent' };
  }
  const body = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>;
  const trace = body['trace'];
  return {
    keys: Object.keys(body).sort(),
    errorType: body['errorType'],
    errorMessage: typeof body['errorMessage'] === 'string' ? norm(body['errorMessage']) : body['errorMessage'],
    trace: trace === undefined ? 'absent' : Array.isArray(trace) && trace.every((line) => typeof line === 'string') ? 'string[]' : typeof trace,
  };
}

/**
 * Invoke one side of a case with each event in turn (on the same, warm, environment when it
 * survives). The log of invoke i is every line the function's environments wrote after invoke
 * i-1's END line, up to invoke i's END line (read from the platform's whole function log, so a
 * line that reaches the platform just after the answer is still counted): it includes the init
 * phase for the first invoke, and for an invoke that re-initialised a crashed environment.
 */
export async function runSide(lamina: RunningLamina, c: ConformanceCase, side: Side, major: number): Promise<SideResult> {
  const name = functionName(c, side, major);
  const taskRoot = join(CONFORMANCE_FIXTURES, c.dir);
  const requestIds: string[] = [];
  const raw: Array<{ status: string; payload: Buffer; isError: boolean }> = [];
  for (const event of c.events) {
    const outcome = await lamina.platform.invoke(invokeRequest(name, event, { tailLogs: false, ...c.request }));
    requestIds.push(outcome.requestId);
    const result = outcome.result;
    if (result.kind === 'stream') throw new Error(`${name}: unexpected stream`);
    const isError = result.kind === 'function-error';
    raw.push({ status: isError ? '200 Unhandled' : '200', payload: isError ? result.error.payload : result.payload, isError });
  }
  // Lines written after the last answer (a timer the answer did not wait for) come in a little later.
  await new Promise((resolve) => setTimeout(resolve, c.settleMs ?? 0));
  const norm = (text: string): string => normaliseText(text, name, requestIds, taskRoot);
  const prefix = `[${name}] `;
  const own = lamina.output.join('').split('\n').filter((line) => line.startsWith(prefix)).map((line) => line.slice(prefix.length));
  const segments: string[][] = [[]];
  for (const line of own) {
    segments[segments.length - 1]!.push(line);
    if (line.startsWith('END RequestId: ')) segments.push([]);
  }
  const invokes = raw.map(({ status, payload, isError }, index) => ({
    status,
    ...(isError ? { error: errorShape(payload, norm) } : { payload: norm(payload.toString('utf8')) }),
    ...splitLog((segments[index] ?? []).join('\n'), name, requestIds, taskRoot),
  }));
  const after = splitLog((segments[raw.length] ?? []).join('\n'), name, requestIds, taskRoot);
  return { invokes, after: [...after.logs, ...after.other] };
}

/** Run `task` over `items` with at most `limit` running at once, keeping the order of results. */
export async function mapBounded<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
