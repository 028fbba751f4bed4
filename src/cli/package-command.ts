/**
 * `lamina package`: ship Lamina's runtime interface client to functions.
 *
 * - `lamina package layer [--out dist/lamina-ric-layer.zip]`: a Lambda layer zip holding
 *   `bootstrap` (the sh launcher, mode 0755), `lamina-ric.cjs` (the bundled client),
 *   `lamina-ric-start.cjs` (its loader) and `lamina-ric.v8cache` (the V8 code cache the loader
 *   uses when it matches the node that runs it). Lambda extracts layers into /opt, so a
 *   `provided.al2023` function with no bootstrap of its own runs `/opt/bootstrap`, which runs the
 *   client with node (a node layer at /opt/nodejs/bin/node, or node on PATH).
 * - `lamina package bootstrap --out DIR`: drop the same files into a function's code directory.
 *
 * Both use the artefacts of `npm run build` (dist/ric/); when they are missing they are built
 * first, which needs the esbuild dev dependency.
 */
import { copyFileSync, chmodSync, createWriteStream, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ZipFile } from 'yazl';
import { ConfigError } from '../errors.js';
import { PROJECT_ROOT, RIC_BUNDLE, RIC_CODE_CACHE, RIC_LAUNCHER, RIC_LOADER } from '../platform/paths.js';

export const PACKAGE_USAGE = `Usage: lamina package <what> [options]

  layer [--out FILE]     Write a Lambda layer zip: /opt/bootstrap (launcher, 0755),
                         /opt/lamina-ric.cjs (the runtime interface client in one file),
                         its loader lamina-ric-start.cjs and V8 code cache lamina-ric.v8cache.
                         Default FILE: dist/lamina-ric-layer.zip
  bootstrap --out DIR    Copy bootstrap + the lamina-ric files into DIR (a provided.al2023 function's
                         code directory). _HANDLER then names the Node.js handler, as with nodejs20.x.

The launcher runs the client with ./node or ./bin/node next to it, /opt/nodejs/bin/node (a node
layer), else node on PATH.
`;

/** Unix modes of the files the package holds (the launcher must be executable once extracted). */
export const PACKAGE_MODES = { bootstrap: 0o755, bundle: 0o644 } as const;

/** One file of the package: where it is now, its name in the package, its mode. */
export interface PackageFile {
  readonly source: string;
  readonly name: string;
  readonly mode: number;
}

/** A fixed timestamp, so that the same build gives the same zip bytes. */
const ZIP_MTIME = new Date('2020-01-01T00:00:00Z');

export interface RicArtefacts {
  readonly bundle: string;
  readonly launcher: string;
  /** Every file to ship, launcher first (the code cache only when the build could record one). */
  readonly files: readonly PackageFile[];
}

/** The bundled client and its launcher, built now if `npm run build` has not made them. */
export async function ricArtefacts(): Promise<RicArtefacts> {
  if (!existsSync(RIC_BUNDLE) || !existsSync(RIC_LAUNCHER) || !existsSync(RIC_LOADER)) {
    let build: typeof import('../../runtime-interface/package/build.js');
    try {
      build = await import('../../runtime-interface/package/build.js');
      await build.buildRic({ outDir: dirname(RIC_BUNDLE) });
    } catch (error) {
      throw new ConfigError(
        `the bundled runtime interface client (${RIC_BUNDLE}) is missing and could not be built (${error instanceof Error ? error.message : String(error)}); run npm run build in ${PROJECT_ROOT}`,
      );
    }
  }
  const file = (source: string, mode: number): PackageFile => ({ source, name: basename(source), mode });
  const files = [file(RIC_LAUNCHER, PACKAGE_MODES.bootstrap), file(RIC_BUNDLE, PACKAGE_MODES.bundle), file(RIC_LOADER, PACKAGE_MODES.bundle)];
  if (existsSync(RIC_CODE_CACHE)) files.push(file(RIC_CODE_CACHE, PACKAGE_MODES.bundle));
  return { bundle: RIC_BUNDLE, launcher: RIC_LAUNCHER, files };
}

/**
 * Write the layer zip and resolve when it is complete.
 * @example
 * await writeLayerZip('dist/lamina-ric-layer.zip');
 */
export async function writeLayerZip(out: string, artefacts?: RicArtefacts): Promise<string> {
  const { files } = artefacts ?? (await ricArtefacts());
  const target = resolve(out);
  mkdirSync(dirname(target), { recursive: true });
  const zip = new ZipFile();
  // Regular file bits (0o100000) plus the permissions: unzip and Lambda restore them.
  for (const { source, name, mode } of files) zip.addBuffer(readFileSync(source), name, { mode: 0o100000 | mode, mtime: ZIP_MTIME });
  zip.end();
  await new Promise<void>((done, fail) => {
    const stream = createWriteStream(target);
    stream.on('error', fail);
    zip.outputStream.on('error', fail);
    zip.outputStream.pipe(stream).on('close', () => done());
  });
  return target;
}

/**
 * Copy the launcher (as `bootstrap`, 0755) and the bundle into a directory.
 * @example
 * writeBootstrapDir('functions/hello', await ricArtefacts());
 */
export function writeBootstrapDir(dir: string, artefacts: RicArtefacts): { bootstrap: string; bundle: string } {
  const target = resolve(dir);
  mkdirSync(target, { recursive: true });
  for (const { source, name, mode } of artefacts.files) {
    copyFileSync(source, join(target, name));
    chmodSync(join(target, name), mode);
  }
  return { bootstrap: join(target, 'bootstrap'), bundle: join(target, basename(artefacts.bundle)) };
}

export interface PackageCommandIo {
  readonly stdout?: (text: string) => void;
}

/**
 * @example
 * process.exitCode = await packageCommand(['layer', '--out', 'dist/lamina-ric-layer.zip']);
 */
export async function packageCommand(args: string[], io: PackageCommandIo = {}): Promise<number> {
  const stdout = io.stdout ?? ((text: string) => process.stdout.write(text));
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { out: { type: 'string', short: 'o' }, help: { type: 'boolean', short: 'h', default: false } },
  });
  const [what, ...extra] = positionals;
  if (values.help || what === undefined) {
    stdout(PACKAGE_USAGE);
    return values.help ? 0 : 2;
  }
  if (extra.length > 0) throw new ConfigError(`unexpected arguments: ${extra.join(' ')}`);
  if (what === 'layer') {
    const zip = await writeLayerZip(values.out ?? join(PROJECT_ROOT, 'dist', 'lamina-ric-layer.zip'));
    stdout(`lamina package: wrote layer ${zip} (${(await ricArtefacts()).files.map((f) => f.name).join(', ')})\n`);
    return 0;
  }
  if (what === 'bootstrap') {
    if (values.out === undefined) throw new ConfigError('bootstrap needs --out DIR (the function code directory)');
    const written = writeBootstrapDir(values.out, await ricArtefacts());
    stdout(`lamina package: wrote ${written.bootstrap} and ${written.bundle}\n`);
    return 0;
  }
  throw new ConfigError(`unknown package '${what}' (layer or bootstrap)`);
}
