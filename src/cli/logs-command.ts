/**
 * `lamina logs FUNCTION`: a function's log events from the log store of a state directory
 * (docs/cloudwatch-logs.md), printed like `aws logs tail`: time, stream, message, in time order
 * across the function's streams; `--follow` goes on printing what `lamina serve` (another
 * process) writes.
 */
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultStateDir } from '../async/state-dir.js';
import { ConfigError } from '../errors.js';
import { compileFilter } from '../observability/logs/filter-pattern.js';
import { listLogGroups, logGroupOf, LOGS_DIR } from '../observability/logs/log-store-layout.js';
import { formatEvent, LogTail } from '../observability/logs/log-store-reader.js';
import { untilSignal } from './cli-support.js';

export const LOGS_USAGE = `Usage: lamina logs FUNCTION [options]

Print the log events of FUNCTION (log group /aws/lambda/FUNCTION) kept by 'lamina serve' and
'lamina invoke', in time order across its log streams, like 'aws logs tail':
  <time> <log stream> <message>

Options:
  --since <when>       Events from 10m, 2h, 30s, 1d, 1w ago or from an ISO date (default: 10m)
  --filter <pattern>   CloudWatch filter pattern: terms that must all appear, "quoted phrases",
                       ?any ?of, -excluded, or a JSON pattern such as { $.level = "ERROR" }
  -f, --follow         Keep printing new events as they are written (Ctrl-C stops)
  --state-dir <dir>    The state directory of 'lamina serve' (default: the template's)
  --template <file>    The template whose default state directory to read (default: template.yaml)
  -h, --help           Show this help
`;

const FOLLOW_POLL_MS = 250;
const UNIT_MS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * The start time of `--since`: a duration ago (`10m`) or a date.
 *
 * @example parseSince('10m', 600_000) // 0
 */
export function parseSince(text: string, now: number): number {
  const match = /^(\d+)([smhdw])$/.exec(text.trim());
  const unit = match?.[2] === undefined ? undefined : UNIT_MS[match[2]];
  if (match?.[1] !== undefined && unit !== undefined) return now - Number(match[1]) * unit;
  // Only dates that start as ISO ones: Date.parse reads '10' as the year 10.
  const date = /^\d{4}-\d{2}-\d{2}/.test(text.trim()) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(date)) throw new ConfigError(`--since must be a duration such as 10m, 1h, 2d or an ISO date, got '${text}'`);
  return date;
}

/**
 * @example
 * process.exitCode = await logsCommand(['Hello', '--since', '1h', '--filter', 'ERROR']);
 */
export async function logsCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      since: { type: 'string', default: '10m' },
      filter: { type: 'string' },
      follow: { type: 'boolean', short: 'f', default: false },
      'state-dir': { type: 'string' },
      template: { type: 'string', default: 'template.yaml' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(LOGS_USAGE);
    return 0;
  }
  const [name, ...extra] = positionals;
  if (name === undefined || extra.length > 0) throw new ConfigError(`give exactly one function name (got ${positionals.length}); see 'lamina logs --help'`);
  const since = parseSince(values.since, Date.now());
  const filter = values.filter === undefined ? undefined : compileFilter(values.filter);
  const stateDir = resolve(values['state-dir'] ?? defaultStateDir(resolve(values.template)));
  const root = join(stateDir, LOGS_DIR);
  const group = logGroupOf(name);
  const groups = await listLogGroups(root);
  if (!groups.includes(group)) {
    const there = groups.length === 0 ? `there are no log groups in ${root} yet (run 'lamina serve' or 'lamina invoke' with this state directory)` : `the log groups there are: ${groups.join(', ')}`;
    throw new ConfigError(`no log group ${group} for function '${name}': ${there}`);
  }
  const tail = new LogTail(root, group, { since, filter });
  const print = (events: Awaited<ReturnType<LogTail['poll']>>): void => {
    if (events.length > 0) process.stdout.write(`${events.map(formatEvent).join('\n')}\n`);
  };
  print(await tail.poll());
  if (!values.follow) return 0;
  let stopped = false;
  void untilSignal().then(() => (stopped = true));
  while (!stopped) {
    await new Promise((wake) => setTimeout(wake, FOLLOW_POLL_MS));
    print(await tail.poll());
  }
  return 0;
}
