/**
 * Deployments over the real registry, on a time scale (a five-minute canary in 300 ms): the
 * weights the alias goes through, hooks that succeed, fail or never report, the error-rate
 * rollback, and a change of `$LATEST` that publishes and deploys by itself.
 */
import { describe, expect, it } from 'vitest';
import type { DeploymentType } from '../../src/config/deployment-preference.js';
import { scaledSleep } from '../../src/deploy/deploy-clock.js';
import type { DeploymentSpec, EngineParts } from '../../src/deploy/deployment-engine.js';
import { Deployments } from '../../src/deploy/deployments.js';
import { DEFAULT_ERROR_THRESHOLD } from '../../src/deploy/error-rate.js';
import { type HookInvoker, LifecycleHooks } from '../../src/deploy/lifecycle-hooks.js';
import type { FunctionRegistry } from '../../src/registry/function-registry.js';
import { publishVersion, updateLatest } from '../../src/registry/latest-changes.js';
import { registryFromFunctions } from '../../src/registry/template-load.js';
import type { InvocationEnd } from '../../src/platform/platform.js';
import { bootstrapFunction } from '../helpers/function-config.js';
import { value } from '../registry/registry-fixture.js';

const SCALE = 0.001;

/** What a hook function does: report a status, end in an error, or say nothing. */
type HookBehaviour = 'Succeeded' | 'Failed' | 'error' | 'silent';

interface Harness {
  readonly registry: FunctionRegistry;
  readonly deployments: Deployments;
  /** The alias as each change left it: version, or `old>new@weight`. */
  readonly aliasStates: string[];
  /** Where the alias was when each hook ran. */
  readonly hookSaw: Array<[string, string]>;
  emit(end: InvocationEnd): void;
  lines: string[];
}

function aliasState(registry: FunctionRegistry): string {
  const alias = registry.alias('api', 'live');
  if (alias === undefined) return 'none';
  return alias.routing === undefined ? alias.functionVersion : `${alias.functionVersion}>${alias.routing.version}@${alias.routing.weight}`;
}

async function harness(type: DeploymentType, hooks: Record<string, HookBehaviour>, hookTimeoutMs = 3_600_000): Promise<Harness> {
  const preTraffic = 'pre' in hooks ? 'pre' : undefined;
  const postTraffic = 'post' in hooks ? 'post' : undefined;
  const api = bootstrapFunction('api', { publishedAlias: 'live', deployment: { type, preTraffic, postTraffic, alarms: [] } });
  const registry = registryFromFunctions([api, bootstrapFunction('pre'), bootstrapFunction('post')]);
  const aliasStates: string[] = [];
  const hookSaw: Array<[string, string]> = [];
  registry.onChange((change) => {
    if (change.kind === 'alias-changed') aliasStates.push(aliasState(registry));
  });
  let lifecycle: LifecycleHooks | undefined;
  const invoke: HookInvoker = async (name, payload) => {
    hookSaw.push([name, aliasState(registry)]);
    const event = JSON.parse(payload.toString()) as { DeploymentId: string; LifecycleEventHookExecutionId: string };
    expect(Object.keys(event)).toEqual(['DeploymentId', 'LifecycleEventHookExecutionId']);
    const behaviour = hooks[name];
    if (behaviour === 'error') return 'error';
    if (behaviour === 'Succeeded' || behaviour === 'Failed') setTimeout(() => lifecycle?.report(event.DeploymentId, event.LifecycleEventHookExecutionId, behaviour), 5);
    return 'ok';
  };
  const sleep = scaledSleep(SCALE);
  lifecycle = new LifecycleHooks(invoke, hookTimeoutMs, sleep);
  const listeners = new Set<(end: InvocationEnd) => void>();
  const lines: string[] = [];
  const parts: EngineParts = {
    registry,
    hooks: lifecycle,
    ends: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    threshold: DEFAULT_ERROR_THRESHOLD,
    sleep,
    log: (line) => lines.push(line),
  };
  return { registry, deployments: new Deployments(parts), aliasStates, hookSaw, emit: (end) => listeners.forEach((l) => l(end)), lines };
}

/** Version 2 of `api`, with changed configuration. */
async function secondVersion(registry: FunctionRegistry): Promise<void> {
  value(await updateLatest(registry, 'api', { config: { timeout: 9 } }));
  value(await publishVersion(registry, 'api'));
}

function spec(type: DeploymentType, hooks: Partial<Pick<DeploymentSpec, 'preTraffic' | 'postTraffic'>> = {}): DeploymentSpec {
  return { functionName: 'api', alias: 'live', fromVersion: '1', toVersion: '2', type, ...hooks };
}

describe('a deployment', () => {
  it('completes a canary: PreTraffic on the old version, 10%, then the new version alone, then PostTraffic', async () => {
    const h = await harness('Canary10Percent5Minutes', { pre: 'Succeeded', post: 'Succeeded' });
    await secondVersion(h.registry);
    const record = await h.deployments.startDeployment(spec('Canary10Percent5Minutes', { preTraffic: 'pre', postTraffic: 'post' }));
    expect([record.status, record.reason]).toEqual(['Succeeded', undefined]);
    expect(record.id).toMatch(/^d-[A-Z0-9]{9}$/);
    expect(record.weights).toEqual([0.1, 1]);
    expect(h.aliasStates).toEqual(['1>2@0.1', '2']);
    expect(h.hookSaw).toEqual([['pre', '1'], ['post', '2']]);
    expect(h.lines.map((line) => line.split(': ').at(-1))).toEqual(['started', 'PreTraffic hook pre invoked', 'PreTraffic hook pre succeeded', '10% of traffic on version 2', 'alias on version 2', 'PostTraffic hook post invoked', 'PostTraffic hook post succeeded', 'succeeded']);
  });

  it('steps a linear deployment through every tenth', async () => {
    const h = await harness('Linear10PercentEvery1Minute', {});
    await secondVersion(h.registry);
    const record = await h.deployments.startDeployment(spec('Linear10PercentEvery1Minute'));
    expect(record.status).toBe('Succeeded');
    expect(h.aliasStates).toEqual(['1>2@0.1', '1>2@0.2', '1>2@0.3', '1>2@0.4', '1>2@0.5', '1>2@0.6', '1>2@0.7', '1>2@0.8', '1>2@0.9', '2']);
  });

  it('rolls back when PreTraffic reports Failed: no traffic ever reaches the new version', async () => {
    const h = await harness('Canary10Percent5Minutes', { pre: 'Failed' });
    await secondVersion(h.registry);
    const record = await h.deployments.startDeployment(spec('Canary10Percent5Minutes', { preTraffic: 'pre' }));
    expect([record.status, record.reason]).toEqual(['Failed', 'PreTraffic hook pre: the hook reported Failed']);
    expect(record.weights).toEqual([]);
    expect(h.aliasStates).toEqual(['1']);
  });

  it('rolls back when a hook ends in a function error before reporting', async () => {
    const h = await harness('AllAtOnce', { post: 'error' });
    await secondVersion(h.registry);
    const record = await h.deployments.startDeployment(spec('AllAtOnce', { postTraffic: 'post' }));
    expect([record.status, record.reason]).toEqual(['Failed', 'PostTraffic hook post: post failed before reporting a status']);
    expect(h.aliasStates).toEqual(['2', '1']);
  });

  it('rolls back when PostTraffic never reports, after the hook timeout, and refuses a late report', async () => {
    const h = await harness('Canary10Percent5Minutes', { post: 'silent' }, 50_000);
    await secondVersion(h.registry);
    const record = await h.deployments.startDeployment(spec('Canary10Percent5Minutes', { postTraffic: 'post' }));
    expect(record.status).toBe('Failed');
    expect(record.reason).toMatch(/^PostTraffic hook post: post did not report a status within its timeout \(50 s/);
    expect(h.aliasStates).toEqual(['1>2@0.1', '2', '1']);
    expect(aliasState(h.registry)).toBe('1');
  });

  it('rolls back when more than 10% of at least 10 invocations of the new version fail during the shift', async () => {
    const h = await harness('Canary10Percent30Minutes', {});
    await secondVersion(h.registry);
    h.registry.onChange(() => {
      if (aliasState(h.registry) !== '1>2@0.1') return;
      // The old version's failures do not count; nine of the new version's are too few to judge.
      for (let i = 0; i < 20; i += 1) h.emit({ functionName: 'api', version: '1', failed: true });
      for (let i = 0; i < 9; i += 1) h.emit({ functionName: 'api', version: '2', failed: i < 2 });
      setTimeout(() => h.emit({ functionName: 'api', version: '2', failed: false }), 10);
    });
    const record = await h.deployments.startDeployment(spec('Canary10Percent30Minutes'));
    expect([record.status, record.reason]).toEqual(['Failed', 'version 2 failed 2 of 10 invocations (more than 10%)']);
    expect(h.aliasStates).toEqual(['1>2@0.1', '1']);
  });

  it('does not roll back at exactly 10% of errors', async () => {
    const h = await harness('Canary10Percent5Minutes', {});
    await secondVersion(h.registry);
    h.registry.onChange(() => {
      // Two failures of 20, the last two: the rate never goes above 10%.
      if (aliasState(h.registry) === '1>2@0.1') for (let i = 0; i < 20; i += 1) h.emit({ functionName: 'api', version: '2', failed: i >= 18 });
    });
    expect((await h.deployments.startDeployment(spec('Canary10Percent5Minutes'))).status).toBe('Succeeded');
  });

  it('is stopped and rolled back when Lamina stops', async () => {
    const h = await harness('Canary10Percent30Minutes', {});
    await secondVersion(h.registry);
    const running = h.deployments.startDeployment(spec('Canary10Percent30Minutes'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    await h.deployments.stop();
    const record = await running;
    expect([record.status, record.reason]).toEqual(['Stopped', 'Lamina is stopping']);
    expect(h.aliasStates).toEqual(['1>2@0.1', '1']);
  });
});

describe('Deployments on registry changes', () => {
  it('publishes a changed $LATEST and deploys the new version to the alias', async () => {
    const h = await harness('Canary10Percent5Minutes', { pre: 'Succeeded' });
    h.deployments.attach();
    value(await updateLatest(h.registry, 'api', { config: { memorySize: 256 } }));
    await h.deployments.idle();
    expect(h.registry.versions('api')?.map((v) => v.version)).toEqual(['$LATEST', '1', '2']);
    expect(h.aliasStates).toEqual(['1>2@0.1', '2']);
    expect(h.deployments.records.map((r) => [r.spec.fromVersion, r.spec.toVersion, r.status])).toEqual([['1', '2', 'Succeeded']]);
  });

  it('catches up at attach with a version the alias is not on yet, and leaves functions without a preference alone', async () => {
    const h = await harness('AllAtOnce', {});
    await secondVersion(h.registry);
    value(await updateLatest(h.registry, 'pre', { config: { timeout: 7 } }));
    h.deployments.attach();
    await h.deployments.idle();
    expect(aliasState(h.registry)).toBe('2');
    expect(h.registry.versions('pre')?.map((v) => v.version)).toEqual(['$LATEST']);
  });

  it('deploys what $LATEST is once the running deployment ends: changes made meanwhile become one version', async () => {
    const h = await harness('Canary10Percent5Minutes', {});
    h.deployments.attach();
    value(await updateLatest(h.registry, 'api', { config: { memorySize: 256 } }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    value(await updateLatest(h.registry, 'api', { config: { memorySize: 512 } }));
    value(await updateLatest(h.registry, 'api', { config: { memorySize: 1024 } }));
    await h.deployments.idle();
    expect(h.deployments.records.map((r) => [r.spec.fromVersion, r.spec.toVersion, r.status])).toEqual([['1', '2', 'Succeeded'], ['2', '3', 'Succeeded']]);
    expect(h.registry.version('api', '3')?.config.memorySize).toBe(1024);
    expect(aliasState(h.registry)).toBe('3');
  });
});
