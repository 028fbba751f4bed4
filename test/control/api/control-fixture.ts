/**
 * A control plane over a registry of made-up functions (no processes run), and calls built from
 * a method and URL through the real route table and call parser, as the HTTP layer builds them.
 */
import { ControlPlane } from '../../../src/control/api/control-plane.js';
import type { ControlContext, ProvisionedPort } from '../../../src/control/api/control-context.js';
import { MemorySettingsStore } from '../../../src/control/settings-store.js';
import { ServiceError } from '../../../src/errors.js';
import type { ManagementAnswer } from '../../../src/management/management-port.js';
import { matchManagementRoute, toManagementCall } from '../../../src/management/match-route.js';
import type { RegistryOptions } from '../../../src/registry/function-registry.js';
import { registryWith } from '../../registry/registry-fixture.js';

export interface Fixture {
  readonly control: ControlPlane;
  readonly context: ControlContext;
  /** Answer a call; a thrown ServiceError comes back as `{ error }`. */
  call(method: string, url: string, body?: unknown): Promise<ManagementAnswer & { readonly json: Record<string, unknown> }>;
  /** The ServiceError a call throws (fails the test when it succeeds). */
  refused(method: string, url: string, body?: unknown): Promise<{ readonly name: string; readonly message: string; readonly status: number }>;
}

export async function controlWith(names: readonly string[], extra: Partial<ControlContext> = {}, options: RegistryOptions = {}): Promise<Fixture> {
  const registry = await registryWith(names, options);
  const context: ControlContext = { registry, region: 'us-east-1', accountId: '000000000000', stateDir: '/nonexistent', now: () => new Date('2026-03-01T12:00:00Z'), settings: new MemorySettingsStore(), ...extra };
  const control = new ControlPlane(context);
  const run = (method: string, url: string, body?: unknown) => {
    const match = matchManagementRoute(method, url);
    if (match === undefined) throw new Error(`no route for ${method} ${url}`);
    return control.handle(toManagementCall(match, Buffer.from(body === undefined ? '' : JSON.stringify(body))));
  };
  return {
    control,
    context,
    call: async (method, url, body) => {
      const answer = await run(method, url, body);
      return { ...answer, json: (answer.body ?? {}) as Record<string, unknown> };
    },
    refused: async (method, url, body) => {
      try {
        const answer = await run(method, url, body);
        throw new Error(`expected a refusal, got ${answer.status} ${JSON.stringify(answer.body)}`);
      } catch (error) {
        if (!(error instanceof ServiceError)) throw error;
        return { name: error.spec.name, message: error.message, status: error.spec.status };
      }
    },
  };
}

/** A platform side of provisioned concurrency the test drives: it reports what the test says is ready. */
export class FakeProvisioned implements ProvisionedPort {
  readonly asked = new Map<string, number>();
  readonly ready = new Map<string, number>();
  setProvisioned(functionName: string, version: string, count: number): void {
    this.asked.set(`${functionName}:${version}`, count);
  }
  readyProvisioned(functionName: string, version: string): number {
    return this.ready.get(`${functionName}:${version}`) ?? 0;
  }
}
