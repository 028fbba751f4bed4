/**
 * A real published extension for the end-to-end tests: Serverless's OpenTelemetry extension
 * distribution `@serverless/aws-lambda-otel-extension-dist@0.1.11`, whose `extension.zip` is a
 * Lambda layer (`extensions/otel-extension`, a bash script exec'ing `/opt/otel-extension/index.js`;
 * `otel-extension/otel-handler`, an exec wrapper adding `--require /opt/otel-extension/wrapper.js`
 * to NODE_OPTIONS). Fetched once with `npm pack` (no install scripts run) into the tests' cache
 * (`LAMINA_TEST_CACHE`, else `~/.cache/lamina-test/`) and unzipped there as a layer directory.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const OTEL_EXTENSION_PACKAGE = '@serverless/aws-lambda-otel-extension-dist';
export const OTEL_EXTENSION_VERSION = '0.1.11';

/** The unzipped layer (what Lambda would extract into /opt). */
export const OTEL_LAYER_DIR = join(process.env['LAMINA_TEST_CACHE'] || join(homedir(), '.cache', 'lamina-test'), `otel-extension-${OTEL_EXTENSION_VERSION}`, 'layer');

/** Lambda's user must be able to read the layer under isolation: directories 0755, as a layer's are. */
function openUp(dir: string): void {
  chmodSync(dir, 0o755);
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) openUp(path);
  }
}

/**
 * Fetch and unzip the layer unless it is there; resolves to the reason when it cannot be.
 * @example
 * const missing = ensureOtelExtensionLayer();
 * if (missing === undefined) customRuntimeFunction('f', code, { layers: [OTEL_LAYER_DIR] });
 */
export function ensureOtelExtensionLayer(): string | undefined {
  if (existsSync(join(OTEL_LAYER_DIR, 'extensions', 'otel-extension'))) return undefined;
  const parent = join(OTEL_LAYER_DIR, '..');
  const staging = join(parent, `.staging-${process.pid}`);
  mkdirSync(staging, { recursive: true });
  try {
    const spec = `${OTEL_EXTENSION_PACKAGE}@${OTEL_EXTENSION_VERSION}`;
    const pack = spawnSync('npm', ['pack', spec, '--pack-destination', staging, '--silent'], { encoding: 'utf8', timeout: 120_000 });
    const tarball = pack.stdout?.trim().split('\n').pop();
    if (pack.status !== 0 || tarball === undefined || tarball === '') {
      return `npm pack ${spec} failed (is the registry reachable?): ${(pack.stderr || String(pack.error)).trim().split('\n')[0]}`;
    }
    const untar = spawnSync('tar', ['xzf', join(staging, tarball), '-C', staging], { encoding: 'utf8' });
    if (untar.status !== 0) return `cannot unpack ${tarball}: ${untar.stderr.trim()}`;
    const layer = join(staging, 'layer');
    const unzip = spawnSync('unzip', ['-q', join(staging, 'package', 'extension.zip'), '-d', layer], { encoding: 'utf8' });
    if (unzip.error !== undefined) return 'unzip is not installed';
    if (unzip.status !== 0) return `cannot unzip extension.zip: ${unzip.stderr.trim()}`;
    openUp(layer);
    rmSync(OTEL_LAYER_DIR, { recursive: true, force: true });
    renameSync(layer, OTEL_LAYER_DIR);
    return undefined;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
