/**
 * The older Logs API's own record shapes (`PUT /2020-08-15/logs`, docs/telemetry.md): the platform
 * publishes one stream of Telemetry API events; a Logs API subscriber gets each in the shape its
 * API has, or not at all. Shipped extensions read these fields (the Serverless OpenTelemetry
 * extension groups `platform.report` records and `function` lines by request id).
 */
import type { TelemetryEvent } from './telemetry-batcher.js';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Copy the keys of `record` that are set, in `keys`' order. */
function pick(record: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of keys) if (record[key] !== undefined) out[key] = record[key];
  return out;
}

const REPORT_METRICS = ['durationMs', 'billedDurationMs', 'memorySizeMB', 'maxMemoryUsedMB', 'initDurationMs'] as const;

/**
 * The Logs API events for one Telemetry API event: none (the init phase's records, which the Logs
 * API never had), one, or two (a report is preceded by `platform.end`, the END line's record).
 * `function` and `extension` records are the lines as strings, whatever the log format.
 *
 * @example
 * logsApiEvents({ time: 't', type: 'platform.start', record: { requestId: 'r', version: '$LATEST', tracing: {…} } }, 'line')
 * // [{ time: 't', type: 'platform.start', record: { requestId: 'r', version: '$LATEST' } }]
 */
export function logsApiEvents(event: TelemetryEvent, line: string | undefined): TelemetryEvent[] {
  const { time, type, record } = event;
  if (type === 'function' || type === 'extension') return [{ time, type, record: line ?? record }];
  if (!isObject(record)) return type === 'platform.fault' ? [event] : [];
  switch (type) {
    case 'platform.start':
      return [{ time, type, record: pick(record, ['requestId', 'version']) }];
    case 'platform.runtimeDone':
      return [{ time, type, record: pick(record, ['requestId', 'status']) }];
    case 'platform.report': {
      const metrics = isObject(record.metrics) ? pick(record.metrics, REPORT_METRICS) : {};
      return [
        { time, type: 'platform.end', record: { requestId: record.requestId } },
        { time, type, record: { requestId: record.requestId, metrics } },
      ];
    }
    case 'platform.extension':
      return [{ time, type, record: pick(record, ['name', 'state', 'events']) }];
    case 'platform.telemetrySubscription':
      return [{ time, type: 'platform.logsSubscription', record: pick(record, ['name', 'state', 'types']) }];
    case 'platform.logsDropped':
      return [event];
    default:
      return [];
  }
}
