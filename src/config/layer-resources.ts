/**
 * A template's layer resources (`AWS::Serverless::LayerVersion`, `AWS::Lambda::LayerVersion`) and
 * a function's `Layers` naming them: each layer's content found as ./code-location.ts finds code
 * (a directory, a .zip, an object of a template bucket), in the order given.
 */
import { isPlainObject, type IntrinsicResolver } from './cfn-intrinsics.js';
import { locate, NO_PACKAGES, type PackageContext } from './code-location.js';
import { resolveProperty, show, type TemplateReport } from './function-properties.js';

/** The layer resource types whose content Lamina can use (a local directory or zip, an object of a template bucket). */
export type LayerResourceType = 'AWS::Serverless::LayerVersion' | 'AWS::Lambda::LayerVersion';
export const LAYER_TYPES: ReadonlySet<string> = new Set<LayerResourceType>(['AWS::Serverless::LayerVersion', 'AWS::Lambda::LayerVersion']);

/** A layer resource of the template, as found (its directory is checked when a function uses it). */
export interface LayerResource {
  readonly type: LayerResourceType;
  readonly props: Readonly<Record<string, unknown>>;
}

/** The directory of a layer version published through the management API, by its ARN; undefined when there is none. */
export type PublishedLayers = (arn: string) => string | undefined;

/** Lambda's limit on layers per function. */
export const MAX_LAYERS = 5;

/**
 * The directory of a layer resource: `ContentUri` (SAM) or `Content` (CloudFormation, as the
 * local path that `sam build` / `aws cloudformation package` accept, or `S3Bucket`/`S3Key` of a
 * template bucket), resolved against the template's directory; a .zip is extracted as a
 * published layer would be.
 */
export function layerDirectory(
  report: TemplateReport,
  resolver: IntrinsicResolver,
  id: string,
  layer: LayerResource,
  templateDir: string,
  context: PackageContext = NO_PACKAGES,
): string | undefined {
  const property = layer.type === 'AWS::Serverless::LayerVersion' ? 'ContentUri' : 'Content';
  const content = resolveProperty(report, resolver, id, property, layer.props[property]);
  if (content === undefined) return undefined;
  if (!content.present) {
    report.problem(id, property, 'is required');
    return undefined;
  }
  const value = content.value;
  const s3 = typeof value === 'string' ? /^s3:\/\/([^/]+)\/(.+)$/i.exec(value) : null;
  const bucket = isPlainObject(value) ? (value.S3Bucket ?? value.Bucket) : s3?.[1];
  const key = isPlainObject(value) ? (value.S3Key ?? value.Key) : s3?.[2];
  if (typeof bucket === 'string' && typeof key === 'string') return locate(report, id, property, { kind: 's3', bucket, key }, templateDir, context)?.dir;
  if (typeof value !== 'string') {
    report.problem(id, property, `${show(value)} is not a local directory, a .zip file or an S3 location of a template bucket`);
    return undefined;
  }
  return locate(report, id, property, { kind: 'path', path: value }, templateDir, context)?.dir;
}

/**
 * A function's `Layers`: each entry is a `Ref` to a layer resource of the same template, or the
 * ARN of a layer version published through the management API, found by `published` (`lamina
 * serve` passes its layer store's lookup; docs/layers.md). An ARN it does not know (or without
 * `published`) is skipped with a warning. Directories come back in the order given, which is
 * Lambda's extraction order.
 *
 * @param layerDirs - memo of layer id -> directory, so that a layer's problems are reported once.
 * @example functionLayers(report, resolver, 'Fn', props.Layers, layers, new Map(), dir, NO_PACKAGES, (arn) => store.dirOf(arn))
 */
export function functionLayers(
  report: TemplateReport,
  resolver: IntrinsicResolver,
  id: string,
  raw: unknown,
  layerResources: ReadonlyMap<string, LayerResource>,
  layerDirs: Map<string, string | undefined>,
  templateDir: string,
  context: PackageContext = NO_PACKAGES,
  published?: PublishedLayers,
): string[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    report.problem(id, 'Layers', `${show(raw)} must be a list of layers`);
    return [];
  }
  if (raw.length > MAX_LAYERS) report.problem(id, 'Layers', `${raw.length} layers: a function can use at most ${MAX_LAYERS}`);
  const dirs: string[] = [];
  for (const entry of raw as unknown[]) {
    const ref = isPlainObject(entry) && Object.keys(entry).length === 1 && typeof entry.Ref === 'string' ? entry.Ref : undefined;
    const layer = ref === undefined ? undefined : layerResources.get(ref);
    if (ref !== undefined && layer !== undefined) {
      if (!layerDirs.has(ref)) layerDirs.set(ref, layerDirectory(report, resolver, ref, layer, templateDir, context));
      const dir = layerDirs.get(ref);
      if (dir !== undefined) dirs.push(dir);
      continue;
    }
    const resolved = resolver.resolve(entry);
    const publishedDir = resolved.ok && typeof resolved.value === 'string' ? published?.(resolved.value) : undefined;
    if (publishedDir !== undefined) {
      dirs.push(publishedDir);
      continue;
    }
    const shown = resolved.ok ? show(resolved.value) : show(entry);
    const why = published === undefined ? 'published layer ARNs are found only by `lamina serve`' : 'nor a layer version published to this Lamina';
    report.warn(id, 'Layers', `${shown} is not a layer resource of this template (${why}); ignored`);
  }
  return dirs;
}
