/**
 * CreateFunction's `Tags`, checked as Lambda checks them and kept in the settings store under the
 * function's ARN (kind `tags`), where TagResource, UntagResource and ListTags find them.
 */
import { ServiceError } from '../../errors.js';
import { validationMessage } from '../../registry/function-ref.js';
import type { ControlContext } from './control-context.js';

/** Lambda's limit of tags on one resource. */
export const MAX_TAGS = 50;

/**
 * @example tagsOf({ team: 'a' }) // { team: 'a' }
 */
export function tagsOf(raw: unknown): Record<string, string> | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new ServiceError('LAMINA_ERR_INVALID_REQUEST_CONTENT', 'Could not parse request body into json: Tags must be an object');
  const tags: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    if (key.length < 1 || key.length > 128) throw new ServiceError('LAMINA_ERR_VALIDATION', validationMessage(key, 'tags', 'Map keys must satisfy constraint: [Member must have length less than or equal to 128, Member must have length greater than or equal to 1]'));
    if (typeof value !== 'string') throw new ServiceError('LAMINA_ERR_INVALID_REQUEST_CONTENT', `Could not parse request body into json: Tags.${key} must be a string`);
    if (value.length > 256) throw new ServiceError('LAMINA_ERR_VALIDATION', validationMessage(value, 'tags', 'Map value must satisfy constraint: [Member must have length less than or equal to 256]'));
    if (key.toLowerCase().startsWith('aws:')) throw new ServiceError('LAMINA_ERR_INVALID_PARAMETER', `Tag keys cannot start with 'aws:': ${key}`);
    tags[key] = value;
  }
  if (Object.keys(tags).length > MAX_TAGS) throw new ServiceError('LAMINA_ERR_INVALID_PARAMETER', `Number of tags exceeds resource tag limit of ${MAX_TAGS}.`);
  return tags;
}

export async function storeTags(context: ControlContext, arn: string, tags: Readonly<Record<string, string>>): Promise<void> {
  await context.settings.put('tags', arn, { ...tags });
}
