/**
 * A version published from a template function whose code is a live directory runs from its own
 * snapshot: editing the directory afterwards reaches `$LATEST` only (docs/control-plane.md,
 * "Snapshots of directory code").
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CodeSnapshots, snapshotRoot } from '../../src/control/snapshots/code-snapshots.js';
import { Platform } from '../../src/platform/platform.js';
import { publishVersion, updateLatest } from '../../src/registry/latest-changes.js';
import { customRuntimeFunction } from '../helpers/function-config.js';
import { invokeRequest } from '../helpers/invoke-request.js';
import { value } from '../registry/registry-fixture.js';

/** A runtime that answers, to every invoke, the text of answer.txt as it was when it started. */
const BOOTSTRAP = `#!/usr/bin/env node
const http = require('node:http');
const text = require('node:fs').readFileSync(require('node:path').join(__dirname, 'answer.txt'), 'utf8');
const [host, port] = process.env.AWS_LAMBDA_RUNTIME_API.split(':');
const next = () => http.get({ host, port, path: '/2018-06-01/runtime/invocation/next' }, (res) => {
  const id = res.headers['lambda-runtime-aws-request-id'];
  res.resume();
  res.on('end', () => {
    const post = http.request({ host, port, method: 'POST', path: '/2018-06-01/runtime/invocation/' + id + '/response' }, (out) => { out.resume(); out.on('end', next); });
    post.end(JSON.stringify(text));
  });
});
next();
`;

const made: string[] = [];
let platform: Platform | undefined;
afterEach(async () => {
  await platform?.stop();
  platform = undefined;
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function project(answer: string): { codeDir: string; stateDir: string } {
  const root = mkdtempSync(join(tmpdir(), 'lamina-snap-'));
  made.push(root);
  const codeDir = join(root, 'src');
  mkdirSync(codeDir);
  writeFileSync(join(codeDir, 'bootstrap'), BOOTSTRAP);
  chmodSync(join(codeDir, 'bootstrap'), 0o755);
  writeFileSync(join(codeDir, 'answer.txt'), answer);
  return { codeDir, stateDir: join(root, 'state') };
}

async function answer(qualifier: string): Promise<unknown> {
  if (platform === undefined) throw new Error('no platform');
  const outcome = await platform.invoke(invokeRequest('snap', {}, { qualifier }));
  if (outcome.result.kind !== 'response') throw new Error(`expected a response, got ${outcome.result.kind}`);
  return JSON.parse(outcome.result.payload.toString()) as unknown;
}

describe('snapshots of directory code', () => {
  it('keeps version 1 on the code it was published with after the directory is edited and $LATEST updated', async () => {
    const { codeDir, stateDir } = project('old');
    platform = new Platform({ functions: [customRuntimeFunction('snap', codeDir, { publishedAlias: 'live' })], snapshots: new CodeSnapshots(stateDir) });
    const registry = platform.registry;
    const one = registry.version('snap', '1');
    expect(one?.config.codeDir.startsWith(snapshotRoot(stateDir))).toBe(true);
    expect(one?.config.launch).toEqual({ kind: 'bootstrap', command: join(one?.config.codeDir ?? '', 'bootstrap'), args: [] });
    // Isolated environments run as their own user: the snapshot's root must be readable by others, as /var/task is.
    expect(statSync(one?.config.codeDir ?? '').mode & 0o777).toBe(0o755);
    expect(one?.code).toEqual(registry.version('snap', '$LATEST')?.code);

    writeFileSync(join(codeDir, 'answer.txt'), 'new');
    value(await updateLatest(registry, 'snap', { config: { timeout: 5 } }));
    expect(await answer('1')).toBe('old');
    expect(await answer('live')).toBe('old');
    expect(await answer('$LATEST')).toBe('new');

    const two = value(await publishVersion(registry, 'snap'));
    expect(two.version).toBe('2');
    expect(two.code.sha256).not.toBe(one?.code.sha256);
    expect(await answer('2')).toBe('new');
    writeFileSync(join(codeDir, 'answer.txt'), 'newer');
    value(await updateLatest(registry, 'snap', { config: { timeout: 6 } }));
    expect([await answer('1'), await answer('2'), await answer('$LATEST')]).toEqual(['old', 'new', 'newer']);
    expect(readdirSync(snapshotRoot(stateDir)).sort()).toEqual([one?.config.codeDir, two.config.codeDir].map((dir) => dir?.slice(snapshotRoot(stateDir).length + 1)).sort());
  });

  it('publishes the same content once: the newest version is answered again, and its snapshot reused', async () => {
    const { codeDir, stateDir } = project('same');
    platform = new Platform({ functions: [customRuntimeFunction('snap', codeDir)], snapshots: new CodeSnapshots(stateDir) });
    const first = value(await publishVersion(platform.registry, 'snap'));
    const again = value(await publishVersion(platform.registry, 'snap'));
    expect(again.version).toBe(first.version);
    value(await updateLatest(platform.registry, 'snap', { config: { timeout: 7 } }));
    const other = value(await publishVersion(platform.registry, 'snap'));
    expect([other.version, other.config.codeDir]).toEqual(['2', first.config.codeDir]);
  });

  it('removes at start the snapshots no version uses, and keeps the ones in use', () => {
    const { codeDir, stateDir } = project('x');
    const stray = join(snapshotRoot(stateDir), 'deadbeef');
    mkdirSync(stray, { recursive: true });
    platform = new Platform({ functions: [customRuntimeFunction('snap', codeDir, { publishedAlias: 'live' })], snapshots: new CodeSnapshots(stateDir) });
    expect(existsSync(stray)).toBe(false);
    expect(existsSync(platform.registry.version('snap', '1')?.config.codeDir ?? '')).toBe(true);
  });
});
