/** Every scenario of the harness, in the order a full run goes through them. */
import type { Scenario } from './scenario.js';
import { asyncScenario } from './async.js';
import { coldScenario } from './cold.js';
import { concurrencyScenario } from './concurrency.js';
import { extensionsScenario } from './extensions.js';
import { hotReloadScenario } from './hot-reload.js';
import { httpScenario } from './http.js';
import { isolationScenario } from './isolation.js';
import { limitsScenario } from './limits.js';
import { memoryScenario } from './memory.js';
import { observabilityScenario } from './observability.js';
import { openLoopScenario } from './open-loop.js';
import { routingScenario } from './routing.js';
import { sqsMappingScenario } from './sqs-mapping.js';
import { updateCodeScenario } from './update-code.js';
import { warmScenario } from './warm.js';

export const SCENARIOS: readonly Scenario[] = [coldScenario, warmScenario, memoryScenario, concurrencyScenario, limitsScenario, isolationScenario, extensionsScenario, httpScenario, asyncScenario, sqsMappingScenario, routingScenario, updateCodeScenario, hotReloadScenario, observabilityScenario, openLoopScenario];

/** @example scenarioNamed('warm') */
export function scenarioNamed(name: string): Scenario | undefined {
  return SCENARIOS.find((s) => s.name === name);
}
