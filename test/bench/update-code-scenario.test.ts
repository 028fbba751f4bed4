/**
 * The update-code scenario: registered as `lamina bench update-code`, its zips the size asked for
 * with the handler they name, and a whole run on small zips (64 KB and 256 KB instead of 1 MB and
 * 50 MB) against a real lamina serve giving one row per side with every split measured, the
 * baseline's ratio 1 and a ratio target per update. No timing is checked.
 */
import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parseBenchArgs } from '../../bench/cli.js';
import { handlerSource, sizedZips } from '../../bench/harness/code-zips.js';
import { runScenarios } from '../../bench/harness/runner.js';
import { scenarioNamed } from '../../bench/scenarios/index.js';
import type { BenchOptions } from '../../bench/scenarios/scenario.js';
import { UPDATE_SIZES, updateCodeScenario, updateCodeScenarioOf, type UpdateSample } from '../../bench/scenarios/update-code.js';
import { listEntries, readEntry } from '../../src/control/zip-reader.js';

const quick: BenchOptions = { quick: true, rounds: 1, accountConcurrency: 100, maxEnvironments: 2, peers: false };
const silent = { isTTY: false, write: () => undefined };

describe('update-code registration', () => {
  it('is a scenario of lamina bench, for a 1 MB and a 50 MB zip', () => {
    expect(scenarioNamed('update-code')).toBe(updateCodeScenario);
    expect(parseBenchArgs(['update-code', '--quick']).scenarios).toEqual([updateCodeScenario]);
    expect(UPDATE_SIZES.map((s) => s.bytes)).toEqual([1_000_000, 50_000_000]);
  });
});

describe('sized zips', () => {
  it('are exactly the size asked for, incompressible, and hold the handler of their tag', async () => {
    const zips = await sizedZips(300_000, ['tag-a', 'tag-b']);
    expect(zips.map((z) => z.length)).toEqual([300_000, 300_000]);
    // Random filler: deflate cannot shrink the package.
    expect(deflateRawSync(zips[0] ?? Buffer.alloc(0)).length).toBeGreaterThan(299_000);
    for (const [i, tag] of ['tag-a', 'tag-b'].entries()) {
      const listed = await listEntries(zips[i] ?? Buffer.alloc(0), 10);
      try {
        expect(listed.entries.map((e) => e.fileName.toString())).toEqual(['index.mjs', 'assets/filler.bin']);
        const handler = listed.entries[0];
        if (handler === undefined) throw new Error('no handler entry');
        expect((await readEntry(listed.zipfile, handler, { remaining: 1e6, counted: 0 }, 4096)).toString()).toBe(handlerSource(tag));
      } finally {
        listed.zipfile.close();
      }
    }
  });

  it('fall back to the handler alone when the size asked for is below it', async () => {
    const [tiny] = await sizedZips(0, ['t']);
    const listed = await listEntries(tiny ?? Buffer.alloc(0), 10);
    listed.zipfile.close();
    expect(listed.entries.map((e) => e.fileName.toString())).toEqual(['index.mjs']);
  });
});

describe('update-code scenario on small zips', () => {
  it('measures every side against a real lamina serve and gives ratios against the tiny CreateFunction', async () => {
    const scenario = updateCodeScenarioOf([
      { key: 'update-64kb', label: 'UpdateFunctionCode, 64 KB zip', bytes: 65_536 },
      { key: 'update-256kb', label: 'UpdateFunctionCode, 256 KB zip', bytes: 262_144 },
    ]);
    const outcome = await runScenarios({ scenarios: [scenario], options: quick, outDir: undefined, commandFor: (name) => `lamina bench ${name} --quick`, progressSink: silent, date: '2026-01-01' });
    expect(outcome.failures.map((f) => f.error.message)).toEqual([]);
    const result = outcome.results[0];
    const table = result?.tables[0];
    expect(table?.rows.map((r) => r[0])).toEqual(['baseline: CreateFunction, tiny zip (handler only)', 'UpdateFunctionCode, tiny zip (handler only)', 'UpdateFunctionCode, 64 KB zip', 'UpdateFunctionCode, 256 KB zip']);
    for (const row of table?.rows ?? []) expect(row).toHaveLength(table?.columns.length ?? -1);
    expect(table?.rows.map((r) => r[1]).slice(2)).toEqual([65_536, 262_144]);
    expect(table?.rows[0]?.[4]).toMatch(/^1\.00x/);
    expect(result?.targets.map((t) => t.what.split(' to ')[0])).toEqual(['UpdateFunctionCode, tiny zip (handler only)', 'UpdateFunctionCode, 64 KB zip', 'UpdateFunctionCode, 256 KB zip']);
    for (const target of result?.targets ?? []) expect(Number.isFinite(target.ratio)).toBe(true);
    const samples = (result?.raw['samples'] ?? {}) as Record<string, UpdateSample[]>;
    expect(Object.keys(samples)).toEqual(['create-tiny', 'update-tiny', 'update-64kb', 'update-256kb']);
    for (const [side, list] of Object.entries(samples)) {
      expect(list, side).toHaveLength(1);
      const s = list[0] as UpdateSample;
      // The splits add up to the total, and the first invoke of the new code came after the wait.
      expect(s.answerMs + s.waiterMs + s.firstInvokeMs).toBeCloseTo(s.totalMs, 6);
      expect(s.clientMs).toBeLessThanOrEqual(s.answerMs);
      expect(s.polls).toBeGreaterThanOrEqual(1);
      expect(s.oldAnswers).toBe(0);
    }
  }, 180_000);
});
