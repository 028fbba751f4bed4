/**
 * External extensions of container functions (docs/extensions.md, docs/containers.md): the
 * executables of `/opt/extensions` as the container sees it. A `PackageType: Image` function's
 * come from its image (built FROM a base with layers copied to /opt); a zip function's under
 * `--sandbox container` from its layer, mounted at /opt. They start exactly as a zip function's
 * do in the process sandbox: the container's command becomes the sh wrapper of
 * src/platform/external-extensions.ts, run by the image's own /bin/sh.
 *
 * The names are read once per image and process, before any environment starts: the platform must
 * know them up front (a `register` whose name is not one of them is an internal extension, and
 * init waits for each of them). With runc directly the image's root filesystem is already mounted
 * on the host, so reading it costs a `readdir`; with the engine's `run`, one short container lists
 * the directory with the image's own shell.
 */
import { spawnSync } from 'node:child_process';
import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { findExternalExtensions, withExtensions } from '../platform/external-extensions.js';
import type { ContainerEngine } from './engine.js';

/** Where the extensions are inside every container. */
const EXTENSIONS_DIR = '/opt/extensions';
/** Lines of the listing container: one name per executable regular file (symlinks followed inside). */
const LIST_SCRIPT = `for f in ${EXTENSIONS_DIR}/*; do [ -f "$f" ] && [ -x "$f" ] && printf '%s\\n' "\${f##*/}"; done; exit 0`;

const listed = new Map<string, readonly string[]>();

/** A name the wrapper and the register check can both carry: one path segment, printable. */
function usableName(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !/[\/\x00-\x1f]/.test(name);
}

/**
 * The executables of `/opt/extensions` in a mounted root filesystem. Symlinks are not followed on
 * the host (an absolute one points into the image, not the host): they count, and one that leads
 * nowhere fails the init with `Extension.Crash`, as it would on Lambda.
 *
 * @example extensionsInRootfs('/var/lib/containers/storage/overlay/abc/merged') // ['otel-agent']
 */
export function extensionsInRootfs(rootfs: string): string[] {
  const dir = join(rootfs, EXTENSIONS_DIR);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((name) => {
      if (!usableName(name)) return false;
      try {
        const stat = lstatSync(join(dir, name));
        return stat.isSymbolicLink() || (stat.isFile() && (stat.mode & 0o111) !== 0);
      } catch {
        return false;
      }
    })
    .sort();
}

/**
 * The executables of an image's `/opt/extensions`, listed by one container of that image (its
 * own /bin/sh, no network), once per image and process. An image without a shell has none that
 * Lamina can start (the wrapper is a shell script): none.
 * @throws Error with the engine's words when the container cannot run at all.
 *
 * @example extensionsInImage(engine, 'my-function:latest') // ['otel-agent']
 */
export function extensionsInImage(engine: ContainerEngine, image: string): readonly string[] {
  const known = listed.get(image);
  if (known !== undefined) return known;
  // The limits every function container gets (docs/limits.md): some hosts refuse the engine's defaults.
  const limits = ['--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024'];
  const run = spawnSync(
    engine.name,
    [...engine.globalArgs, 'run', '--rm', '--pull', 'never', '--network', 'none', ...limits, '--entrypoint', '/bin/sh', image, '-c', LIST_SCRIPT],
    { encoding: 'utf8', timeout: 60_000 },
  );
  // 126/127: the image has no shell to run (the engine's own failures are 125 and others).
  if (run.status !== 0 && run.status !== 126 && run.status !== 127) {
    throw new Error(`listing /opt/extensions of ${image} failed: ${(run.stderr || run.error?.message || '').trim()}`);
  }
  const names = run.status === 0 ? run.stdout.split('\n').filter(usableName).sort() : [];
  listed.set(image, names);
  return names;
}

export interface ContainerExtensionSources {
  readonly engine: ContainerEngine;
  readonly image: string;
  /** The image's root filesystem when mounted on the host (runc directly). */
  readonly rootfs?: string | undefined;
  /** The zip function's layer, mounted over /opt (undefined: the image's own /opt). */
  readonly layer?: string | undefined;
  /** Lamina's own base images hold no extensions: no listing container for them. */
  readonly ownBaseImage: boolean;
}

/**
 * The external extensions a container of this function starts, by name.
 *
 * @example containerExtensions({ engine, image: 'fn:latest', rootfs, ownBaseImage: false }) // ['otel-agent']
 */
export function containerExtensions(sources: ContainerExtensionSources): readonly string[] {
  if (sources.layer !== undefined) return findExternalExtensions([sources.layer]).map((extension) => extension.name);
  if (sources.rootfs !== undefined) return extensionsInRootfs(sources.rootfs);
  if (sources.ownBaseImage) return [];
  return extensionsInImage(sources.engine, sources.image);
}

/**
 * The container's command line with the extensions started first (the wrapper, then the runtime).
 *
 * @example
 * withContainerExtensions(['/lambda-entrypoint.sh', 'app.handler'], ['otel'], tag)
 * // ['/bin/sh', '-c', WRAPPER, 'lamina-extensions', tag, '1', '/opt/extensions/otel', '/lambda-entrypoint.sh', 'app.handler']
 */
export function withContainerExtensions(argv: readonly string[], names: readonly string[], tag: string): readonly string[] {
  const [command, ...args] = argv;
  if (command === undefined || names.length === 0) return argv;
  const wrapped = withExtensions(command, args, names.map((name) => `${EXTENSIONS_DIR}/${name}`), tag);
  return [wrapped.command, ...wrapped.args];
}

/**
 * An image's ENTRYPOINT and CMD (`image inspect`), for the engine's `run`, where the wrapper
 * replaces the entrypoint and so must name the image's own command itself.
 *
 * @example imageCommand(engine, 'fn:latest') // { entrypoint: ['/lambda-entrypoint.sh'], cmd: ['app.handler'] }
 */
export function imageCommand(engine: ContainerEngine, image: string): { entrypoint: readonly string[]; cmd: readonly string[] } {
  const run = spawnSync(engine.name, [...engine.globalArgs, 'image', 'inspect', '--format', '{{json .Config}}', image], { encoding: 'utf8', timeout: 60_000 });
  if (run.status !== 0) throw new Error(`${engine.name} image inspect ${image} failed: ${(run.stderr || run.error?.message || '').trim()}`);
  const config = JSON.parse(run.stdout) as { Entrypoint?: string[] | null; Cmd?: string[] | null };
  return { entrypoint: config.Entrypoint ?? [], cmd: config.Cmd ?? [] };
}
