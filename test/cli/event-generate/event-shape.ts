/**
 * The shape of an event for comparing a generated sample with what a real invoke delivers: every
 * object's keys, recursively, with the type of each leaf. Maps keyed by data the two requests
 * cannot share (header names: the real listener adds `connection`, its own `host`) count as one
 * opaque map.
 */
export type Shape = string | Shape[] | { readonly [key: string]: Shape };

const DATA_MAPS = new Set(['headers', 'multiValueHeaders']);

export function shapeOf(value: unknown, key = ''): Shape {
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.length === 0 ? [] : [shapeOf(value[0])];
  if (typeof value !== 'object') return typeof value;
  if (DATA_MAPS.has(key)) return 'map';
  const out: Record<string, Shape> = {};
  for (const name of Object.keys(value).sort()) out[name] = shapeOf((value as Record<string, unknown>)[name], name);
  return out;
}
