/**
 * Where the control plane keeps what is not a function entry (docs/management-api.md): tags,
 * resource policies, event invoke configs, provisioned concurrency configs, function URL configs,
 * layer versions, deployments' outcomes. Values are JSON-able records grouped by kind and key. The in-memory store
 * serves tests and runs without a state directory; the SQLite store (docs/control-plane.md,
 * "Persistence") keeps them across restarts.
 */

/** The kinds of settings; each API area owns its own (`deployment`: the last deployment of an alias, src/deploy/). */
export type SettingsKind = 'tags' | 'policy' | 'event-invoke-config' | 'provisioned-concurrency' | 'function-url' | 'layer-version' | 'deployment';

/** A JSON value as the store keeps it. */
export type StoredValue = null | boolean | number | string | readonly StoredValue[] | { readonly [key: string]: StoredValue };

export interface SettingsStore {
  get(kind: SettingsKind, key: string): StoredValue | undefined;
  /** Every (key, value) of a kind, in key order. */
  list(kind: SettingsKind): ReadonlyArray<readonly [string, StoredValue]>;
  /** Written before it resolves: once `put` resolves, a restart finds the value. */
  put(kind: SettingsKind, key: string, value: StoredValue): Promise<void>;
  delete(kind: SettingsKind, key: string): Promise<void>;
}

/**
 * @example
 * const store = new MemorySettingsStore();
 * await store.put('tags', 'arn:aws:lambda:us-east-1:123456789012:function:f', { team: 'a' });
 */
export class MemorySettingsStore implements SettingsStore {
  readonly #kinds = new Map<SettingsKind, Map<string, StoredValue>>();

  #of(kind: SettingsKind): Map<string, StoredValue> {
    let found = this.#kinds.get(kind);
    if (found === undefined) {
      found = new Map();
      this.#kinds.set(kind, found);
    }
    return found;
  }

  get(kind: SettingsKind, key: string): StoredValue | undefined {
    return this.#of(kind).get(key);
  }

  list(kind: SettingsKind): ReadonlyArray<readonly [string, StoredValue]> {
    return [...this.#of(kind).entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  put(kind: SettingsKind, key: string, value: StoredValue): Promise<void> {
    this.#of(kind).set(key, structuredClone(value));
    return Promise.resolve();
  }

  delete(kind: SettingsKind, key: string): Promise<void> {
    this.#of(kind).delete(key);
    return Promise.resolve();
  }
}
