/**
 * The Runtime API listener of a real environment of the real platform. The function's bootstrap
 * only publishes its AWS_LAMBDA_RUNTIME_API address; the fuzzer plays the runtime: before each
 * batch it starts an invocation and takes it with a clean `GET /next`, so the batch's cases can
 * name the live request id (and answer it, twice, with garbage...).
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InvokeOutcome } from '../../src/platform/invoke-types.js';
import { Platform } from '../../src/platform/platform.js';
import { RUNTIME_CORPUS } from './corpus.js';
import { RUNTIME_EXPECTATIONS } from './oracle.js';
import { fuzzFunctions, sleep, within, type Surface, type Target } from './surface.js';

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
}

function call(address: string, method: string, path: string, body = ''): Promise<Answer> {
  const [host, port] = address.split(':');
  return new Promise((resolve, reject) => {
    const req = request({ host, port: Number(port), method, path: `/2018-06-01${path}`, agent: false, timeout: 10_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer in 10 s (the environment is wedged)`)));
    req.on('error', reject);
    req.end(body);
  });
}

interface Current {
  readonly address: string;
  readonly id: string;
  readonly outcome: Promise<InvokeOutcome>;
  settled: boolean;
}

/**
 * @example
 * const surface = await startRuntimeApiSurface();
 * const target = await surface.prepare(); // an invocation is now waiting for an answer
 */
export async function startRuntimeApiSurface(): Promise<Surface> {
  const file = join(mkdtempSync(join(tmpdir(), 'lamina-fuzz-')), 'address');
  const manual = fuzzFunctions().find((fn) => fn.name === 'Manual');
  if (manual === undefined) throw new Error('the fuzz template has no Manual function');
  const fn = { ...manual, environment: { ...manual.environment, MANUAL_ADDRESS_FILE: file } };
  const platform = new Platform({ functions: [fn], shutdownGraceMs: 100, logOutput: () => undefined });
  const failures: string[] = [];
  let current: Current | undefined;
  let count = 0;

  const begin = async (): Promise<Current> => {
    count += 1;
    const streaming = count % 3 === 0;
    const outcome = platform.invoke({
      functionName: 'Manual', qualifier: undefined, invocationType: 'RequestResponse', payload: Buffer.from(`{"n":${count}}`),
      clientContext: undefined, tailLogs: count % 2 === 0, traceId: undefined, tenantId: undefined, streaming,
    });
    let next: Answer | undefined;
    let address = '';
    // The address file names the newest environment (a timed-out one is replaced).
    await within(15_000, async () => {
      if (!existsSync(file)) return 'the manual runtime did not start';
      address = readFileSync(file, 'utf8');
      try {
        next = await call(address, 'GET', '/runtime/invocation/next');
        return next.status === 200 ? undefined : `GET /next of invocation ${count} at ${address} answered ${next.status} (environments: ${platform.pool('Manual')?.size ?? 0})`;
      } catch (error) {
        return (error as Error).message;
      }
    });
    const id = String(next?.headers['lambda-runtime-aws-request-id']);
    const started: Current = { address, id, outcome, settled: false };
    outcome.then(
      (done) => {
        started.settled = true;
        if (done.result.kind === 'stream') done.result.stream.body.resume();
      },
      (error: unknown) => failures.push(`the invocation rejected: ${String(error)}`),
    );
    return started;
  };

  const finishCurrent = async (): Promise<void> => {
    if (current === undefined) return;
    const open = current;
    current = undefined;
    if (!open.settled) {
      const posted = await call(open.address, 'POST', `/runtime/invocation/${open.id}/response`, '"control"');
      if (![202, 403].includes(posted.status)) throw new Error(`control answer of ${open.id}: ${posted.status}`);
    }
    await within(12_000, () => (open.settled ? undefined : `invocation ${open.id} never settled after the control answer`));
  };

  return {
    name: 'runtime-api',
    corpus: RUNTIME_CORPUS,
    expectations: RUNTIME_EXPECTATIONS,
    async prepare(): Promise<Target> {
      current ??= await begin();
      const [host, port] = current.address.split(':');
      return { host: host ?? '127.0.0.1', port: Number(port), ctx: { host: current.address, functions: [], requestId: current.id } };
    },
    async control() {
      await finishCurrent();
      // A fresh invocation is delivered to a clean GET /next (none lost to a dead long-poll) and answered.
      current = await begin();
      await finishCurrent();
    },
    async settle() {
      await finishCurrent();
      await within(15_000, () => (platform.admission.inFlight(fn) === 0 ? undefined : 'an invocation never settled'));
      await sleep(0);
    },
    broken: () => failures[0],
    rssBytes: () => process.memoryUsage().rss,
    stop: () => platform.stop(),
  };
}
