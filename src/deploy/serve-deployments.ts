/**
 * Deployments in `lamina serve` (docs/deployments.md): the CodeDeploy endpoint for hooks (started
 * before the platform, so that hook functions are given `AWS_ENDPOINT_URL_CODEDEPLOY`), then the
 * deployments reacting to the platform's registry, logging each step.
 */
import { networkInterfaces } from 'node:os';
import type { SettingsStore } from '../control/settings-store.js';
import type { FunctionConfig } from '../config/function-config.js';
import type { Platform } from '../platform/platform.js';
import { startCodeDeployServer, type CodeDeployServer } from './codedeploy-server.js';
import { scaledSleep } from './deploy-clock.js';
import { Deployments } from './deployments.js';
import { DEFAULT_ERROR_THRESHOLD, type ErrorRateThreshold } from './error-rate.js';
import { type HookInvoker, LifecycleHooks } from './lifecycle-hooks.js';

/** CodeDeploy waits an hour for a Lambda hook's report. */
export const HOOK_TIMEOUT_MS = 60 * 60_000;

export interface DeploymentSettings {
  readonly host: string;
  /** 0: any free port. */
  readonly port: number;
  /** Multiplies every interval of a schedule and the hooks' timeout (default 1). */
  readonly timeScale: number;
  readonly threshold?: ErrorRateThreshold | undefined;
  readonly hookTimeoutMs?: number | undefined;
  readonly log: (line: string) => void;
  /**
   * Functions run in isolated environments (their own network namespace): they cannot reach the
   * host's loopback, so the banner says how hooks can reach the endpoint (docs/deployments.md).
   */
  readonly isolated?: boolean | undefined;
  /** Where deployments' outcomes are kept across restarts (the control state's settings). */
  readonly settings?: SettingsStore | undefined;
}

export interface StartedDeployments {
  /** What the platform adds to a function's environment (`PlatformOptions.serviceEnvironment`): the endpoint, for hook functions. */
  environmentOf(functionName: string): Readonly<Record<string, string>> | undefined;
  /** The endpoint as hook functions are given it. */
  readonly endpoint: string | undefined;
  readonly banner: string[];
  /** Start reacting to `platform`'s registry. */
  attach(platform: Platform): Deployments;
  /** Roll back the deployments under way, then close the endpoint. */
  stop(): Promise<void>;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

/**
 * The endpoint as a function can use it: a listener on every address (`0.0.0.0`, `::`) is named by
 * the host's first non-loopback IPv4 address, which an isolated environment reaches through its
 * link to the host (docs/isolation.md, "Network"); any other address is named as it is.
 *
 * @example reachableEndpoint('http://0.0.0.0:9500', '0.0.0.0') // 'http://192.0.2.2:9500'
 */
export function reachableEndpoint(endpoint: string, host: string): string {
  if (host !== '0.0.0.0' && host !== '::') return endpoint;
  const address = Object.values(networkInterfaces()).flat().find((info) => info !== undefined && info.family === 'IPv4' && !info.internal);
  const port = new URL(endpoint).port;
  return address === undefined ? `http://127.0.0.1:${port}` : `http://${address.address}:${port}`;
}

/** @example const hooks = hookFunctions(functions); // Set { 'pre-hook', 'post-hook' } */
export function hookFunctions(functions: readonly FunctionConfig[]): Set<string> {
  const hooks = new Set<string>();
  for (const fn of functions) for (const hook of [fn.deployment?.preTraffic, fn.deployment?.postTraffic]) if (hook !== undefined) hooks.add(hook);
  return hooks;
}

/**
 * @example
 * const deploying = await startDeployments(functions, { host: '127.0.0.1', port: 0, timeScale: 1, log });
 * const platform = new Platform({ functions, serviceEnvironment: (name) => deploying.environmentOf(name) });
 * deploying.attach(platform);
 */
export async function startDeployments(functions: readonly FunctionConfig[], settings: DeploymentSettings): Promise<StartedDeployments> {
  let platform: Platform | undefined;
  const invoke: HookInvoker = async (functionName, payload) => {
    if (platform === undefined) throw new Error('the platform is not running');
    const outcome = await platform.invoke({ functionName, qualifier: undefined, invocationType: 'RequestResponse', payload, clientContext: undefined, tailLogs: false, traceId: undefined, tenantId: undefined, streaming: false });
    return outcome.result.kind === 'function-error' ? 'error' : 'ok';
  };
  const sleep = scaledSleep(settings.timeScale);
  const hooks = new LifecycleHooks(invoke, settings.hookTimeoutMs ?? HOOK_TIMEOUT_MS, sleep);
  const deployed = functions.filter((fn) => fn.deployment !== undefined);
  const hookNames = hookFunctions(functions);
  let server: CodeDeployServer | undefined;
  if (hookNames.size > 0) server = await startCodeDeployServer(hooks, settings.host, settings.port);
  const endpoint = server?.endpoint;
  const named = endpoint === undefined ? undefined : reachableEndpoint(endpoint, settings.host);
  // Added at each environment's start, below the hook's own Environment (its own value wins), and
  // not to its configuration: the endpoint's port may change at every start.
  const added = named === undefined ? undefined : { AWS_ENDPOINT_URL_CODEDEPLOY: named };
  let deployments: Deployments | undefined;
  const banner = deployed.map((fn) => `  ${fn.name}:${fn.publishedAlias ?? ''} deploys new versions ${fn.deployment?.type ?? ''}${settings.timeScale === 1 ? '' : ` (time scale ${settings.timeScale})`}`);
  if (named !== undefined) banner.push(`  CodeDeploy hook endpoint (PutLifecycleEventHookExecutionStatus): ${named}`);
  if (named !== undefined && settings.isolated === true && isLoopback(settings.host)) {
    banner.push('  (isolated hook functions cannot reach the host\'s loopback: use --no-isolation, or --host 0.0.0.0; see docs/deployments.md)');
  }
  return {
    environmentOf: (functionName) => (hookNames.has(functionName) ? added : undefined),
    endpoint: named,
    banner: banner.length > 0 ? ['Deployments:', ...banner] : [],
    attach: (running) => {
      platform = running;
      deployments ??= new Deployments({ registry: running.registry, hooks, ends: (listener) => running.onInvocationEnd(listener), threshold: settings.threshold ?? DEFAULT_ERROR_THRESHOLD, sleep, log: settings.log, settings: settings.settings });
      deployments.attach();
      return deployments;
    },
    stop: async () => {
      await deployments?.stop();
      await server?.close();
    },
  };
}
