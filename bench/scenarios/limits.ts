/**
 * limits: every documented limit of docs/limits.md, each with a probe just under it and one
 * just over it, showing whether Lamina enforces it here. Configuration limits are probed by
 * starting `lamina serve` on a template at the edge (accepted or refused); run-time limits by
 * invoking the echo runtime of the tests (test/fixtures/runtimes/echo) with events that allocate,
 * sleep, write /tmp, open files or fork, and payloads at the byte limits of the Invoke API.
 */
import { spawn } from 'node:child_process';
import { ROOT, cleanEnv } from '../lib/processes.js';
import { ASYNC_PAYLOAD_LIMIT, SYNC_PAYLOAD_LIMIT } from '../../src/invoke/parse-request.js';
import { MAX_BUFFERED_RESPONSE_BYTES } from '../../src/runtime-api/runtime-api-server.js';
import type { BenchFunction } from '../harness/bench-functions.js';
import { callerPool, invoke, type Invoked } from '../harness/invoke-client.js';
import { startLaminaServe } from '../harness/lamina-process.js';
import type { ScenarioResult } from '../harness/result.js';
import type { Scenario, ScenarioContext } from './scenario.js';

/** What one side of a probe showed, and whether that is what Lambda does. */
export interface Observed {
  readonly expected: boolean;
  readonly text: string;
}

export interface LimitRow {
  readonly limit: string;
  readonly documented: string;
  readonly under: string;
  readonly over: string;
  readonly underObserved: Observed | undefined;
  readonly overObserved: Observed | undefined;
  /** Why it was not probed. */
  readonly notProbed?: string;
}

/** enforced / NOT enforced / not probed, from what the two sides showed. */
export function verdict(row: LimitRow): string {
  if (row.notProbed !== undefined || row.underObserved === undefined || row.overObserved === undefined) return `not probed${row.notProbed === undefined ? '' : `: ${row.notProbed}`}`;
  if (row.underObserved.expected && row.overObserved.expected) return 'enforced';
  if (!row.underObserved.expected) return 'NOT as Lambda: refused under the limit';
  return 'NOT enforced';
}

/** Does `lamina serve` accept a template? Refusals come back with lamina's first line of error. */
function serveAccepts(template: string): Promise<Observed & { accepted: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/lamina.js', 'serve', '--quiet', '--port', '0', '--template', template], { cwd: ROOT, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (/ on http:/.test(out)) child.kill('SIGTERM');
    });
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.once('exit', () => {
      const accepted = / on http:/.test(out);
      // lamina prints "Template X has N problem(s):" and then the problems: keep the first problem.
      const lines = err.trim().split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
      const reason = lines.find((l) => !/has \d+ problems?:$/.test(l)) ?? lines[0] ?? '';
      resolve({ accepted, expected: false, text: accepted ? 'accepted' : `refused: ${reason.replace(/^lamina serve: /, '').slice(0, 140)}` });
    });
  });
}

/** `{"echo":"xxx..."}` of exactly `bytes` bytes, for the echo runtime. */
export function echoEvent(bytes: number): string {
  return `{"echo":"${'x'.repeat(Math.max(0, bytes - 11))}"}`;
}

function errorType(answer: Invoked): string | undefined {
  if (answer.headers['x-amz-function-error'] === undefined) return undefined;
  try {
    return (JSON.parse(answer.body.toString()) as { errorType?: string }).errorType;
  } catch {
    return 'unparseable error';
  }
}

function describe(answer: Invoked): string {
  const type = errorType(answer);
  if (type !== undefined) return `${answer.status} ${type}`;
  if (answer.status >= 400) return `${answer.status} ${String(answer.headers['x-amzn-errortype'] ?? '')}`.trim();
  if (answer.body.length >= 80) return `${answer.status} (${answer.body.length} bytes)`;
  const body = answer.body.toString();
  return `${answer.status}${body.length > 0 ? ` ${body}` : ''}`;
}

export const limitsScenario: Scenario = {
  name: 'limits',
  title: 'Documented limits (docs/limits.md): a probe just under and just over each',
  async run(context: ScenarioContext): Promise<ScenarioResult> {
    const { options, workspace } = context;
    const heavy = !options.quick;
    const rows: LimitRow[] = [];
    const config: { limit: string; documented: string; cases: [string, BenchFunction, boolean][] }[] = [
      { limit: 'memory (configuration)', documented: '128 to 10,240 MB', cases: [['128 MB', { name: 'M', runtime: 'echo', memoryMb: 128 }, true], ['10240 MB', { name: 'M', runtime: 'echo', memoryMb: 10_240 }, true], ['127 MB', { name: 'M', runtime: 'echo', memoryMb: 127 }, false], ['10241 MB', { name: 'M', runtime: 'echo', memoryMb: 10_241 }, false]] },
      { limit: 'timeout (configuration)', documented: '1 to 900 s', cases: [['1 s', { name: 'T', runtime: 'echo', timeoutS: 1 }, true], ['900 s', { name: 'T', runtime: 'echo', timeoutS: 900 }, true], ['0 s', { name: 'T', runtime: 'echo', timeoutS: 0 }, false], ['901 s', { name: 'T', runtime: 'echo', timeoutS: 901 }, false]] },
      { limit: '/tmp (EphemeralStorage)', documented: '512 to 10,240 MB', cases: [['512 MB', { name: 'S', runtime: 'echo', ephemeralStorageMb: 512 }, true], ['10240 MB', { name: 'S', runtime: 'echo', ephemeralStorageMb: 10_240 }, true], ['511 MB', { name: 'S', runtime: 'echo', ephemeralStorageMb: 511 }, false], ['10241 MB', { name: 'S', runtime: 'echo', ephemeralStorageMb: 10_241 }, false]] },
      { limit: 'environment variables', documented: '4 KB in total', cases: [['4,096 bytes (names + values)', { name: 'E', runtime: 'echo', environment: { BIG: 'x'.repeat(4096 - 3) } }, true], ['4,097 bytes', { name: 'E', runtime: 'echo', environment: { BIG: 'x'.repeat(4096 - 2) } }, false]] },
    ];
    const runtimeProbes = 10;
    const bar = context.progress(config.reduce((n, c) => n + c.cases.length, 0) + runtimeProbes);
    for (const { limit, documented, cases } of config) {
      const under: Observed[] = [];
      const over: Observed[] = [];
      for (const [label, fn, shouldAccept] of cases) {
        const result = await serveAccepts(workspace.template([fn], 'limit-probe.yaml'));
        (shouldAccept ? under : over).push({ expected: result.accepted === shouldAccept, text: `${label}: ${result.text}` });
        bar.tick(`${limit} ${label}`);
      }
      const merge = (list: Observed[]): Observed => ({ expected: list.every((o) => o.expected), text: list.map((o) => o.text).join('; ') });
      rows.push({ limit, documented, under: cases.filter((c) => c[2]).map((c) => c[0]).join(', '), over: cases.filter((c) => !c[2]).map((c) => c[0]).join(', '), underObserved: merge(under), overObserved: merge(over) });
    }

    const functions: BenchFunction[] = [
      { name: 'Echo', runtime: 'echo', memoryMb: 1024, timeoutS: 30 },
      { name: 'Mem128', runtime: 'echo', memoryMb: 128, timeoutS: 30 },
      { name: 'Timeout1', runtime: 'echo', memoryMb: 1024, timeoutS: 1 },
      { name: 'Tmp512', runtime: 'echo', memoryMb: 2048, timeoutS: 60, ephemeralStorageMb: 512 },
      { name: 'Reserved1', runtime: 'echo', memoryMb: 1024, timeoutS: 30, reservedConcurrency: 1 },
      { name: 'InitHang', runtime: 'echo', memoryMb: 1024, timeoutS: 30, environment: { ECHO_INIT_HANG: '1' } },
    ];
    const lamina = await startLaminaServe(workspace.template(functions, 'limits.yaml'));
    const pool = callerPool(lamina.url, 4, 60_000);
    const cgroups = /^cgroup/.test(lamina.limits);
    try {
      const call = (fn: string, event: unknown, invocationType?: 'Event'): Promise<Invoked> => invoke(pool, fn, typeof event === 'string' ? event : JSON.stringify(event), { invocationType });
      const probe = async (
        limit: string,
        documented: string,
        under: [string, () => Promise<Invoked>, (a: Invoked) => boolean],
        over: [string, () => Promise<Invoked>, (a: Invoked) => boolean],
        notProbed?: string,
      ): Promise<void> => {
        if (notProbed !== undefined) {
          rows.push({ limit, documented, under: under[0], over: over[0], underObserved: undefined, overObserved: undefined, notProbed });
          bar.tick(limit);
          return;
        }
        const observe = async ([, run, check]: [string, () => Promise<Invoked>, (a: Invoked) => boolean]): Promise<Observed> => {
          try {
            const answer = await run();
            return { expected: check(answer), text: describe(answer) };
          } catch (error) {
            return { expected: false, text: `failed: ${(error as Error).message}` };
          }
        };
        rows.push({ limit, documented, under: under[0], over: over[0], underObserved: await observe(under), overObserved: await observe(over) });
        bar.tick(limit);
      };
      const ok = (a: Invoked): boolean => a.status === 200 && errorType(a) === undefined;
      const echoed = (bytes: number) => (a: Invoked): boolean => ok(a) && a.body.length === bytes - 9;
      const status = (code: number) => (a: Invoked): boolean => a.status === code;
      const failsWith = (type: string) => (a: Invoked): boolean => errorType(a) === type;
      const answers = (check: (body: Record<string, unknown>) => boolean) => (a: Invoked): boolean => ok(a) && check(JSON.parse(a.body.toString()) as Record<string, unknown>);

      await probe('sync request payload', `6 MB (${SYNC_PAYLOAD_LIMIT} bytes)`, [`${SYNC_PAYLOAD_LIMIT} bytes`, () => call('Echo', echoEvent(SYNC_PAYLOAD_LIMIT)), echoed(SYNC_PAYLOAD_LIMIT)], [`${SYNC_PAYLOAD_LIMIT + 1} bytes`, () => call('Echo', echoEvent(SYNC_PAYLOAD_LIMIT + 1)), status(413)]);
      await probe('sync response payload', `6 MB (${MAX_BUFFERED_RESPONSE_BYTES} bytes, as Lambda counts it)`, [`${MAX_BUFFERED_RESPONSE_BYTES} bytes`, () => call('Echo', { big: MAX_BUFFERED_RESPONSE_BYTES - 2 }), ok], [`${MAX_BUFFERED_RESPONSE_BYTES + 1} bytes`, () => call('Echo', { big: MAX_BUFFERED_RESPONSE_BYTES - 1 }), failsWith('Function.ResponseSizeTooLarge')]);
      await probe('async payload (Event)', `1 MB (${ASYNC_PAYLOAD_LIMIT} bytes; 256 KB before October 2025)`, [`${ASYNC_PAYLOAD_LIMIT} bytes`, () => call('Echo', echoEvent(ASYNC_PAYLOAD_LIMIT), 'Event'), status(202)], [`${ASYNC_PAYLOAD_LIMIT + 1} bytes`, () => call('Echo', echoEvent(ASYNC_PAYLOAD_LIMIT + 1), 'Event'), status(413)]);
      await probe('timeout (run time)', 'the function\'s Timeout (1 s here)', ['sleep 700 ms', () => call('Timeout1', { sleepMs: 700 }), ok], ['sleep 1300 ms', () => call('Timeout1', { sleepMs: 1300 }), failsWith('Sandbox.Timedout')]);
      await probe('memory (run time)', 'MemorySize (128 MB here): OOM kill', ['allocate 40 MB', () => call('Mem128', { allocMb: 40 }), ok], ['allocate 200 MB', () => call('Mem128', { allocMb: 200 }), failsWith('Runtime.OutOfMemory')], cgroups ? undefined : `no cgroups here (${lamina.limits})`);
      await probe('/tmp (run time)', 'EphemeralStorage (512 MB here)', ['write 500 MB', () => call('Tmp512', { fs: { write: 'probe', mb: 500 } }), answers((b) => b.write === 'ok')], ['write 513 MB', () => call('Tmp512', { fs: { write: 'probe', mb: 513 } }), answers((b) => b.write === 'ENOSPC')], heavy ? undefined : 'left out of --quick (writes 1 GB)');
      await probe('file descriptors', '1,024 per environment', ['open 900 files', () => call('Echo', { openFiles: 900 }), answers((b) => b.opened === 900)], ['open 1,100 files', () => call('Echo', { openFiles: 1100 }), answers((b) => b.error === 'EMFILE' && Number(b.opened) < 1024)]);
      await probe('processes', '1,024 per environment', ['fork 50', () => call('Echo', { forkBomb: 50 }), answers((b) => b.spawned === 50)], ['fork 1,100', () => call('Echo', { forkBomb: 1100 }), answers((b) => Number(b.spawned) < 1024 && b.error !== '')], !heavy ? 'left out of --quick (forks 1,000 processes)' : cgroups ? undefined : `no cgroups here (${lamina.limits})`);
      await probe('reserved concurrency', 'ReservedConcurrentExecutions (1 here)', ['1 invoke', () => call('Reserved1', { sleepMs: 300 }), ok], ['2 concurrent invokes', async () => {
        const both = await Promise.all([call('Reserved1', { sleepMs: 300 }), call('Reserved1', { sleepMs: 300 })]);
        return both.find((a) => a.status !== 200) ?? (both[0] as Invoked);
      }, status(429)]);
      await probe('init phase', '10 s (on-demand)', ['an init that finishes', () => call('Echo', { echo: 1 }), ok], ['an init that never finishes', () => call('InitHang', {}), (a) => errorType(a) !== undefined], heavy ? undefined : 'left out of --quick (takes 10 s)');
      bar.done();
    } finally {
      await pool.close();
      await lamina.stop();
    }
    rows.push(
      { limit: 'account concurrency', documented: '1,000 by default', under: '', over: '', underObserved: undefined, overObserved: undefined, notProbed: 'see the concurrency scenario (throttling past --account-concurrency)' },
      { limit: 'scale-out rate', documented: '1,000 environments per 10 s per function', under: '', over: '', underObserved: undefined, overObserved: undefined, notProbed: 'needs 1,000 environments: node dist/bench/limits.js start-rate' },
      { limit: 'streamed response', documented: '200 MB', under: '', over: '', underObserved: undefined, overObserved: undefined, notProbed: 'a 200 MB stream is not part of the harness (test/runtime-api covers the cut-off)' },
      { limit: 'deployment package', documented: '50 MB zipped, 250 MB unzipped, 5 layers', under: '', over: '', underObserved: undefined, overObserved: undefined, notProbed: 'sizes are not enforced: code runs in place from its folder' },
    );
    const enforced = rows.filter((r) => verdict(r) === 'enforced').length;
    return {
      scenario: 'limits',
      title: this.title,
      command: context.command,
      tables: [
        {
          title: 'Limits: probes just under and just over',
          columns: ['limit', 'documented', 'just under', 'observed', 'just over', 'observed', 'verdict'],
          rows: rows.map((r) => [r.limit, r.documented, r.under, r.underObserved?.text ?? '-', r.over, r.overObserved?.text ?? '-', verdict(r)]),
          notes: [`lamina serve limits: ${lamina.limits}`, `${enforced} of ${rows.length} limits probed and enforced.`],
        },
      ],
      targets: [],
      charts: [],
      skipped: rows.filter((r) => r.notProbed !== undefined).map((r) => `${r.limit}: not probed: ${r.notProbed ?? ''}`),
      raw: { limits: lamina.limits, rows },
    };
  },
};
