/**
 * TagResource, UntagResource and ListTags on function ARNs (docs/management-api.md, "Tags"), kept
 * in the settings store (kind `tags`, keyed by the unqualified function ARN), with Lambda's
 * limits: 50 tags a resource, keys of 1 to 128 characters that do not start with `aws:`, values of
 * up to 256.
 */
import { ServiceError } from '../../errors.js';
import { parseFunctionRef } from '../../registry/function-ref.js';
import type { SettingsStore } from '../settings-store.js';
import { storedObject } from './stored-records.js';
import { validation, valueOf } from './call-input.js';
import type { ControlContext, HandlerTable } from './control-context.js';

export const TAG_LIMITS = { maxTags: 50, maxKeyLength: 128, maxValueLength: 256 } as const;

const FUNCTION_ARN = /^arn:(aws[a-zA-Z-]*):lambda:[a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-\d{1}:\d{12}:function:[a-zA-Z0-9-_]+$/;

/** The tags of a function ARN (empty when it has none). @example tagsOf(settings, arn) // { team: 'a' } */
export function tagsOf(settings: SettingsStore, functionArn: string): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const [key, inner] of Object.entries(storedObject(settings.get('tags', functionArn)) ?? {})) if (typeof inner === 'string') tags[key] = inner;
  return tags;
}

/** Check tags against Lambda's limits; the first breach is thrown. @example checkTags({ team: 'a' }) */
export function checkTags(tags: Readonly<Record<string, unknown>>): Record<string, string> {
  const checked: Record<string, string> = {};
  for (const [key, value] of Object.entries(tags)) {
    if (key.length < 1 || key.length > TAG_LIMITS.maxKeyLength) throw validation(key, 'tags', `Map keys must satisfy constraint: [Member must have length less than or equal to ${TAG_LIMITS.maxKeyLength}, Member must have length greater than or equal to 1]`);
    if (key.toLowerCase().startsWith('aws:')) throw new ServiceError('LAMINA_ERR_INVALID_PARAMETER', `Tag keys starting with 'aws:' are reserved for system use: ${key}`);
    if (typeof value !== 'string') throw validation(String(value), 'tags', 'Map value must be a string');
    if (value.length > TAG_LIMITS.maxValueLength) throw validation(value, 'tags', `Map value must satisfy constraint: [Member must have length less than or equal to ${TAG_LIMITS.maxValueLength}]`);
    checked[key] = value;
  }
  return checked;
}

/** The function ARN a tag call names; the function must exist. */
function resourceOf(context: ControlContext, raw: string): string {
  if (!FUNCTION_ARN.test(raw)) {
    if (/:function:[^:]+:[^:]+$/.test(raw)) throw new ServiceError('LAMINA_ERR_INVALID_PARAMETER', 'Tags are not supported for function versions or aliases: use the unqualified function ARN.');
    throw validation(raw, 'resource', 'Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*):lambda:[a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-\\d{1}:\\d{12}:function:[a-zA-Z0-9-_]+');
  }
  const ref = valueOf(parseFunctionRef(raw, 'resource'));
  const known = context.registry.entry(ref.name);
  if (known === undefined || known.latest.config.arn !== raw) throw new ServiceError('LAMINA_ERR_FUNCTION_NOT_FOUND', `Function not found: ${raw}`);
  return raw;
}

export const TAG_HANDLERS: HandlerTable = {
  TagResource: async (context, call) => {
    const arn = resourceOf(context, call.labels['Resource'] ?? '');
    const given = call.body['Tags'];
    if (given === undefined || given === null || typeof given !== 'object' || Array.isArray(given)) throw validation(String(given), 'tags', 'Member must not be null');
    const merged = { ...tagsOf(context.settings, arn), ...checkTags(given as Record<string, unknown>) };
    if (Object.keys(merged).length > TAG_LIMITS.maxTags) {
      throw new ServiceError('LAMINA_ERR_INVALID_PARAMETER', `Number of tags exceeds resource tag limit of ${TAG_LIMITS.maxTags}.`);
    }
    await context.settings.put('tags', arn, merged);
    return { status: call.successStatus };
  },

  UntagResource: async (context, call) => {
    const arn = resourceOf(context, call.labels['Resource'] ?? '');
    const keys = call.queryAll['tagKeys'] ?? [];
    if (keys.length === 0) throw validation('null', 'tagKeys', 'Member must not be null');
    const tags = tagsOf(context.settings, arn);
    for (const key of keys) delete tags[key];
    if (Object.keys(tags).length === 0) await context.settings.delete('tags', arn);
    else await context.settings.put('tags', arn, tags);
    return { status: call.successStatus };
  },

  ListTags: (context, call) => {
    const arn = resourceOf(context, call.labels['Resource'] ?? '');
    return Promise.resolve({ status: call.successStatus, body: { Tags: tagsOf(context.settings, arn) } });
  },
};
