import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  CODE_SIZE_UNZIPPED,
  CODE_SIZE_ZIPPED,
  DIRECT_UPLOAD_REQUEST_BYTES,
  TOTAL_CODE_SIZE,
  checkCodeStorage,
  checkRequestSize,
  checkUnzippedSize,
  checkZippedSize,
  codeSha256,
} from '../../src/control/package-limits.js';

describe('Lambda package limits', () => {
  it('uses the figures GetAccountSettings reports, and the request bound Lambda names in its error', () => {
    expect(CODE_SIZE_ZIPPED).toBe(50 * 1024 * 1024);
    expect(CODE_SIZE_UNZIPPED).toBe(250 * 1024 * 1024);
    expect(TOTAL_CODE_SIZE).toBe(75 * 1024 ** 3);
    // Lambda's message: "Request must be smaller than 69905067 bytes for the CreateFunction operation".
    expect(DIRECT_UPLOAD_REQUEST_BYTES).toBe(69_905_067);
    // The base64 of a 50 MiB zip alone is over that bound: a direct upload must be a little smaller.
    expect(Math.ceil(CODE_SIZE_ZIPPED / 3) * 4).toBeGreaterThan(DIRECT_UPLOAD_REQUEST_BYTES);
  });

  it('refuses a request body over the direct-upload bound, naming the operation', () => {
    expect(checkRequestSize(DIRECT_UPLOAD_REQUEST_BYTES, 'CreateFunction')).toBeUndefined();
    const error = checkRequestSize(DIRECT_UPLOAD_REQUEST_BYTES + 1, 'UpdateFunctionCode');
    expect(error?.code).toBe('LAMINA_ERR_LAMBDA_REQUEST_TOO_LARGE');
    expect(error?.message).toBe('Request must be smaller than 69905067 bytes for the UpdateFunctionCode operation');
  });

  it('refuses a decoded zip over 50 MiB with the same error a direct upload gets', () => {
    expect(checkZippedSize(CODE_SIZE_ZIPPED, 'PublishLayerVersion')).toBeUndefined();
    expect(checkZippedSize(CODE_SIZE_ZIPPED + 1, 'PublishLayerVersion')?.message).toBe('Request must be smaller than 69905067 bytes for the PublishLayerVersion operation');
  });

  it('counts the layers in the unzipped limit', () => {
    expect(checkUnzippedSize(CODE_SIZE_UNZIPPED - 10, 10)).toBeUndefined();
    const error = checkUnzippedSize(CODE_SIZE_UNZIPPED - 10, 11);
    expect(error?.code).toBe('LAMINA_ERR_LAMBDA_UNZIPPED_TOO_LARGE');
    expect(error?.message).toBe('Function code combined with layers exceeds the maximum allowed size of 262144000 bytes. The actual size is 262144001 bytes.');
    expect(checkUnzippedSize(CODE_SIZE_UNZIPPED + 1, 0)?.message).toBe('Unzipped size must be smaller than 262144000 bytes');
    expect(checkUnzippedSize(600, 0, 500)?.message).toBe('Unzipped size must be smaller than 500 bytes');
  });

  it('refuses code that would overflow the account\'s storage', () => {
    expect(checkCodeStorage(TOTAL_CODE_SIZE - 5, 5)).toBeUndefined();
    expect(checkCodeStorage(TOTAL_CODE_SIZE - 5, 6)?.code).toBe('LAMINA_ERR_LAMBDA_CODE_STORAGE_EXCEEDED');
  });

  it('computes CodeSha256 as base64 of the SHA-256 of the zip bytes', () => {
    const zip = Buffer.from('PK\u0005\u0006' + '\0'.repeat(18), 'latin1');
    expect(codeSha256(zip)).toBe(createHash('sha256').update(zip).digest('base64'));
    expect(codeSha256(Buffer.alloc(0))).toBe('47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=');
  });
});
