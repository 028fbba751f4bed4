/**
 * Lambda's limits on deployment packages, and the pure checks that apply them before and after
 * a zip is read (docs/deployment-packages.md gives the figures with their source).
 *
 * Every check answers a ControlError or `undefined`: the management API renders the error as
 * Lambda would, and nothing has been written when a check refuses.
 */
import { createHash } from 'node:crypto';
import { controlError, type ControlError } from './control-errors.js';

/** GetAccountSettings' `CodeSizeZipped`: a zip sent in the request itself (`ZipFile`), 50 MiB. */
export const CODE_SIZE_ZIPPED = 52_428_800;

/**
 * The request body Lambda accepts for CreateFunction, UpdateFunctionCode and PublishLayerVersion:
 * the zip travels base64-encoded in JSON, so the bound is on the body, 4/3 of `CODE_SIZE_ZIPPED`
 * rounded up. The JSON around the base64 counts too, so the largest zip that fits is a little
 * under 50 MiB.
 */
export const DIRECT_UPLOAD_REQUEST_BYTES = Math.ceil((CODE_SIZE_ZIPPED * 4) / 3);

/** GetAccountSettings' `CodeSizeUnzipped`: a function's package and all its layers, extracted. */
export const CODE_SIZE_UNZIPPED = 262_144_000;

/** GetAccountSettings' `TotalCodeSize`: every stored package and layer archive of the account, 75 GiB. */
export const TOTAL_CODE_SIZE = 80_530_636_800;

/**
 * Lamina's own bound on a zip's entries. Lambda documents none; a bound keeps a zip of millions
 * of empty entries (46 bytes each in the central directory) from costing millions of inodes.
 */
export const MAX_ZIP_ENTRIES = 250_000;

/** Lambda's message for any archive it cannot read. */
export const COULD_NOT_UNZIP = 'Could not unzip uploaded file. Please check your file, then try to upload again.';

/** The operations that take a zip in their request. */
export type PackageOperation = 'CreateFunction' | 'UpdateFunctionCode' | 'PublishLayerVersion';

/**
 * The request-size check of a direct upload, on the body's byte count before it is parsed.
 *
 * @example
 * checkRequestSize(70_000_000, 'CreateFunction')?.code; // 'LAMINA_ERR_LAMBDA_REQUEST_TOO_LARGE'
 * checkRequestSize(1_000, 'CreateFunction'); // undefined
 */
export function checkRequestSize(bodyBytes: number, operation: PackageOperation, limit: number = DIRECT_UPLOAD_REQUEST_BYTES): ControlError | undefined {
  if (bodyBytes <= limit) return undefined;
  return controlError('LAMINA_ERR_LAMBDA_REQUEST_TOO_LARGE', `Request must be smaller than ${limit} bytes for the ${operation} operation`, `request body of ${bodyBytes} bytes`);
}

/**
 * The zipped-size check for a zip that reached Lamina already decoded (a template's inline or
 * local package): the same refusal a direct upload of it would get.
 *
 * @example
 * checkZippedSize(52_428_801, 'CreateFunction')?.code; // 'LAMINA_ERR_LAMBDA_REQUEST_TOO_LARGE'
 */
export function checkZippedSize(zipBytes: number, operation: PackageOperation, limit: number = CODE_SIZE_ZIPPED): ControlError | undefined {
  if (zipBytes <= limit) return undefined;
  const requestLimit = Math.ceil((limit * 4) / 3);
  return controlError('LAMINA_ERR_LAMBDA_REQUEST_TOO_LARGE', `Request must be smaller than ${requestLimit} bytes for the ${operation} operation`, `zip of ${zipBytes} bytes over ${limit}`);
}

/**
 * The unzipped-size check: the package's bytes plus its layers' must stay under the limit.
 * Called with the header sizes before extraction (an early refusal) and with the counted bytes
 * during it (the one that decides; header sizes can lie).
 *
 * @example
 * checkUnzippedSize(300_000_000, 0)?.message; // 'Unzipped size must be smaller than 262144000 bytes'
 * checkUnzippedSize(200_000_000, 70_000_000)?.message; // 'Function code combined with layers exceeds the maximum allowed size of 262144000 bytes. The actual size is 270000000 bytes.'
 */
export function checkUnzippedSize(packageBytes: number, layerBytes: number, limit: number = CODE_SIZE_UNZIPPED): ControlError | undefined {
  if (packageBytes + layerBytes <= limit) return undefined;
  const detail = `package ${packageBytes} bytes + layers ${layerBytes} bytes`;
  // Lambda words the refusal differently once layers take part in the sum.
  if (layerBytes > 0) return controlError('LAMINA_ERR_LAMBDA_UNZIPPED_TOO_LARGE', `Function code combined with layers exceeds the maximum allowed size of ${limit} bytes. The actual size is ${packageBytes + layerBytes} bytes.`, detail);
  return controlError('LAMINA_ERR_LAMBDA_UNZIPPED_TOO_LARGE', `Unzipped size must be smaller than ${limit} bytes`, detail);
}

/**
 * The account's code storage: what is stored already plus the new zip must fit.
 *
 * @example
 * checkCodeStorage(TOTAL_CODE_SIZE, 1)?.code; // 'LAMINA_ERR_LAMBDA_CODE_STORAGE_EXCEEDED'
 */
export function checkCodeStorage(storedBytes: number, newZipBytes: number, limit: number = TOTAL_CODE_SIZE): ControlError | undefined {
  if (storedBytes + newZipBytes <= limit) return undefined;
  return controlError('LAMINA_ERR_LAMBDA_CODE_STORAGE_EXCEEDED', 'Code storage limit exceeded.', `stored ${storedBytes} + new ${newZipBytes} bytes over ${limit}`);
}

/**
 * Lambda's `CodeSha256`: the base64 of the SHA-256 of the zip as uploaded (not of its contents).
 *
 * @example
 * codeSha256(Buffer.from('')); // '47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='
 */
export function codeSha256(zip: Buffer): string {
  return createHash('sha256').update(zip).digest('base64');
}
