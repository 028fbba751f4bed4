/**
 * ListFunctions: every function's `$LATEST` (or every version with `FunctionVersion=ALL`), by
 * name then version, in pages of `MaxItems` (default 50, at most 10,000). `NextMarker` names the
 * last item given, so a function created or deleted between pages neither repeats nor skips one.
 */
import { ServiceError } from '../../errors.js';
import { validationMessage } from '../../registry/function-ref.js';
import { LATEST, type VersionRecord } from '../../registry/registry-types.js';
import type { ControlContext } from './control-context.js';

const DEFAULT_PAGE = 50;
const MAX_PAGE = 10_000;

/** Sort key: name, then `$LATEST` before 1, 2, ... */
function keyOf(name: string, version: string): [string, number] {
  return [name, version === LATEST ? 0 : Number(version)];
}

function after(a: [string, number], b: [string, number]): boolean {
  return a[0] > b[0] || (a[0] === b[0] && a[1] > b[1]);
}

/** @example markerOf('f', '$LATEST') // base64url of ["f",0] */
export function markerOf(name: string, version: string): string {
  return Buffer.from(JSON.stringify(keyOf(name, version))).toString('base64url');
}

function readMarker(marker: string): [string, number] {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(marker, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && parsed.length === 2 && typeof parsed[0] === 'string' && typeof parsed[1] === 'number') return [parsed[0], parsed[1]];
  } catch {
    /* refused below */
  }
  throw new ServiceError('LAMINA_ERR_INVALID_PARAMETER', 'Invalid marker.');
}

/**
 * @example listFunctions(context, { MaxItems: '2' }, render) // { Functions: [..2], NextMarker: '...' }
 */
export function listFunctions(context: ControlContext, query: Readonly<Record<string, string>>, render: (record: VersionRecord) => Record<string, unknown>): Record<string, unknown> {
  const all = query['FunctionVersion'];
  if (all !== undefined && all !== 'ALL') throw new ServiceError('LAMINA_ERR_VALIDATION', validationMessage(all, 'functionVersion', 'Member must satisfy enum value set: [ALL]'));
  const rawMax = query['MaxItems'];
  const max = rawMax === undefined ? DEFAULT_PAGE : Number(rawMax);
  if (!Number.isInteger(max) || max < 1 || max > MAX_PAGE) {
    const constraint = Number.isInteger(max) ? (max < 1 ? 'Member must have value greater than or equal to 1' : `Member must have value less than or equal to ${MAX_PAGE}`) : 'Member must be an integer';
    throw new ServiceError('LAMINA_ERR_VALIDATION', validationMessage(String(rawMax), 'maxItems', constraint));
  }
  const from = query['Marker'] === undefined ? undefined : readMarker(query['Marker']);
  const records: VersionRecord[] = [];
  for (const name of [...context.registry.names].sort()) {
    const versions = all === 'ALL' ? (context.registry.versions(name) ?? []) : [context.registry.version(name, LATEST)].filter((r): r is VersionRecord => r !== undefined);
    records.push(...versions);
  }
  const remaining = from === undefined ? records : records.filter((record) => after(keyOf(record.config.name, record.version), from));
  const page = remaining.slice(0, max);
  const last = page[page.length - 1];
  return {
    Functions: page.map(render),
    ...(remaining.length > max && last !== undefined ? { NextMarker: markerOf(last.config.name, last.version) } : {}),
  };
}
