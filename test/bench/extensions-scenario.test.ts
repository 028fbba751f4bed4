/**
 * The extensions scenario on a small sample (`--quick`): both sides measured warm and cold, the
 * extension's start alone against the stub, the two targets as finite ratios. No timing is
 * checked. And its pieces: the layer in the generated template, the stub's start time, the
 * per-round Init Duration budget.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTemplate } from '../../src/config/sam-template.js';
import { createWorkspace } from '../../bench/harness/bench-functions.js';
import { startExtensionStub, writeNoopCExtensionLayer, writeNoopExtensionLayer } from '../../bench/harness/extension-layer.js';
import { runScenarios } from '../../bench/harness/runner.js';
import { extensionsScenario, initBudgetRatios } from '../../bench/scenarios/extensions.js';
import type { BenchOptions } from '../../bench/scenarios/scenario.js';

const quick: BenchOptions = { quick: true, rounds: 1, accountConcurrency: 100, maxEnvironments: 2, peers: false };
const silent = { isTTY: false, write: () => undefined };

describe('extensions scenario', () => {
  it('compiles the C no-op extension into a layer, and it registers against the stub', async () => {
    const workspace = createWorkspace();
    const stub = await startExtensionStub();
    try {
      const c = writeNoopCExtensionLayer(join(workspace.dir, 'c-layer'));
      if ('unavailable' in c) {
        console.log(`skipped: ${c.unavailable}`);
        return;
      }
      expect(c.executable).toBe(join(workspace.dir, 'c-layer', 'extensions', 'noop-c'));
      expect(await stub.startTime(c.executable)).toBeGreaterThan(0);
    } finally {
      await stub.close();
      workspace.remove();
    }
  });

  it('puts the no-op extension layer in the template and times the extension alone against a stub', async () => {
    const workspace = createWorkspace();
    const stub = await startExtensionStub();
    try {
      const { layer, executable } = writeNoopExtensionLayer(join(workspace.dir, 'layer'));
      expect(statSync(executable).mode & 0o111).not.toBe(0);
      const template = workspace.template([{ name: 'WithExt', runtime: 'floor-loop', layers: [layer] }, { name: 'Without', runtime: 'floor-loop' }]);
      const { functions } = loadTemplate(template, { region: 'us-east-1', accountId: '000000000000' });
      expect(functions.map((fn) => [fn.name, fn.layers ?? []])).toEqual([['WithExt', [layer]], ['Without', []]]);
      const ms = await stub.startTime(executable);
      expect(ms).toBeGreaterThan(0);
      // Something that never registers is reported, not waited for forever.
      await expect(stub.startTime('/bin/true')).rejects.toThrow(/exited \(0\) before registering/);
    } finally {
      await stub.close();
      workspace.remove();
    }
  });

  it('budgets Init Duration per round: with / (1.1 x without + the extension alone)', () => {
    const ratios = initBudgetRatios([120, 30], [100, 50], [10, 5]);
    expect(ratios).toHaveLength(2);
    expect(ratios[0]).toBeCloseTo(1, 9);
    expect(ratios[1]).toBeCloseTo(0.5, 9);
    // Rounds missing a side are left out rather than paired with another round's figure.
    expect(initBudgetRatios([120, 60, 80], [100], [10, 5])).toHaveLength(1);
  });

  it('measures both sides warm and cold on a small sample', async () => {
    const outcome = await runScenarios({ scenarios: [extensionsScenario], options: quick, outDir: undefined, commandFor: () => 'npm run bench -- extensions --quick', progressSink: silent });
    expect(outcome.failures.map((f) => f.error.message)).toEqual([]);
    const result = outcome.results[0];
    const [warm, cold] = result?.tables ?? [];
    // The C side needs a C compiler; without one it is a skipped part with its reason.
    const withC = result?.skipped.length === 0;
    const sides = ['no extension', 'one no-op external extension in Node (INVOKE)', ...(withC ? ['one no-op external extension in C (INVOKE)'] : [])];
    expect(warm?.rows.map((r) => r[0])).toEqual(sides);
    expect(cold?.rows.map((r) => r[0])).toEqual([...sides, ...sides.slice(1).map((side) => `${side} alone: spawn to its register call (stub API, no platform)`)]);
    for (const row of [...(warm?.rows ?? []), ...(cold?.rows ?? [])]) expect(row.join(' ')).not.toContain('NaN');
    expect(result?.targets.map((t) => t.goal)).toEqual(withC ? ['<= 1.25', '<= 1', '<= 1.25', '<= 1'] : ['<= 1.25', '<= 1']);
    if (!withC) expect(result?.skipped.join(' ')).toMatch(/C no-op extension: cannot compile/);
    expect(result?.targets.every((t) => Number.isFinite(t.ratio))).toBe(true);
  }, 120_000);
});
