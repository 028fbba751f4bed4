/**
 * An environment's hooks, extended to tell the platform's observers (docs/observability.md) what
 * happens in it: its phase records, its log lines and its state changes, each with the
 * environment's identity (function, version, log stream).
 */
import type { ObservedEnvironment, Observers } from '../observability/platform-observer.js';
import type { EnvironmentHooks } from './environment-types.js';

/**
 * @example
 * const hooks = observed({ log, idle, dead, reroute }, platform.observers, { functionName: 'fn', version: '$LATEST', logStream, provisioned: false });
 */
export function observed(hooks: EnvironmentHooks, observers: Observers | undefined, environment: ObservedEnvironment): EnvironmentHooks {
  if (observers === undefined) return hooks;
  return {
    ...hooks,
    log: (line, invocation, fromFunction) => {
      hooks.log(line, invocation, fromFunction);
      observers.log(environment, line, invocation, fromFunction === true);
    },
    phase: (event, invocation) => observers.phase(environment, event, invocation),
    state: (_env, state) => observers.environment(environment, state),
  };
}
