/**
 * One fuzz case from one seed: a corpus request (or a pipeline of them), mutated, with a way of
 * delivering it. `caseSeed(runSeed, index)` lets a single case be replayed alone.
 */
import type { CorpusEntry } from './corpus.js';
import { serialize, type CorpusContext } from './http-request.js';
import { mutateBytes, mutateParts } from './mutate.js';
import { Rng } from './prng.js';

/** How the bytes go out: in pieces with pauses (a slow writer), then kept open, half-closed or reset. */
export interface Delivery {
  readonly pieces: number;
  readonly delayMs: number;
  readonly finish: 'keep' | 'half-close' | 'reset';
  /** For `reset`: how many bytes are written before the reset. */
  readonly resetAt: number;
}

export interface FuzzCase {
  readonly seed: number;
  readonly bytes: Buffer;
  readonly labels: readonly string[];
  /** How many requests were pipelined. */
  readonly requests: number;
  /** Their methods, in order (a HEAD's answer has no body). */
  readonly methods: readonly string[];
  /** True when the framing was not touched: the server can tell where each request ends. */
  readonly honest: boolean;
  readonly delivery: Delivery;
}

/**
 * The seed of case `index` of a run (a hash, so neighbouring cases are unrelated).
 *
 * @example
 * caseSeed(42, 0) === caseSeed(42, 0); // true
 */
export function caseSeed(runSeed: number, index: number): number {
  let h = (runSeed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * Build the case of `seed` against `corpus`, its placeholders filled from `ctx`.
 *
 * @example
 * const c = generateCase(caseSeed(1, 0), INVOKE_CORPUS, { host: '127.0.0.1:9000', functions: ['Echo'], requestId: '' });
 */
export function generateCase(seed: number, corpus: readonly CorpusEntry[], ctx: CorpusContext): FuzzCase {
  const rng = new Rng(seed);
  const count = rng.chance(0.12) ? rng.range(2, 4) : 1;
  const parts: Buffer[] = [];
  const methods: string[] = [];
  const labels: string[] = [];
  let honest = true;
  for (let i = 0; i < count; i += 1) {
    const request = rng.pick(corpus)(ctx);
    const mutated = mutateParts(rng, request);
    honest &&= mutated.honest;
    labels.push(...mutated.labels);
    parts.push(serialize(request));
    methods.push(request.method);
  }
  const byteLevel = mutateBytes(rng, Buffer.concat(parts), 0.25);
  labels.push(...byteLevel.labels);
  honest &&= byteLevel.labels.length === 0;
  const bytes = byteLevel.bytes;
  const slow = rng.chance(0.1);
  const reset = rng.chance(0.08);
  const delivery: Delivery = {
    pieces: slow ? rng.range(2, 12) : 1,
    delayMs: slow ? rng.range(2, 40) : 0,
    finish: reset ? 'reset' : honest && rng.chance(0.85) ? 'keep' : 'half-close',
    resetAt: rng.int(bytes.length + 1),
  };
  if (count > 1) labels.push(`pipelined x${count}`);
  if (slow) labels.push(`slow ${delivery.pieces} pieces`);
  labels.push(delivery.finish);
  return { seed, bytes, labels, requests: count, methods, honest, delivery };
}
