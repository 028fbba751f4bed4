/**
 * Where an uploaded package's bytes come from (PublishLayerVersion's `Content`, and the same
 * shape in CreateFunction's `Code`): `ZipFile`, base64 in the JSON body, or `S3Bucket`/`S3Key`
 * of the embedded S3 server that `lamina serve` runs for the template's buckets
 * (docs/deployment-packages.md). Also the one translation of a package refusal (a ControlError)
 * into the ServiceError the management API throws.
 */
import { ServiceError } from '../../errors.js';
import type { ControlError } from '../control-errors.js';
import { CODE_SIZE_UNZIPPED } from '../package-limits.js';
import { isPlainObject } from '../../config/cfn-intrinsics.js';

/** Objects of the embedded S3 (src/services/s3/), read whole. */
export interface ObjectSource {
  /** The object's bytes, or which of the two is missing. Larger than `maxBytes`: 'TooLarge'. */
  read(bucket: string, key: string, maxBytes: number): Promise<Buffer | 'NoSuchBucket' | 'NoSuchKey' | 'TooLarge'>;
}

/**
 * A package refusal as the management API throws it (Lambda's exception and message; the detail
 * stays in Lamina's log).
 *
 * @example
 * if (!result.ok) throw packageRefusal(result.error);
 */
export function packageRefusal(error: ControlError): ServiceError {
  if (error.code === 'LAMINA_ERR_LAMBDA_CODE_STORAGE_EXCEEDED') return new ServiceError('LAMINA_ERR_CODE_STORAGE_EXCEEDED', error.message);
  if (error.code === 'LAMINA_ERR_LAMBDA_REQUEST_TOO_LARGE') return new ServiceError('LAMINA_ERR_REQUEST_TOO_LARGE', error.message);
  return new ServiceError('LAMINA_ERR_INVALID_PARAMETER', error.message);
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const s3Message = (code: 'NoSuchBucket' | 'NoSuchKey'): string =>
  `Error occurred while GetObject. S3 Error Code: ${code}. S3 Error Message: ${code === 'NoSuchBucket' ? 'The specified bucket does not exist' : 'The specified key does not exist.'}`;

/**
 * The zip bytes of a `Content` / `Code` member.
 *
 * @param member - the member's name in the request, for messages (`Content`, `Code`).
 * @throws ServiceError for a missing or malformed source, a missing S3 object, bad base64.
 * @example
 * const zip = await packageBytes(context.objects, call.body.Content, 'Content');
 */
export async function packageBytes(objects: ObjectSource | undefined, raw: unknown, member: string): Promise<Buffer> {
  if (raw === undefined || raw === null) throw new ServiceError('LAMINA_ERR_VALIDATION', `1 validation error detected: Value null at '${member.charAt(0).toLowerCase()}${member.slice(1)}' failed to satisfy constraint: Member must not be null`);
  if (!isPlainObject(raw)) throw new ServiceError('LAMINA_ERR_INVALID_REQUEST_CONTENT', `Could not parse request body into json: ${member} must be an object`);
  const { ZipFile: zipFile, S3Bucket: bucket, S3Key: key } = raw;
  if (zipFile !== undefined && (bucket !== undefined || key !== undefined)) {
    throw new ServiceError('LAMINA_ERR_INVALID_PARAMETER', `Please provide either a ZipFile or an S3Bucket and S3Key in ${member}, not both.`);
  }
  if (zipFile !== undefined) {
    if (typeof zipFile !== 'string' || !BASE64.test(zipFile)) throw new ServiceError('LAMINA_ERR_INVALID_REQUEST_CONTENT', `Could not parse request body into json: ${member}.ZipFile is not base64`);
    return Buffer.from(zipFile, 'base64');
  }
  if (typeof bucket !== 'string' || typeof key !== 'string' || bucket === '' || key === '') {
    throw new ServiceError('LAMINA_ERR_INVALID_PARAMETER', `Please provide a source for the package: ${member}.ZipFile, or ${member}.S3Bucket with ${member}.S3Key.`);
  }
  const read = objects === undefined ? 'NoSuchBucket' : await objects.read(bucket, key, CODE_SIZE_UNZIPPED);
  if (read === 'TooLarge') throw new ServiceError('LAMINA_ERR_INVALID_PARAMETER', `Unzipped size must be smaller than ${CODE_SIZE_UNZIPPED} bytes`);
  if (typeof read === 'string') throw new ServiceError('LAMINA_ERR_INVALID_PARAMETER', s3Message(read));
  return read;
}
