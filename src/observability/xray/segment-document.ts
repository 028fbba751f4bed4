/**
 * The datagrams the X-Ray SDKs send to their daemon (docs/xray.md): a header line
 * `{"format":"json","version":1}`, a newline, and one segment document: a segment (with its
 * subsegments embedded, or some of them), an in-progress segment, or one subsegment sent on its
 * own (`"type":"subsegment"` with its `trace_id` and `parent_id`). Everything a function sends is
 * untrusted: sizes, depths and counts are bounded, and anything else is refused with a reason.
 */
import { SEGMENT_ID } from './trace-header.js';

/** X-Ray's limit on a segment document; a datagram is that plus its header line. */
export const MAX_DOCUMENT_BYTES = 64 * 1024;
const HEADER = '{"format":"json","version":1}';
export const MAX_DATAGRAM_BYTES = MAX_DOCUMENT_BYTES + HEADER.length + 1;
/** Embedded subsegments: how deep, and how many in one document. */
const MAX_DEPTH = 32;
const MAX_NESTED = 1000;
/** X-Ray's limit on names. */
const MAX_NAME = 200;
const TRACE_ID = /^1-[0-9a-f]{8}-[0-9a-f]{24}$/;

/** One segment or subsegment, reduced to what traces are shown with. */
export interface SegmentDocument {
  readonly traceId: string;
  readonly id: string;
  readonly name: string;
  readonly parentId?: string | undefined;
  /** `type: "subsegment"`, or embedded in another document. */
  readonly subsegment: boolean;
  /** Epoch seconds, as X-Ray writes them. */
  readonly startTime: number;
  readonly endTime?: number | undefined;
  readonly inProgress: boolean;
  readonly origin?: string | undefined;
  readonly error: boolean;
  readonly fault: boolean;
  readonly subsegments: readonly SegmentDocument[];
}

export type RefusalReason = 'oversize' | 'header' | 'json' | 'shape';
export type ParsedDatagram = { readonly ok: true; readonly document: SegmentDocument } | { readonly ok: false; readonly reason: RefusalReason };

/**
 * @example
 * parseDatagram(Buffer.from('{"format":"json","version":1}\n{"trace_id":"1-5759e988-bd862e3fe1be46a994272793","id":"70de5b6f19ff9a0a","name":"x","start_time":1.5,"end_time":2}'));
 * // { ok: true, document: { traceId: '1-5759e988-...', id: '70de5b6f19ff9a0a', name: 'x', ... } }
 */
export function parseDatagram(datagram: Buffer): ParsedDatagram {
  if (datagram.length > MAX_DATAGRAM_BYTES) return { ok: false, reason: 'oversize' };
  const newline = datagram.indexOf(10);
  if (newline < 0 || newline > 256) return { ok: false, reason: 'header' };
  let header: unknown;
  let body: unknown;
  try {
    header = JSON.parse(datagram.toString('utf8', 0, newline));
  } catch {
    return { ok: false, reason: 'header' };
  }
  if (!isRecord(header) || header.format !== 'json' || header.version !== 1) return { ok: false, reason: 'header' };
  try {
    body = JSON.parse(datagram.toString('utf8', newline + 1));
  } catch {
    return { ok: false, reason: 'json' };
  }
  const document = readDocument(body, undefined, 0, { left: MAX_NESTED });
  return document === undefined ? { ok: false, reason: 'shape' } : { ok: true, document };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function time(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined;
}

/**
 * A document, or one embedded in `outer` (it inherits the trace id, and its parent is `outer`).
 * Undefined when a required field is missing or malformed, at any depth: a document is taken whole
 * or not at all.
 */
function readDocument(raw: unknown, outer: SegmentDocument | undefined, depth: number, budget: { left: number }): SegmentDocument | undefined {
  if (!isRecord(raw) || depth > MAX_DEPTH) return undefined;
  const traceId = outer?.traceId ?? raw.trace_id;
  const { id, name, parent_id: parentId } = raw;
  const startTime = time(raw.start_time);
  const endTime = time(raw.end_time);
  const inProgress = raw.in_progress === true;
  if (typeof traceId !== 'string' || !TRACE_ID.test(traceId)) return undefined;
  if (typeof id !== 'string' || !SEGMENT_ID.test(id) || typeof name !== 'string' || name === '') return undefined;
  if (startTime === undefined || (endTime === undefined && !inProgress) || (endTime !== undefined && endTime < startTime)) return undefined;
  const subsegment = outer !== undefined || raw.type === 'subsegment';
  if (parentId !== undefined && (typeof parentId !== 'string' || !SEGMENT_ID.test(parentId))) return undefined;
  // A subsegment sent alone must say where it belongs.
  if (outer === undefined && subsegment && parentId === undefined) return undefined;
  const document: { -readonly [K in keyof SegmentDocument]: SegmentDocument[K] } = {
    traceId,
    id,
    name: name.slice(0, MAX_NAME),
    parentId: outer?.id ?? (parentId as string | undefined),
    subsegment,
    startTime,
    endTime,
    inProgress: inProgress && endTime === undefined,
    origin: typeof raw.origin === 'string' ? raw.origin.slice(0, MAX_NAME) : undefined,
    error: raw.error === true || raw.throttle === true,
    fault: raw.fault === true,
    subsegments: [],
  };
  if (raw.subsegments !== undefined) {
    if (!Array.isArray(raw.subsegments)) return undefined;
    const children: SegmentDocument[] = [];
    for (const child of raw.subsegments) {
      budget.left -= 1;
      if (budget.left < 0) return undefined;
      const read = readDocument(child, document, depth + 1, budget);
      if (read === undefined) return undefined;
      children.push(read);
    }
    document.subsegments = children;
  }
  return document;
}

/** How many documents `document` holds, itself included. */
export function documentCount(document: SegmentDocument): number {
  let count = 1;
  for (const child of document.subsegments) count += documentCount(child);
  return count;
}
