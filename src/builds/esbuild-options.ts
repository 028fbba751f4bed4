/**
 * A function's `BuildProperties` as esbuild's options: what `sam build` passes on its command line
 * (bundle, platform node, SAM's defaults already applied by src/config/build-properties.ts), with
 * the output kept in memory (`write: false`) so that src/builds/build-output.ts writes it whole.
 */
import type { BuildOptions } from 'esbuild';
import type { FunctionBuild } from '../config/build-properties.js';

/**
 * @example
 * const options = esbuildOptions(fn.build, '/state/builds/Api');
 * const ctx = await context(options);
 */
export function esbuildOptions(build: FunctionBuild, outDir: string): BuildOptions & { write: false; metafile: true } {
  const p = build.properties;
  const nonEmpty = <T extends object>(value: T): T | undefined => (Object.keys(value).length === 0 ? undefined : value);
  const options: BuildOptions & { write: false; metafile: true } = {
    entryPoints: [...p.entryPoints],
    absWorkingDir: build.sourceDir,
    bundle: true,
    platform: 'node',
    // The real directory, though nothing is written by esbuild: the source maps' paths are relative to it.
    outdir: outDir,
    write: false,
    metafile: true,
    target: [...p.target],
    format: p.format,
    minify: p.minify,
    sourcemap: p.sourcemap,
    sourcesContent: p.sourcesContent,
    // The map's source paths are relative to the output directory, which an isolated function sees
    // at /var/task: this root makes them the host's absolute paths wherever the map is read from.
    ...(p.sourcemap ? { sourceRoot: `${outDir}/` } : {}),
    external: [...p.external],
    logLevel: 'silent',
  };
  const loader = nonEmpty(p.loader);
  const outExtension = nonEmpty(p.outExtension);
  const banner = nonEmpty(p.banner);
  const footer = nonEmpty(p.footer);
  return {
    ...options,
    ...(loader === undefined ? {} : { loader: loader as BuildOptions['loader'] }),
    ...(p.mainFields === undefined ? {} : { mainFields: [...p.mainFields] }),
    ...(outExtension === undefined ? {} : { outExtension }),
    ...(banner === undefined ? {} : { banner }),
    ...(footer === undefined ? {} : { footer }),
  };
}
