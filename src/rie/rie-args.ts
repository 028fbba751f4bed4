/**
 * The command line of `lamina rie`, read the way AWS's aws-lambda-rie reads its own: long options
 * (`--name value` or `--name=value`), the bootstrap command and its arguments.
 *
 * AWS's RIE parses its options anywhere on the line (go-flags) and leaves unknown ones to the
 * bootstrap, so `aws-lambda-rie /lambda-entrypoint.sh app.handler --runtime-interface-emulator-address
 * 0.0.0.0:8081` listens on 8081 (its own end-to-end suite does this). Lamina does the same for
 * AWS's RIE options (`RIE_OPTIONS`); its own options (`--max-concurrency`, `--host-node`) and
 * unknown options are recognised only before the bootstrap. After a `--` everything belongs to the
 * bootstrap, untouched (a `--` among the bootstrap's arguments is kept; RIE drops it).
 */
import { ConfigError } from '../errors.js';

/** A listen address, as `host:port` (IPv6 as `[::1]:8080`). */
export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** Levels AWS's RIE accepts for `--log-level` / `LOG_LEVEL` (logrus's), most severe first. */
export const RIE_LOG_LEVELS = ['panic', 'fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
export type RieLogLevel = (typeof RIE_LOG_LEVELS)[number];

export const RIE_DEFAULTS = {
  emulatorAddress: '0.0.0.0:8080',
  runtimeApiAddress: '127.0.0.1:9001',
  logLevel: 'info',
  maxConcurrency: 10,
} as const;

export interface RieArgs {
  readonly emulatorAddress: HostPort;
  readonly runtimeApiAddress: HostPort;
  /** Undefined when `--log-level` was not given (then `LOG_LEVEL`, then `info`). */
  readonly logLevel: RieLogLevel | undefined;
  readonly maxConcurrency: number;
  /** `--max-concurrency` was given: the emulator's concurrency mode (docs/rie.md). */
  readonly concurrencyMode: boolean;
  /** Bootstrap command and its arguments; empty means "search the default locations". */
  readonly bootstrap: readonly string[];
  readonly help: boolean;
  /** Options AWS's RIE knows that Lamina accepts and ignores (reported as warnings). */
  readonly ignored: readonly string[];
  /** `--host-node`: a nodejsNN.x function runs on the node running Lamina, whatever its major. */
  readonly hostNode: boolean;
}

const VALUE_OPTIONS = new Set([
  '--runtime-interface-emulator-address',
  '--runtime-api-address',
  '--log-level',
  '--max-concurrency',
]);
/** AWS's RIE flags without a meaning here. */
const IGNORED_OPTIONS = new Set(['--enable-init-caching']);
/** AWS's RIE's own options: taken out of the bootstrap's arguments too, as RIE does. */
const RIE_OPTIONS = new Set(['--runtime-interface-emulator-address', '--runtime-api-address', '--log-level', '--enable-init-caching']);

/**
 * Parse a `host:port` address like Go's `net.SplitHostPort` (an empty host means every interface).
 *
 * @example parseHostPort('--runtime-api-address', '127.0.0.1:9001') // { host: '127.0.0.1', port: 9001 }
 */
export function parseHostPort(option: string, text: string): HostPort {
  let host: string;
  let portText: string;
  const bracketed = /^\[([^\]]*)\]:([^:]*)$/.exec(text);
  if (bracketed !== null) {
    host = bracketed[1] ?? '';
    portText = bracketed[2] ?? '';
  } else {
    const colon = text.lastIndexOf(':');
    if (colon < 0 || text.indexOf(':') !== colon) {
      throw new ConfigError(`${option} must be host:port (IPv6 as [addr]:port), got '${text}'`);
    }
    host = text.slice(0, colon);
    portText = text.slice(colon + 1);
  }
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) {
    throw new ConfigError(`${option} has an invalid port in '${text}' (0 to 65535; 0 picks a free port)`);
  }
  return { host: host === '' ? (bracketed !== null ? '::' : '0.0.0.0') : host, port };
}

/**
 * Check a log level the way logrus does (any case; `warning` means `warn`).
 *
 * @example parseLogLevel('--log-level', 'DEBUG') // 'debug'
 */
export function parseLogLevel(option: string, text: string): RieLogLevel {
  const lower = text.toLowerCase();
  const level = lower === 'warning' ? 'warn' : lower;
  const known = RIE_LOG_LEVELS.find((candidate) => candidate === level);
  if (known === undefined) {
    throw new ConfigError(`${option} must be one of ${RIE_LOG_LEVELS.join(', ')} (or warning), got '${text}'`);
  }
  return known;
}

function positiveInteger(option: string, text: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < 1) {
    throw new ConfigError(`${option} must be a positive integer, got '${text}'`);
  }
  return value;
}

/**
 * @example
 * parseRieArgs(['--runtime-api-address', '127.0.0.1:9001', '--', '/var/task/bootstrap']).bootstrap
 * // ['/var/task/bootstrap']
 */
export function parseRieArgs(args: readonly string[]): RieArgs {
  const values = new Map<string, string>();
  const ignored: string[] = [];
  let help = false;
  let hostNode = false;
  const bootstrap: string[] = [];
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] ?? '';
    if (arg === '--') {
      // Before the bootstrap, `--` only separates; inside its arguments it stays one of them.
      bootstrap.push(...args.slice(bootstrap.length === 0 ? i + 1 : i));
      break;
    }
    const eq = arg.indexOf('=');
    const name = eq < 0 ? arg : arg.slice(0, eq);
    if (bootstrap.length > 0 && !RIE_OPTIONS.has(name)) {
      bootstrap.push(arg);
      continue;
    }
    if (!arg.startsWith('-') || arg === '-') {
      bootstrap.push(arg);
      continue;
    }
    if (arg === '-h' || arg === '--help') {
      help = true;
      continue;
    }
    if (arg === '--host-node') {
      hostNode = true;
      continue;
    }
    if (IGNORED_OPTIONS.has(name)) {
      ignored.push(name);
      continue;
    }
    if (!VALUE_OPTIONS.has(name)) {
      throw new ConfigError(`unknown option '${arg}' (put the bootstrap command and its arguments after '--' if it is one of them)`);
    }
    let value: string | undefined;
    if (eq >= 0) {
      value = arg.slice(eq + 1);
    } else {
      value = args[i + 1];
      i += 1;
    }
    if (value === undefined) throw new ConfigError(`option '${name}' needs a value`);
    values.set(name, value);
  }
  const logLevel = values.get('--log-level');
  return {
    emulatorAddress: parseHostPort(
      '--runtime-interface-emulator-address',
      values.get('--runtime-interface-emulator-address') ?? RIE_DEFAULTS.emulatorAddress,
    ),
    runtimeApiAddress: parseHostPort('--runtime-api-address', values.get('--runtime-api-address') ?? RIE_DEFAULTS.runtimeApiAddress),
    logLevel: logLevel === undefined ? undefined : parseLogLevel('--log-level', logLevel),
    maxConcurrency: positiveInteger('--max-concurrency', values.get('--max-concurrency') ?? String(RIE_DEFAULTS.maxConcurrency)),
    concurrencyMode: values.has('--max-concurrency'),
    bootstrap,
    help,
    ignored,
    hostNode,
  };
}
