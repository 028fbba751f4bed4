/**
 * A version as Lambda's `FunctionConfiguration` (the answer of CreateFunction, GetFunctionConfiguration,
 * UpdateFunctionCode/Configuration and the items of ListFunctions), in the shape of the SDK's model.
 */
import { pathToFileURL } from 'node:url';
import type { VersionRecord } from '../../registry/registry-types.js';
import { LATEST } from '../../registry/registry-types.js';
import type { FunctionStatus } from './function-states.js';

/** The role Lamina reports for a template function (it has none; Lambda always has one). */
export const TEMPLATE_ROLE_ACCOUNT = 'role/lamina-template-function';

/**
 * Lambda's `LastModified`: ISO 8601 with milliseconds and a `+0000` offset.
 *
 * @example lambdaTime('2026-11-30T10:00:00.000Z') // '2026-11-30T10:00:00.000+0000'
 */
export function lambdaTime(iso: string): string {
  return iso.endsWith('Z') ? `${iso.slice(0, -1)}+0000` : iso;
}

/**
 * @example functionConfiguration(registry.version('f', '$LATEST'), statesOf(registry).of('f'))
 */
export function functionConfiguration(record: VersionRecord, status: FunctionStatus): Record<string, unknown> {
  const config = record.config;
  const management = config.management;
  const image = config.image !== undefined;
  const arn = record.version === LATEST ? config.arn : `${config.arn}:${record.version}`;
  const reason = status.reason === undefined ? {} : status.state === 'Failed' ? { StateReason: status.reason, StateReasonCode: status.reasonCode } : { LastUpdateStatusReason: status.reason, LastUpdateStatusReasonCode: status.reasonCode };
  return {
    FunctionName: config.name,
    FunctionArn: arn,
    ...(image ? {} : { Runtime: config.runtime, Handler: config.handler }),
    Role: management?.role ?? `arn:aws:iam::${config.accountId}:${TEMPLATE_ROLE_ACCOUNT}`,
    CodeSize: record.code.size,
    Description: record.description,
    Timeout: config.timeout,
    MemorySize: config.memorySize,
    LastModified: lambdaTime(record.lastModified),
    CodeSha256: record.code.sha256,
    Version: record.version,
    ...(Object.keys(config.environment).length === 0 ? {} : { Environment: { Variables: { ...config.environment } } }),
    TracingConfig: { Mode: management?.tracingMode ?? 'PassThrough' },
    RevisionId: record.revisionId,
    ...(management !== undefined && management.layers.length > 0 ? { Layers: management.layers.map((layer) => ({ Arn: layer.arn, CodeSize: layer.codeSize })) } : {}),
    State: status.state,
    LastUpdateStatus: status.lastUpdateStatus,
    ...reason,
    PackageType: image ? 'Image' : 'Zip',
    ...(config.image === undefined
      ? {}
      : {
          ImageConfigResponse: {
            ImageConfig: {
              ...(config.image.entryPoint === undefined ? {} : { EntryPoint: [...config.image.entryPoint] }),
              ...(config.image.command === undefined ? {} : { Command: [...config.image.command] }),
              ...(config.image.workingDirectory === undefined ? {} : { WorkingDirectory: config.image.workingDirectory }),
            },
          },
        }),
    Architectures: [management?.architecture ?? config.architecture ?? 'x86_64'],
    EphemeralStorage: { Size: config.ephemeralStorageMb ?? 512 },
    SnapStart: { ApplyOn: 'None', OptimizationStatus: 'Off' },
    ...(image ? {} : { RuntimeVersionConfig: { RuntimeVersionArn: `arn:aws:lambda:${config.region}::runtime:lamina-${config.runtime}` } }),
    LoggingConfig: {
      LogFormat: config.logFormat,
      ...(config.logFormat === 'JSON' ? { ApplicationLogLevel: config.logLevel ?? 'INFO', SystemLogLevel: 'INFO' } : {}),
      LogGroup: `/aws/lambda/${config.name}`,
    },
  };
}

/**
 * GetFunction's `Code`: where the package is. Lamina keeps it unpacked, so `Location` is the
 * directory's `file:` URL (Lambda's is a presigned S3 URL of the zip); an image function's is
 * its `ImageUri`.
 *
 * @example functionCodeLocation(record) // { RepositoryType: 'S3', Location: 'file:///state/code/…' }
 */
export function functionCodeLocation(record: VersionRecord): Record<string, string> {
  const image = record.config.image;
  if (image !== undefined) return { RepositoryType: 'ECR', ImageUri: image.uri, ResolvedImageUri: image.uri };
  return { RepositoryType: 'S3', Location: pathToFileURL(record.config.codeDir).href };
}
