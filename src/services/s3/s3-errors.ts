/**
 * The embedded S3 server's error catalogue (docs/s3-server.md): every error it puts on the wire,
 * as S3 shapes them: an HTTP status and an XML `<Error>` with S3's `Code` (the AWS SDK and CLI
 * raise the exception of that name), a message, the bucket or key concerned and the request id.
 * Keys follow the project's `LAMINA_ERR_*` convention (test/services/s3/s3-errors.test.ts checks
 * they do not collide with src/errors.ts).
 */
import { xmlDocument, xmlElement } from './s3-xml.js';

export interface S3ErrorSpec {
  readonly code: string;
  /** S3's error code, the `<Code>` of the body. */
  readonly s3Code: string;
  readonly status: number;
}

const spec = (code: string, s3Code: string, status: number): S3ErrorSpec => ({ code, s3Code, status });

export const S3_ERRORS = {
  LAMINA_ERR_S3_NO_SUCH_BUCKET: spec('LAMINA_ERR_S3_NO_SUCH_BUCKET', 'NoSuchBucket', 404),
  LAMINA_ERR_S3_NO_SUCH_KEY: spec('LAMINA_ERR_S3_NO_SUCH_KEY', 'NoSuchKey', 404),
  LAMINA_ERR_S3_NO_SUCH_UPLOAD: spec('LAMINA_ERR_S3_NO_SUCH_UPLOAD', 'NoSuchUpload', 404),
  LAMINA_ERR_S3_BUCKET_EXISTS: spec('LAMINA_ERR_S3_BUCKET_EXISTS', 'BucketAlreadyOwnedByYou', 409),
  LAMINA_ERR_S3_BUCKET_NOT_EMPTY: spec('LAMINA_ERR_S3_BUCKET_NOT_EMPTY', 'BucketNotEmpty', 409),
  LAMINA_ERR_S3_INVALID_BUCKET_NAME: spec('LAMINA_ERR_S3_INVALID_BUCKET_NAME', 'InvalidBucketName', 400),
  LAMINA_ERR_S3_KEY_TOO_LONG: spec('LAMINA_ERR_S3_KEY_TOO_LONG', 'KeyTooLongError', 400),
  LAMINA_ERR_S3_INVALID_ARGUMENT: spec('LAMINA_ERR_S3_INVALID_ARGUMENT', 'InvalidArgument', 400),
  LAMINA_ERR_S3_INVALID_REQUEST: spec('LAMINA_ERR_S3_INVALID_REQUEST', 'InvalidRequest', 400),
  LAMINA_ERR_S3_MALFORMED_XML: spec('LAMINA_ERR_S3_MALFORMED_XML', 'MalformedXML', 400),
  LAMINA_ERR_S3_BAD_DIGEST: spec('LAMINA_ERR_S3_BAD_DIGEST', 'BadDigest', 400),
  LAMINA_ERR_S3_INCOMPLETE_BODY: spec('LAMINA_ERR_S3_INCOMPLETE_BODY', 'IncompleteBody', 400),
  LAMINA_ERR_S3_ENTITY_TOO_LARGE: spec('LAMINA_ERR_S3_ENTITY_TOO_LARGE', 'EntityTooLarge', 400),
  LAMINA_ERR_S3_ENTITY_TOO_SMALL: spec('LAMINA_ERR_S3_ENTITY_TOO_SMALL', 'EntityTooSmall', 400),
  LAMINA_ERR_S3_METADATA_TOO_LARGE: spec('LAMINA_ERR_S3_METADATA_TOO_LARGE', 'MetadataTooLarge', 400),
  LAMINA_ERR_S3_INVALID_PART: spec('LAMINA_ERR_S3_INVALID_PART', 'InvalidPart', 400),
  LAMINA_ERR_S3_INVALID_PART_ORDER: spec('LAMINA_ERR_S3_INVALID_PART_ORDER', 'InvalidPartOrder', 400),
  LAMINA_ERR_S3_INVALID_RANGE: spec('LAMINA_ERR_S3_INVALID_RANGE', 'InvalidRange', 416),
  LAMINA_ERR_S3_MISSING_CONTENT_LENGTH: spec('LAMINA_ERR_S3_MISSING_CONTENT_LENGTH', 'MissingContentLength', 411),
  LAMINA_ERR_S3_METHOD_NOT_ALLOWED: spec('LAMINA_ERR_S3_METHOD_NOT_ALLOWED', 'MethodNotAllowed', 405),
  LAMINA_ERR_S3_NOT_IMPLEMENTED: spec('LAMINA_ERR_S3_NOT_IMPLEMENTED', 'NotImplemented', 501),
  LAMINA_ERR_S3_INTERNAL: spec('LAMINA_ERR_S3_INTERNAL', 'InternalError', 500),
} as const satisfies Record<string, S3ErrorSpec>;

export type S3ErrorCode = keyof typeof S3_ERRORS;

/**
 * An S3 error, raised by validation or the operations and rendered by the HTTP layer.
 *
 * @example
 * throw new S3Error('LAMINA_ERR_S3_NO_SUCH_KEY', 'The specified key does not exist.', { Key: key });
 */
export class S3Error extends Error {
  readonly spec: S3ErrorSpec;
  /** Extra elements of the XML body, e.g. `BucketName`, `Key`. */
  readonly details: Readonly<Record<string, string>>;

  constructor(code: S3ErrorCode, message: string, details: Readonly<Record<string, string>> = {}) {
    super(message);
    this.spec = S3_ERRORS[code];
    this.name = this.spec.s3Code;
    this.details = details;
  }
}

/**
 * The HTTP answer for an error: status and S3's XML body.
 *
 * @example
 * const { status, body } = renderS3Error(err, requestId);
 */
export function renderS3Error(err: S3Error, requestId: string): { status: number; body: string } {
  const details = Object.entries(err.details).map(([name, value]) => xmlElement(name, value));
  return {
    status: err.spec.status,
    body: xmlDocument('Error', [xmlElement('Code', err.spec.s3Code), xmlElement('Message', err.message), ...details, xmlElement('RequestId', requestId)], false),
  };
}
