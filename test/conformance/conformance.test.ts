/**
 * Differential conformance (issue 3): every fixture in test/fixtures/conformance runs under the
 * official `aws-lambda-ric@4` AND under Lamina's RIC, both through the real Lamina platform, with
 * the same events. Status, payload bytes, error JSON (trace: only "an array of strings") and the
 * order and content of the function's own log lines (timestamps, request ids, stack frames and
 * install paths normalised) must match, unless the case names an intentional difference: then
 * both sides' actual behaviour is asserted, and the sides must really differ.
 *
 * Adding a fixture is one line in CASES. Intentional differences are listed, with their reasons,
 * in test/conformance/DIFFERENCES.md (a test below keeps that file in sync with the table).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/platform/paths.js';
import { startLamina, type RunningLamina } from '../helpers/lamina-server.js';
import { officialRicUnavailable } from '../helpers/official-ric.js';
import {
  mapBounded,
  runSide,
  sideFunction,
  type ConformanceCase,
  type ExpectedDifference,
  type InvokeRecord,
  type SideResult,
} from './harness.js';

const unavailable = officialRicUnavailable();
if (unavailable !== undefined) console.warn(`[conformance] skipped: ${unavailable}`);

const CONCURRENCY = 4;
const TRACE_ID = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';
const CLIENT_CONTEXT = JSON.stringify({ client: { installation_id: 'i-1', app_title: 'conformance' }, custom: { k: 'v' }, env: { platform: 'test' } });

const kinds = (...names: string[]): Array<{ kind: string }> => names.map((kind) => ({ kind }));
const errorOf = (invoke: InvokeRecord | undefined): InvokeRecord['error'] => invoke?.error;

// ---- intentional differences -------------------------------------------------------------------

/** RIC 4 refuses 3-parameter handlers at init; every invoke fails with that init error. */
const callbackRefused = (lamina: (result: SideResult) => void): ExpectedDifference => ({
  reason:
    'callback handlers: the official v4 refuses them at init (Runtime.CallbackHandlerDeprecated, a Node 24 behaviour); Lamina runs them as the Node 20/22 runtimes do',
  official: (result) => {
    for (const invoke of result.invokes) {
      expect(invoke.status).toBe('200 Unhandled');
      expect(errorOf(invoke)?.errorType).toBe('Runtime.CallbackHandlerDeprecated');
    }
  },
  lamina,
});

const CASES: ConformanceCase[] = [
  // Handler styles (CommonJS).
  { name: 'cjs-async', dir: 'cjs', handler: 'handlers.asyncEcho', events: [{ a: 1 }, 'two', null, [1, 2, 3], { deep: { ü: '✓' } }] },
  { name: 'cjs-promise', dir: 'cjs', handler: 'handlers.promise', events: [{ p: 1 }, 2] },
  { name: 'cjs-sync-throw', dir: 'cjs', handler: 'handlers.syncThrow', events: kinds('first', 'second') },
  { name: 'cjs-sync-no-result', dir: 'cjs', handler: 'handlers.syncNoResult', events: kinds('one', 'two') },
  { name: 'cjs-throws', dir: 'cjs', handler: 'handlers.throws', events: kinds('Error', 'TypeError', 'custom', 'string', 'object', 'number', 'no-message', 'none') },
  { name: 'cjs-results', dir: 'cjs', handler: 'handlers.results', events: kinds('undefined', 'null', 'string', 'number', 'boolean', 'unicode', 'toJSON', 'date', 'bigint', 'circular', 'other') },
  { name: 'cjs-dotted', dir: 'cjs', handler: 'handlers.nested.deeper.handler', events: [{ d: 1 }] },
  { name: 'cjs-not-function', dir: 'cjs', handler: 'handlers.notAFunction', events: [{}] },
  { name: 'cjs-missing-export', dir: 'cjs', handler: 'handlers.nothere', events: [{}] },
  { name: 'cjs-context', dir: 'cjs', handler: 'handlers.context', events: [{}], request: { traceId: TRACE_ID, clientContext: CLIENT_CONTEXT } },
  { name: 'cjs-context-plain', dir: 'cjs', handler: 'handlers.context', events: [{}] },
  // Module lookup (CommonJS folder).
  { name: 'cjs-extensionless', dir: 'cjs', handler: 'extensionless.handler', events: [{ x: 1 }] },
  { name: 'cjs-dot-cjs', dir: 'cjs', handler: 'other.handler', events: [{ x: 1 }] },
  { name: 'cjs-nested-dir', dir: 'cjs', handler: 'dir/sub/file.handler', events: [{ x: 1 }] },
  { name: 'cjs-module-exports', dir: 'cjs', handler: 'module-exports.handler', events: [{ x: 1 }] },
  // Load failures (CommonJS folder).
  { name: 'cjs-syntax', dir: 'cjs', handler: 'syntax-error.handler', events: [{}] },
  { name: 'cjs-top-throw', dir: 'cjs', handler: 'top-level-throw.handler', events: [{}] },
  { name: 'cjs-missing-module', dir: 'cjs', handler: 'nowhere.handler', events: [{}] },
  { name: 'cjs-missing-dep', dir: 'cjs', handler: 'missing-dep.handler', events: [{}] },
  { name: 'cjs-dotdot', dir: 'cjs', handler: '../cjs/handlers.asyncEcho', events: [{}] },
  { name: 'cjs-no-dot', dir: 'cjs', handler: 'handlers', events: [{}] },
  { name: 'cjs-nested-missing', dir: 'cjs', handler: 'dir/sub/nowhere.handler', events: [{}] },
  // Logging.
  { name: 'cjs-logs-text', dir: 'cjs', handler: 'handlers.logs', events: kinds('first', 'second') },
  { name: 'cjs-logs-json', dir: 'cjs', handler: 'handlers.logs', events: kinds('json'), config: { logFormat: 'JSON' } },
  { name: 'cjs-logs-json-warn', dir: 'cjs', handler: 'handlers.logs', events: kinds('warn'), config: { logFormat: 'JSON', logLevel: 'WARN' } },
  { name: 'cjs-logs-json-debug', dir: 'cjs', handler: 'handlers.logs', events: kinds('debug'), config: { logFormat: 'JSON', logLevel: 'debug' } },
  { name: 'cjs-errors-json', dir: 'cjs', handler: 'handlers.throws', events: kinds('custom', 'string'), config: { logFormat: 'JSON' } },

  // Handler styles (ES modules).
  { name: 'esm-async', dir: 'esm', handler: 'handlers.asyncEcho', events: [{ a: 1 }, 'two'] },
  { name: 'esm-promise', dir: 'esm', handler: 'handlers.promise', events: [{ p: 1 }] },
  { name: 'esm-throws', dir: 'esm', handler: 'handlers.throws', events: kinds('TypeError', 'string', 'Error') },
  { name: 'esm-dotted', dir: 'esm', handler: 'handlers.nested.deeper.handler', events: [{}] },
  { name: 'esm-default', dir: 'esm', handler: 'handlers.viaDefault', events: [{ d: true }] },
  { name: 'esm-not-function', dir: 'esm', handler: 'handlers.notAFunction', events: [{}] },
  { name: 'esm-missing-export', dir: 'esm', handler: 'handlers.nothere', events: [{}] },
  // Module lookup (ES module folder).
  { name: 'esm-mjs', dir: 'esm', handler: 'plain.handler', events: [{ m: 1 }] },
  { name: 'esm-tla', dir: 'esm', handler: 'tla.handler', events: [{ t: 1 }] },
  { name: 'esm-nested-dir', dir: 'esm', handler: 'dir/sub/file.handler', events: [{ n: 1 }] },
  { name: 'esm-dot-cjs', dir: 'esm', handler: 'legacy.handler', events: [{ l: 1 }] },
  { name: 'esm-extensionless', dir: 'esm', handler: 'extensionless.handler', events: [{ e: 1 }] },
  // Load failures (ES module folder).
  { name: 'esm-syntax', dir: 'esm', handler: 'syntax-error.handler', events: [{}] },
  { name: 'esm-top-throw', dir: 'esm', handler: 'top-level-throw.handler', events: [{}] },
  { name: 'esm-tla-reject', dir: 'esm', handler: 'tla-reject.handler', events: [{}] },
  { name: 'esm-missing-import', dir: 'esm', handler: 'missing-import.handler', events: [{}] },
];

const dump: Record<string, Record<string, SideResult>> = {};

describe.skipIf(unavailable !== undefined)('differential conformance: official aws-lambda-ric@4 vs Lamina RIC', () => {
  let lamina: RunningLamina;
  const results = new Map<string, { official: SideResult; lamina: SideResult }>();

  beforeAll(async () => {
    lamina = await startLamina(CASES.flatMap((c) => [sideFunction(c, 'official'), sideFunction(c, 'lamina')]));
    await mapBounded(CASES, CONCURRENCY, async (c) => {
      const [official, ours] = await Promise.all([runSide(lamina, c, 'official'), runSide(lamina, c, 'lamina')]);
      results.set(c.name, { official, lamina: ours });
      dump[c.name] = { official, lamina: ours };
    });
  }, 120_000);

  afterAll(async () => {
    await lamina?.stop();
    if (process.env.CONFORMANCE_DUMP) writeFileSync(process.env.CONFORMANCE_DUMP, JSON.stringify(dump, null, 2));
  });

  it.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const result = results.get(c.name);
    expect(result, 'case did not run').toBeDefined();
    const { official, lamina: ours } = result!;
    expect(ours.invokes).toHaveLength(c.events.length);
    if (c.expectDifference === undefined) {
      expect(ours).toEqual(official);
      return;
    }
    c.expectDifference.official(official);
    c.expectDifference.lamina(ours);
    // A difference that disappeared must be noticed (and removed from the table and DIFFERENCES.md).
    expect(ours).not.toEqual(official);
  });

  it('lists every intentional difference in DIFFERENCES.md', () => {
    const listed = readFileSync(join(PROJECT_ROOT, 'test', 'conformance', 'DIFFERENCES.md'), 'utf8');
    for (const c of CASES) {
      if (c.expectDifference !== undefined) expect(listed, c.name).toContain(c.expectDifference.reason);
    }
  });
});
