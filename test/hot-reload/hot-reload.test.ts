/**
 * Hot reload against a real registry, real code snapshots and real directories (no runtime: the
 * platform's side of a change, its draining retirement, is the registry's change event; the
 * end-to-end test under test/cli runs it with `lamina serve`).
 */
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { FunctionConfig } from '../../src/config/function-config.js';
import { CodeSnapshots } from '../../src/control/snapshots/code-snapshots.js';
import { directoryIdentity } from '../../src/control/snapshots/directory-digest.js';
import { type HotReload, type ProjectLoad, startHotReload } from '../../src/hot-reload/hot-reload.js';
import { createFunction } from '../../src/registry/latest-changes.js';
import type { FunctionRegistry } from '../../src/registry/function-registry.js';
import { LATEST, type RegistryChange } from '../../src/registry/registry-types.js';
import { templateDigest } from '../../src/registry/saved-state.js';
import { registryFromFunctions } from '../../src/registry/template-load.js';
import { customRuntimeFunction } from '../helpers/function-config.js';

const NO_RESOURCES = { apis: [], urls: [], albs: [], edges: [], queues: [], sqsMappings: [], schedules: [], eventRules: [], eventBuses: [], s3Buckets: [], s3Notifications: [], streams: [], streamMappings: [] };
const FAST = { quietMs: 5, packagesQuietMs: 20, capMs: 200, packagesCapMs: 400 };

interface Spec {
  readonly name: string;
  readonly memorySize?: number;
  readonly layer?: boolean;
  readonly alias?: string;
}

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** A project: one code directory per function, a shared layer, and `template.json` (a list of specs) as its template. */
function project(specs: readonly Spec[]) {
  const dir = mkdtempSync(join(tmpdir(), 'lamina-hot-reload-'));
  const stateDir = join(dir, 'state');
  const templatePath = join(dir, 'template.json');
  mkdirSync(join(dir, 'layer'), { recursive: true });
  writeFileSync(join(dir, 'layer', 'shared.js'), 'layer v0');
  const configOf = (spec: Spec): FunctionConfig => {
    mkdirSync(join(dir, spec.name), { recursive: true });
    try {
      readFileSync(join(dir, spec.name, 'bootstrap'));
    } catch {
      writeFileSync(join(dir, spec.name, 'bootstrap'), `#!/bin/sh\necho ${spec.name} v0\n`, { mode: 0o755 });
    }
    return customRuntimeFunction(spec.name, join(dir, spec.name), {
      ...(spec.memorySize === undefined ? {} : { memorySize: spec.memorySize }),
      ...(spec.layer === true ? { layers: [join(dir, 'layer')] } : {}),
      ...(spec.alias === undefined ? {} : { publishedAlias: spec.alias }),
    });
  };
  const loadFrom = (text: string): ProjectLoad => ({ functions: (JSON.parse(text) as Spec[]).map(configOf), resources: NO_RESOURCES, warnings: [] });
  writeFileSync(templatePath, JSON.stringify(specs));
  const initial = loadFrom(readFileSync(templatePath, 'utf8'));
  const snapshots = new CodeSnapshots(stateDir);
  const registry = registryFromFunctions(initial.functions, { snapshots });
  const changes: RegistryChange[] = [];
  registry.onChange((change) => changes.push(change));
  const lines: string[] = [];
  const warnings: string[] = [];
  const marks = new Map<string, string>();
  const reload = startHotReload({
    registry,
    code: snapshots,
    marks: { markTemplate: (name, digest) => void marks.set(name, digest) },
    stateDir,
    templatePath,
    initial,
    load: () => Promise.resolve(loadFrom(readFileSync(templatePath, 'utf8'))),
    log: (line) => lines.push(line),
    warn: (line) => warnings.push(line),
    timings: FAST,
  });
  cleanups.push(() => {
    reload.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { dir, stateDir, templatePath, registry, reload, changes, lines, warnings, marks, snapshots };
}

/** An editor's save. */
function save(path: string, content: string): void {
  writeFileSync(`${path}.swp`, content);
  renameSync(`${path}.swp`, path);
}

/** Wait until hot reload has handled a batch after `before` (the test's timeout bounds it). */
async function nextBatch(reload: HotReload, before: number): Promise<void> {
  while (reload.batches <= before) await new Promise((resolve) => setTimeout(resolve, 5));
  await reload.idle();
}

const latestOf = (registry: FunctionRegistry, name: string) => registry.version(name, LATEST);

describe('startHotReload', () => {
  it('gives $LATEST the edited code and its digest, and leaves the published version as it was', async () => {
    const p = project([{ name: 'Api', alias: 'live' }]);
    const published = p.registry.version('Api', '1');
    const before = latestOf(p.registry, 'Api');
    expect(published?.code.sha256).toBe(before?.code.sha256);
    const batches = p.reload.batches;
    save(join(p.dir, 'Api', 'bootstrap'), '#!/bin/sh\necho Api v1\n');
    await nextBatch(p.reload, batches);
    const after = latestOf(p.registry, 'Api');
    expect(after?.code.sha256).toBe(directoryIdentity(join(p.dir, 'Api')).sha256);
    expect(after?.code.sha256).not.toBe(before?.code.sha256);
    expect(after?.revisionId).not.toBe(before?.revisionId);
    expect(p.changes).toEqual([{ kind: 'latest-updated', functionName: 'Api', codeChanged: true, revisionId: after?.revisionId }]);
    // Version 1 runs its own copy, which still holds the old code.
    expect(p.registry.version('Api', '1')).toEqual(published);
    expect(readFileSync(join(published?.config.codeDir ?? '', 'bootstrap'), 'utf8')).toContain('Api v0');
    expect(p.registry.alias('Api', 'live')?.functionVersion).toBe('1');
    expect(p.lines.join('\n')).toMatch(/Api: code changed \(CodeSha256 /);
    // The store is told the template's definition with the new code: a restart finds nothing to redo.
    expect(p.marks.get('Api')).toBe(templateDigest(after?.config ?? ({} as FunctionConfig), after?.code));
  });

  it('changes nothing when a file is touched or rewritten with the same content', async () => {
    const p = project([{ name: 'Same' }]);
    const before = latestOf(p.registry, 'Same');
    const batches = p.reload.batches;
    // In place (a rename would bring a new file's mode, 0644: a real change of the package).
    writeFileSync(join(p.dir, 'Same', 'bootstrap'), '#!/bin/sh\necho Same v0\n');
    utimesSync(join(p.dir, 'Same', 'bootstrap'), new Date(), new Date(Date.now() + 5000));
    await nextBatch(p.reload, batches);
    expect(latestOf(p.registry, 'Same')).toEqual(before);
    expect(p.changes).toEqual([]);
  });

  it('retires the $LATEST of every function using a layer whose content changed, not the others', async () => {
    const p = project([{ name: 'WithLayer', layer: true }, { name: 'Without' }]);
    const before = latestOf(p.registry, 'WithLayer');
    const batches = p.reload.batches;
    save(join(p.dir, 'layer', 'shared.js'), 'layer v1');
    await nextBatch(p.reload, batches);
    const after = latestOf(p.registry, 'WithLayer');
    expect(after?.revisionId).not.toBe(before?.revisionId);
    expect(after?.code).toEqual(before?.code);
    expect(p.changes).toEqual([{ kind: 'latest-updated', functionName: 'WithLayer', codeChanged: false, revisionId: after?.revisionId }]);
  });

  it('adds, changes and removes functions as the edited template says, and leaves API functions alone', async () => {
    const p = project([{ name: 'Kept' }, { name: 'Changed' }, { name: 'Removed' }]);
    const apiDir = join(p.stateDir, 'code', 'api-made');
    mkdirSync(apiDir, { recursive: true });
    const fromApi = await createFunction(p.registry, customRuntimeFunction('FromApi', apiDir), { sha256: 'api=', size: 1 });
    expect(fromApi.ok).toBe(true);
    const kept = latestOf(p.registry, 'Kept');
    const batches = p.reload.batches;
    save(p.templatePath, JSON.stringify([{ name: 'Kept' }, { name: 'Changed', memorySize: 1024 }, { name: 'Added' }, { name: 'FromApi' }]));
    await nextBatch(p.reload, batches);
    expect(p.registry.names.sort()).toEqual(['Added', 'Changed', 'FromApi', 'Kept']);
    expect(latestOf(p.registry, 'Changed')?.config.memorySize).toBe(1024);
    expect(latestOf(p.registry, 'Added')?.code.sha256).toBe(directoryIdentity(join(p.dir, 'Added')).sha256);
    expect(latestOf(p.registry, 'Kept')).toEqual(kept);
    expect(latestOf(p.registry, 'FromApi')?.config.codeDir).toBe(apiDir);
    expect(p.lines.join('\n')).toContain('FromApi: the template now defines a function of this name, which was created through the API');
    expect([...p.marks.keys()].sort()).toEqual(['Added', 'Changed']);
    // The added function's code is watched from now on.
    const next = p.reload.batches;
    save(join(p.dir, 'Added', 'bootstrap'), '#!/bin/sh\necho Added v1\n');
    await nextBatch(p.reload, next);
    expect(latestOf(p.registry, 'Added')?.code.sha256).toBe(directoryIdentity(join(p.dir, 'Added')).sha256);
  });

  it('keeps the previous functions when the edited template cannot be loaded, and says why', async () => {
    const p = project([{ name: 'Stays' }]);
    const before = latestOf(p.registry, 'Stays');
    const batches = p.reload.batches;
    save(p.templatePath, '[{"name": "Stays"');
    await nextBatch(p.reload, batches);
    expect(latestOf(p.registry, 'Stays')).toEqual(before);
    expect(p.changes).toEqual([]);
    expect(p.warnings.join('\n')).toMatch(/template\.json was not reloaded, the previous functions keep serving:\n.*JSON/);
    // Fixed, it applies (from what the template gave before the broken edit).
    const next = p.reload.batches;
    save(p.templatePath, JSON.stringify([{ name: 'Stays', memorySize: 256 }]));
    await nextBatch(p.reload, next);
    expect(latestOf(p.registry, 'Stays')?.config.memorySize).toBe(256);
  });

  it('ignores writes into the state directory when it lies inside a code directory', async () => {
    const p = project([{ name: 'Root' }]);
    // A second reload whose state directory is inside the function's code directory.
    const stateDir = join(p.dir, 'Root', '.lamina');
    mkdirSync(stateDir, { recursive: true });
    p.reload.close();
    const lines: string[] = [];
    const reload = startHotReload({ registry: p.registry, code: p.snapshots, stateDir, templatePath: p.templatePath, initial: { functions: [latestOf(p.registry, 'Root')?.config as FunctionConfig], resources: NO_RESOURCES, warnings: [] }, load: () => Promise.reject(new Error('not used')), log: (line) => lines.push(line), warn: (line) => lines.push(line), timings: FAST });
    cleanups.push(() => reload.close());
    writeFileSync(join(stateDir, 'control.sqlite'), 'busy');
    const batches = reload.batches;
    save(join(p.dir, 'Root', 'bootstrap'), '#!/bin/sh\necho Root v1\n');
    await nextBatch(reload, batches);
    // One batch: the save. The state directory's write was never part of it (no batch of its own).
    expect(reload.batches).toBe(batches + 1);
    expect(lines.filter((line) => line.includes('code changed'))).toHaveLength(1);
  });
});
