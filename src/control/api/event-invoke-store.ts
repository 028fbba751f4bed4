/**
 * Event invoke configs as the settings store keeps them (kind `event-invoke-config`, key
 * `FUNCTION:QUALIFIER`), and the lookup the event queue reads on every attempt
 * (src/platform/queue-host.ts), so a config set through the API governs the next retry decision.
 */
import type { AsyncInvokeConfig } from '../../async/async-types.js';
import { ASYNC_DEFAULTS } from '../../async/async-types.js';
import { parseTargetArn } from '../../config/async-targets.js';
import type { SettingsStore, StoredValue } from '../settings-store.js';
import { functionRecords, storedObject } from './stored-records.js';

const KIND = 'event-invoke-config';

export interface EventInvokeRecord {
  readonly functionName: string;
  /** `$LATEST`, a version number or an alias name. */
  readonly qualifier: string;
  readonly maximumRetryAttempts?: number | undefined;
  readonly maximumEventAgeInSeconds?: number | undefined;
  readonly onSuccess?: string | undefined;
  readonly onFailure?: string | undefined;
  /** Epoch milliseconds. */
  readonly lastModified: number;
}

export function eventInvokeKey(functionName: string, qualifier: string): string {
  return `${functionName}:${qualifier}`;
}

function asRecord(value: StoredValue | undefined): EventInvokeRecord | undefined {
  const found = storedObject(value);
  if (found === undefined) return undefined;
  const { functionName, qualifier, lastModified } = found;
  if (typeof functionName !== 'string' || typeof qualifier !== 'string' || typeof lastModified !== 'number') return undefined;
  const number = (key: string): number | undefined => (typeof found[key] === 'number' ? found[key] : undefined);
  const text = (key: string): string | undefined => (typeof found[key] === 'string' ? found[key] : undefined);
  return {
    functionName,
    qualifier,
    maximumRetryAttempts: number('maximumRetryAttempts'),
    maximumEventAgeInSeconds: number('maximumEventAgeInSeconds'),
    onSuccess: text('onSuccess'),
    onFailure: text('onFailure'),
    lastModified,
  };
}

export function eventInvokeRecord(settings: SettingsStore, functionName: string, qualifier: string): EventInvokeRecord | undefined {
  return asRecord(settings.get(KIND, eventInvokeKey(functionName, qualifier)));
}

export function eventInvokeRecords(settings: SettingsStore, functionName: string): EventInvokeRecord[] {
  return functionRecords(settings, KIND, functionName, asRecord);
}

export function saveEventInvoke(settings: SettingsStore, record: EventInvokeRecord): Promise<void> {
  const value: Record<string, StoredValue> = {};
  for (const [key, inner] of Object.entries(record)) if (inner !== undefined) value[key] = inner as StoredValue;
  return settings.put(KIND, eventInvokeKey(record.functionName, record.qualifier), value);
}

export function deleteEventInvoke(settings: SettingsStore, functionName: string, qualifier: string): Promise<void> {
  return settings.delete(KIND, eventInvokeKey(functionName, qualifier));
}

/** A destination the API accepted, as the queue's senders take it (S3 is refused at the API). */
function target(arn: string | undefined): AsyncInvokeConfig['onSuccess'] {
  if (arn === undefined) return undefined;
  const parsed = parseTargetArn(arn);
  return parsed === undefined || parsed === 's3' ? undefined : parsed;
}

/**
 * The lookup the platform's queue host reads: the API's config for a function and qualifier, with
 * Lambda's defaults for members it left out; undefined when the API set none (the template's, if
 * any, applies).
 *
 * @example new Platform({ ..., events: { eventInvokeConfig: eventInvokeLookup(settings) } })
 */
export function eventInvokeLookup(settings: SettingsStore): (functionName: string, qualifier: string) => AsyncInvokeConfig | undefined {
  return (functionName, qualifier) => {
    const record = eventInvokeRecord(settings, functionName, qualifier);
    if (record === undefined) return undefined;
    return {
      maximumRetryAttempts: record.maximumRetryAttempts ?? ASYNC_DEFAULTS.maximumRetryAttempts,
      maximumEventAgeSeconds: record.maximumEventAgeInSeconds ?? ASYNC_DEFAULTS.maximumEventAgeSeconds,
      onSuccess: target(record.onSuccess),
      onFailure: target(record.onFailure),
    };
  };
}
