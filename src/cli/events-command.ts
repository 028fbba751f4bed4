/**
 * `lamina events`: what the durable event queue holds per function (queued, in flight, retrying,
 * failed) and the asynchronous-invocation metrics, read from the state directory's file while
 * `lamina serve` runs or after it stopped (docs/async-invocation.md).
 */
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { readQueueStatus, type QueueStatus } from '../async/queue-status.js';
import { defaultStateDir } from '../async/state-dir.js';
import { ConfigError } from '../errors.js';
import { positiveNumber } from './cli-support.js';

export const EVENTS_USAGE = `Usage: lamina events [options]

Lists the asynchronous events of 'lamina serve' per function: queued, in flight, retrying, failed,
and the metrics AsyncEventsReceived, AsyncEventAge, AsyncEventsDropped, DestinationDeliveryFailures,
and the IteratorAge of stream (Kinesis) event source mappings.

Options:
  --template <file>   The template 'lamina serve' was started with (default: template.yaml); it
                      picks the default state directory
  --state-dir <dir>   The state directory given to 'lamina serve --state-dir'
  --failed <n>        Also list the n most recent failed events (default: 10; 0 for none)
  --json              Print JSON instead of a table
  -h, --help          Show this help
`;

function cell(value: number | string | undefined): string {
  return value === undefined ? '-' : String(value);
}

/** The table `lamina events` prints. */
export function formatQueueStatus(status: QueueStatus, stateDir: string): string {
  const header = ['FUNCTION', 'QUEUED', 'IN-FLIGHT', 'RETRYING', 'FAILED', 'RECEIVED', 'DROPPED', 'AGE-AVG-MS', 'AGE-MAX-MS', 'DEST-FAILURES', 'RECURSION-STOPS', 'ITER-AGE-AVG-MS', 'ITER-AGE-MAX-MS'];
  const rows = status.functions.map((f) => [f.functionName, f.queued, f.inFlight, f.retrying, f.failed, f.metrics.AsyncEventsReceived, f.metrics.AsyncEventsDropped, f.metrics.AsyncEventAgeAverage, f.metrics.AsyncEventAgeMaximum, f.metrics.DestinationDeliveryFailures, f.metrics.RecursiveInvocationsDropped, f.metrics.IteratorAgeAverage, f.metrics.IteratorAgeMaximum].map(cell));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  let out = `State directory: ${stateDir}\n`;
  out += status.functions.length === 0 ? 'No asynchronous events yet.\n' : `${[line(header), ...rows.map(line)].join('\n')}\n`;
  if (status.recentFailures.length > 0) {
    out += '\nRecent failed events:\n';
    for (const f of status.recentFailures) out += `  ${f.failedAt}  ${f.functionName}  ${f.requestId}  ${f.condition} after ${f.attempts} attempt(s)${f.error === null ? '' : `  ${f.error}`}\n`;
  }
  return out;
}

/**
 * @example
 * await eventsCommand(['--template', 'examples/template.yaml']);
 */
export async function eventsCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      template: { type: 'string', default: 'template.yaml' },
      'state-dir': { type: 'string' },
      failed: { type: 'string', default: '10' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(EVENTS_USAGE);
    return 0;
  }
  const stateDir = resolve(values['state-dir'] ?? defaultStateDir(values.template));
  const failed = positiveNumber('--failed', values.failed, true);
  // SQLite's LIMIT takes integers only: 2.5 would surface as a 'datatype mismatch' of the file.
  if (!Number.isSafeInteger(failed)) throw new ConfigError(`--failed must be a whole number, got '${values.failed}'`);
  const status = readQueueStatus(join(stateDir, 'events.db'), failed);
  process.stdout.write(values.json ? `${JSON.stringify({ stateDir, ...status }, null, 2)}\n` : formatQueueStatus(status, stateDir));
  return 0;
}
