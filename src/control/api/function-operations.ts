/**
 * The function operations of the management API (docs/management-api.md, "Functions"):
 * CreateFunction, GetFunction, GetFunctionConfiguration, UpdateFunctionCode,
 * UpdateFunctionConfiguration and DeleteFunction. Packages are extracted before the registry's
 * turn (src/control/api/code-store.ts), so a refused package changes nothing; the registry
 * (src/registry/latest-changes.ts) decides; states settle afterwards (function-states.ts).
 */
import { ServiceError } from '../../errors.js';
import type { FunctionConfig } from '../../config/function-config.js';
import { FUNCTION_LIMITS } from '../../config/function-config.js';
import type { ManagementCall } from '../../management/management-port.js';
import { functionNameError } from '../../registry/config-rules.js';
import { parseFunctionRef, validationMessage } from '../../registry/function-ref.js';
import { createFunction, deleteFunction, publishVersion, updateLatest } from '../../registry/latest-changes.js';
import { LATEST, type RegistryResult, type VersionRecord } from '../../registry/registry-types.js';
import { codeSha256 } from '../package-limits.js';
import { storePackage, sweepCode, type StoredPackage } from './code-store.js';
import type { ControlContext, HandlerTable } from './control-context.js';
import { buildFunctionConfig, keptLayers, launchFor, resolveLayers, withNode, NO_LAYERS } from './function-build.js';
import { stringMember, valueOf } from './call-input.js';
import { codeSource, functionSettings, type CodeSource } from './function-input.js';
import { listFunctions } from './function-list.js';
import { functionCodeLocation, functionConfiguration } from './function-output.js';
import { statesOf } from './function-states.js';
import { tagsOf, storeTags } from './function-tags.js';

/** The function a path label names (a name or an ARN) and a qualifier from it or `?Qualifier`. */
export function targetOf(call: ManagementCall): { name: string; qualifier: string | undefined } {
  const ref = valueOf(parseFunctionRef(call.labels['FunctionName'] ?? ''));
  const query = call.query['Qualifier'];
  if (query !== undefined) stringMember(query, 'qualifier', { max: 128, pattern: /^(|[a-zA-Z0-9$_-]+)$/, patternText: '(|[a-zA-Z0-9$_-]+)', min: 1 });
  if (ref.qualifier !== undefined && query !== undefined && ref.qualifier !== query) {
    throw new ServiceError('LAMINA_ERR_INVALID_PARAMETER', 'The derived qualifier from the function name does not match the specified qualifier.');
  }
  return { name: ref.name, qualifier: ref.qualifier ?? query };
}

/** The version a qualifier names: `$LATEST`, a number, or an alias's version. */
export function recordFor(context: ControlContext, name: string, qualifier: string | undefined): VersionRecord {
  const registry = context.registry;
  const version = qualifier === undefined || qualifier === LATEST || /^[0-9]+$/.test(qualifier) ? (qualifier ?? LATEST) : registry.alias(name, qualifier)?.functionVersion;
  const record = version === undefined ? undefined : registry.version(name, version);
  if (record === undefined) valueOf(registry.notFound(name, qualifier));
  return record as VersionRecord;
}

/** The configuration answer of a version, with `$LATEST`'s live state. */
function answerOf(context: ControlContext, record: VersionRecord): Record<string, unknown> {
  const states = statesOf(context.registry);
  return functionConfiguration(record, record.version === LATEST ? states.of(record.config.name) : { state: 'Active', lastUpdateStatus: 'Successful' });
}

/** Store a zip (inline or S3); an image needs nothing stored. */
async function storeCode(context: ControlContext, source: CodeSource, operation: 'CreateFunction' | 'UpdateFunctionCode', layerBytes: number): Promise<StoredPackage | undefined> {
  return source.kind === 'image' ? undefined : storePackage(context, source, operation, layerBytes);
}

function imageIdentity(uri: string): { sha256: string; size: number } {
  return { sha256: codeSha256(Buffer.from(uri)), size: 0 };
}

async function create(context: ControlContext, call: ManagementCall): Promise<Record<string, unknown>> {
  const body = call.body;
  if (typeof body.FunctionName !== 'string') throw new ServiceError('LAMINA_ERR_VALIDATION', validationMessage('null', 'functionName', 'Member must not be null'));
  const ref = valueOf(parseFunctionRef(body.FunctionName));
  const badName = functionNameError(ref.name);
  if (badName !== undefined || ref.qualifier !== undefined) throw new ServiceError('LAMINA_ERR_VALIDATION', badName?.message ?? validationMessage(body.FunctionName, 'functionName', 'Member must not have a qualifier'));
  const name = ref.name;
  const settings = functionSettings(body);
  if (settings.role === undefined) throw new ServiceError('LAMINA_ERR_VALIDATION', validationMessage('null', 'role', 'Member must not be null'));
  if (body.Code === undefined || body.Code === null || typeof body.Code !== 'object') throw new ServiceError('LAMINA_ERR_VALIDATION', validationMessage('null', 'code', 'Member must not be null'));
  const source = codeSource(body.Code as Record<string, unknown>);
  const packageType = body.PackageType ?? 'Zip';
  if (packageType !== 'Zip' && packageType !== 'Image') throw new ServiceError('LAMINA_ERR_VALIDATION', validationMessage(String(packageType), 'packageType', 'Member must satisfy enum value set: [Zip, Image]'));
  if ((packageType === 'Image') !== (source.kind === 'image')) throw new ServiceError('LAMINA_ERR_INVALID_PARAMETER', packageType === 'Image' ? 'Please provide ImageUri when creating an image function.' : 'Please provide a zip file or S3 location for a function with packageType Zip.');
  if (source.kind !== 'image' && (settings.runtime === undefined || settings.handler === undefined)) {
    throw new ServiceError('LAMINA_ERR_INVALID_PARAMETER', 'Runtime and Handler are mandatory parameters for functions created with deployment packages.');
  }
  if (context.registry.entry(name) !== undefined) throw new ServiceError('LAMINA_ERR_RESOURCE_CONFLICT', `Function already exist: ${name}`);
  const tags = tagsOf(body.Tags);
  const layers = settings.layers === undefined ? NO_LAYERS : resolveLayers(context, settings.layers);
  const stored = await storeCode(context, source, 'CreateFunction', layers.unzippedBytes);
  let record: VersionRecord;
  try {
    const config = await buildFunctionConfig(context, {
      name,
      runtime: settings.runtime ?? '',
      handler: settings.handler ?? '',
      codeDir: stored?.codeDir ?? context.stateDir,
      imageUri: source.kind === 'image' ? source.uri : undefined,
      layers,
      memorySize: settings.memorySize ?? FUNCTION_LIMITS.defaultMemoryMb,
      timeout: settings.timeout ?? FUNCTION_LIMITS.defaultTimeoutS,
      environment: settings.environment ?? {},
      ephemeralStorageMb: settings.ephemeralStorageMb,
      logFormat: settings.logFormat ?? 'Text',
      logLevel: settings.logLevel,
      management: { role: settings.role, architecture: settings.architecture ?? 'x86_64', layers: layers.described, tracingMode: settings.tracingMode ?? 'PassThrough' },
    });
    record = valueOf(await createFunction(context.registry, config, stored?.identity ?? imageIdentity(source.kind === 'image' ? source.uri : ''), settings.description ?? ''));
  } catch (error) {
    stored?.release();
    if (stored !== undefined) await sweepCode(context);
    throw error;
  }
  stored?.release();
  const states = statesOf(context.registry);
  states.created(name);
  if (tags !== undefined) await storeTags(context, record.config.arn, tags);
  const answered = body.Publish === true ? valueOf(await publishVersion(context.registry, name)) : record;
  const answer = answerOf(context, answered);
  void states.settle(name, () => context.registry.version(name, LATEST));
  return answer;
}

/**
 * The change UpdateFunctionCode or UpdateFunctionConfiguration makes, run with the function
 * claimed (InProgress): a refusal gives the claim back and removes the package it stored.
 */
async function update(context: ControlContext, call: ManagementCall, change: (latest: VersionRecord) => Promise<{ stored?: StoredPackage | undefined; run: () => Promise<RegistryResult<VersionRecord>> }>): Promise<Record<string, unknown>> {
  const { name, qualifier } = targetOf(call);
  if (qualifier !== undefined) throw new ServiceError('LAMINA_ERR_INVALID_PARAMETER', 'Qualifiers are not supported for this operation: an update changes $LATEST.');
  const latest = recordFor(context, name, undefined);
  const states = statesOf(context.registry);
  const previous = states.claim(name, latest.config.arn);
  let stored: StoredPackage | undefined;
  let record: VersionRecord;
  try {
    const planned = await change(latest);
    stored = planned.stored;
    record = valueOf(await planned.run());
  } catch (error) {
    states.restore(name, previous);
    stored?.release();
    if (stored !== undefined) await sweepCode(context);
    throw error;
  }
  stored?.release();
  await sweepCode(context);
  const answer = answerOf(context, call.body.Publish === true ? valueOf(await publishVersion(context.registry, name)) : record);
  void states.settle(name, () => context.registry.version(name, LATEST));
  return answer;
}

function revisionOf(body: Readonly<Record<string, unknown>>): string | undefined {
  return stringMember(body.RevisionId, 'revisionId', { max: 1024 });
}

async function updateCode(context: ControlContext, call: ManagementCall): Promise<Record<string, unknown>> {
  const body = call.body;
  const source = codeSource(body);
  const revisionId = revisionOf(body);
  const settings = functionSettings({ Architectures: body.Architectures });
  if (body.DryRun === true) {
    const { name } = targetOf(call);
    const latest = recordFor(context, name, undefined);
    const sha256 = source.kind === 'zip' ? codeSha256(source.zip) : source.kind === 'image' ? imageIdentity(source.uri).sha256 : latest.code.sha256;
    return { ...answerOf(context, latest), CodeSha256: sha256, ...(source.kind === 'zip' ? { CodeSize: source.zip.length } : {}) };
  }
  return update(context, call, async (latest) => {
    const config = latest.config;
    if ((config.image !== undefined) !== (source.kind === 'image')) {
      throw new ServiceError('LAMINA_ERR_INVALID_PARAMETER', config.image !== undefined ? 'Please provide ImageUri when updating a function with packageType Image.' : 'Please don\'t provide ImageUri when updating a function with packageType Zip.');
    }
    const management = config.management === undefined || settings.architecture === undefined ? config.management : { ...config.management, architecture: settings.architecture };
    if (source.kind === 'image') {
      return { run: () => updateLatest(context.registry, config.name, { code: { identity: imageIdentity(source.uri), codeDir: config.codeDir }, config: { image: { ...config.image, uri: source.uri }, management }, ...(revisionId === undefined ? {} : { revisionId }) }) };
    }
    // The layers as they were resolved: a layer version deleted since stays the function's (as on Lambda).
    let layerBytes = 0;
    for (const layer of keptLayers(config).values()) layerBytes += layer.codeSize;
    const stored = await storePackage(context, source, 'UpdateFunctionCode', layerBytes);
    try {
      const launch = await launchFor(context, config.runtime, config.handler, stored.codeDir, config.layers ?? []);
      const settled = await withNode(context, { ...config, launch });
      return { stored, run: () => updateLatest(context.registry, config.name, { code: { identity: stored.identity, codeDir: stored.codeDir }, config: { launch: settled.launch, ...(management === undefined ? {} : { management }) }, ...(revisionId === undefined ? {} : { revisionId }) }) };
    } catch (error) {
      stored.release();
      await sweepCode(context);
      throw error;
    }
  });
}

async function updateConfiguration(context: ControlContext, call: ManagementCall): Promise<Record<string, unknown>> {
  const body = call.body;
  const settings = functionSettings(body);
  const revisionId = revisionOf(body);
  return update(context, call, async (latest) => {
    const config = latest.config;
    const image = config.image !== undefined;
    if (image && (settings.runtime !== undefined || settings.handler !== undefined || settings.layers !== undefined)) {
      throw new ServiceError('LAMINA_ERR_INVALID_PARAMETER', 'Please don\'t provide Handler, Runtime or Layers when updating a function with packageType Image.');
    }
    const layers = settings.layers === undefined ? undefined : resolveLayers(context, settings.layers, keptLayers(config));
    const runtime = settings.runtime ?? config.runtime;
    const handler = settings.handler ?? config.handler;
    const relaunch = !image && (settings.runtime !== undefined || settings.handler !== undefined || layers !== undefined);
    const launch = relaunch ? (await withNode(context, { ...config, launch: await launchFor(context, runtime, handler, config.codeDir, layers?.dirs ?? config.layers ?? []) })).launch : undefined;
    const base = config.management ?? { role: settings.role ?? '', architecture: 'x86_64' as const, layers: [], tracingMode: 'PassThrough' as const };
    const management = {
      ...base,
      ...(settings.role === undefined ? {} : { role: settings.role }),
      ...(layers === undefined ? {} : { layers: layers.described }),
      ...(settings.tracingMode === undefined ? {} : { tracingMode: settings.tracingMode }),
    };
    const patch: Partial<FunctionConfig> = {
      ...(settings.runtime === undefined ? {} : { runtime }),
      ...(settings.handler === undefined ? {} : { handler }),
      ...(launch === undefined ? {} : { launch }),
      ...(layers === undefined ? {} : { layers: layers.dirs }),
      ...(settings.memorySize === undefined ? {} : { memorySize: settings.memorySize }),
      ...(settings.timeout === undefined ? {} : { timeout: settings.timeout }),
      ...(settings.environment === undefined ? {} : { environment: settings.environment }),
      ...(settings.ephemeralStorageMb === undefined ? {} : { ephemeralStorageMb: settings.ephemeralStorageMb }),
      ...(settings.logFormat === undefined ? {} : { logFormat: settings.logFormat, logLevel: settings.logLevel }),
      management,
    };
    return { run: () => updateLatest(context.registry, config.name, { config: patch, ...(settings.description === undefined ? {} : { description: settings.description }), ...(revisionId === undefined ? {} : { revisionId }) }) };
  });
}

export const FUNCTION_HANDLERS: HandlerTable = {
  CreateFunction: async (context, call) => ({ status: call.successStatus, body: await create(context, call) }),
  GetFunctionConfiguration: async (context, call) => {
    const { name, qualifier } = targetOf(call);
    return Promise.resolve({ status: call.successStatus, body: answerOf(context, recordFor(context, name, qualifier)) });
  },
  GetFunction: async (context, call) => {
    const { name, qualifier } = targetOf(call);
    const record = recordFor(context, name, qualifier);
    const tags = context.settings.get('tags', record.config.arn);
    const reserved = context.registry.reservations.reservedFor(name);
    return Promise.resolve({
      status: call.successStatus,
      body: {
        Configuration: answerOf(context, record),
        Code: functionCodeLocation(record),
        ...(tags === undefined ? {} : { Tags: tags }),
        ...(reserved === undefined ? {} : { Concurrency: { ReservedConcurrentExecutions: reserved } }),
      },
    });
  },
  ListFunctions: async (context, call) => Promise.resolve({ status: call.successStatus, body: listFunctions(context, call.query, (record) => answerOf(context, record)) }),
  UpdateFunctionCode: async (context, call) => ({ status: call.successStatus, body: await updateCode(context, call) }),
  UpdateFunctionConfiguration: async (context, call) => ({ status: call.successStatus, body: await updateConfiguration(context, call) }),
  DeleteFunction: async (context, call) => {
    const { name, qualifier } = targetOf(call);
    const arn = context.registry.arnOf(name);
    valueOf(await deleteFunction(context.registry, name, qualifier));
    if (qualifier === undefined) {
      statesOf(context.registry).forget(name);
      await context.settings.delete('tags', arn);
    }
    await sweepCode(context);
    return { status: call.successStatus };
  },
};
