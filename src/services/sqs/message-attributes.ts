/**
 * Message attributes: their validation and the MD5 digests SQS returns for bodies and attributes
 * (docs/sqs-server.md). The SDK checks MD5OfBody / MD5OfMessageBody against its own hash, and
 * other clients check MD5OfMessageAttributes, so the encoding here follows SQS's byte for byte:
 * for each attribute, sorted by name, the name, the data type, one transport byte (1 for String and
 * Number, 2 for Binary) and the value, each of the three strings preceded by its length as a 4-byte
 * big-endian integer.
 */
import { createHash } from 'node:crypto';
import { SqsError } from './sqs-errors.js';

/** One attribute as stored and returned; `BinaryValue` is base64 on the wire and here. */
export interface MessageAttributeValue {
  readonly DataType: string;
  readonly StringValue?: string | undefined;
  readonly BinaryValue?: string | undefined;
}

export type MessageAttributes = Readonly<Record<string, MessageAttributeValue>>;

const MAX_ATTRIBUTES = 10;
const NAME = /^[A-Za-z0-9_.-]{1,256}$/;
const DATA_TYPE = /^(String|Number|Binary)(\.[^\s].{0,250})?$/;

/**
 * The MD5 of a message body, hex, as SQS computes it (over the UTF-8 bytes).
 *
 * @example
 * md5OfBody('hello'); // '5d41402abc4b2a76b9719d911017c592'
 */
export function md5OfBody(body: string): string {
  return createHash('md5').update(body, 'utf8').digest('hex');
}

function lengthPrefixed(bytes: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length, 0);
  return Buffer.concat([length, bytes]);
}

/**
 * The MD5 of message (or message system) attributes, hex; undefined when there are none.
 *
 * @example
 * md5OfAttributes({ a: { DataType: 'String', StringValue: 'x' } });
 */
export function md5OfAttributes(attributes: MessageAttributes | undefined): string | undefined {
  const names = Object.keys(attributes ?? {});
  if (attributes === undefined || names.length === 0) return undefined;
  // Sorted by the names' bytes, as SQS does (a plain sort compares UTF-16 units, equal for the allowed names).
  names.sort((a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
  const hash = createHash('md5');
  for (const name of names) {
    const value = attributes[name];
    if (value === undefined) continue;
    hash.update(lengthPrefixed(Buffer.from(name, 'utf8')));
    hash.update(lengthPrefixed(Buffer.from(value.DataType, 'utf8')));
    if (value.BinaryValue !== undefined && value.DataType.startsWith('Binary')) {
      hash.update(Buffer.from([2]));
      hash.update(lengthPrefixed(Buffer.from(value.BinaryValue, 'base64')));
    } else {
      hash.update(Buffer.from([1]));
      hash.update(lengthPrefixed(Buffer.from(value.StringValue ?? '', 'utf8')));
    }
  }
  return hash.digest('hex');
}

/** Characters SQS accepts in bodies and string values (XML 1.0's Char production). */
export function hasOnlyValidCharacters(text: string): boolean {
  for (const char of text) {
    const c = char.codePointAt(0) ?? 0;
    const ok = c === 0x9 || c === 0xa || c === 0xd || (c >= 0x20 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff);
    if (!ok) return false;
  }
  return true;
}

/** The size SQS counts towards the message limit: body plus every attribute's name, type and value. */
export function attributesSize(attributes: MessageAttributes | undefined): number {
  let size = 0;
  for (const [name, value] of Object.entries(attributes ?? {})) {
    size += Buffer.byteLength(name) + Buffer.byteLength(value.DataType);
    size += value.BinaryValue !== undefined ? Buffer.from(value.BinaryValue, 'base64').length : Buffer.byteLength(value.StringValue ?? '');
  }
  return size;
}

/**
 * Checks message attributes as SQS does and returns them in their stored form.
 *
 * @example
 * const attrs = validateMessageAttributes(input.MessageAttributes, 'MessageAttributes');
 */
export function validateMessageAttributes(raw: unknown, what: 'MessageAttributes' | 'MessageSystemAttributes'): MessageAttributes | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new SqsError('LAMINA_ERR_SQS_INVALID_PARAMETER_VALUE', `${what} must be a map.`);
  const entries = Object.entries(raw as Record<string, unknown>);
  if (entries.length > MAX_ATTRIBUTES) throw new SqsError('LAMINA_ERR_SQS_INVALID_PARAMETER_VALUE', `Number of message attributes [${entries.length}] exceeds the allowed maximum [${MAX_ATTRIBUTES}].`);
  const out: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of entries) {
    if (what === 'MessageSystemAttributes' && name !== 'AWSTraceHeader') {
      throw new SqsError('LAMINA_ERR_SQS_INVALID_PARAMETER_VALUE', `Message system attribute name '${name}' is invalid.`);
    }
    if (!NAME.test(name) || name.startsWith('.') || name.endsWith('.') || name.includes('..') || /^(aws\.|amazon\.)/i.test(name)) {
      throw new SqsError('LAMINA_ERR_SQS_INVALID_PARAMETER_VALUE', `Message (user) attribute name '${name}' is invalid.`);
    }
    if (typeof value !== 'object' || value === null) throw new SqsError('LAMINA_ERR_SQS_INVALID_PARAMETER_VALUE', `The message attribute '${name}' must be a structure.`);
    const v = value as Record<string, unknown>;
    const dataType = v['DataType'];
    if (typeof dataType !== 'string' || dataType === '') throw new SqsError('LAMINA_ERR_SQS_INVALID_PARAMETER_VALUE', `The message attribute '${name}' must contain a non-empty message attribute type.`);
    if (!DATA_TYPE.test(dataType)) throw new SqsError('LAMINA_ERR_SQS_INVALID_PARAMETER_VALUE', `The type of message (user) attribute '${name}' is invalid. You must use only the following supported type prefixes: Binary, Number, String.`);
    const binary = dataType.startsWith('Binary');
    const stringValue = v['StringValue'];
    const binaryValue = v['BinaryValue'];
    if (binary) {
      if (typeof binaryValue !== 'string' || binaryValue === '') throw new SqsError('LAMINA_ERR_SQS_INVALID_PARAMETER_VALUE', `The message attribute '${name}' with type 'Binary' must use field 'Binary'.`);
      out[name] = { DataType: dataType, BinaryValue: Buffer.from(binaryValue, 'base64').toString('base64') };
      continue;
    }
    if (typeof stringValue !== 'string' || stringValue === '') throw new SqsError('LAMINA_ERR_SQS_INVALID_PARAMETER_VALUE', `The message attribute '${name}' must contain a non-empty message attribute value for message attribute type '${dataType.split('.')[0]}'.`);
    if (!hasOnlyValidCharacters(stringValue)) throw new SqsError('LAMINA_ERR_SQS_INVALID_PARAMETER_VALUE', `The message attribute '${name}' contains invalid characters.`);
    if (dataType.startsWith('Number') && !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(stringValue)) {
      throw new SqsError('LAMINA_ERR_SQS_INVALID_PARAMETER_VALUE', `Can't cast the value of message (user) attribute '${name}' to a number.`);
    }
    out[name] = { DataType: dataType, StringValue: stringValue };
  }
  return out;
}

/**
 * The attributes a receiver asked for: `All`, `.*`, exact names or `prefix.*`.
 *
 * @example
 * selectAttributes(message.attributes, ['All']);
 */
export function selectAttributes(attributes: MessageAttributes | undefined, wanted: readonly string[]): MessageAttributes | undefined {
  if (attributes === undefined || wanted.length === 0) return undefined;
  const all = wanted.includes('All') || wanted.includes('.*');
  const out: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of Object.entries(attributes)) {
    // `bar.*` returns the attributes whose names start with `bar` (SQS's documented wording).
    const match = all || wanted.some((w) => (w.endsWith('.*') ? name.startsWith(w.slice(0, -2)) : w === name));
    if (match) out[name] = value;
  }
  return Object.keys(out).length === 0 ? undefined : out;
}
