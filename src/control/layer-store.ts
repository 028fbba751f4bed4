/**
 * Published layer versions (docs/layers.md): each one unpacked once under
 * `<stateDir>/layers/<name>/<version>` (the archive itself beside it, `<version>.zip`) by the
 * deployment-package code (so zip-slip, symlinks and
 * the 250 MB limit are refused as for function code), and recorded in the settings store (kind
 * `layer-version`) so that whatever keeps the settings keeps the layers.
 *
 * Version numbers are never given twice: each layer name keeps its last number in the store
 * (key `<name>`), beside its versions (keys `<name>:<10-digit version>`, so key order is version
 * order). Deleting a version removes its record, never its directory: functions that were created
 * with it keep their copy, as on Lambda.
 */
import { join } from 'node:path';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import type { LayerResolver } from './api/control-context.js';
import type { ControlError } from './control-errors.js';
import { layerArn, parseLayerVersionArn, type LayerScope } from './layer-names.js';
import type { SettingsStore, StoredValue } from './settings-store.js';
import { extractPackage, type PackageLimits } from './zip-package.js';

/** Lambda's limit on the layers of one function. */
export const MAX_FUNCTION_LAYERS = 5;

/** What PublishLayerVersion was told about a version. */
export interface LayerVersionInput {
  readonly description: string;
  readonly compatibleRuntimes: readonly string[];
  readonly compatibleArchitectures: readonly string[];
  readonly licenseInfo?: string | undefined;
}

/** One published version, as recorded. */
export interface LayerVersionRecord extends LayerVersionInput {
  readonly name: string;
  readonly version: number;
  /** Lambda's format: `2018-11-27T15:10:45.123+0000`. */
  readonly createdDate: string;
  readonly codeSha256: string;
  readonly codeSize: number;
  readonly unzippedBytes: number;
  readonly dir: string;
}

/**
 * A date as Lambda writes `CreatedDate` and `LastModified`.
 *
 * @example
 * lambdaDate(new Date(0)); // '1970-01-01T00:00:00.000+0000'
 */
export function lambdaDate(date: Date): string {
  return date.toISOString().replace('Z', '+0000');
}

const versionKey = (name: string, version: number): string => `${name}:${String(version).padStart(10, '0')}`;

function asRecord(value: StoredValue | undefined): LayerVersionRecord | undefined {
  if (value === undefined || value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  return value as unknown as LayerVersionRecord;
}

/**
 * @example
 * const layers = new LayerStore({ region, accountId, stateDir, settings, now: () => new Date() });
 * const published = await layers.publish('deps', zip, { description: '', compatibleRuntimes: [], compatibleArchitectures: [], licenseInfo: undefined });
 */
export class LayerStore implements LayerResolver {
  readonly #scope: LayerScope;
  readonly #root: string;
  readonly #settings: SettingsStore;
  readonly #now: () => Date;
  readonly #limits: PackageLimits;
  /** Publishes run one at a time: a version number is taken only once its package is in place. */
  #publishing: Promise<unknown> = Promise.resolve();

  constructor(options: { readonly region: string; readonly accountId: string; readonly stateDir: string; readonly settings: SettingsStore; readonly now?: () => Date; readonly limits?: PackageLimits }) {
    this.#scope = { region: options.region, accountId: options.accountId };
    this.#root = join(options.stateDir, 'layers');
    this.#settings = options.settings;
    this.#now = options.now ?? (() => new Date());
    this.#limits = options.limits ?? {};
  }

  get scope(): LayerScope {
    return this.#scope;
  }

  /**
   * Unpack a zip as the next version of `name`; a refused package takes no number and leaves
   * nothing behind.
   */
  publish(name: string, zip: Buffer, input: LayerVersionInput): Promise<{ ok: true; record: LayerVersionRecord } | { ok: false; error: ControlError }> {
    const run = async (): Promise<{ ok: true; record: LayerVersionRecord } | { ok: false; error: ControlError }> => {
      const last = this.#settings.get('layer-version', name);
      const version = (typeof last === 'number' ? last : 0) + 1;
      const dir = join(this.#root, name, String(version));
      // A directory left by a run that stopped between extraction and record holds no published version.
      await rm(dir, { recursive: true, force: true });
      await rm(`${dir}.zip`, { force: true });
      await mkdir(join(this.#root, name), { recursive: true });
      const extracted = await extractPackage(zip, dir, this.#limits);
      if (!extracted.ok) return extracted;
      // Kept for GetLayerVersion's `Content.Location`: Lambda serves the archive as uploaded.
      await writeFile(`${dir}.zip`, zip);
      const record: LayerVersionRecord = {
        name,
        version,
        createdDate: lambdaDate(this.#now()),
        codeSha256: extracted.package.codeSha256,
        codeSize: extracted.package.codeSize,
        unzippedBytes: extracted.package.unzippedBytes,
        dir,
        description: input.description,
        compatibleRuntimes: [...input.compatibleRuntimes],
        compatibleArchitectures: [...input.compatibleArchitectures],
        ...(input.licenseInfo === undefined ? {} : { licenseInfo: input.licenseInfo }),
      };
      await this.#settings.put('layer-version', name, version);
      await this.#settings.put('layer-version', versionKey(name, version), record as unknown as StoredValue);
      return { ok: true, record };
    };
    const next = this.#publishing.then(run, run);
    this.#publishing = next.catch(() => undefined);
    return next;
  }

  get(name: string, version: number): LayerVersionRecord | undefined {
    return asRecord(this.#settings.get('layer-version', versionKey(name, version)));
  }

  /** A layer's versions, newest first (Lambda's order). */
  versions(name: string): LayerVersionRecord[] {
    const prefix = `${name}:`;
    return this.#settings
      .list('layer-version')
      .filter(([key]) => key.startsWith(prefix) && !key.slice(prefix.length).includes(':'))
      .map(([, value]) => asRecord(value))
      .filter((record): record is LayerVersionRecord => record !== undefined)
      .reverse();
  }

  /** The archives of every version not deleted, in bytes: what layers take of the account's code storage. */
  storedBytes(): number {
    let total = 0;
    for (const [key, value] of this.#settings.list('layer-version')) if (key.includes(':')) total += asRecord(value)?.codeSize ?? 0;
    return total;
  }

  /** The names of the layers that have at least one version, in name order. */
  names(): string[] {
    const names = new Set<string>();
    for (const [key] of this.#settings.list('layer-version')) {
      const at = key.lastIndexOf(':');
      if (at > 0) names.add(key.slice(0, at));
    }
    return [...names].sort();
  }

  /** Forget a version; its number stays taken and its directory stays for the functions using it. */
  async delete(name: string, version: number): Promise<void> {
    await this.#settings.delete('layer-version', versionKey(name, version));
  }

  versionArn(record: { readonly name: string; readonly version: number }): string {
    return `${layerArn(this.#scope, record.name)}:${record.version}`;
  }

  /**
   * The directory of a version by its ARN, or undefined (unknown, deleted, malformed, or of
   * another account or region): the template loader's lookup for `Layers` naming published versions.
   *
   * @example store.dirOf('arn:aws:lambda:us-east-1:123456789012:layer:deps:1') // '<state>/layers/deps/1'
   */
  dirOf(arn: string): string | undefined {
    const found = this.resolve([arn]);
    return found.ok ? found.dirs[0] : undefined;
  }

  /**
   * A function's `Layers` to directories, in order, with their unzipped bytes; Lambda's refusals
   * for more than 5 layers, a malformed ARN and a version that does not exist (or was deleted).
   */
  resolve(arns: readonly string[]): ReturnType<LayerResolver['resolve']> {
    if (arns.length > MAX_FUNCTION_LAYERS) return { ok: false, code: 'LAMINA_ERR_INVALID_PARAMETER', message: `Cannot reference more than ${MAX_FUNCTION_LAYERS} layers.` };
    const dirs: string[] = [];
    let unzippedBytes = 0;
    for (const arn of arns) {
      const ref = parseLayerVersionArn(arn);
      if (ref === undefined) return { ok: false, code: 'LAMINA_ERR_INVALID_PARAMETER', message: `Layer version ${arn} is not a valid layer version ARN.` };
      const record = ref.region === this.#scope.region && ref.accountId === this.#scope.accountId ? this.get(ref.name, ref.version) : undefined;
      if (record === undefined) return { ok: false, code: 'LAMINA_ERR_INVALID_PARAMETER', message: `Layer version ${arn} does not exist.` };
      dirs.push(record.dir);
      unzippedBytes += record.unzippedBytes;
    }
    return { ok: true, dirs, unzippedBytes };
  }
}
