/**
 * The observability scenario: registered as `lamina bench observability`; a quick whole run
 * against its real server (observers switched between rounds) gives a row per side, a finite
 * ratio, the observers' CPU per invocation, and a cost line whose count is exactly the "on"
 * rounds' invocations (the metrics hear nothing while switched off). No timing is checked.
 */
import { describe, expect, it } from 'vitest';
import { parseBenchArgs } from '../../bench/cli.js';
import { runScenarios } from '../../bench/harness/runner.js';
import { scenarioNamed } from '../../bench/scenarios/index.js';
import { observabilityScenario } from '../../bench/scenarios/observability.js';
import type { BenchOptions } from '../../bench/scenarios/scenario.js';

const quick: BenchOptions = { quick: true, rounds: 1, accountConcurrency: 100, maxEnvironments: 2, peers: false };
const silent = { isTTY: false, write: () => undefined };

describe('lamina bench observability', () => {
  it('is a scenario of lamina bench', () => {
    expect(scenarioNamed('observability')).toBe(observabilityScenario);
    expect(parseBenchArgs(['observability', '--quick']).scenarios).toEqual([observabilityScenario]);
  });

  it('measures both sides in alternating rounds and prices the "on" rounds only', async () => {
    const outcome = await runScenarios({ scenarios: [observabilityScenario], options: quick, outDir: undefined, commandFor: (name) => `lamina bench ${name} --quick`, progressSink: silent, date: '2026-01-01' });
    expect(outcome.failures.map((f) => f.error.message)).toEqual([]);
    const result = outcome.results[0];
    const table = result?.tables[0];
    expect(table?.rows.map((r) => r[0])).toEqual(['observers off', 'metrics + log store + dashboard model on']);
    for (const target of result?.targets ?? []) expect(Number.isFinite(target.ratio)).toBe(true);
    expect(result?.raw['observerMicroseconds']).toBeGreaterThan(0);
    // --quick: 2 rounds of 200 invokes and 20 warm-up invokes per side.
    expect(table?.notes?.find((n) => n.startsWith('Cost on Lambda'))).toMatch(/^Cost on Lambda of the 440 invocations this server ran: \$/);
  }, 120_000);
});
