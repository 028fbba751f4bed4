/**
 * The log store as `lamina serve` and `lamina invoke` start it (docs/cloudwatch-logs.md): under
 * the state directory's `logs/`, fed by a platform observer that hears every log line, capped by
 * `--logs-max-size`.
 */
import { join } from 'node:path';
import { ConfigError } from '../errors.js';
import { LOGS_DIR } from '../observability/logs/log-store-layout.js';
import { LogStoreWriter } from '../observability/logs/log-store-writer.js';
import type { Observers } from '../observability/platform-observer.js';
import { startLogsApiServer, type LogsApiServer } from '../observability/logs/logs-api-server.js';
import { positiveNumber } from './cli-support.js';

const UNITS: Readonly<Record<string, number>> = { '': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3 };

/**
 * A size in bytes from `100MB`, `512k`, `1GiB` or a plain number of bytes (units are powers of 1024).
 *
 * @example parseByteSize('--logs-max-size', '100MB') // 104857600
 */
export function parseByteSize(option: string, text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  const unit = UNITS[(match?.[2] ?? '').toLowerCase()];
  const bytes = match?.[1] === undefined || unit === undefined ? Number.NaN : Math.floor(Number(match[1]) * unit);
  if (!Number.isSafeInteger(bytes) || bytes < 4096) throw new ConfigError(`${option} must be a size of at least 4KB such as 100MB, 512KB or 1GB, got '${text}'`);
  return bytes;
}

export interface StartedLogStore {
  /** Undefined with `--logs-max-size 0`: no store. */
  readonly store: LogStoreWriter | undefined;
  /** Start hearing the platform's log lines; returns the observer's removal. */
  attach(observers: Observers): () => void;
  readonly banner: string;
}

/**
 * Open the store of a state directory (none for a size of `0`). Open it before the platform starts and close it after the
 * platform stops, so the lines of environments shutting down are kept.
 *
 * @example
 * const logs = await startLogStore(state.path, '100MB');
 * logs.attach(platform.observers);
 * await logs.store?.close();
 */
export async function startLogStore(stateDir: string, maxSize: string): Promise<StartedLogStore> {
  if (maxSize.trim() === '0') return { store: undefined, attach: () => () => undefined, banner: 'Function logs are not kept (--logs-max-size 0)' };
  const maxBytes = parseByteSize('--logs-max-size', maxSize);
  const root = join(stateDir, LOGS_DIR);
  const store = await LogStoreWriter.open({ root, maxBytes });
  return {
    store,
    attach: (observers) =>
      observers.add({
        log: (environment, line, _invocation, fromFunction) => store.append(environment.functionName, environment.logStream, line, undefined, fromFunction ? 'output' : 'platform'),
        environment: (environment, state) => {
          if (state === 'dead') store.release(environment.functionName, environment.logStream);
        },
      }),
    banner: `Function logs are kept in ${root}, at most ${maxSize} (lamina logs FUNCTION --state-dir ${stateDir})`,
  };
}

/**
 * `--logs-api-port`: the CloudWatch Logs API over the store (none without the flag).
 *
 * @throws ConfigError when the port cannot be listened on.
 * @example
 * const api = await startLogsApi(state.path, '4588', { host: '127.0.0.1', region, accountId });
 * // api?.endpoint is what `aws logs tail --endpoint-url` takes
 */
export async function startLogsApi(stateDir: string, port: string | undefined, options: { readonly host: string; readonly region: string; readonly accountId: string }): Promise<LogsApiServer | undefined> {
  if (port === undefined) return undefined;
  const number = positiveNumber('--logs-api-port', port, true);
  try {
    return await startLogsApiServer(join(stateDir, LOGS_DIR), { ...options, port: number });
  } catch (error) {
    throw new ConfigError(`--logs-api-port: cannot listen on ${options.host}:${port}: ${(error as Error).message}`);
  }
}
