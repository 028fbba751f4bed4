/**
 * A function's log: every line its environments write, platform lines included. `lamina serve`
 * prints each line prefixed with the function name; the invocation in flight keeps a copy for
 * `X-Amz-Log-Type: Tail`.
 */
import type { Invocation } from '../platform/invocation.js';

/** Where printed log lines go (stdout in `lamina serve`, a buffer in tests, nowhere when quiet). */
export type LogOutput = (text: string) => void;

/**
 * @example
 * const log = new FunctionLog('HelloNode', (text) => process.stdout.write(text));
 * log.write('START RequestId: ...', invocation);
 */
export class FunctionLog {
  readonly #prefix: string;
  readonly #output: LogOutput | undefined;

  constructor(functionName: string, output: LogOutput | undefined) {
    this.#prefix = `[${functionName}] `;
    this.#output = output;
  }

  write(line: string, invocation: Invocation | undefined): void {
    invocation?.keepLogLine(line);
    this.#output?.(`${this.#prefix}${line}\n`);
  }
}
