/**
 * `lamina serve --debug`: a proxy per debugged function on its port of the host's loopback, the
 * pools' debuggers, and the banner that says how to attach (docs/debugging.md).
 */
import { ConfigError } from '../errors.js';
import { TASK_ROOT } from '../sandbox/process-sandbox.js';
import type { FunctionConfig } from '../config/function-config.js';
import type { FunctionDebugger } from '../platform/version-pools.js';
import type { DebugTarget } from './debug-options.js';
import { DebugSession } from './debug-session.js';
import { nodeInspector, startInspectorProxy } from './inspector-proxy.js';
import { debugpyAdapter, startDapProxy } from './dap-proxy.js';

export interface Debugging {
  /** For `PlatformOptions.debug`: the debugger of a new pool of a debugged function. */
  debugOf(fn: FunctionConfig): FunctionDebugger | undefined;
  readonly banner: readonly string[];
  close(): Promise<void>;
}

export interface DebugSettings {
  /** Environments have their own network namespace (full isolation). */
  readonly privateNetwork: boolean;
  /** The code is at /var/task inside environments (limits or isolation). */
  readonly codeAtTaskRoot: boolean;
}

/** How a debugger attaches, as a VS Code launch configuration. */
function launchConfig(target: DebugTarget, remoteRoot: string): Record<string, unknown> {
  const name = `lamina: ${target.fn.name}`;
  if (target.kind === 'python') {
    return { type: 'debugpy', request: 'attach', name, connect: { host: '127.0.0.1', port: target.port }, pathMappings: [{ localRoot: target.fn.codeDir, remoteRoot }], justMyCode: true };
  }
  return { type: 'node', request: 'attach', name, address: '127.0.0.1', port: target.port, localRoot: target.fn.codeDir, remoteRoot, restart: true, skipFiles: ['<node_internals>/**'] };
}

function bannerOf(target: DebugTarget, settings: DebugSettings): string[] {
  const remoteRoot = settings.codeAtTaskRoot ? TASK_ROOT : target.fn.codeDir;
  const tool = target.kind === 'node' ? 'node inspector' : 'debugpy';
  const start = target.brk
    ? target.kind === 'node'
      ? '; each environment stops before its runtime\'s first line until a debugger lets it run'
      : '; each environment waits for a debugger before it runs'
    : '';
  const lines = [
    `  ${target.fn.name} (${tool}) on 127.0.0.1:${target.port}: one environment at a time (other invokes wait); its timeout stops while the debugger holds it${start}`,
    `    VS Code launch.json configuration: ${JSON.stringify(launchConfig(target, remoteRoot))}`,
  ];
  if (target.kind === 'node') lines.push(`    Chrome: chrome://inspect, "Configure..." localhost:${target.port}, then "inspect"`);
  return lines;
}

/**
 * Start the proxies (before anything else is served: a port in use stops the start with a clear
 * message and nothing else started).
 *
 * @example
 * const debugging = await startDebugging(parseDebugTargets(['hello'], false, fns, false), { privateNetwork: true, codeAtTaskRoot: true });
 * new Platform({ ..., debug: (fn) => debugging.debugOf(fn) });
 */
export async function startDebugging(targets: readonly DebugTarget[], settings: DebugSettings): Promise<Debugging> {
  const sessions = new Map<string, DebugSession>();
  const proxies: { close(): Promise<void> }[] = [];
  /** The targets with the ports their proxies listen on (`--debug NAME=0` picks one). */
  const bound: DebugTarget[] = [];
  const closeAll = async (): Promise<void> => {
    for (const session of sessions.values()) session.close();
    await Promise.all(proxies.map((proxy) => proxy.close()));
  };
  for (const target of targets) {
    const protocol = target.kind === 'node' ? nodeInspector : debugpyAdapter;
    const session = await DebugSession.create(target, protocol, { privateNetwork: settings.privateNetwork });
    sessions.set(target.fn.name, session);
    try {
      const proxy = target.kind === 'node' ? await startInspectorProxy(session, target.port) : await startDapProxy(session, target.port);
      proxies.push(proxy);
      bound.push({ ...target, port: proxy.port });
    } catch (error) {
      await closeAll();
      const code = (error as NodeJS.ErrnoException).code;
      const why = code === 'EADDRINUSE' ? 'is in use (another debugger, a `node --inspect`, another lamina serve?)' : `cannot be listened on: ${(error as Error).message}`;
      throw new ConfigError(`--debug ${target.fn.name}: port ${target.port} on 127.0.0.1 ${why}; choose another with --debug ${target.fn.name}=PORT`);
    }
  }
  const banner = bound.length === 0 ? [] : ['Debugging (docs/debugging.md):', ...bound.flatMap((target) => bannerOf(target, settings))];
  return {
    debugOf: (fn) => sessions.get(fn.name)?.forPool(),
    banner,
    close: closeAll,
  };
}
