/**
 * S3 notifications as Lamina runs them (docs/event-sources-s3.md): which bucket events invoke
 * which function, with S3's event types and key filters.
 */

/** The event types S3 accepts in a notification configuration. */
export const S3_EVENT_TYPES: ReadonlySet<string> = new Set([
  's3:ObjectCreated:*', 's3:ObjectCreated:Put', 's3:ObjectCreated:Post', 's3:ObjectCreated:Copy', 's3:ObjectCreated:CompleteMultipartUpload',
  's3:ObjectRemoved:*', 's3:ObjectRemoved:Delete', 's3:ObjectRemoved:DeleteMarkerCreated',
  's3:ObjectRestore:*', 's3:ObjectRestore:Post', 's3:ObjectRestore:Completed', 's3:ObjectRestore:Delete',
  's3:ReducedRedundancyLostObject',
  's3:Replication:*', 's3:Replication:OperationFailedReplication', 's3:Replication:OperationMissedThreshold', 's3:Replication:OperationReplicatedAfterThreshold', 's3:Replication:OperationNotTracked',
  's3:LifecycleExpiration:*', 's3:LifecycleExpiration:Delete', 's3:LifecycleExpiration:DeleteMarkerCreated',
  's3:LifecycleTransition', 's3:IntelligentTiering',
  's3:ObjectTagging:*', 's3:ObjectTagging:Put', 's3:ObjectTagging:Delete',
  's3:ObjectAcl:Put',
]);

/** The events the embedded S3 server emits (no versioning, no POST uploads from forms, no lifecycle). */
export const EMITTED_EVENTS: readonly string[] = ['ObjectCreated:Put', 'ObjectCreated:Copy', 'ObjectCreated:CompleteMultipartUpload', 'ObjectRemoved:Delete'];

export interface S3NotificationDefinition {
  /** The `configurationId` of the records: `<function id><event name>` for SAM events, `<bucket id>LambdaConfiguration<n>` otherwise. */
  readonly id: string;
  readonly bucketName: string;
  readonly functionName: string;
  readonly qualifier: string | undefined;
  /** S3 event types (`s3:ObjectCreated:*`, ...). */
  readonly events: readonly string[];
  readonly prefix: string;
  readonly suffix: string;
  /** Where it was declared, for messages: `Resource X: property Y`. */
  readonly where: string;
}

export interface S3BucketDefinition {
  readonly logicalId: string;
  readonly name: string;
}

/**
 * Whether a configured event type covers an event name (`s3:ObjectCreated:*` covers
 * `ObjectCreated:Put`).
 *
 * @example eventTypeCovers('s3:ObjectCreated:*', 'ObjectCreated:Copy') // true
 */
export function eventTypeCovers(type: string, eventName: string): boolean {
  const name = `s3:${eventName}`;
  return type === name || (type.endsWith(':*') && name.startsWith(type.slice(0, -1)));
}

/**
 * Whether two configured event types can match the same event (S3 refuses such configurations
 * on one bucket when their key filters overlap too).
 *
 * @example eventTypesOverlap('s3:ObjectCreated:*', 's3:ObjectCreated:Put') // true
 */
export function eventTypesOverlap(a: string, b: string): boolean {
  const under = (wild: string, other: string): boolean => wild.endsWith(':*') && other.startsWith(wild.slice(0, -1));
  return a === b || under(a, b) || under(b, a);
}

/**
 * Whether some key passes both prefix/suffix filters.
 *
 * @example filtersOverlap({ prefix: 'in/', suffix: '.jpg' }, { prefix: 'in/raw/', suffix: '' }) // true
 */
export function filtersOverlap(a: { prefix: string; suffix: string }, b: { prefix: string; suffix: string }): boolean {
  return (a.prefix.startsWith(b.prefix) || b.prefix.startsWith(a.prefix)) && (a.suffix.endsWith(b.suffix) || b.suffix.endsWith(a.suffix));
}

/**
 * Whether a notification fires for an event on a key.
 *
 * @example notificationMatches(def, 'ObjectCreated:Put', 'uploads/a.jpg')
 */
export function notificationMatches(def: Pick<S3NotificationDefinition, 'events' | 'prefix' | 'suffix'>, eventName: string, key: string): boolean {
  return def.events.some((type) => eventTypeCovers(type, eventName)) && key.startsWith(def.prefix) && key.endsWith(def.suffix);
}
