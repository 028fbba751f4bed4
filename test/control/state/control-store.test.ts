/**
 * The control state file (src/control/state/control-store.ts): what the registry and the settings
 * store write comes back whole after a reopen, a write that fails changes nothing, and a damaged
 * or foreign file is a clear ConfigError.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ControlStore } from '../../../src/control/state/control-store.js';
import { ConfigError } from '../../../src/errors.js';
import { createAlias, putReservedConcurrency } from '../../../src/registry/alias-changes.js';
import { encodeEntry } from '../../../src/registry/entry-codec.js';
import type { FunctionRegistry } from '../../../src/registry/function-registry.js';
import { createFunction, deleteFunction, publishVersion, updateLatest } from '../../../src/registry/latest-changes.js';
import { registryFromState } from '../../../src/registry/template-load.js';
import { bootstrapFunction, FIXTURES } from '../../helpers/function-config.js';
import { code, refusal, value } from '../../registry/registry-fixture.js';

/** A code directory that exists, other than the default one. */
const PRINTER = join(FIXTURES, 'runtimes', 'printer');
const dirs: string[] = [];
const stores: ControlStore[] = [];

function stateDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lamina-control-'));
  dirs.push(dir);
  return dir;
}

function open(dir: string): { store: ControlStore; registry: FunctionRegistry } {
  const store = ControlStore.open(dir);
  stores.push(store);
  return { store, registry: registryFromState([], {}, store).registry };
}

afterEach(() => {
  for (const store of stores.splice(0)) store.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Every function of a registry as the text the file keeps, and the reservations. */
function snapshot(registry: FunctionRegistry): { entries: Record<string, string>; reservations: Record<string, number | undefined> } {
  const entries: Record<string, string> = {};
  const reservations: Record<string, number | undefined> = {};
  for (const name of registry.names) {
    const entry = registry.entry(name);
    if (entry !== undefined) entries[name] = encodeEntry(entry);
    reservations[name] = registry.reservations.reservedFor(name);
  }
  return { entries, reservations };
}

describe('round trip', () => {
  it('brings back $LATEST, versions, aliases with routing, the last number, reservations and settings', async () => {
    const dir = stateDir();
    const first = open(dir);
    value(await createFunction(first.registry, bootstrapFunction('f', { environment: { A: '1' } }), code('one'), 'first'));
    value(await publishVersion(first.registry, 'f', { description: 'v1' }));
    value(await updateLatest(first.registry, 'f', { config: { timeout: 9 }, code: { identity: code('two'), codeDir: PRINTER } }));
    value(await publishVersion(first.registry, 'f'));
    value(await updateLatest(first.registry, 'f', { config: { memorySize: 256 } }));
    value(await publishVersion(first.registry, 'f'));
    value(await deleteFunction(first.registry, 'f', '3'));
    value(await createAlias(first.registry, 'f', 'live', { functionVersion: '1', description: 'canary', routing: { version: '2', weight: 0.25 } }));
    value(await createAlias(first.registry, 'f', 'dev', { functionVersion: '$LATEST' }));
    value(await putReservedConcurrency(first.registry, 'f', 40));
    value(await createFunction(first.registry, bootstrapFunction('g'), code('g')));
    await first.store.settings.put('tags', first.registry.arnOf('f'), { team: 'blue', 'cost-centre': '7' });
    await first.store.settings.put('event-invoke-config', 'f:$LATEST', { MaximumRetryAttempts: 1, nested: [1, null, 'x'] });
    await first.store.settings.put('tags', 'gone', {});
    await first.store.settings.delete('tags', 'gone');
    const before = snapshot(first.registry);
    first.store.close();

    const second = open(dir);
    expect(snapshot(second.registry)).toEqual(before);
    expect(second.registry.names).toEqual(['f', 'g']);
    const entry = second.registry.entry('f');
    expect(entry?.lastVersion).toBe(3);
    expect([...(entry?.versions.keys() ?? [])]).toEqual(['1', '2']);
    expect(second.registry.alias('f', 'live')?.routing).toEqual({ version: '2', weight: 0.25 });
    expect(second.registry.version('f', '2')?.config.codeDir).toBe(PRINTER);
    expect(Object.isFrozen(second.registry.version('f', '1')?.config.environment)).toBe(true);
    expect(second.registry.accountConcurrency().UnreservedConcurrentExecution).toBe(960);
    expect(second.store.settings.get('tags', second.registry.arnOf('f'))).toEqual({ team: 'blue', 'cost-centre': '7' });
    expect(second.store.settings.list('tags').map(([key]) => key)).toEqual([second.registry.arnOf('f')]);
    expect(second.store.settings.get('event-invoke-config', 'f:$LATEST')).toEqual({ MaximumRetryAttempts: 1, nested: [1, null, 'x'] });
    // The numbers go on where they stopped: 3 was deleted, so the next is 4.
    expect(value(await publishVersion(second.registry, 'f')).version).toBe('4');
  });

  it('forgets a deleted function and its reservation; a new one of that name starts at version 1', async () => {
    const dir = stateDir();
    const first = open(dir);
    value(await createFunction(first.registry, bootstrapFunction('f'), code('a')));
    value(await publishVersion(first.registry, 'f'));
    value(await putReservedConcurrency(first.registry, 'f', 10));
    value(await deleteFunction(first.registry, 'f'));
    first.store.close();
    const second = open(dir);
    expect(second.registry.names).toEqual([]);
    expect(second.registry.accountConcurrency().UnreservedConcurrentExecution).toBe(1000);
    value(await createFunction(second.registry, bootstrapFunction('f'), code('b')));
    expect(value(await publishVersion(second.registry, 'f')).version).toBe('1');
  });

  it('keeps a function marked as the template\'s (added by hot reload) as one: a start without it in the template removes it', async () => {
    const dir = stateDir();
    const first = open(dir);
    value(await createFunction(first.registry, bootstrapFunction('fromTemplate'), code('a')));
    value(await createFunction(first.registry, bootstrapFunction('fromApi'), code('b')));
    first.store.markTemplate('fromTemplate', 'added-while-serving');
    first.store.markTemplate('missing', 'x'); // No such row: nothing happens.
    first.store.close();
    const store = ControlStore.open(dir);
    stores.push(store);
    const { registry, start } = registryFromState([], {}, store);
    expect(registry.names).toEqual(['fromApi']);
    expect(start.removed).toEqual(['fromTemplate']);
  });

  it('deletes a deleted function\'s settings with it, and no other function\'s', async () => {
    const dir = stateDir();
    const first = open(dir);
    for (const name of ['f', 'f2']) value(await createFunction(first.registry, bootstrapFunction(name), code(name)));
    const settings = first.store.settings;
    for (const name of ['f', 'f2']) {
      await settings.put('tags', first.registry.arnOf(name), { team: name });
      await settings.put('event-invoke-config', `${name}:$LATEST`, { MaximumRetryAttempts: 0 });
      await settings.put('function-url', `${name}:live`, { authType: 'NONE' });
      await settings.put('policy', `${name}:`, { statements: [] });
    }
    await settings.put('layer-version', 'f:1', { layer: true });
    value(await deleteFunction(first.registry, 'f'));
    const left = (store: ControlStore): string[] =>
      (['tags', 'event-invoke-config', 'function-url', 'policy', 'layer-version'] as const).flatMap((kind) => store.settings.list(kind).map(([key]) => `${kind} ${key}`));
    const expected = ['tags arn:aws:lambda:us-east-1:000000000000:function:f2', 'event-invoke-config f2:$LATEST', 'function-url f2:live', 'policy f2:', 'layer-version f:1'];
    expect(left(first.store)).toEqual(expected);
    first.store.close();
    expect(left(open(dir).store)).toEqual(expected);
  });

  it('serialises concurrent changes: the file ends equal to the registry', async () => {
    const dir = stateDir();
    const first = open(dir);
    const names = ['a', 'b', 'c', 'd'];
    await Promise.all(names.map(async (name) => value(await createFunction(first.registry, bootstrapFunction(name), code(name)))));
    const changes: Array<Promise<unknown>> = [];
    for (let round = 0; round < 5; round += 1) {
      for (const name of names) {
        changes.push(updateLatest(first.registry, name, { config: { timeout: 3 + round } }).then(() => publishVersion(first.registry, name)));
        // Reservations that fit alone but not all together: the account's turn lets only some pass.
        changes.push(putReservedConcurrency(first.registry, name, 100 + round * 60));
        changes.push(first.store.settings.put('tags', name, { round }));
      }
    }
    await Promise.all(changes);
    for (const name of names) {
      value(await updateLatest(first.registry, name, { config: { timeout: 60 } }));
      const newest = value(await publishVersion(first.registry, name)).version;
      value(await createAlias(first.registry, name, 'live', { functionVersion: '1', routing: { version: newest, weight: 0.5 } }));
    }
    const before = snapshot(first.registry);
    const unreserved = first.registry.accountConcurrency().UnreservedConcurrentExecution;
    expect(unreserved).toBeGreaterThanOrEqual(100);
    first.store.close();
    const second = open(dir);
    expect(snapshot(second.registry)).toEqual(before);
    expect(second.registry.accountConcurrency().UnreservedConcurrentExecution).toBe(unreserved);
    for (const name of names) expect(second.store.settings.get('tags', name)).toEqual({ round: 4 });
  });
});

describe('a write that fails', () => {
  it('leaves the registry and the file as they were (entry and reservation in one transaction)', async () => {
    const dir = stateDir();
    const first = open(dir);
    value(await createFunction(first.registry, bootstrapFunction('f'), code('a')));
    value(await putReservedConcurrency(first.registry, 'f', 30));
    // Another connection makes every reservation removal fail: the function's row goes first, then the reservation's.
    const saboteur = new Database(join(dir, 'control.sqlite'));
    saboteur.exec("CREATE TRIGGER no_unreserve BEFORE DELETE ON reservations BEGIN SELECT RAISE(ABORT, 'disk says no'); END");
    const refused = refusal(await deleteFunction(first.registry, 'f'));
    expect(refused.code).toBe('LAMINA_ERR_SERVICE');
    expect(refused.message).toMatch(/not saved: disk says no/);
    expect(first.registry.entry('f')).toBeDefined();
    expect(first.registry.reservations.reservedFor('f')).toBe(30);
    saboteur.exec('DROP TRIGGER no_unreserve');
    saboteur.close();
    first.store.close();
    const second = open(dir);
    expect(second.registry.names).toEqual(['f']);
    expect(second.registry.reservations.reservedFor('f')).toBe(30);
  });

  it('refuses changes once the file is gone from under it, and the settings keep their old value', async () => {
    const dir = stateDir();
    const { store, registry } = open(dir);
    await store.settings.put('tags', 'k', { v: 1 });
    store.close();
    expect(refusal(await createFunction(registry, bootstrapFunction('f'), code('a'))).code).toBe('LAMINA_ERR_SERVICE');
    expect(registry.entry('f')).toBeUndefined();
    await expect(store.settings.put('tags', 'k', { v: 2 })).rejects.toThrow(/not open/);
    await expect(store.settings.delete('tags', 'k')).rejects.toThrow(/not open/);
    expect(store.settings.get('tags', 'k')).toEqual({ v: 1 });
  });
});

describe('a file that is not usable', () => {
  function refusedOpen(dir: string): ConfigError {
    try {
      ControlStore.open(dir).close();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return error as ConfigError;
    }
    throw new Error('the file was opened');
  }

  it('refuses garbage, a foreign database and a newer schema with the file named', () => {
    const garbage = stateDir();
    writeFileSync(join(garbage, 'control.sqlite'), Buffer.alloc(8192, 0x41));
    expect(refusedOpen(garbage).message).toMatch(/control\.sqlite cannot be used: file is not a database/);

    const foreign = stateDir();
    const other = new Database(join(foreign, 'control.sqlite'));
    other.exec('CREATE TABLE users (id INTEGER)');
    other.close();
    expect(refusedOpen(foreign).message).toMatch(/not Lamina's control state \(tables users\)/);

    const newer = stateDir();
    ControlStore.open(newer).close();
    const future = new Database(join(newer, 'control.sqlite'));
    future.pragma('user_version = 7');
    future.close();
    expect(refusedOpen(newer).message).toMatch(/newer Lamina \(schema 7, this one reads 1\)/);
  });

  it('refuses a damaged row or a row of a newer format, naming the function', async () => {
    const dir = stateDir();
    const { store, registry } = open(dir);
    value(await createFunction(registry, bootstrapFunction('f'), code('a')));
    store.close();
    const raw = new Database(join(dir, 'control.sqlite'));
    const entry = (raw.prepare("SELECT entry FROM functions WHERE name = 'f'").get() as { entry: string }).entry;
    for (const [damaged, message] of [
      ['{"latest":1}', /function f cannot be read: latest is not an object/],
      ['not json', /function f cannot be read: Unexpected token/],
      [entry.replace('"aliases":[]', '"aliases":[{"name":"x","functionVersion":"1","description":"","revisionId":"r","arn":"a","routing":{"version":"2","weight":7}}]'), /aliases\[0\]\.routing\.weight is not between 0 and 1/],
    ] as const) {
      raw.prepare("UPDATE functions SET entry = ? WHERE name = 'f'").run(damaged);
      expect(refusedOpen(dir).message).toMatch(message);
    }
    raw.prepare("UPDATE functions SET entry = ?, format = 99 WHERE name = 'f'").run(entry);
    expect(refusedOpen(dir).message).toMatch(/function f was saved by a newer Lamina \(format 99/);
    raw.close();
  });
});
