/**
 * The S3 buckets of a template (docs/event-sources-s3.md): each `AWS::S3::Bucket` whose
 * condition holds, named by `BucketName` (checked against S3's rules) or, without one, as
 * CloudFormation names it: `<stack>-<logical id>-<suffix>` in lower case, at most 63 characters
 * (Lamina's suffix is derived from the stack and id, so each start finds the same bucket).
 */
import { bucketNameProblem } from '../services/s3/s3-request.js';
import type { S3BucketDefinition } from '../event-sources/s3/s3-notification-types.js';
import { isPlainObject, type IntrinsicResolver } from './cfn-intrinsics.js';
import { resolveProperty, show, type TemplateReport } from './function-properties.js';
import { conditionFalse, generatedName } from './queue-resources.js';

export const S3_BUCKET = 'AWS::S3::Bucket';

/**
 * A bucket's name: `BucketName`, else the generated one; undefined when BucketName does not
 * resolve to a string.
 *
 * @example bucketNameOf(resolver, 'local', 'Uploads', {}) // 'local-uploads-…' (13 characters of suffix)
 */
export function bucketNameOf(resolver: IntrinsicResolver, stackName: string, logicalId: string, props: Readonly<Record<string, unknown>>): string | undefined {
  if (props.BucketName === undefined || props.BucketName === null) return generatedName(stackName, logicalId, 63).toLowerCase();
  const r = resolver.resolve(props.BucketName);
  return r.ok && typeof r.value === 'string' ? r.value : undefined;
}

/**
 * Every bucket of the template; a bad or duplicate name is a problem naming the resource and
 * `BucketName`.
 *
 * @example s3Buckets(report, resolver, resources, 'local') // [{ logicalId: 'Uploads', name: 'my-uploads' }]
 */
export function s3Buckets(report: TemplateReport, resolver: IntrinsicResolver, resources: Readonly<Record<string, unknown>>, stackName: string): S3BucketDefinition[] {
  const out: S3BucketDefinition[] = [];
  const byName = new Map<string, string>();
  for (const [id, resource] of Object.entries(resources)) {
    if (!isPlainObject(resource) || resource.Type !== S3_BUCKET || conditionFalse(resolver, resource)) continue;
    const props = isPlainObject(resource.Properties) ? resource.Properties : {};
    const given = resolveProperty(report, resolver, id, 'BucketName', props.BucketName);
    if (given === undefined) continue;
    if (given.present && typeof given.value !== 'string') {
      report.problem(id, 'BucketName', `${show(given.value)} is not a string`);
      continue;
    }
    const name = bucketNameOf(resolver, stackName, id, props) ?? '';
    const problem = bucketNameProblem(name);
    if (problem !== undefined) {
      report.problem(id, 'BucketName', `${show(name)} ${problem} (S3's bucket naming rules)`);
      continue;
    }
    const other = byName.get(name);
    if (other !== undefined) report.problem(id, 'BucketName', `bucket name ${name} is already used by resource ${other}`);
    byName.set(name, id);
    out.push({ logicalId: id, name });
  }
  return out;
}
