/**
 * Identifiers the platform mints: request ids, X-Ray trace ids, log stream names.
 * Cheap to make: they are minted on the invoke hot path.
 */
import { randomBytes, randomFillSync, randomUUID } from 'node:crypto';

/** Random bytes for trace ids, refilled 4 KB at a time (one call into the CSPRNG per ~200 invokes). */
const POOL = Buffer.allocUnsafe(4096);
let poolOffset = POOL.length;

function randomHex(bytes: number): string {
  if (poolOffset + bytes > POOL.length) {
    randomFillSync(POOL);
    poolOffset = 0;
  }
  const hex = POOL.toString('hex', poolOffset, poolOffset + bytes);
  poolOffset += bytes;
  return hex;
}

/** @example newRequestId() // '0f6c1b9e-...' */
export function newRequestId(): string {
  return randomUUID();
}

/**
 * An X-Ray trace header as Lambda hands it to the runtime (`Lambda-Runtime-Trace-Id`), with its
 * sampling decision (`?`: none yet, made when an invocation starts; docs/xray.md).
 *
 * @example newTraceId(Date.now()) // 'Root=1-6746a1b2-0123456789abcdef01234567;Parent=0123456789abcdef;Sampled=0'
 */
export function newTraceId(nowMs: number, sampled: '0' | '1' | '?' = '0'): string {
  const hex = randomHex(20);
  const epoch = Math.floor(nowMs / 1000).toString(16).padStart(8, '0');
  return `Root=1-${epoch}-${hex.slice(0, 24)};Parent=${hex.slice(24, 40)};Sampled=${sampled}`;
}

/** An X-Ray segment id: 16 hex digits. @example newSegmentId() // '53995c3f42cd8ad8' */
export function newSegmentId(): string {
  return randomHex(8);
}

/**
 * A CloudWatch-style log stream name for one environment: `YYYY/MM/DD/[VERSION]<32 hex>`.
 *
 * @example newLogStreamName(new Date(), '$LATEST') // '2026/11/26/[$LATEST]9f...'
 */
export function newLogStreamName(now: Date, version: string): string {
  const day = now.toISOString().slice(0, 10).replaceAll('-', '/');
  return `${day}/[${version}]${randomBytes(16).toString('hex')}`;
}
