/**
 * Lamina's own messages in `lamina rie`, filtered by `--log-level` like AWS's RIE filters its
 * internal logs. The function's log (START/END/REPORT and its output) never goes through here.
 */
import { RIE_LOG_LEVELS, type RieLogLevel } from './rie-args.js';

export type MessageOutput = (text: string) => void;

/**
 * @example
 * const log = new RieLog('info', (text) => process.stderr.write(text));
 * log.info('listening'); log.debug('not shown');
 */
export class RieLog {
  readonly level: RieLogLevel;
  readonly #output: MessageOutput;

  constructor(level: RieLogLevel, output: MessageOutput) {
    this.level = level;
    this.#output = output;
  }

  /** True when a message at `level` is printed. */
  enabled(level: RieLogLevel): boolean {
    return RIE_LOG_LEVELS.indexOf(level) <= RIE_LOG_LEVELS.indexOf(this.level);
  }

  error(message: string): void {
    this.#write('error', message);
  }

  warn(message: string): void {
    this.#write('warn', message);
  }

  info(message: string): void {
    this.#write('info', message);
  }

  debug(message: string): void {
    this.#write('debug', message);
  }

  #write(level: RieLogLevel, message: string): void {
    if (!this.enabled(level)) return;
    this.#output(`${new Date().toISOString()} [${level.toUpperCase()}] (lamina rie) ${message}\n`);
  }
}
