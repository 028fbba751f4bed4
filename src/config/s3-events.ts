/**
 * The S3 notifications of a template (docs/event-sources-s3.md): SAM functions' `Events` of Type
 * S3 (`Bucket: !Ref <bucket of this template>`, `Events`, `Filter.S3Key.Rules`), and the
 * `NotificationConfiguration.LambdaConfigurations` written by hand on an `AWS::S3::Bucket`. Each
 * becomes an S3NotificationDefinition; configurations of one bucket whose event types and key
 * filters overlap are a problem, as S3 refuses them ("Configurations overlap").
 */
import {
  EMITTED_EVENTS, S3_EVENT_TYPES, eventTypeCovers, eventTypesOverlap, filtersOverlap,
  type S3BucketDefinition, type S3NotificationDefinition,
} from '../event-sources/s3/s3-notification-types.js';
import { isPlainObject } from './cfn-intrinsics.js';
import { resolveProperty, show, type TemplateReport } from './function-properties.js';
import type { QueueContext } from './queue-resources.js';
import { S3_BUCKET } from './s3-buckets.js';

const SAM_PROPERTIES = new Set(['Bucket', 'Events', 'Filter']);
const LAMBDA_CONFIG_PROPERTIES = new Set(['Event', 'Filter', 'Function']);
const FUNCTION_ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:([a-zA-Z0-9_-]{1,64})(?::([a-zA-Z0-9$_-]{1,128}))?$/;
/** S3's limit on a filter rule's value. */
const MAX_RULE_VALUE = 1024;

interface Where {
  readonly resource: string;
  readonly at: string;
}

type Draft = Omit<S3NotificationDefinition, 'bucketName'> & { readonly bucketId: string };

/** `Events`: one event type or a list of them, each one S3 knows. */
function eventTypes(report: TemplateReport, w: Where, raw: unknown): string[] | undefined {
  const list = typeof raw === 'string' ? [raw] : Array.isArray(raw) ? raw : undefined;
  if (list === undefined || list.length === 0) return void report.problem(w.resource, w.at, `${show(raw)} is not an S3 event type or a non-empty list of them (such as s3:ObjectCreated:*)`);
  const out: string[] = [];
  for (const item of list) {
    if (typeof item !== 'string' || !S3_EVENT_TYPES.has(item)) return void report.problem(w.resource, w.at, `${show(item)} is not an S3 event type (such as s3:ObjectCreated:*, s3:ObjectCreated:Put, s3:ObjectRemoved:*)`);
    if (!EMITTED_EVENTS.some((name) => eventTypeCovers(item, name))) report.warn(w.resource, w.at, `${item}: Lamina's S3 never emits this event (it emits ${EMITTED_EVENTS.join(', ')})`);
    out.push(item);
  }
  return out;
}

/** `Filter: { S3Key: { Rules: [{ Name: prefix|suffix, Value }] } }`. */
function keyFilter(report: TemplateReport, w: Where, raw: unknown): { prefix: string; suffix: string } | undefined {
  const out = { prefix: '', suffix: '' };
  if (raw === undefined) return out;
  const rules = isPlainObject(raw) && Object.keys(raw).every((k) => k === 'S3Key') && isPlainObject(raw.S3Key) && Object.keys(raw.S3Key).every((k) => k === 'Rules') ? raw.S3Key.Rules : undefined;
  if (!Array.isArray(rules)) return void report.problem(w.resource, w.at, `${show(raw)} is not { S3Key: { Rules: [{ Name: prefix | suffix, Value }] } }`);
  const seen = new Set<string>();
  for (const [i, rule] of rules.entries()) {
    const name = isPlainObject(rule) && typeof rule.Name === 'string' ? rule.Name.toLowerCase() : undefined;
    const value = isPlainObject(rule) ? rule.Value : undefined;
    const extra = isPlainObject(rule) ? Object.keys(rule).filter((k) => k !== 'Name' && k !== 'Value') : [];
    if ((name !== 'prefix' && name !== 'suffix') || typeof value !== 'string' || extra.length > 0) return void report.problem(w.resource, `${w.at}.S3Key.Rules[${i}]`, `${show(rule)} is not { Name: prefix | suffix, Value: <string> }`);
    if (seen.has(name)) return void report.problem(w.resource, `${w.at}.S3Key.Rules[${i}]`, `a second ${name} rule: S3 takes at most one prefix and one suffix`);
    if (Buffer.byteLength(value) > MAX_RULE_VALUE) return void report.problem(w.resource, `${w.at}.S3Key.Rules[${i}].Value`, `longer than ${MAX_RULE_VALUE} bytes`);
    seen.add(name);
    out[name] = value;
  }
  return out;
}

function unknownProperties(report: TemplateReport, w: Where, props: Readonly<Record<string, unknown>>, known: ReadonlySet<string>): boolean {
  let bad = false;
  for (const key of Object.keys(props)) {
    if (known.has(key)) continue;
    report.problem(w.resource, `${w.at}.${key}`, `unknown property (${[...known].join(', ')})`);
    bad = true;
  }
  return bad;
}

/**
 * Collects the notifications while the loader walks the functions, then checks them once the
 * buckets are known.
 *
 * @example
 * const s3 = new S3EventCollector(queueContext);
 * s3.addFunction('Thumbnailer', 'thumbnailer', undefined, merged.Events);
 * const notifications = s3.finish(resources, buckets, new Set(['thumbnailer']));
 */
export class S3EventCollector {
  readonly #drafts: Draft[] = [];
  readonly #refs: { draft: number; bucket: unknown; where: Where }[] = [];

  constructor(private readonly context: QueueContext) {}

  /** Read one SAM function's `Events` of Type S3 (other types are left to their readers). */
  addFunction(functionId: string, functionName: string, publishedAlias: string | undefined, events: unknown): void {
    if (!isPlainObject(events)) return;
    const { report, resolver } = this.context;
    for (const [eventName, event] of Object.entries(events)) {
      if (!isPlainObject(event) || event.Type !== 'S3') continue;
      const at = `Events.${eventName}.Properties`;
      const props = event.Properties;
      if (!isPlainObject(props)) {
        report.problem(functionId, at, 'must be a map with Bucket and Events');
        continue;
      }
      const w = { resource: functionId, at };
      const broken = unknownProperties(report, w, props, SAM_PROPERTIES);
      if (props.Bucket === undefined) report.problem(functionId, `${at}.Bucket`, 'is required (a !Ref to an AWS::S3::Bucket of this template)');
      const types = resolveProperty(report, resolver, functionId, `${at}.Events`, props.Events);
      const events = types?.present === true ? eventTypes(report, { resource: functionId, at: `${at}.Events` }, types.value) : types === undefined ? undefined : void report.problem(functionId, `${at}.Events`, 'is required');
      const filter = resolveProperty(report, resolver, functionId, `${at}.Filter`, props.Filter);
      const keys = filter === undefined ? undefined : keyFilter(report, { resource: functionId, at: `${at}.Filter` }, filter.present ? filter.value : undefined);
      if (broken || events === undefined || keys === undefined || props.Bucket === undefined) continue;
      this.#refs.push({ draft: this.#drafts.length, bucket: props.Bucket, where: { resource: functionId, at: `${at}.Bucket` } });
      this.#drafts.push({ id: `${functionId}${eventName}`, bucketId: '', functionName, qualifier: publishedAlias === '' ? undefined : publishedAlias, events, ...keys, where: `Resource ${functionId}: property ${at}` });
    }
  }

  /** Resolve the SAM events' buckets, read the buckets' own configurations, check overlaps. */
  finish(resources: Readonly<Record<string, unknown>>, buckets: readonly S3BucketDefinition[], functionNames: ReadonlySet<string>): S3NotificationDefinition[] {
    const { report } = this.context;
    const byId = new Map(buckets.map((b) => [b.logicalId, b]));
    const drafts: Draft[] = [];
    for (const ref of this.#refs) {
      const id = isPlainObject(ref.bucket) && Object.keys(ref.bucket).length === 1 && typeof ref.bucket.Ref === 'string' ? ref.bucket.Ref : undefined;
      const draft = this.#drafts[ref.draft];
      if (id === undefined || !byId.has(id)) {
        const isBucket = id !== undefined && isPlainObject(resources[id]) && (resources[id] as Record<string, unknown>).Type === S3_BUCKET;
        report.problem(ref.where.resource, ref.where.at, isBucket ? `${id} is not loaded (its condition is false)` : `${show(ref.bucket)} must be a !Ref to an AWS::S3::Bucket of this template (SAM requires it)`);
      } else if (draft !== undefined) drafts.push({ ...draft, bucketId: id });
    }
    for (const bucket of buckets) drafts.push(...this.#bucketConfigurations(resources, bucket, functionNames));
    const out = drafts.map(({ bucketId, ...d }) => ({ ...d, bucketName: byId.get(bucketId)?.name ?? '' }));
    this.#checkOverlaps(out);
    return out;
  }

  /** `NotificationConfiguration.LambdaConfigurations` of one bucket. */
  #bucketConfigurations(resources: Readonly<Record<string, unknown>>, bucket: S3BucketDefinition, functionNames: ReadonlySet<string>): Draft[] {
    const { report, resolver } = this.context;
    const resource = resources[bucket.logicalId];
    const props = isPlainObject(resource) && isPlainObject(resource.Properties) ? resource.Properties : {};
    const config = resolveProperty(report, resolver, bucket.logicalId, 'NotificationConfiguration', props.NotificationConfiguration, false);
    if (config?.present !== true) return [];
    if (!isPlainObject(config.value)) {
      report.problem(bucket.logicalId, 'NotificationConfiguration', 'must be a map');
      return [];
    }
    for (const key of Object.keys(config.value)) {
      if (key === 'QueueConfigurations' || key === 'TopicConfigurations' || key === 'EventBridgeConfiguration') report.warn(bucket.logicalId, `NotificationConfiguration.${key}`, 'ignored: Lamina delivers S3 notifications to functions only');
      else if (key !== 'LambdaConfigurations') report.problem(bucket.logicalId, `NotificationConfiguration.${key}`, 'unknown property (LambdaConfigurations, QueueConfigurations, TopicConfigurations, EventBridgeConfiguration)');
    }
    const list = resolveProperty(report, resolver, bucket.logicalId, 'NotificationConfiguration.LambdaConfigurations', config.value.LambdaConfigurations, false);
    if (list?.present !== true) return [];
    if (!Array.isArray(list.value)) {
      report.problem(bucket.logicalId, 'NotificationConfiguration.LambdaConfigurations', 'must be a list');
      return [];
    }
    const out: Draft[] = [];
    for (const [i, item] of list.value.entries()) {
      const at = `NotificationConfiguration.LambdaConfigurations[${i}]`;
      const w = { resource: bucket.logicalId, at };
      if (!isPlainObject(item)) {
        report.problem(bucket.logicalId, at, 'must be a map with Event and Function');
        continue;
      }
      const broken = unknownProperties(report, w, item, LAMBDA_CONFIG_PROPERTIES);
      const event = resolveProperty(report, resolver, bucket.logicalId, `${at}.Event`, item.Event);
      const events = event?.present === true ? eventTypes(report, { resource: bucket.logicalId, at: `${at}.Event` }, event.value) : event === undefined ? undefined : void report.problem(bucket.logicalId, `${at}.Event`, 'is required');
      if (events !== undefined && events.length !== 1) report.problem(bucket.logicalId, `${at}.Event`, 'takes one event type (a string)');
      const filter = resolveProperty(report, resolver, bucket.logicalId, `${at}.Filter`, item.Filter);
      const keys = filter === undefined ? undefined : keyFilter(report, { resource: bucket.logicalId, at: `${at}.Filter` }, filter.present ? filter.value : undefined);
      const fn = resolveProperty(report, resolver, bucket.logicalId, `${at}.Function`, item.Function);
      const m = fn?.present === true && typeof fn.value === 'string' ? FUNCTION_ARN.exec(fn.value) : null;
      if (fn?.present === false) report.problem(bucket.logicalId, `${at}.Function`, 'is required (the function ARN, e.g. !GetAtt MyFunction.Arn)');
      else if (fn !== undefined && (m === null || !functionNames.has(m[1] ?? ''))) report.problem(bucket.logicalId, `${at}.Function`, `${show(fn.value)} is not the ARN of a function of this template`);
      if (broken || events === undefined || events.length !== 1 || keys === undefined || m === null) continue;
      out.push({ id: `${bucket.logicalId}LambdaConfiguration${i + 1}`, bucketId: bucket.logicalId, functionName: m[1] ?? '', qualifier: m[2], events, ...keys, where: `Resource ${bucket.logicalId}: property ${at}` });
    }
    return out;
  }

  /** S3 refuses two configurations of one bucket that one event on one key would both match. */
  #checkOverlaps(defs: readonly S3NotificationDefinition[]): void {
    const pairs = (list: readonly string[]): [number, number][] => list.flatMap((_, i) => list.slice(i + 1).map((__, j) => [i, i + 1 + j] as [number, number]));
    for (const [ai, bi] of pairs(defs.map((d) => d.id))) {
      const a = defs[ai] as S3NotificationDefinition;
      const b = defs[bi] as S3NotificationDefinition;
      if (a.bucketName !== b.bucketName || !filtersOverlap(a, b)) continue;
      const shared = a.events.find((x) => b.events.some((y) => eventTypesOverlap(x, y)));
      if (shared !== undefined) this.#overlap(b, `overlaps ${a.where} on bucket ${a.bucketName} (event ${shared}, prefix ${show(a.prefix)}/${show(b.prefix)}, suffix ${show(a.suffix)}/${show(b.suffix)}): S3 refuses overlapping configurations`);
    }
    for (const d of defs) {
      const inner = pairs(d.events).find(([i, j]) => eventTypesOverlap(d.events[i] ?? '', d.events[j] ?? ''));
      if (inner !== undefined) this.#overlap(d, `${d.events[inner[0]]} and ${d.events[inner[1]]} overlap: S3 refuses overlapping configurations`);
    }
  }

  #overlap(d: S3NotificationDefinition, message: string): void {
    this.context.report.problems.push(`${d.where}: ${message}`);
  }
}
