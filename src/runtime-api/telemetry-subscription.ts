/**
 * The Telemetry API's subscribe request (`PUT /2022-07-01/telemetry`, docs/telemetry.md): its
 * path, and the validation of its body into a typed `TelemetrySubscription`. Plain data only: the
 * environment decides what a subscription does.
 */

export const TELEMETRY_API_PATH = '/2022-07-01/telemetry';
/** The older Logs API takes the same body (without `schemaVersion` values of its own). */
export const LOGS_API_PATH = '/2020-08-15/logs';

export const SCHEMA_VERSIONS = ['2022-07-01', '2022-12-13', '2025-01-29'] as const;
export type TelemetryType = 'platform' | 'function' | 'extension';

/** docs/telemetry.md: Lambda's bounds and defaults for buffering. */
export const BUFFERING_BOUNDS = {
  maxItems: { min: 1000, max: 10_000, default: 1000 },
  maxBytes: { min: 262_144, max: 1_048_576, default: 262_144 },
  timeoutMs: { min: 25, max: 30_000, default: 1000 },
} as const;

export interface Buffering {
  readonly maxItems: number;
  readonly maxBytes: number;
  readonly timeoutMs: number;
}

export interface TelemetrySubscription {
  /** Which API took it: the Logs API's subscribers get its own record shapes (docs/telemetry.md). */
  readonly api: 'telemetry' | 'logs';
  readonly schemaVersion: string;
  readonly protocol: 'HTTP' | 'TCP';
  /** Where records go, as given (`http://sandbox.localdomain:8080/path`, or `host:port` for TCP). */
  readonly uri: string;
  readonly host: string;
  readonly port: number;
  readonly path: string;
  readonly types: readonly TelemetryType[];
  readonly buffering: Buffering;
}

/** Host names that mean "this execution environment" (docs/telemetry.md). */
const LOCAL_HOSTS = new Set(['sandbox.localdomain', 'sandbox', 'localhost', '127.0.0.1']);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The Logs API's default maxItems is 10,000; the Telemetry API's 1,000 (docs/telemetry.md). */
function bufferingOf(value: unknown, defaultItems: number): Buffering | string {
  if (value === undefined) return { maxItems: defaultItems, maxBytes: 262_144, timeoutMs: 1000 };
  if (!isObject(value)) return 'buffering must be an object';
  const out: Record<string, number> = {};
  for (const key of ['maxItems', 'maxBytes', 'timeoutMs'] as const) {
    const bounds = BUFFERING_BOUNDS[key];
    const given = value[key];
    if (given === undefined) {
      out[key] = key === 'maxItems' ? defaultItems : bounds.default;
      continue;
    }
    if (typeof given !== 'number' || !Number.isInteger(given) || given < bounds.min || given > bounds.max) {
      return `buffering.${key} must be an integer from ${bounds.min} to ${bounds.max}`;
    }
    out[key] = given;
  }
  return { maxItems: out.maxItems ?? defaultItems, maxBytes: out.maxBytes ?? 262_144, timeoutMs: out.timeoutMs ?? 1000 };
}

function destinationOf(value: unknown): Pick<TelemetrySubscription, 'protocol' | 'uri' | 'host' | 'port' | 'path'> | string {
  if (!isObject(value)) return 'destination is required';
  const protocol = value.protocol;
  if (protocol !== 'HTTP' && protocol !== 'TCP') return 'destination.protocol must be HTTP or TCP';
  const uri = value.URI;
  if (typeof uri !== 'string' || uri === '') return 'destination.URI is required';
  let url: URL;
  try {
    // A TCP destination may be given bare (`sandbox.localdomain:4243`).
    url = new URL(protocol === 'TCP' && !uri.includes('://') ? `tcp://${uri}` : uri);
  } catch {
    return `destination.URI is not a valid URI: ${uri}`;
  }
  const scheme = protocol === 'HTTP' ? 'http:' : 'tcp:';
  if (url.protocol !== scheme) return `destination.URI must use ${scheme.slice(0, -1)} for protocol ${protocol}`;
  // The URL parser drops http's default port; an explicit :80 is still a port.
  const port = url.port === '' && protocol === 'HTTP' && /^http:\/\/[^/]*:80(\/|$)/i.test(uri) ? 80 : Number(url.port);
  if (port === 0 || !Number.isInteger(port) || port < 1 || port > 65_535) return 'destination.URI must name a port';
  if (!LOCAL_HOSTS.has(url.hostname)) return `destination.URI host must be sandbox.localdomain, not ${url.hostname}`;
  return { protocol, uri, host: url.hostname, port, path: `${url.pathname}${url.search}` };
}

/**
 * Validate a subscribe body; a string is the `ValidationError` message.
 *
 * @example
 * parseTelemetrySubscription(JSON.parse('{"schemaVersion":"2022-12-13","destination":{"protocol":"HTTP","URI":"http://sandbox.localdomain:8080"},"types":["platform"]}'))
 * // { schemaVersion: '2022-12-13', protocol: 'HTTP', port: 8080, types: ['platform'], buffering: { maxItems: 1000, ... }, ... }
 */
export function parseTelemetrySubscription(body: unknown, api: 'telemetry' | 'logs' = 'telemetry'): TelemetrySubscription | string {
  if (!isObject(body)) return 'The request body must be a JSON object';
  const schemaVersion = body.schemaVersion;
  if (api === 'telemetry') {
    if (typeof schemaVersion !== 'string' || !(SCHEMA_VERSIONS as readonly string[]).includes(schemaVersion)) {
      return `schemaVersion must be one of ${SCHEMA_VERSIONS.join(', ')}`;
    }
  } else if (schemaVersion !== undefined && typeof schemaVersion !== 'string') {
    return 'schemaVersion must be a string';
  }
  const destination = destinationOf(body.destination);
  if (typeof destination === 'string') return destination;
  const types = body.types;
  if (!Array.isArray(types) || types.length === 0) return 'types must be a non-empty array';
  const seen = new Set<TelemetryType>();
  for (const type of types) {
    if (type !== 'platform' && type !== 'function' && type !== 'extension') return `types: unknown type ${JSON.stringify(type)}`;
    seen.add(type);
  }
  const buffering = bufferingOf(body.buffering, api === 'telemetry' ? 1000 : 10_000);
  if (typeof buffering === 'string') return buffering;
  return { api, schemaVersion: typeof schemaVersion === 'string' ? schemaVersion : '2020-08-15', ...destination, types: [...seen], buffering };
}
