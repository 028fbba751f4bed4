/**
 * The runtime matrix on small samples: each major's node from the installer with our client's code
 * cache made acceptable (a real recording on the host's node, into a copy of the built client), the
 * official clients, the workspace's functions for a major, the pairing of our client with the
 * official one per major, and the table, targets and chart built from given samples. No timing is
 * measured here.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { codeCacheNote, codeCacheState, findOfficialRic, prepareBenchNodes, type NodeMajor } from '../../bench/harness/bench-node.js';
import { createWorkspace, lambdaRuntimeOf } from '../../bench/harness/bench-functions.js';
import { majorPairs, matrixChart, matrixRows, matrixTable, matrixTargets, runsOn, type RowMeasures } from '../../bench/harness/runtime-matrix.js';
import { RIC_BUNDLE, RIC_LOADER } from '../../src/platform/paths.js';
import { codeCacheFileFor } from '../../runtime-interface/package/code-cache.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const temp = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'lamina-matrix-'));
  dirs.push(dir);
  return dir;
};
const hostMajor = Number(process.versions.node.split('.')[0]) as NodeMajor;
const host = { path: process.execPath, version: process.versions.node };

/** A copy of the built client without any code cache. */
const bareClient = (): string => {
  const dir = temp();
  copyFileSync(RIC_LOADER, join(dir, 'lamina-ric-start.cjs'));
  copyFileSync(RIC_BUNDLE, join(dir, 'lamina-ric.cjs'));
  return dir;
};

describe('prepareBenchNodes', () => {
  it('records a code cache for a node whose loader has none, then finds it accepted without recording again', async () => {
    const ricDir = bareClient();
    const loader = join(ricDir, 'lamina-ric-start.cjs');
    expect(await codeCacheState(process.execPath, loader)).toBe('missing');
    const [first] = await prepareBenchNodes([hostMajor], { ricDir, host, offline: true, root: temp() });
    expect(first).toEqual({ major: hostMajor, path: process.execPath, version: process.versions.node, source: 'host', codeCache: 'accepted', recorded: true });
    expect(readFileSync(join(ricDir, codeCacheFileFor(process.versions.v8))).length).toBeGreaterThan(0);
    const [again] = await prepareBenchNodes([hostMajor], { ricDir, host, offline: true, root: temp() });
    expect(again).toMatchObject({ codeCache: 'accepted', recorded: false });
    expect(codeCacheNote([first!, again!])).toBe(
      `Our client's V8 code cache, checked with the loader's --check-code-cache before measuring: node ${host.version} (host): code cache accepted (recorded before measuring); node ${host.version} (host): code cache accepted.`,
    );
  });

  it('replaces a cache V8 rejects (garbage in the file of this V8)', async () => {
    const ricDir = bareClient();
    writeFileSync(join(ricDir, codeCacheFileFor(process.versions.v8)), 'not a code cache');
    expect(await codeCacheState(process.execPath, join(ricDir, 'lamina-ric-start.cjs'))).toBe('rejected');
    const [node] = await prepareBenchNodes([hostMajor], { ricDir, host, offline: true, root: temp() });
    expect(node).toMatchObject({ codeCache: 'accepted', recorded: true });
  });

  it('gives the installer\'s reason for a major it cannot install (offline, empty cache)', async () => {
    const other = (hostMajor === 26 ? 24 : 26) as NodeMajor;
    const [node] = await prepareBenchNodes([other], { ricDir: bareClient(), host, offline: true, root: temp() });
    expect(node?.path).toBeUndefined();
    expect(node?.reason).toContain(`lamina runtimes install nodejs${other}.x`);
    expect(codeCacheNote([node!])).toContain(`Node ${other}: nodejs${other}.x needs Node.js ${other}`);
  });
});

describe('findOfficialRic', () => {
  const fakeRic = (version: string): string => {
    const dir = temp();
    mkdirSync(join(dir, 'dist'));
    writeFileSync(join(dir, 'dist', 'index.mjs'), '');
    writeFileSync(join(dir, 'dist', 'rapid-client.node'), '');
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'aws-lambda-ric', version, main: 'dist/index.mjs' }));
    return dir;
  };

  it('takes the 3.x line from LAMINA_BENCH_RIC3_DIR (its dist/index.mjs) and refuses another version there', () => {
    const dir = fakeRic('3.3.0');
    const fetch3 = (): string => 'must not be fetched';
    expect(findOfficialRic(3, { LAMINA_BENCH_RIC3_DIR: dir }, fetch3)).toEqual({ path: dir, version: '3.3.0', entry: join(dir, 'dist', 'index.mjs') });
    expect(findOfficialRic(3, { LAMINA_BENCH_RIC3_DIR: fakeRic('4.0.2') }, fetch3).reason).toContain('aws-lambda-ric@3 is not in');
    const noAddon = fakeRic('3.3.0');
    rmSync(join(noAddon, 'dist', 'rapid-client.node'));
    expect(findOfficialRic(3, { LAMINA_BENCH_RIC3_DIR: noAddon }, fetch3).reason).toContain('rapid-client.node addon is missing');
  });

  it('otherwise fetches 3.3.0, and says why when it cannot', () => {
    expect(findOfficialRic(3, {}, () => 'npm pack aws-lambda-ric@3.3.0 failed: offline')).toEqual({ reason: 'aws-lambda-ric@3: npm pack aws-lambda-ric@3.3.0 failed: offline' });
  });
});

describe('the workspace\'s functions of a major', () => {
  it('deploys our client as nodejsNN.x (lamina serve picks the node) and the official one as a bootstrap on the same node', () => {
    expect(['lamina-ric', 'lamina-node22', 'lamina-node26', 'official-node24', 'python-ric'].map((k) => lambdaRuntimeOf(k as Parameters<typeof lambdaRuntimeOf>[0]))).toEqual([
      'nodejs20.x',
      'nodejs22.x',
      'nodejs26.x',
      'provided.al2023',
      expect.stringMatching(/^python3\.(1\d|x)$/),
    ]);
    const ws = createWorkspace();
    try {
      const runtime = `lamina-node${hostMajor}` as const;
      const template = readFileSync(ws.template([{ name: 'Ours', runtime }]), 'utf8');
      expect(template).toContain(`Runtime: nodejs${hostMajor}.x`);
      expect(template).toContain(`CodeUri: ${JSON.stringify(ws.handlerDir)}`);
      expect(template).toContain('Handler: index.handler');
      expect(ws.launch(runtime)).toMatchObject({ command: process.execPath, env: { AWS_EXECUTION_ENV: `AWS_Lambda_nodejs${hostMajor}.x` } });
    } finally {
      ws.remove();
    }
  });
});

describe('the matrix from given samples', () => {
  const rows = matrixRows().filter((r) => r.runtime !== 'python-ric');
  const data = new Map<string, RowMeasures>([
    ['lamina-ric', { initMs: [50, 60], totalMs: [55, 66], warmMs: [1, 2, 3], memoryMb: [40, 42] }],
    ['official-node20', { initMs: [100, 100], totalMs: [110, 110], warmMs: [2], memoryMb: [50] }],
    ['lamina-node24', { initMs: [90, 70], totalMs: [95, 75], warmMs: [1], memoryMb: [45], bareMs: [30, 40] }],
    ['official-node24', { initMs: [100, 100], totalMs: [105, 105], warmMs: [1], memoryMb: [51], bareMs: [60, 50] }],
  ]);
  const measures = (key: string): RowMeasures | undefined => data.get(key);

  it('pairs our client with the official client Lambda ships for each major', () => {
    expect(majorPairs(rows).map((p) => [p.major, p.ours.key, p.official.key, p.official.client])).toEqual([
      [20, 'lamina-ric', 'official-node20', 'aws-lambda-ric@3'],
      [22, 'lamina-node22', 'official-node22', 'aws-lambda-ric@3'],
      [24, 'lamina-node24', 'official-node24', 'aws-lambda-ric@4'],
      [26, 'lamina-node26', 'official-node26', 'aws-lambda-ric@4'],
    ]);
    // A skipped official row leaves its major without a ratio.
    expect(majorPairs(rows.filter((r) => r.key !== 'official-node22')).map((p) => p.major)).toEqual([20, 24, 26]);
  });

  it('builds the table, the per-major targets and a chart with every row', () => {
    const nodes = [
      { major: 20, path: '/usr/bin/node', version: '20.20.2', source: 'host', codeCache: 'accepted', recorded: false },
      { major: 24, path: '/c/node-v24.22.3/bin/node', version: '24.22.3', source: 'cache', codeCache: 'accepted', recorded: true },
      { major: 26, reason: 'offline' },
    ] as const;
    const table = matrixTable(rows, measures, 2, nodes);
    const byKey = new Map(rows.map((r, i) => [r.key, table.rows[i] ?? []]));
    expect(byKey.get('lamina-ric')).toEqual(['nodejs20.x', 'lamina RIC', 'node 20.20.2 (host)', '55.0', '50.0-60.0', '60.5', '2.00', '41', '0.55x']);
    expect(byKey.get('lamina-node24')?.slice(2)).toEqual(['node 24.22.3', '80.0', '70.0-90.0', '85.0', '1.00', '45', '0.80x']);
    expect(byKey.get('official-node26')?.[2]).toBe('-');
    expect(runsOn(rows.find((r) => r.key === 'tiny-c')!, nodes)).toBe('native');
    expect(table.notes?.at(-1)).toBe(codeCacheNote(nodes));
    expect(byKey.get('official-node24')?.at(-1)).toBe('');
    expect(byKey.get('lamina-node22')?.slice(3)).toEqual(['-', '-', '-', '-', '-', '-']);
    expect(table.columns).toHaveLength(9);
    const targets = matrixTargets(rows, measures);
    expect(targets.map((t) => [t.what, +t.ratio.toFixed(2), t.goal])).toEqual([
      ['runtime matrix, nodejs20.x: Init Duration, lamina RIC / official aws-lambda-ric@3', 0.55, '<= 0.75'],
      ['runtime matrix, nodejs22.x: Init Duration, lamina RIC / official aws-lambda-ric@3', Number.NaN, '<= 0.75'],
      ['runtime matrix, nodejs24.x: Init Duration, lamina RIC / official aws-lambda-ric@4', 0.8, '<= 0.75'],
      ['runtime matrix, nodejs24.x: bare start (spawn to first /next, no platform), lamina RIC / official aws-lambda-ric@4', 0.64, '<= 0.75'],
      ['runtime matrix, nodejs26.x: Init Duration, lamina RIC / official aws-lambda-ric@4', Number.NaN, '<= 0.75'],
    ]);
    expect(targets[2]?.range).toEqual({ value: 0.8, low: 0.7, high: 0.9 });
    const svg = matrixChart(rows, measures, () => [1]);
    expect(svg.startsWith('<svg')).toBe(true);
    for (const row of rows) expect(svg).toContain(`${row.lambdaRuntime} ${row.client}`.split(' ')[0]);
    expect((svg.match(/<rect x=/g) ?? []).length).toBe(rows.length * 2 + 2);
  });
});
