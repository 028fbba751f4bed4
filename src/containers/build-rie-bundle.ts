/**
 * Bundles `lamina rie` into ONE CommonJS file, `dist/containers/lamina-rie.cjs`, for container
 * images: an image carries node and this file instead of Lamina's whole tree and node_modules.
 * `npm run build` runs it (esbuild is a build-time dependency).
 *
 *   node dist/src/containers/build-rie-bundle.js
 */
import { resolve, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PROJECT_ROOT } from '../platform/paths.js';

/** Where the bundle is written. */
export const RIE_BUNDLE = join(PROJECT_ROOT, 'dist', 'containers', 'lamina-rie.cjs');

/**
 * Bundle the emulator; resolves to its path and size.
 * @example
 * const { bundle, bytes } = await buildRieBundle(); // '.../dist/containers/lamina-rie.cjs'
 */
export async function buildRieBundle(outfile = RIE_BUNDLE): Promise<{ bundle: string; bytes: number }> {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: [join(PROJECT_ROOT, 'src', 'containers', 'rie-main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: 'none',
    // Build-time code reachable from the CLI's modules imports esbuild lazily; the emulator never does.
    external: ['esbuild'],
    // paths.ts finds Lamina's files from import.meta.url, which a CommonJS bundle does not have.
    banner: { js: 'const __laminaImportMetaUrl = require("node:url").pathToFileURL(__filename).href;' },
    define: { 'import.meta.url': '__laminaImportMetaUrl' },
    logLevel: 'warning',
    metafile: true,
  });
  const bytes = Object.values(result.metafile.outputs).reduce((sum, output) => sum + output.bytes, 0);
  return { bundle: outfile, bytes };
}

// Inside the bundle itself import.meta.url is the bundle's (see `define` above), which would make
// every start of the emulator try to bundle again: run only as this module's own file.
const self = fileURLToPath(import.meta.url);
if (process.argv[1] !== undefined && resolve(process.argv[1]) === self && /build-rie-bundle\.[jt]s$/.test(self)) {
  buildRieBundle().then(
    ({ bundle, bytes }) => process.stdout.write(`lamina-rie: ${bundle} (${bytes} bytes)\n`),
    (error: unknown) => {
      process.stderr.write(`lamina-rie: not bundled: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
