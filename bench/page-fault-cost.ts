/**
 * What a fresh page costs this machine: makes one 1 MB string from a Buffer (`toString`, as a
 * runtime client does with an event) over and over, and prints the minor page faults and the CPU
 * (user and system) per string. V8 puts such a string in its large-object space, one mmap'd chunk
 * each, given back at the next collection, so every string is about 256 new pages. On bare metal a
 * minor fault costs well under a microsecond; on a paravirtualised guest it can cost 10-20.
 *
 *   npm run build && node dist/bench/page-fault-cost.js [--strings 50]
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';

function minorFaults(): number {
  const stat = readFileSync('/proc/self/stat', 'latin1');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[7] ?? 0);
}

const { values } = parseArgs({ options: { strings: { type: 'string', default: '50' } } });
const count = Number(values.strings);
const body = Buffer.from(JSON.stringify('x'.repeat(1024 * 1024 - 2)));
let kept = '';
for (let i = 0; i < 5; i += 1) kept = body.toString('utf8');
const faults = minorFaults();
const start = process.cpuUsage();
for (let i = 0; i < count; i += 1) kept = body.toString('utf8');
const used = process.cpuUsage(start);
const perString = (minorFaults() - faults) / count;
const cpu = (used.user + used.system) / count;
process.stdout.write(
  `1 MB strings: ${perString.toFixed(1)} page faults, ${cpu.toFixed(0)} µs CPU (${(used.system / count).toFixed(0)} system) each; ` +
    `${(cpu / Math.max(perString, 1)).toFixed(1)} µs per fault, all in; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}; last length ${kept.length}\n`,
);
