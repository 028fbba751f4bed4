/**
 * X-Ray in `lamina serve` (docs/xray.md): the trace store, the UDP receiver functions' SDKs send
 * to, the daemon variables every function gets (as Lambda sets them, whatever the function's
 * tracing mode), the trace headers invocations run with, and the observer that writes the
 * platform's own segments.
 */
import { reachableEndpoint } from '../../deploy/serve-deployments.js';
import { newTraceId } from '../../platform/ids.js';
import type { TraceHeaders } from '../../platform/platform.js';
import type { Observers } from '../platform-observer.js';
import { platformSegments } from './platform-segments.js';
import { nsenter } from '../namespace-relay.js';
import type { SandboxStarted } from '../../platform/version-pools.js';
import { openUdpRelay, startRelayInlet, type RelayInlet } from './namespace-udp-relay.js';
import { invocationTraceHeader, tracingActive } from './trace-header.js';
import { startReceiver, type XRayReceiver } from './xray-receiver.js';
import { TraceStore } from './trace-store.js';

export interface XRaySettings {
  /** The address `lamina serve` binds (`--host`). */
  readonly host: string;
  /** The receiver's UDP port (`--xray-port`); 0 picks a free one. */
  readonly port: number;
  /** Functions run in isolated environments, which cannot reach the host's loopback. */
  readonly isolated: boolean;
}

export interface StartedXRay {
  readonly store: TraceStore;
  readonly receiver: XRayReceiver;
  /** What every function's environment gets (below its own `Environment`, which wins). */
  readonly environment: Readonly<Record<string, string>>;
  readonly traceHeaders: TraceHeaders;
  /** Starts a relay into each isolated environment of an `Active` function (PlatformOptions.sandboxStarted). */
  readonly sandboxStarted: SandboxStarted;
  /** Relays that could not start (the environment's segments are lost). */
  readonly relayFailures: () => number;
  /** Lines for the start banner. */
  readonly banner: readonly string[];
  /** Start writing the platform's segments; returns the observer's removal. */
  attach(platform: { readonly observers: Observers }): () => void;
  close(): Promise<void>;
}

/**
 * The variables Lambda sets for the X-Ray SDKs: the daemon's address three ways, and
 * `AWS_XRAY_CONTEXT_MISSING=LOG_ERROR` (a subsegment made outside a traced invocation is logged,
 * not thrown).
 *
 * @example daemonEnvironment('127.0.0.1', 2000).AWS_XRAY_DAEMON_ADDRESS // '127.0.0.1:2000'
 */
export function daemonEnvironment(address: string, port: number): Record<string, string> {
  return {
    AWS_XRAY_DAEMON_ADDRESS: `${address}:${port}`,
    _AWS_XRAY_DAEMON_ADDRESS: address,
    _AWS_XRAY_DAEMON_PORT: String(port),
    AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR',
  };
}

/**
 * @example
 * const xray = await startXRay({ host: '127.0.0.1', port: 0, isolated: false });
 * const platform = new Platform({ functions, traceHeaders: xray.traceHeaders, serviceEnvironment: () => xray.environment });
 * xray.attach(platform);
 */
export async function startXRay(settings: XRaySettings): Promise<StartedXRay> {
  const store = new TraceStore();
  const receiver = await startReceiver(store, settings.host, settings.port);
  // A receiver on every address is named by the host's own address, which isolated environments reach.
  const address = new URL(reachableEndpoint(`http://127.0.0.1:${receiver.port}`, settings.host)).hostname;
  const loopback = address.startsWith('127.') || address === 'localhost';
  const banner = [`X-Ray daemon on udp://${address}:${receiver.port}`];
  // Isolated environments cannot reach the host's loopback: a relay in their namespace listens at
  // the same address there (docs/xray.md, "Isolated functions").
  const relays = settings.isolated && loopback && nsenter() !== undefined;
  let inlet: RelayInlet | undefined;
  if (relays) {
    inlet = await startRelayInlet((datagram) => receiver.receive(datagram));
    banner.push('  (isolated functions with Tracing: Active reach it through a relay in their own network)');
  } else if (settings.isolated && loopback) {
    banner.push('  (isolated functions cannot reach the host\'s loopback and nsenter is missing: their segments need --host 0.0.0.0 or --no-isolation; see docs/xray.md)');
  }
  let relayFailures = 0;
  const sandboxStarted: SandboxStarted = (fn, sandbox, privateNetwork) => {
    const path = inlet?.socketPath;
    if (!privateNetwork || path === undefined || !tracingActive(fn)) return;
    // Once the sandbox's network exists (its Runtime API listener comes from inside it).
    void (sandbox.runtimeApiListener ?? Promise.resolve(undefined))
      .then(async () => {
        const pid = sandbox.networkPid ?? sandbox.rootPid;
        if (pid === undefined) return;
        const relay = await openUdpRelay(pid, receiver.port, path);
        // Gone with the sandbox (at once if it is gone already): a relay would keep its network alive.
        void sandbox.exited.then(() => relay.close(), () => relay.close());
      })
      .catch(() => {
        relayFailures += 1;
      });
  };
  return {
    store,
    receiver,
    sandboxStarted,
    relayFailures: () => relayFailures,
    environment: daemonEnvironment(address, receiver.port),
    traceHeaders: {
      invocation: (caller, fn) => invocationTraceHeader(caller, fn, Date.now()),
      fresh: () => newTraceId(Date.now(), '?'),
    },
    banner,
    attach: (platform) => platform.observers.add(platformSegments(store)),
    close: async () => {
      await inlet?.close();
      await receiver.close();
    },
  };
}
