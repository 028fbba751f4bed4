/**
 * Put/Get/Update/Delete/ListFunctionEventInvokeConfigs (docs/management-api.md, "Event invoke
 * configs"): retries, maximum event age and destinations per `$LATEST`, version or alias, kept in
 * the settings store. The event queue reads them on every attempt (event-invoke-store.ts), so they
 * govern asynchronous invokes from the next retry decision on.
 */
import { ServiceError } from '../../errors.js';
import { parseTargetArn } from '../../config/async-targets.js';
import type { ManagementCall } from '../../management/management-port.js';
import { LATEST } from '../../registry/registry-types.js';
import { type NamedFunction, namedFunction, optionalInteger, paginate, qualifierOf, validation } from './call-input.js';
import type { ControlContext, HandlerTable } from './control-context.js';
import { type EventInvokeRecord, deleteEventInvoke, eventInvokeRecord, eventInvokeRecords, saveEventInvoke } from './event-invoke-store.js';

const MAX_EVENT_CONFIGS_PAGE = 50;

/** The qualifier named (default `$LATEST`); it must exist. */
function qualifierFor(call: ManagementCall, named: NamedFunction): string {
  const qualifier = qualifierOf(call, named) ?? LATEST;
  if (qualifier !== LATEST && !named.entry.versions.has(qualifier) && !named.entry.aliases.has(qualifier)) {
    throw new ServiceError('LAMINA_ERR_FUNCTION_NOT_FOUND', `Function not found: ${named.entry.latest.config.arn}:${qualifier}`);
  }
  return qualifier;
}

/** A `DestinationConfig.OnSuccess`/`OnFailure` ARN: undefined when absent, else checked. */
function destination(body: Readonly<Record<string, unknown>>, which: 'OnSuccess' | 'OnFailure'): string | undefined | null {
  const config = body['DestinationConfig'];
  if (config === undefined || config === null) return undefined;
  if (typeof config !== 'object' || Array.isArray(config)) throw validation(String(config), 'destinationConfig', 'Member must be a structure');
  const side = (config as Record<string, unknown>)[which];
  if (side === undefined || side === null) return undefined;
  const arn = typeof side === 'object' ? (side as Record<string, unknown>)['Destination'] : undefined;
  // An empty side (`"OnSuccess": {}`) removes that destination.
  if (arn === undefined || arn === null || arn === '') return null;
  if (typeof arn !== 'string' || arn.length > 350) throw validation(String(arn), `destinationConfig.${which.charAt(0).toLowerCase()}${which.slice(1)}.destination`, 'Member must have length less than or equal to 350');
  const parsed = parseTargetArn(arn);
  if (parsed === undefined) throw new ServiceError('LAMINA_ERR_INVALID_PARAMETER', `The destination ARN ${arn} is invalid.`);
  if (parsed === 's3') throw new ServiceError('LAMINA_ERR_INVALID_PARAMETER', `Lamina does not deliver to S3 destinations: ${arn} (docs/management-api.md)`);
  return arn;
}

/** The members a call sets: undefined keeps the current one (Update), null clears it. */
function membersOf(body: Readonly<Record<string, unknown>>): Partial<Record<keyof EventInvokeRecord, number | string | null | undefined>> {
  return {
    maximumRetryAttempts: optionalInteger(body, 'MaximumRetryAttempts', 0, 2),
    maximumEventAgeInSeconds: optionalInteger(body, 'MaximumEventAgeInSeconds', 60, 21_600),
    onSuccess: destination(body, 'OnSuccess'),
    onFailure: destination(body, 'OnFailure'),
  };
}

/** @example renderEventInvoke(record, 'arn:aws:lambda:us-east-1:000000000000:function:f') */
export function renderEventInvoke(record: EventInvokeRecord, functionArn: string): Record<string, unknown> {
  return {
    LastModified: record.lastModified / 1000,
    FunctionArn: `${functionArn}:${record.qualifier}`,
    ...(record.maximumRetryAttempts === undefined ? {} : { MaximumRetryAttempts: record.maximumRetryAttempts }),
    ...(record.maximumEventAgeInSeconds === undefined ? {} : { MaximumEventAgeInSeconds: record.maximumEventAgeInSeconds }),
    DestinationConfig: {
      OnSuccess: record.onSuccess === undefined ? {} : { Destination: record.onSuccess },
      OnFailure: record.onFailure === undefined ? {} : { Destination: record.onFailure },
    },
  };
}

function missing(named: NamedFunction, qualifier: string): ServiceError {
  return new ServiceError('LAMINA_ERR_FUNCTION_NOT_FOUND', `The function ${named.entry.latest.config.arn}:${qualifier} doesn't have an EventInvokeConfig`);
}

/** Put replaces the whole config; Update changes the members it names. */
async function write(context: ControlContext, call: ManagementCall, replace: boolean) {
  const named = namedFunction(context, call);
  const qualifier = qualifierFor(call, named);
  const current = eventInvokeRecord(context.settings, named.name, qualifier);
  if (!replace && current === undefined) throw missing(named, qualifier);
  const base: Partial<EventInvokeRecord> = replace ? {} : (current ?? {});
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(membersOf(call.body))) {
    if (value === null) delete merged[key];
    else if (value !== undefined) merged[key] = value;
  }
  const record = { ...merged, functionName: named.name, qualifier, lastModified: context.now().getTime() } as EventInvokeRecord;
  await saveEventInvoke(context.settings, record);
  return { status: call.successStatus, body: renderEventInvoke(record, named.entry.latest.config.arn) };
}

export const EVENT_INVOKE_HANDLERS: HandlerTable = {
  PutFunctionEventInvokeConfig: (context, call) => write(context, call, true),
  UpdateFunctionEventInvokeConfig: (context, call) => write(context, call, false),

  GetFunctionEventInvokeConfig: (context, call) => {
    const named = namedFunction(context, call);
    const qualifier = qualifierFor(call, named);
    const record = eventInvokeRecord(context.settings, named.name, qualifier);
    if (record === undefined) throw missing(named, qualifier);
    return Promise.resolve({ status: call.successStatus, body: renderEventInvoke(record, named.entry.latest.config.arn) });
  },

  DeleteFunctionEventInvokeConfig: async (context, call) => {
    const named = namedFunction(context, call);
    const qualifier = qualifierFor(call, named);
    if (eventInvokeRecord(context.settings, named.name, qualifier) === undefined) throw missing(named, qualifier);
    await deleteEventInvoke(context.settings, named.name, qualifier);
    return { status: call.successStatus };
  },

  ListFunctionEventInvokeConfigs: (context, call) => {
    const named = namedFunction(context, call);
    const page = paginate(eventInvokeRecords(context.settings, named.name), call.query, MAX_EVENT_CONFIGS_PAGE);
    const configs = page.items.map((record) => renderEventInvoke(record, named.entry.latest.config.arn));
    return Promise.resolve({ status: call.successStatus, body: { FunctionEventInvokeConfigs: configs, ...(page.nextMarker === undefined ? {} : { NextMarker: page.nextMarker }) } });
  },
};
