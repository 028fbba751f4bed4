/**
 * A `FunctionEntry` as the control state file keeps it (docs/control-plane.md, "Persistence"):
 * JSON text, with the version and alias Maps as arrays and every configuration as plain JSON.
 * Decoding checks the shape it relies on, so a damaged row is a clear error, never a half-read
 * entry; the configurations come back deep-frozen, as the registry hands them out.
 */
import type { FunctionConfig } from '../config/function-config.js';
import { type FunctionEntry, snapshotConfig } from './function-entry.js';
import { type AliasRecord, type AliasRouting, LATEST, type VersionRecord } from './registry-types.js';

/** The format of the JSON below; a row of a newer format is refused rather than misread. */
export const ENTRY_FORMAT = 1;

interface EncodedEntry {
  readonly latest: VersionRecord;
  readonly versions: readonly VersionRecord[];
  readonly aliases: readonly AliasRecord[];
  readonly lastVersion: number;
}

/** @example encodeEntry(registry.entry('f')!) // '{"latest":{...},"versions":[],"aliases":[],"lastVersion":0}' */
export function encodeEntry(entry: FunctionEntry): string {
  const encoded: EncodedEntry = { latest: entry.latest, versions: [...entry.versions.values()], aliases: [...entry.aliases.values()], lastVersion: entry.lastVersion };
  return JSON.stringify(encoded);
}

type Json = Record<string, unknown>;

function object(value: unknown, what: string): Json {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error(`${what} is not an object`);
  return value as Json;
}

function text(value: Json, field: string, what: string): string {
  const found = value[field];
  if (typeof found !== 'string') throw new Error(`${what}.${field} is not a string`);
  return found;
}

function count(value: Json, field: string, what: string): number {
  const found = value[field];
  if (typeof found !== 'number' || !Number.isInteger(found) || found < 0) throw new Error(`${what}.${field} is not a whole number`);
  return found;
}

function array(value: Json, field: string, what: string): unknown[] {
  const found = value[field];
  if (!Array.isArray(found)) throw new Error(`${what}.${field} is not a list`);
  return found;
}

function config(value: unknown, what: string): FunctionConfig {
  const raw = object(value, `${what}.config`);
  for (const field of ['name', 'arn', 'runtime', 'handler', 'codeDir']) text(raw, field, `${what}.config`);
  object(raw.launch, `${what}.config.launch`);
  object(raw.environment, `${what}.config.environment`);
  // JSON drops undefined members; the ones FunctionConfig declares without `?` come back as undefined.
  return snapshotConfig({ reservedConcurrency: undefined, logLevel: undefined, ...raw } as unknown as FunctionConfig);
}

function version(value: unknown, what: string): VersionRecord {
  const raw = object(value, what);
  const code = object(raw.code, `${what}.code`);
  return Object.freeze({
    version: text(raw, 'version', what),
    config: config(raw.config, what),
    code: Object.freeze({ sha256: text(code, 'sha256', `${what}.code`), size: count(code, 'size', `${what}.code`) }),
    description: text(raw, 'description', what),
    revisionId: text(raw, 'revisionId', what),
    lastModified: text(raw, 'lastModified', what),
  });
}

function routing(value: unknown, what: string): AliasRouting | undefined {
  if (value === undefined || value === null) return undefined;
  const raw = object(value, what);
  const weight = raw.weight;
  if (typeof weight !== 'number' || !(weight >= 0 && weight <= 1)) throw new Error(`${what}.weight is not between 0 and 1`);
  return Object.freeze({ version: text(raw, 'version', what), weight });
}

function alias(value: unknown, what: string): AliasRecord {
  const raw = object(value, what);
  return Object.freeze({
    name: text(raw, 'name', what),
    functionVersion: text(raw, 'functionVersion', what),
    description: text(raw, 'description', what),
    routing: routing(raw.routing, `${what}.routing`),
    revisionId: text(raw, 'revisionId', what),
    arn: text(raw, 'arn', what),
  });
}

/**
 * @throws Error naming the first field that is missing or of the wrong type.
 * @example decodeEntry(encodeEntry(entry)) // an entry equal to `entry`
 */
export function decodeEntry(json: string): FunctionEntry {
  const raw = object(JSON.parse(json) as unknown, 'entry');
  const latest = version(raw.latest, 'latest');
  if (latest.version !== LATEST) throw new Error(`latest.version is ${latest.version}, not ${LATEST}`);
  const versions = new Map<string, VersionRecord>();
  for (const [index, item] of array(raw, 'versions', 'entry').entries()) {
    const record = version(item, `versions[${index}]`);
    if (!/^[1-9][0-9]*$/.test(record.version)) throw new Error(`versions[${index}].version is not a version number`);
    versions.set(record.version, record);
  }
  const aliases = new Map<string, AliasRecord>();
  for (const [index, item] of array(raw, 'aliases', 'entry').entries()) {
    const record = alias(item, `aliases[${index}]`);
    aliases.set(record.name, record);
  }
  return { latest, versions, aliases, lastVersion: count(raw, 'lastVersion', 'entry') };
}
