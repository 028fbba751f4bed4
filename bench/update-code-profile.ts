/**
 * Where the server's time goes in an UpdateFunctionCode of a large zip (bench/RESULTS.md,
 * "UpdateFunctionCode to the first invoke"): each step the management API takes on the request's
 * body, timed alone in this process on the same zip the update-code scenario sends.
 *
 *   node dist/bench/update-code-profile.js [zip bytes, default 50000000] [repeats, default 3]
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { codeSource } from '../src/control/api/function-input.js';
import { codeSha256 } from '../src/control/package-limits.js';
import { extractPackage } from '../src/control/zip-package.js';
import { listEntries } from '../src/control/zip-reader.js';
import { toManagementCall, type RouteMatch } from '../src/management/match-route.js';
import { sizedZips } from './harness/code-zips.js';
import { median } from './harness/stats.js';

async function timed<T>(label: string, times: Map<string, number[]>, step: () => T | Promise<T>): Promise<T> {
  const started = performance.now();
  const value = await step();
  times.set(label, [...(times.get(label) ?? []), performance.now() - started]);
  return value;
}

async function main(): Promise<void> {
  const bytes = Number(process.argv[2] ?? 50_000_000);
  const repeats = Number(process.argv[3] ?? 3);
  const [zip] = await sizedZips(bytes, ['profile-a']);
  if (zip === undefined) throw new Error('no zip');
  const dir = mkdtempSync(join(tmpdir(), 'lamina-update-profile-'));
  const times = new Map<string, number[]>();
  const match = { route: { operation: 'UpdateFunctionCode', status: 200 }, labels: { FunctionName: 'f' }, query: {}, queryAll: {} } as unknown as RouteMatch;
  try {
    for (let i = 0; i < repeats; i += 1) {
      const body = await timed('client: JSON body with the zip in base64 (SDK-like)', times, () => Buffer.from(JSON.stringify({ ZipFile: zip.toString('base64') })));
      await timed('client: SHA-256 of the body (SigV4 payload hash)', times, () => createHash('sha256').update(body).digest('hex'));
      const text = await timed('server: body.toString(utf8)', times, () => body.toString('utf8'));
      const parsed = await timed('server: JSON.parse of the body', times, () => JSON.parse(text) as Record<string, unknown>);
      await timed('server: toManagementCall (toString + JSON.parse)', times, () => toManagementCall(match, body));
      const b64 = String(parsed.ZipFile);
      await timed('server: the former check, /^[A-Za-z0-9+\/]*={0,2}$/ on ZipFile', times, () => /^[A-Za-z0-9+/]*={0,2}$/.test(b64));
      await timed('server: Buffer.from(ZipFile, base64)', times, () => Buffer.from(b64, 'base64'));
      await timed('server: codeSource (strictBase64: checks + decode)', times, () => codeSource(parsed));
      await timed('server: CodeSha256 (SHA-256 of the zip)', times, () => codeSha256(zip));
      await timed('server: yauzl central directory', times, async () => (await listEntries(zip, 20_000)).zipfile.close());
      const extracted = await timed('server: extractPackage (list, CRC-32, write, rename; includes CodeSha256)', times, () => extractPackage(zip, join(dir, `x${i}`)));
      if (!extracted.ok) throw new Error(extracted.error.message);
      rmSync(join(dir, `x${i}`), { recursive: true, force: true });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write(`zip ${zip.length} bytes, median of ${repeats} (ms):\n`);
  for (const [label, values] of times) process.stdout.write(`${median(values).toFixed(1).padStart(9)}  ${label}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
