/**
 * `lamina image`: container images for Lambda functions, built offline.
 *
 *   lamina image base  [--tag lamina/base:local] [--engine podman|docker]
 *   lamina image build [--template template.yaml] [--function NAME]... [--base-image IMAGE] [--engine ...]
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadTemplate } from '../config/sam-template.js';
import { ConfigError } from '../errors.js';
import { buildBaseImage, LOCAL_BASE_IMAGE } from '../containers/base-image.js';
import { detectEngine, imageExists, type ContainerEngine, type EngineName } from '../containers/engine.js';
import { buildFunctionImage, imageSize } from '../containers/image-build.js';
import { readHostEnvironment } from './host-environment.js';
import { ensureNode } from '../runtimes/node-installer.js';
import { NODE_MAJORS, parseNodeRuntime, runtimeOfMajor } from '../runtimes/node-majors.js';
import { progressLine } from '../runtimes/progress-line.js';

export const IMAGE_USAGE = `Usage: lamina image <base|build> [options]

  base    Assemble Lamina's local base image (the host's node, or --runtime's, and the libraries it links,
          /lambda-entrypoint.sh, Lamina's runtime interface client at /var/runtime/bootstrap and
          its emulator as /usr/local/bin/aws-lambda-rie) and import it: no registry needed.
  build   Build the images of a template's PackageType: Image functions from their
          Metadata.Dockerfile / DockerContext / DockerTag / DockerBuildArgs, tagged as
          'sam build' tags them (<logical id, lowercased>:<DockerTag or latest>).

Options:
  --engine <podman|docker>  Container engine (default: podman if it works, else docker)
  --tag <image>             base: the tag to import as (default: ${LOCAL_BASE_IMAGE})
  --runtime <nodejsNN.x>    base: ship Node.js NN (from the runtime cache, installed on first use;
                            docs/runtimes.md) instead of the host's node, and set
                            AWS_EXECUTION_ENV=AWS_Lambda_nodejsNN.x as AWS's nodejs images do
  --template <file>         build: SAM template (default: template.yaml)
  --function <name>         build: only this function (repeatable)
  --base-image <image>      build: value for the Dockerfile's ARG BASE_IMAGE / NODE_IMAGE
                            (default: ${LOCAL_BASE_IMAGE} when it exists, else the Dockerfile's own)
  -h, --help                Show this help
`;

function engineFrom(name: string | undefined): ContainerEngine {
  if (name !== undefined && name !== 'podman' && name !== 'docker') throw new ConfigError(`--engine must be podman or docker, got '${name}'`);
  return detectEngine({ prefer: name as EngineName | undefined });
}

function megabytes(bytes: number | undefined): string {
  return bytes === undefined ? 'size unknown' : `${(bytes / 1e6).toFixed(1)} MB`;
}

/**
 * @example
 * process.exitCode = await imageCommand(['build', '--template', 'template.yaml']);
 */
export async function imageCommand(args: string[], out: (text: string) => void = (text) => process.stdout.write(text)): Promise<number> {
  const [sub, ...rest] = args;
  const { values } = parseArgs({
    args: rest,
    options: {
      engine: { type: 'string' },
      tag: { type: 'string', default: LOCAL_BASE_IMAGE },
      template: { type: 'string', default: 'template.yaml' },
      function: { type: 'string', multiple: true },
      'base-image': { type: 'string' },
      runtime: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help || sub === undefined || sub === '--help' || sub === '-h') {
    out(IMAGE_USAGE);
    return sub === undefined ? 2 : 0;
  }
  if (sub !== 'base' && sub !== 'build') throw new ConfigError(`unknown subcommand '${sub}' (base or build)`);
  const major = values.runtime === undefined ? undefined : parseNodeRuntime(values.runtime);
  if (values.runtime !== undefined && (major === undefined || sub !== 'base')) {
    throw new ConfigError(`--runtime (base only) must name a Node.js runtime (${NODE_MAJORS.map(runtimeOfMajor).join(', ')}), got '${values.runtime}'`);
  }
  const engine = engineFrom(values.engine);
  try {
    return await (sub === 'base' ? imageBase(engine, values.tag, major, out) : imageBuild(engine, values, out));
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    // The engine's own failure (a Dockerfile error, no disk space): its words, without a stack.
    process.stderr.write(`lamina image ${sub}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

async function imageBase(engine: ContainerEngine, tag: string, major: number | undefined, out: (text: string) => void): Promise<number> {
  const started = Date.now();
  const node = major === undefined ? undefined : await ensureNode(major, { onProgress: progressLine() });
  await buildBaseImage(engine, tag, node === undefined || major === undefined ? {} : { node: node.path, runtime: runtimeOfMajor(major) });
  const inside = node === undefined ? '' : `, node v${node.version}`;
  out(`lamina image: ${tag} imported into ${engine.summary} (${megabytes(await imageSize(engine, tag))}${inside}, ${Date.now() - started} ms)\n`);
  return 0;
}

async function imageBuild(
  engine: ContainerEngine,
  values: { template: string; function?: string[] | undefined; 'base-image'?: string | undefined },
  out: (text: string) => void,
): Promise<number> {
  const host = readHostEnvironment(process.env);
  const { functions } = loadTemplate(resolve(values.template), { region: host.region, accountId: host.accountId });
  const wanted = new Set(values.function ?? []);
  const images = functions.filter((fn) => fn.image?.dockerfile !== undefined && (wanted.size === 0 || wanted.has(fn.name)));
  for (const name of wanted) {
    if (!images.some((fn) => fn.name === name)) throw new ConfigError(`function ${name} is not a PackageType: Image function with Metadata.Dockerfile in ${values.template}`);
  }
  if (images.length === 0) throw new ConfigError(`${values.template} has no PackageType: Image function with Metadata.Dockerfile to build`);
  const baseImage = values['base-image'] ?? ((await imageExists(engine, LOCAL_BASE_IMAGE)) ? LOCAL_BASE_IMAGE : undefined);
  for (const fn of images) {
    const started = Date.now();
    const tag = await buildFunctionImage(engine, fn, { baseImage });
    out(`lamina image: ${fn.name} -> ${tag} (${megabytes(await imageSize(engine, tag))}, ${Date.now() - started} ms${baseImage === undefined ? '' : `, base ${baseImage}`})\n`);
  }
  return 0;
}
