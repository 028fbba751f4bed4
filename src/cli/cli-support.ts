/**
 * Small helpers shared by the CLI commands: option parsing and process signals.
 */
import { ConfigError } from '../errors.js';

/**
 * Parse a numeric option; zero is allowed only where it means something (a free port).
 *
 * @example positiveNumber('--port', '9000', true) // 9000
 */
export function positiveNumber(option: string, value: string, allowZero = false): number {
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed) || parsed < 0 || (!allowZero && parsed === 0)) {
    throw new ConfigError(`${option} must be a ${allowZero ? 'non-negative' : 'positive'} number, got '${value}'`);
  }
  return parsed;
}

/** Say plainly when the server is reachable from other machines. */
export function warnIfExposed(host: string): void {
  if (host !== '127.0.0.1' && host !== 'localhost' && host !== '::1') {
    process.stderr.write(`lamina: warning: listening on ${host}: the Invoke API has no authentication; anyone who can reach this address can run your functions\n`);
  }
}

/** Resolve with the first SIGINT or SIGTERM. */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
