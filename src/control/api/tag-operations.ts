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
import { tagsOf as checkedTags } from './function-tags.js';
import type { ControlContext, HandlerTable } from './control-context.js';

/** Lambda's limit of tags on one function (each tag is checked by function-tags.ts, CreateFunction's checker). */
const MAX_TAGS = 50;

const FUNCTION_ARN = /^arn:(aws[a-zA-Z-]*):lambda:[a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-\d{1}:\d{12}:function:[a-zA-Z0-9-_]+$/;

/** The tags of a function ARN (empty when it has none). @example tagsOf(settings, arn) // { team: 'a' } */
export function tagsOf(settings: SettingsStore, functionArn: string): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const [key, inner] of Object.entries(storedObject(settings.get('tags', functionArn)) ?? {})) if (typeof inner === 'string') tags[key] = inner;
  return tags;
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
    const merged = { ...tagsOf(context.settings, arn), ...checkedTags(given) };
    if (Object.keys(merged).length > MAX_TAGS) {
      throw new ServiceError('LAMINA_ERR_INVALID_PARAMETER', `Number of tags exceeds resource tag limit of ${MAX_TAGS}.`);
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
