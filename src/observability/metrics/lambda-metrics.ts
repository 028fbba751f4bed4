/**
 * CloudWatch's AWS/Lambda metrics, kept from what the platform tells its observers
 * (docs/metrics.md): a platform observer for the phase records, environment states and throttles,
 * and `measure` for what the event queue and the stream pollers report. Each invocation costs a
 * map lookup at its start and a handful of additions at its report.
 */
import type { Invocation } from '../../platform/invocation.js';
import type { PhaseEvent, ReportRecord } from '../phase-records.js';
import type { ObservedEnvironment, ObservedState, ObservedThrottle, PlatformObserver } from '../platform-observer.js';
import type { FunctionUsage } from './cost-estimate.js';
import type { Architecture } from './lambda-prices.js';
import { type Family, MetricsRegistry, observe, type Series } from './metrics-registry.js';
import { defineFamilies, type LambdaFamilies } from './lambda-families.js';

export interface LambdaMetricsOptions {
  /** Has the function reserved concurrency (its executions are not unreserved ones)? Default: none has. */
  readonly reserved?: ((functionName: string) => boolean) | undefined;
  /** A version's memory and architecture, for environments seen without an invocation (provisioned ones). */
  readonly configOf?: ((functionName: string, version: string) => { readonly memorySize: number; readonly architecture: Architecture } | undefined) | undefined;
  readonly now?: (() => number) | undefined;
}

/** The series one function, resource and executed version writes to. */
interface Dimensioned {
  readonly invocations: Series;
  readonly errors: Series;
  readonly duration: Series;
  readonly initDuration: Series;
  readonly concurrent: Series;
  readonly concurrentMax: Series;
  readonly provisionedConcurrent: Series;
  readonly provisionedInvocations: Series;
  readonly spillover: Series;
  readonly usage: FunctionUsage;
}

/** What is known of one live environment. */
interface Tracked {
  /** The series of the invocation it runs now. */
  busy: Dimensioned | undefined;
  unreserved: boolean;
  /** When it was first heard of (a provisioned one is kept, and priced, from then). */
  readonly since: number;
  /** A provisioned environment counted in its version's allocation. */
  allocated: boolean;
}

const ERROR_STATUSES = new Set<ReportRecord['status']>(['error', 'timeout']);

/**
 * @example
 * const metrics = new LambdaMetrics({ reserved: (name) => platform.registry.reservations.reservedFor(name) !== undefined });
 * platform.observers.add(metrics);
 * renderMetrics(metrics.registry, 'openmetrics');
 */
export class LambdaMetrics implements PlatformObserver {
  readonly registry: MetricsRegistry;
  readonly families: LambdaFamilies;
  readonly #o: LambdaMetricsOptions;
  readonly #now: () => number;
  readonly #dimensioned = new Map<string, Dimensioned>();
  readonly #environments = new Map<ObservedEnvironment, Tracked>();
  /** Provisioned environments allocated and running, by function and version. */
  readonly #provisioned = new Map<string, { allocated: number; busy: number; readonly utilization: Series }>();
  readonly #usage = new Map<string, FunctionUsage>();
  #unreservedBusy = 0;

  constructor(options: LambdaMetricsOptions = {}, registry = new MetricsRegistry()) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.registry = registry;
    this.families = defineFamilies(registry);
  }

  phase(environment: ObservedEnvironment, event: PhaseEvent, invocation: Invocation | undefined): void {
    if (event.type === 'platform.start') this.#started(environment, invocation);
    else if (event.type === 'platform.report') this.#reported(environment, event.record, invocation);
  }

  environment(environment: ObservedEnvironment, state: ObservedState): void {
    if (state === 'dead' && !this.#environments.has(environment)) return;
    const tracked = this.#track(environment);
    if (environment.provisioned && !tracked.allocated && (state === 'initializing' || state === 'idle')) {
      tracked.allocated = true;
      this.#allocation(environment).allocated += 1;
    }
    if (state === 'retiring' || state === 'dead') {
      // A retiring environment finishes the invocation it runs (its report frees the slot); a dead one is gone.
      if (state === 'dead') this.#idle(environment, tracked);
      if (tracked.allocated) {
        tracked.allocated = false;
        this.#allocation(environment).allocated -= 1;
        this.#keep(environment, tracked);
      }
      if (state === 'dead') this.#environments.delete(environment);
    }
  }

  throttled(throttle: ObservedThrottle): void {
    const resource = throttle.qualifier === undefined ? throttle.functionName : `${throttle.functionName}:${throttle.qualifier}`;
    const family = throttle.queued ? this.families.asyncThrottles : this.families.throttles;
    family.series(throttle.queued ? [throttle.functionName] : [throttle.functionName, resource, throttle.version]).value += 1;
  }

  /** The event queue's and stream pollers' measurements (src/async/queue-types.ts QueueMeasure). */
  readonly measure = (functionName: string, name: string, value: number): void => {
    const family = this.families.byQueueName.get(name);
    if (family === undefined) return;
    const series = family.series([functionName]);
    if (family.spec.type === 'summary') observe(series, value);
    else series.value += value;
  };

  /** What each function used so far (provisioned environments alive are counted up to now). */
  usage(): FunctionUsage[] {
    const now = this.#now();
    const live = new Map<string, number>();
    for (const [environment, tracked] of this.#environments) {
      if (!tracked.allocated) continue;
      const gb = (this.#o.configOf?.(environment.functionName, environment.version)?.memorySize ?? 128) / 1024;
      live.set(environment.functionName, (live.get(environment.functionName) ?? 0) + (gb * (now - tracked.since)) / 1000);
    }
    return [...this.#usage.values()].map((usage) => ({ ...usage, keptGbSeconds: usage.keptGbSeconds + (live.get(usage.functionName) ?? 0) }));
  }

  #track(environment: ObservedEnvironment): Tracked {
    let tracked = this.#environments.get(environment);
    if (tracked === undefined) {
      tracked = { busy: undefined, unreserved: false, since: this.#now(), allocated: false };
      this.#environments.set(environment, tracked);
    }
    return tracked;
  }

  #started(environment: ObservedEnvironment, invocation: Invocation | undefined): void {
    // An environment started before this observer was added is first heard of here.
    const tracked = this.#track(environment);
    if (tracked.busy !== undefined) return;
    const dims = this.#dims(environment, invocation);
    tracked.busy = dims;
    dims.concurrent.value += 1;
    if (dims.concurrent.value > dims.concurrentMax.value) dims.concurrentMax.value = dims.concurrent.value;
    tracked.unreserved = this.#o.reserved?.(environment.functionName) !== true;
    if (tracked.unreserved) this.#unreservedBusy += 1;
    this.families.unreserved.series([]).value = this.#unreservedBusy;
    if (environment.provisioned) {
      dims.provisionedConcurrent.value += 1;
      const allocation = this.#allocation(environment);
      allocation.busy += 1;
      allocation.utilization.value = allocation.allocated === 0 ? 0 : allocation.busy / allocation.allocated;
    }
  }

  #reported(environment: ObservedEnvironment, record: ReportRecord, invocation: Invocation | undefined): void {
    const tracked = this.#environments.get(environment);
    const dims = tracked?.busy ?? this.#dims(environment, invocation);
    if (tracked !== undefined) this.#idle(environment, tracked);
    dims.invocations.value += 1;
    if (ERROR_STATUSES.has(record.status)) dims.errors.value += 1;
    const { metrics } = record;
    observe(dims.duration, metrics.durationMs);
    if (metrics.initDurationMs !== undefined) observe(dims.initDuration, metrics.initDurationMs);
    const gbSeconds = (metrics.billedDurationMs / 1000) * (metrics.memorySizeMB / 1024);
    const usage = dims.usage;
    if (environment.provisioned) {
      dims.provisionedInvocations.value += 1;
      usage.provisionedRequests += 1;
      usage.provisionedGbSeconds += gbSeconds;
    } else {
      if ((this.#provisioned.get(`${environment.functionName}\u0000${environment.version}`)?.allocated ?? 0) > 0) dims.spillover.value += 1;
      usage.requests += 1;
      usage.gbSeconds += gbSeconds;
    }
    const storageMb = invocation?.fn.ephemeralStorageMb ?? 512;
    if (storageMb > 512) usage.storageGbSeconds += ((storageMb - 512) / 1024) * (metrics.billedDurationMs / 1000);
  }

  /** The environment's invocation is over (reported, or the environment went away). */
  #idle(environment: ObservedEnvironment, tracked: Tracked): void {
    const dims = tracked.busy;
    if (dims === undefined) return;
    tracked.busy = undefined;
    dims.concurrent.value -= 1;
    if (tracked.unreserved) {
      this.#unreservedBusy -= 1;
      this.families.unreserved.series([]).value = this.#unreservedBusy;
    }
    if (environment.provisioned) {
      dims.provisionedConcurrent.value -= 1;
      const allocation = this.#allocation(environment);
      allocation.busy -= 1;
      allocation.utilization.value = allocation.allocated === 0 ? 0 : allocation.busy / allocation.allocated;
    }
  }

  #allocation(environment: ObservedEnvironment): { allocated: number; busy: number; readonly utilization: Series } {
    const key = `${environment.functionName}\u0000${environment.version}`;
    let allocation = this.#provisioned.get(key);
    if (allocation === undefined) {
      allocation = { allocated: 0, busy: 0, utilization: this.families.provisionedUtilization.series([environment.functionName, environment.version]) };
      this.#provisioned.set(key, allocation);
    }
    return allocation;
  }

  /** A provisioned environment's time, kept: memory × seconds, priced as provisioned concurrency. */
  #keep(environment: ObservedEnvironment, tracked: Tracked): void {
    const config = this.#o.configOf?.(environment.functionName, environment.version);
    const usage = this.#usageOf(environment.functionName, config?.architecture ?? 'x86_64');
    usage.keptGbSeconds += ((config?.memorySize ?? 128) / 1024) * ((this.#now() - tracked.since) / 1000);
  }

  #usageOf(functionName: string, architecture: Architecture): FunctionUsage {
    let usage = this.#usage.get(functionName);
    if (usage === undefined) {
      usage = { functionName, architecture, requests: 0, gbSeconds: 0, provisionedRequests: 0, provisionedGbSeconds: 0, keptGbSeconds: 0, storageGbSeconds: 0 };
      this.#usage.set(functionName, usage);
    }
    return usage;
  }

  #dims(environment: ObservedEnvironment, invocation: Invocation | undefined): Dimensioned {
    const name = environment.functionName;
    const qualifier = invocation?.request.qualifier;
    const resource = qualifier === undefined ? name : `${name}:${qualifier}`;
    const key = `${resource}\u0000${environment.version}`;
    let dims = this.#dimensioned.get(key);
    if (dims === undefined) {
      const values = [name, resource, environment.version];
      const f = this.families;
      const of = (family: Family): Series => family.series(values);
      dims = {
        invocations: of(f.invocations),
        errors: of(f.errors),
        duration: of(f.duration),
        initDuration: of(f.initDuration),
        concurrent: of(f.concurrent),
        concurrentMax: of(f.concurrentMax),
        provisionedConcurrent: of(f.provisionedConcurrent),
        provisionedInvocations: of(f.provisionedInvocations),
        spillover: of(f.spillover),
        usage: this.#usageOf(name, invocation?.fn.management?.architecture ?? 'x86_64'),
      };
      this.#dimensioned.set(key, dims);
    }
    return dims;
  }
}
