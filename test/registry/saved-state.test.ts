/**
 * The rule of a restart (src/registry/saved-state.ts, docs/control-plane.md "Persistence"): the
 * saved state is loaded and the template applied on top, through the real control state file.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { FunctionConfig } from '../../src/config/function-config.js';
import { ControlStore } from '../../src/control/state/control-store.js';
import { createAlias, putReservedConcurrency } from '../../src/registry/alias-changes.js';
import { createFunction, publishVersion, updateLatest } from '../../src/registry/latest-changes.js';
import { registryFromState } from '../../src/registry/template-load.js';
import { bootstrapFunction, customRuntimeFunction } from '../helpers/function-config.js';
import { code, value } from './registry-fixture.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** One start of Lamina on `dir` with `template`: the registry, the report, and a stop. */
function start(dir: string, template: readonly FunctionConfig[]) {
  const store = ControlStore.open(dir);
  const { registry, start: state } = registryFromState(template, {}, store);
  return { registry, report: state.report, settings: store.settings, stop: () => store.close() };
}

const TEMPLATE = [bootstrapFunction('a', { publishedAlias: 'live', reservedConcurrency: 10 }), bootstrapFunction('b')];

describe('a restart', () => {
  it('keeps API changes to unchanged template functions and API-created functions; skips one whose code is gone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lamina-restart-'));
    dirs.push(dir);
    const first = start(dir, TEMPLATE);
    expect(first.report).toEqual([]);
    value(await updateLatest(first.registry, 'a', { config: { timeout: 30 } }));
    value(await publishVersion(first.registry, 'a'));
    value(await createAlias(first.registry, 'a', 'beta', { functionVersion: '1', routing: { version: '2', weight: 0.1 } }));
    value(await putReservedConcurrency(first.registry, 'a', 20));
    value(await createFunction(first.registry, bootstrapFunction('c'), code('c')));
    value(await createFunction(first.registry, customRuntimeFunction('d', join(dir, 'code', 'd-missing')), code('d')));
    const bRevision = first.registry.version('b', '$LATEST')?.revisionId;
    first.stop();

    const second = start(dir, TEMPLATE);
    expect(second.registry.names).toEqual(['a', 'b', 'c']);
    expect(second.report).toEqual([expect.stringMatching(/^d: not loaded, its code directory .*d-missing is missing/)]);
    expect(second.registry.version('a', '$LATEST')?.config.timeout).toBe(30);
    expect(second.registry.versions('a')?.map((record) => record.version)).toEqual(['$LATEST', '1', '2']);
    expect(second.registry.alias('a', 'beta')?.routing).toEqual({ version: '2', weight: 0.1 });
    expect(second.registry.alias('a', 'live')?.functionVersion).toBe('1');
    expect(second.registry.reservations.reservedFor('a')).toBe(20);
    expect(second.registry.version('b', '$LATEST')?.revisionId).toBe(bRevision);
    second.stop();

    // Once its directory is back, the skipped function is back too: its row was kept.
    mkdirSync(join(dir, 'code', 'd-missing'), { recursive: true });
    const third = start(dir, TEMPLATE);
    expect(third.report).toEqual([]);
    expect(third.registry.names).toEqual(['a', 'b', 'c', 'd']);
    third.stop();
  });

  it('updates $LATEST of a changed template function (history kept, AutoPublishAlias moved) and removes one the template dropped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lamina-restart-'));
    dirs.push(dir);
    const first = start(dir, TEMPLATE);
    value(await updateLatest(first.registry, 'a', { config: { timeout: 30 } }));
    value(await publishVersion(first.registry, 'a'));
    value(await createAlias(first.registry, 'a', 'beta', { functionVersion: '2' }));
    value(await putReservedConcurrency(first.registry, 'b', 50));
    value(await createFunction(first.registry, bootstrapFunction('c'), code('c')));
    await first.settings.put('tags', first.registry.arnOf('b'), { team: 'b' });
    await first.settings.put('tags', first.registry.arnOf('c'), { team: 'c' });
    const oldRevision = first.registry.version('a', '$LATEST')?.revisionId;
    first.stop();

    const edited = [bootstrapFunction('a', { publishedAlias: 'live', reservedConcurrency: 15, memorySize: 512 })];
    const second = start(dir, edited);
    expect(second.report).toEqual(['a: $LATEST updated from the template (versions and aliases kept)', 'b: removed (no longer in the template)']);
    expect(second.registry.names).toEqual(['a', 'c']);
    const latest = second.registry.version('a', '$LATEST');
    expect(latest?.revisionId).not.toBe(oldRevision);
    // The template's definition wins over the API's change to it (timeout back to 3).
    expect(latest?.config).toMatchObject({ memorySize: 512, timeout: 3 });
    expect(second.registry.versions('a')?.map((record) => record.version)).toEqual(['$LATEST', '1', '2', '3']);
    expect(second.registry.version('a', '3')?.config.memorySize).toBe(512);
    expect(second.registry.alias('a', 'live')?.functionVersion).toBe('3');
    expect(second.registry.alias('a', 'beta')?.functionVersion).toBe('2');
    expect(second.registry.reservations.reservedFor('a')).toBe(15);
    expect(second.registry.reservations.reservedFor('b')).toBeUndefined();
    expect(second.registry.accountConcurrency().UnreservedConcurrentExecution).toBe(985);
    // The removed function's settings went with it.
    expect(second.settings.list('tags').map(([key]) => key)).toEqual([second.registry.arnOf('c')]);
    second.stop();

    // The same template again: nothing more changes, and b does not come back.
    const third = start(dir, edited);
    expect(third.report).toEqual([]);
    expect(third.registry.names).toEqual(['a', 'c']);
    expect(third.registry.version('a', '$LATEST')?.revisionId).toBe(latest?.revisionId);
    expect(third.registry.versions('a')?.length).toBe(4);
    third.stop();
  });

  it('publishes a changed function with a DeploymentPreference but leaves its alias for the deployment to shift', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lamina-restart-'));
    dirs.push(dir);
    const deployment = { type: 'Canary10Percent5Minutes' as const, alarms: [] };
    const first = start(dir, [bootstrapFunction('a', { publishedAlias: 'live', deployment })]);
    // The first start creates the alias on version 1: there is nothing to shift from.
    expect(first.registry.alias('a', 'live')?.functionVersion).toBe('1');
    first.stop();
    const second = start(dir, [bootstrapFunction('a', { publishedAlias: 'live', deployment, memorySize: 256 })]);
    expect(second.registry.versions('a')?.map((record) => record.version)).toEqual(['$LATEST', '1', '2']);
    expect(second.registry.version('a', '2')?.config.memorySize).toBe(256);
    expect(second.registry.alias('a', 'live')).toMatchObject({ functionVersion: '1', routing: undefined });
    second.stop();
    // Without the preference (Enabled: false), the next change moves the alias at once.
    const third = start(dir, [bootstrapFunction('a', { publishedAlias: 'live', memorySize: 512 })]);
    expect(third.registry.alias('a', 'live')?.functionVersion).toBe('3');
    third.stop();
  });

  it('lets the template take over an API-created function of the same name, keeping its versions', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lamina-restart-'));
    dirs.push(dir);
    const first = start(dir, []);
    value(await createFunction(first.registry, bootstrapFunction('x', { timeout: 7 }), code('x')));
    value(await publishVersion(first.registry, 'x'));
    first.stop();
    const second = start(dir, [bootstrapFunction('x', { timeout: 8 })]);
    expect(second.report).toEqual(['x: $LATEST updated from the template (versions and aliases kept)']);
    expect(second.registry.version('x', '1')?.config.timeout).toBe(7);
    expect(second.registry.version('x', '$LATEST')?.config.timeout).toBe(8);
    second.stop();
    // Now a template function: dropping it from the template removes it.
    const third = start(dir, []);
    expect(third.registry.names).toEqual([]);
    third.stop();
  });

  it('still refuses two template functions of one name and reservations over the limit', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lamina-restart-'));
    dirs.push(dir);
    const store = ControlStore.open(dir);
    expect(() => registryFromState([bootstrapFunction('x'), bootstrapFunction('x')], {}, store)).toThrow(/Two functions are named x/);
    expect(() => registryFromState([bootstrapFunction('x', { reservedConcurrency: 950 })], {}, store)).toThrow(/add up to 950/);
    // Neither refused start wrote anything.
    store.close();
    const reopened = ControlStore.open(dir);
    expect(reopened.functions()).toEqual([]);
    reopened.close();
  });
});
