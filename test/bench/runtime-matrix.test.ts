/**
 * The runtime matrix on small samples: where a row's Node binary and official client come from,
 * the pairing of our client with the official one per major, and the table, targets and chart
 * built from given samples. No timing is measured here.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compareVersions, findBenchNode, findOfficialRic } from '../../bench/harness/bench-node.js';
import { majorPairs, matrixChart, matrixRows, matrixTable, matrixTargets, type RowMeasures } from '../../bench/harness/runtime-matrix.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const temp = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'lamina-matrix-'));
  dirs.push(dir);
  return dir;
};
const fakeNode = (root: string, name: string): string => {
  mkdirSync(join(root, name, 'bin'), { recursive: true });
  writeFileSync(join(root, name, 'bin', 'node'), '');
  return join(root, name, 'bin', 'node');
};

describe('findBenchNode', () => {
  it('takes the newest node-v<major>.* of the runtimes cache, then LAMINA_BENCH_NODE_<major>, then the host node of that major', () => {
    const root = temp();
    fakeNode(root, 'node-v24.9.0');
    const newest = fakeNode(root, 'node-v24.10.1');
    fakeNode(root, 'node-v22.23.5');
    mkdirSync(join(root, 'node-v24.99.0')); // no bin/node: an interrupted install is not a candidate
    expect(findBenchNode(24, { LAMINA_RUNTIMES_DIR: root })).toEqual({ path: newest, version: '24.10.1' });
    const other = fakeNode(temp(), 'node-v26.12.1');
    expect(findBenchNode(26, { LAMINA_RUNTIMES_DIR: root, LAMINA_BENCH_NODE_26: other })).toEqual({ path: other, version: '26.12.1' });
    expect(findBenchNode(26, { LAMINA_RUNTIMES_DIR: root, LAMINA_BENCH_NODE_26: '/nonexistent/node' })).toEqual({ reason: 'LAMINA_BENCH_NODE_26=/nonexistent/node does not exist' });
    expect(findBenchNode(20, { LAMINA_RUNTIMES_DIR: root }, '20.20.2', '/usr/bin/node')).toEqual({ path: '/usr/bin/node', version: '20.20.2' });
    expect(findBenchNode(18, { LAMINA_RUNTIMES_DIR: root }, '20.20.2').reason).toBe(`no Node 18: none in ${root} (lamina runtimes install), no LAMINA_BENCH_NODE_18, and this node is 20.20.2`);
    expect([compareVersions('24.10.1', '24.9.0') > 0, compareVersions('22.1.0', '22.1.0')]).toEqual([true, 0]);
  });
});

describe('findOfficialRic', () => {
  it('finds the 3.x line from LAMINA_BENCH_RIC3_DIR by its package.json bin, and refuses another version there', () => {
    const dir = temp();
    mkdirSync(join(dir, 'bin'));
    writeFileSync(join(dir, 'bin', 'index.mjs'), '');
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'aws-lambda-ric', version: '3.3.0', bin: { 'aws-lambda-ric': 'bin/index.mjs' } }));
    expect(findOfficialRic(3, { LAMINA_BENCH_RIC3_DIR: dir })).toEqual({ path: dir, version: '3.3.0', entry: join(dir, 'bin', 'index.mjs') });
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ version: '4.0.2', bin: 'bin/index.mjs' }));
    expect(findOfficialRic(3, { LAMINA_BENCH_RIC3_DIR: dir }).reason).toContain('aws-lambda-ric@3 is not installed');
  });
});

describe('the matrix from given samples', () => {
  const rows = matrixRows().filter((r) => r.runtime !== 'python-ric');
  const data = new Map<string, RowMeasures>([
    ['lamina-ric', { initMs: [50, 60], totalMs: [55, 66], warmMs: [1, 2, 3], memoryMb: [40, 42] }],
    ['official-node20', { initMs: [100, 100], totalMs: [110, 110], warmMs: [2], memoryMb: [50] }],
    ['lamina-node24', { initMs: [90, 70], totalMs: [95, 75], warmMs: [1], memoryMb: [45] }],
    ['official-node24', { initMs: [100, 100], totalMs: [105, 105], warmMs: [1], memoryMb: [51] }],
  ]);
  const measures = (key: string): RowMeasures | undefined => data.get(key);

  it('pairs our client with the official client Lambda ships for each major', () => {
    expect(majorPairs(rows).map((p) => [p.major, p.ours.key, p.official.key, p.official.client])).toEqual([
      [20, 'lamina-ric', 'official-node20', 'aws-lambda-ric@3'],
      [22, 'lamina-node22', 'official-node22', 'aws-lambda-ric@3'],
      [24, 'lamina-node24', 'official-node24', 'aws-lambda-ric@4'],
    ]);
    // A skipped official row leaves its major without a ratio.
    expect(majorPairs(rows.filter((r) => r.key !== 'official-node22')).map((p) => p.major)).toEqual([20, 24]);
  });

  it('builds the table, the per-major targets and a chart with every row', () => {
    const table = matrixTable(rows, measures, 2);
    const byKey = new Map(rows.map((r, i) => [r.key, table.rows[i] ?? []]));
    expect(byKey.get('lamina-ric')).toEqual(['nodejs20.x', 'lamina RIC', `node ${process.versions.node} (host)`, '55.0', '50.0-60.0', '60.5', '2.00', '41', '0.55x']);
    expect(byKey.get('lamina-node24')?.slice(3)).toEqual(['80.0', '70.0-90.0', '85.0', '1.00', '45', '0.80x']);
    expect(byKey.get('official-node24')?.at(-1)).toBe('');
    expect(byKey.get('lamina-node22')?.slice(3)).toEqual(['-', '-', '-', '-', '-', '-']);
    expect(table.columns).toHaveLength(9);
    const targets = matrixTargets(rows, measures);
    expect(targets.map((t) => [t.what, +t.ratio.toFixed(2), t.goal])).toEqual([
      ['runtime matrix, nodejs20.x: Init Duration, lamina RIC / official aws-lambda-ric@3', 0.55, '<= 0.75'],
      ['runtime matrix, nodejs22.x: Init Duration, lamina RIC / official aws-lambda-ric@3', Number.NaN, '<= 0.75'],
      ['runtime matrix, nodejs24.x: Init Duration, lamina RIC / official aws-lambda-ric@4', 0.8, '<= 0.75'],
    ]);
    expect(targets[2]?.range).toEqual({ value: 0.8, low: 0.7, high: 0.9 });
    const svg = matrixChart(rows, measures, () => [1]);
    expect(svg.startsWith('<svg')).toBe(true);
    for (const row of rows) expect(svg).toContain(`${row.lambdaRuntime} ${row.client}`.split(' ')[0]);
    expect((svg.match(/<rect x=/g) ?? []).length).toBe(rows.length * 2 + 2);
  });
});
