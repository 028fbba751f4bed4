/**
 * A server under fuzz: where to send cases, what its answers may be, and the checks between
 * batches (control request, nothing leaked, still alive, memory).
 */
import { join } from 'node:path';
import { loadTemplate } from '../../src/config/sam-template.js';
import { DEFAULT_ACCOUNT_ID, DEFAULT_REGION, type FunctionConfig } from '../../src/config/function-config.js';
import { PROJECT_ROOT } from '../../src/platform/paths.js';
import type { CorpusEntry } from './corpus.js';
import type { CorpusContext } from './http-request.js';
import type { Expectations } from './oracle.js';

export interface Target {
  readonly host: string;
  readonly port: number;
  readonly ctx: CorpusContext;
}

export interface Surface {
  readonly name: string;
  readonly corpus: readonly CorpusEntry[];
  readonly expectations: Expectations;
  /** Where the next batch goes (the Runtime API surface starts an invocation for it first). */
  prepare(): Promise<Target>;
  /** After a batch: a normal request must still succeed. Throws why not. */
  control(): Promise<void>;
  /** After the run: every invocation the fuzzer caused has settled, each function still answers. */
  settle(): Promise<void>;
  /** Why the server is dead or broken (an exited process, an internal error), else undefined. */
  broken(): string | undefined;
  rssBytes(): number;
  stop(): Promise<void>;
}

export const FUZZ_TEMPLATE = join(PROJECT_ROOT, 'bench', 'fuzz', 'template.yaml');

/**
 * The fuzz template's functions.
 *
 * @example
 * const [echo] = fuzzFunctions().filter((f) => f.name === 'Echo');
 */
export function fuzzFunctions(): FunctionConfig[] {
  return loadTemplate(FUZZ_TEMPLATE, { region: DEFAULT_REGION, accountId: DEFAULT_ACCOUNT_ID }).functions;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Poll `check` until it returns undefined (fine) or `ms` pass (then throw its last reason). */
export async function within(ms: number, check: () => string | undefined | Promise<string | undefined>): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    const why = await check();
    if (why === undefined) return;
    if (Date.now() > until) throw new Error(why);
    await sleep(50);
  }
}

/**
 * One normal invoke that must answer 200 with the echoed payload (429 retried: a burst of Event
 * invokes the fuzzer caused may still hold the function's concurrency).
 *
 * @example
 * await controlInvoke('http://127.0.0.1:9000', 'Echo', '{"echo":"control"}', '"control"');
 */
export async function controlInvoke(base: string, name: string, payload: string, expected: (body: string) => boolean): Promise<void> {
  await within(15_000, async () => {
    const res = await fetch(`${base}/2015-03-31/functions/${name}/invocations`, { method: 'POST', body: payload, signal: AbortSignal.timeout(12_000) });
    const body = await res.text();
    if (res.status === 200 && res.headers.get('x-amz-function-error') === null && expected(body)) return undefined;
    const why = `control invoke of ${name}: ${res.status} ${res.headers.get('x-amz-function-error') ?? ''} ${body.slice(0, 300)}`;
    if (res.status === 429) return why;
    throw new Error(why);
  });
}
