/**
 * The layers area of the management API (docs/layers.md): PublishLayerVersion, GetLayerVersion,
 * GetLayerVersionByArn, ListLayers, ListLayerVersions, DeleteLayerVersion, in Lambda's shapes and
 * with its validation. The versions themselves are kept by ../layer-store.ts.
 */
import { pathToFileURL } from 'node:url';
import { isPlainObject } from '../../config/cfn-intrinsics.js';
import { ServiceError } from '../../errors.js';
import { RETIRED_RUNTIMES, RUNNABLE_RUNTIMES } from '../../config/runtime-catalog.js';
import { LAYER_VERSION_ARN_PATTERN, layerArn, layerNameOf, parseLayerVersionArn, validationError, versionNumberOf } from '../layer-names.js';
import type { LayerStore, LayerVersionRecord } from '../layer-store.js';
import type { ControlContext, HandlerTable } from './control-context.js';
import { accountCodeBytes, s3Package, wireError } from './code-store.js';
import { layerStoreOf } from './layer-store-of.js';
import { TOTAL_CODE_SIZE, checkCodeStorage } from '../package-limits.js';
import { stringMember } from './call-input.js';
import { codeSource } from './function-input.js';

/** Runtimes of Lambda's other languages: accepted as a layer's compatibility, though Lamina runs none. */
const OTHER_RUNTIMES = /^(java(8|8\.al2|11|17|21|25)|dotnet(core1\.0|core2\.0|core2\.1|core3\.1|6|8|10)|ruby(2\.5|2\.7|3\.2|3\.3|3\.4)|go1\.x)$/;
const KNOWN_RUNTIMES: ReadonlySet<string> = new Set([...RUNNABLE_RUNTIMES, ...Object.keys(RETIRED_RUNTIMES)]);
const ARCHITECTURES: ReadonlySet<string> = new Set(['x86_64', 'arm64']);
const NOT_FOUND = 'The resource you requested does not exist.';

const isRuntime = (value: unknown): boolean => typeof value === 'string' && (KNOWN_RUNTIMES.has(value) || OTHER_RUNTIMES.test(value));

/**
 * The zip of PublishLayerVersion's `Content`: `ZipFile` (base64) or `S3Bucket`/`S3Key` of the
 * embedded S3, read as CreateFunction reads its `Code`.
 */
async function layerZip(context: ControlContext, content: unknown): Promise<Buffer> {
  if (content === undefined || content === null) throw new ServiceError('LAMINA_ERR_VALIDATION', "1 validation error detected: Value null at 'content' failed to satisfy constraint: Member must not be null");
  if (!isPlainObject(content) || content.ImageUri !== undefined || (content.ZipFile === undefined && content.S3Bucket === undefined && content.S3Key === undefined)) throw new ServiceError('LAMINA_ERR_INVALID_PARAMETER', 'Please provide a source for the layer: Content.ZipFile, or Content.S3Bucket with Content.S3Key.');
  const source = codeSource(content);
  if (source.kind === 'zip') return source.zip;
  if (source.kind === 's3') return s3Package(context, source.bucket, source.key);
  throw new ServiceError('LAMINA_ERR_INVALID_PARAMETER', 'A layer cannot be a container image.');
}

function listMember(body: Readonly<Record<string, unknown>>, key: string, max: number, valid: (value: unknown) => boolean, allowed: string): string[] {
  const value = body[key];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new ServiceError('LAMINA_ERR_INVALID_REQUEST_CONTENT', `Could not parse request body into json: ${key} must be a list`);
  const member = key.charAt(0).toLowerCase() + key.slice(1);
  if (value.length > max) throw validationError(value, member, `Member must have length less than or equal to ${max}`);
  if (!value.every(valid)) throw validationError(value, member, `Member must satisfy constraint: [Member must satisfy enum value set: ${allowed}]`);
  return [...new Set(value as string[])];
}

function filterOf(query: Readonly<Record<string, string>>): (record: LayerVersionRecord) => boolean {
  const runtime = query.CompatibleRuntime;
  const architecture = query.CompatibleArchitecture;
  if (runtime !== undefined && !isRuntime(runtime)) throw validationError(runtime, 'compatibleRuntime', 'Member must satisfy enum value set: [a Lambda runtime identifier]');
  if (architecture !== undefined && !ARCHITECTURES.has(architecture)) throw validationError(architecture, 'compatibleArchitecture', 'Member must satisfy enum value set: [x86_64, arm64]');
  return (record) => (runtime === undefined || record.compatibleRuntimes.includes(runtime)) && (architecture === undefined || record.compatibleArchitectures.includes(architecture));
}

function maxItemsOf(query: Readonly<Record<string, string>>): number {
  const raw = query.MaxItems;
  if (raw === undefined) return 50;
  const value = /^[0-9]{1,9}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(value >= 1 && value <= 50)) throw validationError(raw, 'maxItems', 'Member must have value less than or equal to 50, Member must have value greater than or equal to 1');
  return value;
}

/** One page from `marker` (the key of its first item), and the key of the next page's first. */
function page<T>(items: readonly T[], keyOf: (item: T) => string, marker: string | undefined, max: number): { items: T[]; next: string | undefined } {
  let start = 0;
  if (marker !== undefined) {
    start = items.findIndex((item) => keyOf(item) === marker);
    if (start < 0) throw new ServiceError('LAMINA_ERR_INVALID_PARAMETER', `Invalid marker: ${marker}`);
  }
  const chosen = items.slice(start, start + max);
  const after = items[start + max];
  return { items: chosen, next: after === undefined ? undefined : keyOf(after) };
}

/** LayerVersionsListItem: what a listing says of a version. */
function listItem(store: LayerStore, record: LayerVersionRecord): Record<string, unknown> {
  return {
    LayerVersionArn: store.versionArn(record),
    Version: record.version,
    Description: record.description,
    CreatedDate: record.createdDate,
    ...(record.compatibleRuntimes.length > 0 ? { CompatibleRuntimes: record.compatibleRuntimes } : {}),
    ...(record.compatibleArchitectures.length > 0 ? { CompatibleArchitectures: record.compatibleArchitectures } : {}),
    ...(record.licenseInfo === undefined ? {} : { LicenseInfo: record.licenseInfo }),
  };
}

/** GetLayerVersion's and PublishLayerVersion's answer. */
function versionBody(store: LayerStore, record: LayerVersionRecord): Record<string, unknown> {
  const { LayerVersionArn, ...rest } = listItem(store, record);
  return {
    // Lambda links a download of the archive; Lamina keeps the archive beside the unpacked layer.
    Content: { Location: pathToFileURL(`${record.dir}.zip`).href, CodeSha256: record.codeSha256, CodeSize: record.codeSize },
    LayerArn: layerArn(store.scope, record.name),
    LayerVersionArn,
    ...rest,
  };
}

function foundVersion(store: LayerStore, name: string | undefined, version: number): LayerVersionRecord {
  const record = name === undefined ? undefined : store.get(name, version);
  if (record === undefined) throw new ServiceError('LAMINA_ERR_FUNCTION_NOT_FOUND', NOT_FOUND);
  return record;
}

export const LAYER_HANDLERS: HandlerTable = {
  PublishLayerVersion: async (context, call) => {
    const store = layerStoreOf(context);
    const name = layerNameOf(store.scope, call.labels.LayerName);
    if (name === undefined) throw new ServiceError('LAMINA_ERR_FUNCTION_NOT_FOUND', NOT_FOUND);
    const description = stringMember(call.body.Description, 'description', { max: 256 }) ?? '';
    const licenseInfo = stringMember(call.body.LicenseInfo, 'licenseInfo', { max: 512 });
    const compatibleRuntimes = listMember(call.body, 'CompatibleRuntimes', 15, isRuntime, '[a Lambda runtime identifier]');
    const compatibleArchitectures = listMember(call.body, 'CompatibleArchitectures', 2, (v) => typeof v === 'string' && ARCHITECTURES.has(v), '[x86_64, arm64]');
    const zip = await layerZip(context, call.body.Content);
    const full = checkCodeStorage(accountCodeBytes(context), zip.length, context.codeStorageLimit ?? TOTAL_CODE_SIZE);
    if (full !== undefined) throw wireError(full);
    const published = await store.publish(name, zip, { description, licenseInfo, compatibleRuntimes, compatibleArchitectures });
    if (!published.ok) throw wireError(published.error);
    return { status: call.successStatus, body: versionBody(store, published.record) };
  },

  GetLayerVersion: async (context, call) => {
    const store = layerStoreOf(context);
    const record = foundVersion(store, layerNameOf(store.scope, call.labels.LayerName), versionNumberOf(call.labels.VersionNumber));
    return { status: call.successStatus, body: versionBody(store, record) };
  },

  GetLayerVersionByArn: async (context, call) => {
    const store = layerStoreOf(context);
    const arn = call.query.Arn;
    const ref = arn === undefined ? undefined : parseLayerVersionArn(arn);
    if (arn === undefined || ref === undefined) throw validationError(arn ?? null, 'arn', `Member must satisfy regular expression pattern: ${LAYER_VERSION_ARN_PATTERN}`);
    const mine = ref.region === store.scope.region && ref.accountId === store.scope.accountId;
    return { status: call.successStatus, body: versionBody(store, foundVersion(store, mine ? ref.name : undefined, ref.version)) };
  },

  ListLayers: async (context, call) => {
    const store = layerStoreOf(context);
    const matches = filterOf(call.query);
    const layers = store.names().flatMap((name) => {
      const latest = store.versions(name).find(matches);
      return latest === undefined ? [] : [{ name, latest }];
    });
    const { items, next } = page(layers, (layer) => layer.name, call.query.Marker, maxItemsOf(call.query));
    const listed = items.map(({ name, latest }) => ({ LayerName: name, LayerArn: layerArn(store.scope, name), LatestMatchingVersion: listItem(store, latest) }));
    return { status: call.successStatus, body: { Layers: listed, ...(next === undefined ? {} : { NextMarker: next }) } };
  },

  ListLayerVersions: async (context, call) => {
    const store = layerStoreOf(context);
    const name = layerNameOf(store.scope, call.labels.LayerName);
    const matches = filterOf(call.query);
    const versions = name === undefined ? [] : store.versions(name).filter(matches);
    const { items, next } = page(versions, (record) => String(record.version), call.query.Marker, maxItemsOf(call.query));
    return { status: call.successStatus, body: { LayerVersions: items.map((record) => listItem(store, record)), ...(next === undefined ? {} : { NextMarker: next }) } };
  },

  DeleteLayerVersion: async (context, call) => {
    const store = layerStoreOf(context);
    const name = layerNameOf(store.scope, call.labels.LayerName);
    const version = versionNumberOf(call.labels.VersionNumber);
    // Lambda answers 204 for a version that is already gone.
    if (name !== undefined) await store.delete(name, version);
    return { status: call.successStatus };
  },
};
