/**
 * Where each kind of target is reached (docs/destinations.md, "Endpoints and credentials"), and the
 * start-up check that every target a template uses can be reached. Lamina serves the queues the
 * template defines itself, and its event buses (and `default`) when no EventBridge endpoint is
 * given (docs/eventbridge-server.md); any other queue or bus, and every SNS topic, needs an
 * endpoint the user gives (LocalStack, or a real AWS endpoint).
 */
import type { AsyncTarget } from '../async-types.js';

/** The endpoints the user gave, one per service (`--sqs-endpoint`, ...; `--aws-endpoint` fills all three). */
export interface TargetEndpoints {
  readonly sqs?: string | undefined;
  readonly sns?: string | undefined;
  readonly events?: string | undefined;
  /** Where Kinesis mappings of streams the template does not define are read (not a target kind). */
  readonly kinesis?: string | undefined;
}

/** Queue or bus ARN to the endpoint of the server that serves it (Lamina's embedded SQS or EventBridge). */
export type LocalQueues = ReadonlyMap<string, string>;

/** A target a configuration uses, and in which role, for the start-up check. */
export interface UsedTarget {
  readonly role: 'OnSuccess' | 'OnFailure' | 'DeadLetterQueue';
  readonly target: AsyncTarget;
  /** The function whose configuration names it, to say where to look. */
  readonly functionName?: string | undefined;
}

/** A target that needs a service endpoint. */
export type ServiceTarget = AsyncTarget & { readonly kind: 'sqs' | 'sns' | 'eventbridge' };

const SERVICE = {
  sqs: { key: 'sqs', option: '--sqs-endpoint', name: 'SQS' },
  sns: { key: 'sns', option: '--sns-endpoint', name: 'SNS' },
  eventbridge: { key: 'events', option: '--events-endpoint', name: 'EventBridge' },
} as const;

/**
 * The endpoint that serves `target`: a template queue's own server first, else the user's endpoint
 * for the service; `undefined` when there is none.
 *
 * @example
 * endpointFor({ kind: 'sns', arn: 'arn:aws:sns:us-east-1:123456789012:t', region: 'us-east-1' }, { sns: 'http://127.0.0.1:4566' }, new Map());
 * // 'http://127.0.0.1:4566'
 */
export function endpointFor(target: ServiceTarget, endpoints: TargetEndpoints, localQueues: LocalQueues): string | undefined {
  if (target.kind === 'sqs' || target.kind === 'eventbridge') {
    const local = localQueues.get(target.arn);
    if (local !== undefined) return local;
  }
  return endpoints[SERVICE[target.kind].key];
}

/**
 * One sentence per target that cannot be reached, for start-up; empty when all can. Pure: it looks
 * at the configuration and the endpoints, never at the network. Function targets are served by
 * Lamina itself and always pass.
 *
 * @example
 * checkTargetsReachable([{ role: 'OnFailure', target: { kind: 'sns', arn: 'arn:aws:sns:us-east-1:123456789012:alerts', region: 'us-east-1' } }], {}, new Map());
 * // ['OnFailure destination arn:aws:sns:us-east-1:123456789012:alerts needs --sns-endpoint (or --aws-endpoint): Lamina does not emulate SNS']
 */
export function checkTargetsReachable(targets: readonly UsedTarget[], endpoints: TargetEndpoints, localQueues: LocalQueues): string[] {
  const problems: string[] = [];
  for (const used of targets) {
    const problem = problemOf(used, endpoints, localQueues);
    if (problem !== undefined && !problems.includes(problem)) problems.push(problem);
  }
  return problems;
}

function problemOf(used: UsedTarget, endpoints: TargetEndpoints, localQueues: LocalQueues): string | undefined {
  const target = used.target;
  if (target.kind === 'function') return undefined;
  const what = `${used.functionName === undefined ? '' : `${used.functionName}: `}${used.role === 'DeadLetterQueue' ? 'dead-letter queue' : `${used.role} destination`} ${target.arn}`;
  const service = SERVICE[target.kind];
  const unsupported = unsupportedTarget(target);
  if (unsupported !== undefined) return `${what}: ${unsupported}`;
  const endpoint = endpointFor(target, endpoints, localQueues);
  if (endpoint === undefined) {
    const why = target.kind === 'sqs'
      ? 'the template defines no queue with this ARN, so Lamina does not serve it'
      : target.kind === 'eventbridge'
        ? 'Lamina\'s embedded EventBridge serves only the default bus and the template\'s AWS::Events::EventBus resources'
        : `Lamina does not emulate ${service.name}`;
    return `${what} needs ${service.option} (or --aws-endpoint): ${why}`;
  }
  if (!isHttpUrl(endpoint)) return `${what}: its endpoint ${JSON.stringify(endpoint)} is not an http:// or https:// URL`;
  return undefined;
}

/**
 * Why Lambda would never deliver to this target, or `undefined`: records and dead letters go only
 * to standard queues and topics (a FIFO one would need a message group Lambda does not give).
 *
 * @example
 * unsupportedTarget({ kind: 'sqs', arn: 'arn:aws:sqs:us-east-1:123456789012:q.fifo', queueName: 'q.fifo', region: 'us-east-1', accountId: '123456789012' });
 * // 'it is a FIFO queue: Lambda sends records and dead letters only to standard queues and topics'
 */
export function unsupportedTarget(target: ServiceTarget): string | undefined {
  if (target.kind === 'eventbridge' || !target.arn.endsWith('.fifo')) return undefined;
  return `it is a FIFO ${target.kind === 'sqs' ? 'queue' : 'topic'}: Lambda sends records and dead letters only to standard queues and topics`;
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/**
 * Whether an endpoint is on this machine's loopback (`127.0.0.0/8`, `::1`, `localhost`): only there
 * does the sender fall back to LocalStack's fixed credentials.
 *
 * @example
 * isLoopbackEndpoint('http://127.0.0.1:4566'); // true
 * isLoopbackEndpoint('https://sqs.us-east-1.amazonaws.com'); // false
 */
export function isLoopbackEndpoint(endpoint: string): boolean {
  let host: string;
  try {
    host = new URL(endpoint).hostname;
  } catch {
    return false;
  }
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (host === '[::1]' || host === '::1') return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
