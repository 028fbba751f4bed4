/**
 * What weighted routing itself costs: `registry.resolve` of an alias without routing against an
 * alias with `AdditionalVersionWeights` 0.5, in the same process, rounds alternated. The invoke-
 * level figure (`lamina bench routing`) also carries the effect of keeping two environments warm
 * instead of one; this isolates the registry's share (bench/RESULTS.md, issue 16).
 *
 * Run: npm run build && node dist/bench/resolve-cost.js [calls per round] [rounds]
 */
import type { FunctionConfig } from '../src/config/function-config.js';
import { createAlias } from '../src/registry/alias-changes.js';
import { publishVersion, updateLatest } from '../src/registry/latest-changes.js';
import { registryFromFunctions } from '../src/registry/template-load.js';

const calls = Number(process.argv[2] ?? 2_000_000);
const rounds = Number(process.argv[3] ?? 5);

const fn: FunctionConfig = {
  name: 'f',
  arn: 'arn:aws:lambda:us-east-1:123456789012:function:f',
  region: 'us-east-1',
  accountId: '123456789012',
  runtime: 'provided.al2023',
  handler: 'x',
  codeDir: '/nonexistent',
  launch: { kind: 'bootstrap', command: '/nonexistent/bootstrap', args: [] },
  memorySize: 128,
  timeout: 3,
  environment: {},
  reservedConcurrency: undefined,
  logFormat: 'Text',
  logLevel: undefined,
};

const registry = registryFromFunctions([fn]);
const must = <T>(result: { ok: boolean; value?: T }): void => {
  if (!result.ok) throw new Error('setup refused');
};
must(await publishVersion(registry, 'f'));
must(await updateLatest(registry, 'f', { config: { timeout: 4 } }));
must(await publishVersion(registry, 'f'));
must(await createAlias(registry, 'f', 'plain', { functionVersion: '1' }));
must(await createAlias(registry, 'f', 'weighted', { functionVersion: '1', routing: { version: '2', weight: 0.5 } }));

function nsPerCall(alias: string): { ns: number; second: number } {
  let second = 0;
  const start = process.hrtime.bigint();
  for (let i = 0; i < calls; i += 1) {
    const target = registry.resolve('f', alias);
    if (target.ok && target.value.version === '2') second += 1;
  }
  return { ns: Number(process.hrtime.bigint() - start) / calls, second };
}

const ratios: number[] = [];
const plain: number[] = [];
const weighted: number[] = [];
for (let round = 0; round < rounds; round += 1) {
  const a = round % 2 === 0 ? nsPerCall('plain') : undefined;
  const b = nsPerCall('weighted');
  const c = a ?? nsPerCall('plain');
  plain.push(c.ns);
  weighted.push(b.ns);
  ratios.push(b.ns / c.ns);
  console.log(`round ${round + 1}: plain ${c.ns.toFixed(0)} ns, weighted ${b.ns.toFixed(0)} ns (${((100 * b.second) / calls).toFixed(1)}% on version 2), ratio ${(b.ns / c.ns).toFixed(3)}`);
}
const median = (xs: number[]): number => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] ?? Number.NaN;
console.log(`resolve: plain ${median(plain).toFixed(0)} ns, weighted ${median(weighted).toFixed(0)} ns, ratio ${median(ratios).toFixed(3)} (rounds ${Math.min(...ratios).toFixed(3)}-${Math.max(...ratios).toFixed(3)})`);
