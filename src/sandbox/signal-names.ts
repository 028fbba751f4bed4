/**
 * Signals by number, name and Lambda's words. A runtime can die of any signal, realtime ones
 * included (SIGRTMIN+3 is 37 on Linux with glibc), which Node's `os.constants.signals` does not
 * name: such a death must read as what it was, never as another signal. Lambda words a runtime's
 * exit (Runtime.ExitError, docs/errors.md) as Go's `os.ProcessState.String()` does:
 * `signal: killed`, `signal: signal 37`.
 */
import { constants } from 'node:os';

/** glibc's SIGRTMIN and SIGRTMAX on Linux (32 and 33 are its threads' own). */
const RTMIN = 34;
const RTMAX = 64;

/** Go's `syscall.Signal.String()` on Linux: what follows `signal: ` in Lambda's messages. */
const GO_WORDS: readonly string[] = [
  '', 'hangup', 'interrupt', 'quit', 'illegal instruction', 'trace/breakpoint trap', 'aborted', 'bus error',
  'floating point exception', 'killed', 'user defined signal 1', 'segmentation fault', 'user defined signal 2',
  'broken pipe', 'alarm clock', 'terminated', 'stack fault', 'child exited', 'continued', 'stopped (signal)',
  'stopped', 'stopped (tty input)', 'stopped (tty output)', 'urgent I/O condition', 'CPU time limit exceeded',
  'file size limit exceeded', 'virtual timer expired', 'profiling timer expired', 'window changed',
  'I/O possible', 'power failure', 'bad system call',
];

/**
 * The name of signal `number`: Node's where it has one, else the realtime name the shells use
 * (`kill -l`: SIGRTMIN to SIGRTMIN+15, then SIGRTMAX-14 to SIGRTMAX), else `SIG<number>`. Names Node
 * lacks are not in `NodeJS.Signals`; they only describe an exit, never go to `process.kill`.
 *
 * @example signalName(11) // 'SIGSEGV'
 * @example signalName(37) // 'SIGRTMIN+3'
 */
export function signalName(number: number): NodeJS.Signals {
  const known = Object.entries(constants.signals).find(([, n]) => n === number)?.[0];
  if (known !== undefined) return known as NodeJS.Signals;
  if (number >= RTMIN && number <= RTMAX) {
    const above = number - RTMIN;
    const below = RTMAX - number;
    const name = above <= (RTMAX - RTMIN) / 2 ? `SIGRTMIN${above === 0 ? '' : `+${above}`}` : `SIGRTMAX${below === 0 ? '' : `-${below}`}`;
    return name as NodeJS.Signals;
  }
  return `SIG${number}` as NodeJS.Signals;
}

/**
 * The number of a signal named by {@link signalName} (or Node), undefined for an unknown name.
 *
 * @example signalNumber('SIGRTMAX-2') // 62
 */
export function signalNumber(name: string): number | undefined {
  const known = (constants.signals as Readonly<Record<string, number>>)[name];
  if (known !== undefined) return known;
  const realtime = /^SIGRT(MIN|MAX)(?:([+-])(\d+))?$/.exec(name);
  if (realtime !== null) {
    const offset = Number(realtime[3] ?? 0) * (realtime[2] === '-' ? -1 : 1);
    return (realtime[1] === 'MIN' ? RTMIN : RTMAX) + offset;
  }
  const plain = /^SIG(\d+)$/.exec(name);
  return plain === null ? undefined : Number(plain[1]);
}

/**
 * How Lambda (Go) words a death by the signal `name`: `killed`, `segmentation fault`, `signal 37`.
 *
 * @example exitSignalWords('SIGKILL') // 'killed'
 * @example exitSignalWords('SIGRTMIN+3') // 'signal 37'
 */
export function exitSignalWords(name: string): string {
  const number = signalNumber(name);
  if (number === undefined) return name;
  return GO_WORDS[number] || `signal ${number}`;
}
