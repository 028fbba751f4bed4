/**
 * `lamina image`: container images for Lambda functions, built offline.
 *
 *   lamina image base  [--tag lamina/base:local] [--runtime nodejs24.x|python3.12] [--engine podman|docker]
 *   lamina image build [--template template.yaml] [--function NAME]... [--base-image IMAGE] [--engine ...]
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadTemplate } from '../config/sam-template.js';
import { ConfigError } from '../errors.js';
import { buildBaseImage, LOCAL_BASE_IMAGE, type BaseRootfsSources } from '../containers/base-image.js';
import { detectEngine, imageExists, type ContainerEngine, type EngineName } from '../containers/engine.js';
import { buildFunctionImage, imageSize } from '../containers/image-build.js';
import { baseImageDigest, DIGEST_LABEL, runtimeBaseImage } from '../containers/runtime-images.js';
import { findPython, PYTHON_RUNTIMES } from '../config/python-runtime.js';
import { readHostEnvironment } from './host-environment.js';
import { ensureNode } from '../runtimes/node-installer.js';
import { NODE_MAJORS, parseNodeRuntime, runtimeOfMajor } from '../runtimes/node-majors.js';
import { progressLine } from '../runtimes/progress-line.js';

export const IMAGE_USAGE = `Usage: lamina image <base|build> [options]

  base    Assemble Lamina's local base image (the host's node, or --runtime's interpreter, and the
          libraries it links, /lambda-entrypoint.sh, Lamina's runtime interface client at
          /var/runtime/bootstrap and its emulator as /usr/local/bin/aws-lambda-rie) and import it:
          no registry needed.
  build   Build the images of a template's PackageType: Image functions from their
          Metadata.Dockerfile / DockerContext / DockerTag / DockerBuildArgs, tagged as
          'sam build' tags them (<logical id, lowercased>:<DockerTag or latest>).

Options:
  --engine <podman|docker>  Container engine (default: podman if it works, else docker)
  --tag <image>             base: the tag to import as (default: ${LOCAL_BASE_IMAGE}, with
                            --runtime lamina/base:<runtime>, the image --sandbox container uses)
  --runtime <runtime>       base: nodejsNN.x ships Node.js NN (from the runtime cache, installed on
                            first use; docs/runtimes.md) instead of the host's node; python3.X ships
                            this machine's python3.X at /var/lang with Lamina's Python client, and no
                            node (docs/containers.md); both set AWS_EXECUTION_ENV=AWS_Lambda_<runtime>
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
      tag: { type: 'string' },
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
  const runtime = values.runtime;
  const major = runtime === undefined ? undefined : parseNodeRuntime(runtime);
  const python = runtime !== undefined && PYTHON_RUNTIMES.includes(runtime);
  if (runtime !== undefined && ((major === undefined && !python) || sub !== 'base')) {
    throw new ConfigError(`--runtime (base only) must name a Node.js or Python runtime (${[...NODE_MAJORS.map(runtimeOfMajor), ...PYTHON_RUNTIMES].join(', ')}), got '${runtime}'`);
  }
  const pythonPath = python ? exactPython(runtime) : undefined;
  const engine = engineFrom(values.engine);
  const tag = values.tag ?? (runtime === undefined ? LOCAL_BASE_IMAGE : runtimeBaseImage(major === undefined ? runtime : runtimeOfMajor(major)));
  try {
    return await (sub === 'base' ? imageBase(engine, tag, pythonPath === undefined ? major : pythonPath, out) : imageBuild(engine, values, out));
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    // The engine's own failure (a Dockerfile error, no disk space): its words, without a stack.
    process.stderr.write(`lamina image ${sub}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

/** The machine's own `python3.X` for an image of that runtime: a base named python3.12 holds 3.12. */
function exactPython(runtime: string): string {
  const found = findPython(runtime);
  if (found === undefined || found.warning !== undefined) {
    const other = found === undefined ? 'no Python 3 at all' : `only Python ${found.version} (${found.path})`;
    throw new ConfigError(`--runtime ${runtime}: this machine has no ${runtime} (in /usr/bin, /usr/local/bin, PATH or pyenv's versions), ${other}; install it (pyenv install ${runtime.slice('python'.length)}) or pick the runtime of a Python it has`);
  }
  return found.path;
}

/** `interpreter`: a Node.js major (installed on first use) or a Python's path; undefined: the host's node. */
async function imageBase(engine: ContainerEngine, tag: string, interpreter: number | string | undefined, out: (text: string) => void): Promise<number> {
  const started = Date.now();
  let sources: BaseRootfsSources = {};
  let inside = '';
  if (typeof interpreter === 'number') {
    const node = await ensureNode(interpreter, { onProgress: progressLine() });
    sources = { node: node.path, runtime: runtimeOfMajor(interpreter) };
    inside = `, node v${node.version}`;
  } else if (interpreter !== undefined) {
    const version = /python(3\.\d+)$/.exec(interpreter)?.[1] ?? '';
    sources = { python: interpreter, runtime: `python${version}` };
    inside = `, ${interpreter}`;
  }
  // Labelled as `lamina serve --sandbox container` labels the runtime images it builds: it reuses this one.
  const labels: Record<string, string> = sources.runtime === undefined ? {} : { [DIGEST_LABEL]: baseImageDigest(sources) };
  await buildBaseImage(engine, tag, sources, labels);
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
