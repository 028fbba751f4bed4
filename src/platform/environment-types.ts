/**
 * The types an execution environment is started with and reports through (split from
 * environment.ts, which holds the state machine itself).
 */
import type { FunctionConfig } from '../config/function-config.js';
import type { ReportedError } from '../runtime-api/runtime-api-target.js';
import type { Sandbox, SandboxExit } from '../sandbox/process-sandbox.js';
import type { ExecutionEnvironment } from './environment.js';
import type { Invocation } from './invocation.js';
import type { FunctionErrorResult } from './invoke-types.js';
import type { PhaseEvent } from '../observability/phase-records.js';

export type EnvironmentState = 'initializing' | 'idle' | 'invoking' | 'retiring' | 'dead';

/** How an environment's init phase ended. */
export type InitResult =
  | { readonly ok: true; readonly durationMs: number }
  | {
      readonly ok: false;
      readonly durationMs: number;
      readonly status: 'error' | 'timeout';
      /** The runtime's `/init/error` report, when it sent one. */
      readonly reported: ReportedError | undefined;
      /** How the runtime exited, when it did. */
      readonly exit: SandboxExit | undefined;
      /** An extension failed the init (crashed, or reported `init/error`): the error Lambda answers. */
      readonly extensionError?: FunctionErrorResult;
    };

export interface EnvironmentHooks {
  /**
   * A line of the function's log: `fromFunction` for what its processes printed (the runtime's or an
   * extension's output), unset for a platform line (START, END, REPORT, timeouts, extension notices).
   */
  log(line: string, invocation: Invocation | undefined, fromFunction?: boolean): void;
  /** The environment finished an invocation and can take another. */
  idle(environment: ExecutionEnvironment): void;
  /** The environment is gone. */
  dead(environment: ExecutionEnvironment): void;
  /** The environment died before its runtime received this invocation: run it elsewhere. */
  reroute(invocation: Invocation): void;
  /** A phase record (docs/observability.md); absent when nobody observes. */
  phase?(event: PhaseEvent, invocation: Invocation | undefined): void;
  /** The environment's state changed; absent when nobody observes. */
  state?(environment: ExecutionEnvironment, state: EnvironmentState): void;
}

export interface EnvironmentTimings {
  /** On-demand init limit (docs/environment.md: 10 s). */
  readonly initTimeoutMs: number;
  /** SIGTERM to SIGKILL when retiring (docs/environment.md). */
  readonly shutdownGraceMs: number;
}

export type InitializationType = 'on-demand' | 'provisioned-concurrency';

/** Starts the sandbox once the Runtime API address is known. */
export type SandboxFactory = ((runtimeApi: string, log: (line: string) => void, initializationType: InitializationType, logStreamName?: string) => Sandbox) & {
  /** Release what the factory holds ahead of use (a standby sandbox), when the pool stops. */
  dispose?: () => Promise<void>;
  /**
   * Its sandboxes have a network of their own and bring their Runtime API listener
   * (`Sandbox.runtimeApiListener`); the factory is then called with 127.0.0.1:9001.
   */
  privateRuntimeApi?: boolean;
  /**
   * Its sandboxes share the host's loopback: the Runtime API accepts only connections from the
   * sandbox's own process tree (`Sandbox.rootPid`; src/runtime-api/peer-check.ts).
   */
  checkPeers?: boolean;
  /**
   * Prepare the next standby sandbox; environments call it after their first REPORT, off the cold
   * start's path (the factory no longer makes it the moment it hands one out).
   */
  replenish?: () => void;
  /**
   * Names of the external extensions its sandboxes start (the executables in /opt/extensions):
   * each must register and reach `event/next` before init ends (docs/extensions.md).
   */
  externalExtensions?: readonly string[];
  /** The secret that marks the extensions' wrapper's output lines (src/platform/external-extensions.ts). */
  extensionTag?: string;
};

/** What an environment is started with. */
export interface EnvironmentStart {
  readonly fn: FunctionConfig;
  readonly version: string;
  readonly timings: EnvironmentTimings;
  readonly hooks: EnvironmentHooks;
  readonly makeSandbox: SandboxFactory;
  /** Runtime API port (0 picks a free one). */
  readonly runtimeApiPort?: number;
  /** The invocation whose log gets the init output (an init retried inside it). */
  readonly initFor?: Invocation | undefined;
  /** Initialised ahead of traffic: its invocations never show an Init Duration. */
  readonly provisioned?: boolean;
  /** Its log stream name (AWS_LAMBDA_LOG_STREAM_NAME); minted here when not given. */
  readonly logStreamName?: string;
}
