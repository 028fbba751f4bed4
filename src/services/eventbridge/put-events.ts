/**
 * PutEvents' checks (docs/eventbridge-server.md, "PutEvents"): the request as a whole (1-10
 * entries, 256 KB counted as EventBridge counts it) fails with a ValidationException; each entry is
 * checked on its own and, when it breaks a rule, answered in its place of `Entries` with an
 * `ErrorCode` and `ErrorMessage` while the others go through (`FailedEntryCount` counts them).
 */
import { eventBridgeEvent, type EventBridgeEvent } from '../../event-sources/eventbridge/eventbridge-event.js';
import { EventBridgeError } from './eventbridge-errors.js';

export const MAX_ENTRIES = 10;
/**
 * How deeply a Detail may nest. EventBridge documents no bound; Lamina sets one so that a hostile
 * `{"a":[[[[...]]]]}` (256 KB allows 100,000 levels) cannot overflow the stack of the code that
 * writes events back out as JSON.
 */
export const MAX_DETAIL_DEPTH = 1000;
/** 256 KB: the sum of the entries' sizes (entrySize). */
export const MAX_ENTRIES_BYTES = 256 * 1024;

type Json = Record<string, unknown>;

export interface EntryContext {
  readonly region: string;
  readonly accountId: string;
  /** The name of the bus an entry's EventBusName (name or ARN) designates, or undefined when there is none. */
  readonly busOf: (nameOrArn: string) => string | undefined;
  readonly now: Date;
}

export type CheckedEntry =
  | { readonly ok: true; readonly busName: string; readonly event: EventBridgeEvent }
  | { readonly ok: false; readonly ErrorCode: string; readonly ErrorMessage: string };

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const bytes = (v: unknown): number => (typeof v === 'string' ? Buffer.byteLength(v) : 0);

/**
 * An entry's size as EventBridge counts it: 14 bytes for a Time, plus the UTF-8 bytes of Source,
 * DetailType, Detail and every Resources entry (the keys and the JSON around them are free).
 *
 * @example entrySize({ Source: 'a', DetailType: 'b', Detail: '{}', Time: 0 }) // 18
 */
export function entrySize(entry: unknown): number {
  if (!isObject(entry)) return 0;
  const resources = Array.isArray(entry.Resources) ? entry.Resources.reduce<number>((sum, r) => sum + bytes(r), 0) : 0;
  return (entry.Time === undefined || entry.Time === null ? 0 : 14) + bytes(entry.Source) + bytes(entry.DetailType) + bytes(entry.Detail) + resources;
}

/**
 * The request-level checks: the entries list, its length and its total size.
 *
 * @throws EventBridgeError (ValidationException) as EventBridge words it.
 * @example checkEntries([]) // throws: ... Member must have length greater than or equal to 1
 */
export function checkEntries(entries: unknown): unknown[] {
  if (entries === undefined || entries === null) throw new EventBridgeError('LAMINA_ERR_EVENTS_VALIDATION', "1 validation error detected: Value null at 'entries' failed to satisfy constraint: Member must not be null");
  if (!Array.isArray(entries)) throw new EventBridgeError('LAMINA_ERR_EVENTS_SERIALIZATION', 'Entries must be a list of PutEventsRequestEntry structures.');
  if (entries.length < 1 || entries.length > MAX_ENTRIES) {
    const bound = entries.length < 1 ? 'greater than or equal to 1' : `less than or equal to ${MAX_ENTRIES}`;
    throw new EventBridgeError('LAMINA_ERR_EVENTS_VALIDATION', `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length ${bound}`);
  }
  const total = entries.reduce<number>((sum, e) => sum + entrySize(e), 0);
  if (total > MAX_ENTRIES_BYTES) throw new EventBridgeError('LAMINA_ERR_EVENTS_VALIDATION', `Total size of the entries in the request is over the limit (${total} bytes; at most ${MAX_ENTRIES_BYTES}).`);
  return entries;
}

const invalid = (parameter: string, reason: string): CheckedEntry => ({ ok: false, ErrorCode: 'InvalidArgument', ErrorMessage: `Parameter ${parameter} is not valid. Reason: ${reason}` });

/** The deepest nesting of JSON text, counted without recursion (brackets inside strings do not count). */
function nestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (quoted) {
      if (c === 0x5c) i++;
      else if (c === 0x22) quoted = false;
    } else if (c === 0x22) quoted = true;
    else if (c === 0x7b || c === 0x5b) deepest = Math.max(deepest, ++depth);
    else if (c === 0x7d || c === 0x5d) depth--;
  }
  return deepest;
}

/** `Time`: epoch seconds (what the SDKs and the CLI send for JSON 1.1 timestamps) or ISO 8601 text. */
function entryTime(raw: unknown): Date | undefined | 'invalid' {
  if (raw === undefined || raw === null) return undefined;
  const at = typeof raw === 'number' ? new Date(raw * 1000) : typeof raw === 'string' ? new Date(/^\d+(\.\d+)?$/.test(raw) ? Number(raw) * 1000 : raw) : undefined;
  return at === undefined || Number.isNaN(at.getTime()) || at.getUTCFullYear() < 1970 || at.getUTCFullYear() > 9999 ? 'invalid' : at;
}

/**
 * Check one entry and, when it passes, build its event.
 *
 * @example checkEntry({ Source: 'shop', DetailType: 'Order', Detail: '{"id":1}' }, context) // { ok: true, busName: 'default', event }
 */
export function checkEntry(raw: unknown, ctx: EntryContext): CheckedEntry {
  if (!isObject(raw)) return invalid('Entry', 'Entry must be a structure.');
  const { Source, DetailType, Detail, Resources, EventBusName, TraceHeader } = raw;
  if (Source === undefined || Source === null || Source === '') return invalid('Source', 'Source is a required argument.');
  if (typeof Source !== 'string' || Source.length > 256) return invalid('Source', 'Source must be a string of at most 256 characters.');
  // Sources of AWS services are reserved: a custom event may not pose as one.
  if (Source.startsWith('aws.')) return { ok: false, ErrorCode: 'NotAuthorizedForSourceException', ErrorMessage: 'Not authorized for the source.' };
  if (DetailType === undefined || DetailType === null || DetailType === '') return invalid('DetailType', 'DetailType is a required argument.');
  if (typeof DetailType !== 'string' || DetailType.length > 128) return invalid('DetailType', 'DetailType must be a string of at most 128 characters.');
  if (Detail === undefined || Detail === null || Detail === '') return invalid('Detail', 'Detail is a required argument.');
  let detail: unknown;
  try {
    detail = typeof Detail === 'string' && nestingDepth(Detail) <= MAX_DETAIL_DEPTH ? JSON.parse(Detail) : undefined;
  } catch {
    detail = undefined;
  }
  if (!isObject(detail)) return { ok: false, ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
  if (Resources !== undefined && Resources !== null && (!Array.isArray(Resources) || Resources.some((r) => typeof r !== 'string' || r.length === 0 || r.length > 2048))) {
    return invalid('Resources', 'Resources must be a list of ARNs (strings of 1-2,048 characters).');
  }
  if (TraceHeader !== undefined && TraceHeader !== null && (typeof TraceHeader !== 'string' || TraceHeader.length > 500)) return invalid('TraceHeader', 'TraceHeader must be a string of at most 500 characters.');
  const time = entryTime(raw.Time);
  if (time === 'invalid') return invalid('Time', 'Time must be a timestamp (epoch seconds or ISO 8601).');
  const busRef = EventBusName === undefined || EventBusName === null || EventBusName === '' ? 'default' : EventBusName;
  if (typeof busRef !== 'string' || busRef.length > 1600) return invalid('EventBusName', 'EventBusName must be the name or ARN of an event bus.');
  const busName = ctx.busOf(busRef);
  if (busName === undefined) return { ok: false, ErrorCode: 'ResourceNotFoundException', ErrorMessage: `Event bus ${busRef} does not exist.` };
  const event = eventBridgeEvent({
    source: Source,
    detailType: DetailType,
    detail,
    resources: (Resources as string[] | undefined | null) ?? [],
    time: time ?? ctx.now,
    account: ctx.accountId,
    region: ctx.region,
  });
  return { ok: true, busName, event };
}
