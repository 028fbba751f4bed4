/**
 * When deployments start (docs/deployments.md): a function whose `$LATEST` configuration has a
 * `DeploymentPreference` gets a new version published when `$LATEST` changes, and every new
 * version of such a function is deployed to its `AutoPublishAlias`, one deployment at a time per
 * function (a version that arrives during a deployment waits for it; only the newest is deployed).
 */
import { shiftedByDeployment } from '../config/deployment-preference.js';
import type { FunctionRegistry } from '../registry/function-registry.js';
import { publishVersion } from '../registry/latest-changes.js';
import type { RegistryChange } from '../registry/registry-types.js';
import { type DeploymentRecord, type DeploymentSpec, type EngineParts, newRecord, runDeployment } from './deployment-engine.js';
import { newDeploymentId } from './lifecycle-hooks.js';

/**
 * @example
 * const deployments = new Deployments(parts);
 * deployments.attach(); // reacts to registry changes from now on
 * await deployments.idle(); // tests: every deployment started so far has ended
 */
export class Deployments {
  readonly records: DeploymentRecord[] = [];
  readonly #turns = new Map<string, Promise<void>>();
  readonly #stop = new AbortController();
  #detach: (() => void) | undefined;

  constructor(private readonly parts: EngineParts) {}

  get registry(): FunctionRegistry {
    return this.parts.registry;
  }

  /**
   * Listen to the registry: `$LATEST` changes publish, new versions deploy. First, catch up with
   * what happened before: a `$LATEST` newer than the newest version, or an alias behind the
   * newest version (a saved state older than the template, say), is deployed now.
   */
  attach(): void {
    if (this.#detach !== undefined) return;
    this.#detach = this.registry.onChange((change) => this.#changed(change));
    for (const name of this.registry.names) {
      const config = this.registry.entry(name)?.latest.config;
      if (config === undefined || !shiftedByDeployment(config)) continue;
      void this.#inTurn(name, () => this.#publish(name));
      void this.#inTurn(name, () => this.#deployNewest(name));
    }
  }

  /**
   * Deploy `spec.toVersion` to the alias now (after the function's running deployment, if any).
   *
   * @example const record = await deployments.startDeployment({ functionName: 'fn', alias: 'live', fromVersion: '1', toVersion: '2', type: 'Canary10Percent5Minutes' });
   */
  startDeployment(spec: DeploymentSpec): Promise<DeploymentRecord> {
    return this.#inTurn(spec.functionName, () => this.#run(spec));
  }

  /** Settles once every deployment started or queued so far has ended. */
  async idle(): Promise<void> {
    while ([...this.#turns.values()].length > 0) await Promise.all([...this.#turns.values()]);
  }

  /** Stop listening, roll back the deployments under way (status Stopped) and wait for them. */
  async stop(): Promise<void> {
    this.#detach?.();
    this.#stop.abort();
    await this.idle();
  }

  #changed(change: RegistryChange): void {
    const config = this.registry.entry(change.functionName)?.latest.config;
    if (config === undefined || !shiftedByDeployment(config) || this.#stop.signal.aborted) return;
    if (change.kind === 'latest-updated') {
      // SAM's AutoPublishAlias publishes a version whenever the code or configuration changed;
      // publishVersion answers the newest version unchanged (and announces nothing) otherwise.
      void this.#inTurn(change.functionName, () => this.#publish(change.functionName));
    } else if (change.kind === 'version-published') {
      void this.#inTurn(change.functionName, () => this.#deployNewest(change.functionName));
    }
  }

  async #publish(functionName: string): Promise<void> {
    const published = await publishVersion(this.registry, functionName);
    if (!published.ok) this.parts.log(`Deployment of ${functionName}: no version published: ${published.error.message}`);
  }

  /** The function's deployments, one after another. */
  #inTurn<T>(functionName: string, work: () => Promise<T>): Promise<T> {
    const previous = this.#turns.get(functionName) ?? Promise.resolve();
    const result = previous.then(work);
    const turn = result.then(() => undefined, () => undefined);
    this.#turns.set(functionName, turn);
    void turn.then(() => {
      if (this.#turns.get(functionName) === turn) this.#turns.delete(functionName);
    });
    return result;
  }

  /** In the function's turn: deploy its newest version if its alias is not on it yet. */
  async #deployNewest(functionName: string): Promise<DeploymentRecord | undefined> {
    const entry = this.registry.entry(functionName);
    const config = entry?.latest.config;
    const preference = config?.deployment;
    const aliasName = config?.publishedAlias;
    if (entry === undefined || config === undefined || !shiftedByDeployment(config) || preference === undefined || aliasName === undefined || this.#stop.signal.aborted) return undefined;
    const alias = entry.aliases.get(aliasName);
    const newest = String(entry.lastVersion);
    if (alias === undefined || !entry.versions.has(newest) || alias.functionVersion === newest || this.#gaveUp(functionName, aliasName, newest)) return undefined;
    return this.#run({ functionName, alias: aliasName, fromVersion: alias.functionVersion, toVersion: newest, type: preference.type, preTraffic: preference.preTraffic, postTraffic: preference.postTraffic });
  }

  async #run(spec: DeploymentSpec): Promise<DeploymentRecord> {
    const record = newRecord(newDeploymentId(), spec);
    this.records.push(record);
    await runDeployment(this.parts, record, this.#stop.signal);
    const outcome = { id: record.id, fromVersion: spec.fromVersion, toVersion: spec.toVersion, type: spec.type, status: record.status, reason: record.reason ?? null };
    // After the alias change (itself saved by the registry): a failed write loses only the outcome.
    await this.parts.settings?.put('deployment', `${spec.functionName}:${spec.alias}`, outcome).catch((error: unknown) => this.parts.log(`Deployment ${record.id}: its outcome could not be saved: ${(error as Error).message}`));
    return record;
  }

  /**
   * A version whose last deployment to the alias failed or was stopped is not deployed again by
   * itself (CodeDeploy does not retry either): the next change of the function deploys a newer one.
   */
  #gaveUp(functionName: string, alias: string, version: string): boolean {
    const ran = this.records.findLast((record) => record.spec.functionName === functionName && record.spec.alias === alias);
    const saved = this.parts.settings?.get('deployment', `${functionName}:${alias}`);
    const last = ran !== undefined ? { toVersion: ran.spec.toVersion, status: ran.status } : typeof saved === 'object' && saved !== null && !Array.isArray(saved) ? (saved as Readonly<Record<string, unknown>>) : undefined;
    return last !== undefined && last.toVersion === version && (last.status === 'Failed' || last.status === 'Stopped');
  }
}
