/**
 * A version as Lambda's `FunctionConfiguration` output (GetFunctionConfiguration, PublishVersion,
 * ListVersionsByFunction, ListFunctions): the registry's record in the API's names. A minimal
 * renderer of the members Lamina knows; docs/management-api.md.
 */
import type { VersionRecord } from '../../registry/registry-types.js';
import { LATEST } from '../../registry/registry-types.js';

/** Lambda writes times as `2024-05-01T10:00:00.000+0000`. @example lambdaTime('2024-05-01T10:00:00.000Z') */
export function lambdaTime(iso: string): string {
  return iso.endsWith('Z') ? `${iso.slice(0, -1)}+0000` : iso;
}

/**
 * @param qualified the ARN with the version (`:$LATEST`, `:1`), as ListVersionsByFunction and PublishVersion answer
 * @example renderFunctionConfiguration(registry.version('f', '1'), true)
 */
export function renderFunctionConfiguration(record: VersionRecord, qualified: boolean): Record<string, unknown> {
  const config = record.config;
  const isImage = config.image !== undefined;
  return {
    FunctionName: config.name,
    FunctionArn: qualified || record.version !== LATEST ? `${config.arn}:${record.version}` : config.arn,
    ...(isImage ? {} : { Runtime: config.runtime, Handler: config.handler }),
    Role: `arn:aws:iam::${config.accountId}:role/lamina-function`,
    CodeSize: record.code.size,
    CodeSha256: record.code.sha256,
    Description: record.description,
    Timeout: config.timeout,
    MemorySize: config.memorySize,
    LastModified: lambdaTime(record.lastModified),
    Version: record.version,
    Environment: { Variables: { ...config.environment } },
    TracingConfig: { Mode: 'PassThrough' },
    RevisionId: record.revisionId,
    ...(config.layers === undefined || config.layers.length === 0 ? {} : { Layers: config.layers.map((dir) => ({ Arn: dir, CodeSize: 0 })) }),
    State: 'Active',
    LastUpdateStatus: 'Successful',
    PackageType: isImage ? 'Image' : 'Zip',
    Architectures: ['x86_64'],
    EphemeralStorage: { Size: config.ephemeralStorageMb ?? 512 },
    SnapStart: { ApplyOn: 'None', OptimizationStatus: 'Off' },
    LoggingConfig: { LogFormat: config.logFormat, LogGroup: `/aws/lambda/${config.name}`, ...(config.logLevel === undefined ? {} : { ApplicationLogLevel: config.logLevel }) },
  };
}
