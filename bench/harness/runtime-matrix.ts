/**
 * The cold scenario's rows as a runtime matrix in the style of lambda-perf: one row per Lambda
 * runtime and client (Lamina's and the official one Lambda ships for each Node major, the Python
 * client, custom runtimes), with Init Duration p50 and range, cold and warm p50, memory, and per
 * Node major our client's Init Duration over the official client's, measured in the same rounds.
 */
import { codeCacheNote, MATRIX_MAJORS, type BenchNode, type NodeMajor } from './bench-node.js';
import { benchPythonRuntime, officialLine, type RuntimeKind } from './bench-functions.js';
import { fmt, type Table, type Target } from './result.js';
import { median, ratioOf } from './stats.js';
import { stackedBarChart } from './svg-charts.js';

export interface MatrixRow {
  readonly key: string;
  readonly runtime: RuntimeKind;
  readonly label: string;
  readonly functionName: string;
  /** The `Runtime` a user writes for this row on Lambda. */
  readonly lambdaRuntime: string;
  readonly client: string;
  /** The Node major of a Node.js row. */
  readonly major?: NodeMajor;
  /** The official client of its major: the denominator of the per-major ratio. */
  readonly official?: true;
  /** A `PackageType: Image` function running this image (its bare start is `runtime`'s). */
  readonly imageUri?: string;
}

/** What one row measured over the rounds (limits on). */
export interface RowMeasures {
  readonly initMs: readonly number[];
  readonly totalMs: readonly number[];
  readonly warmMs: readonly number[];
  readonly memoryMb: readonly number[];
  /** The same runtime spawned bare against a stub Runtime API in the same rounds (no platform, no sandbox). */
  readonly bareMs?: readonly number[];
}

const nodeRows = (major: Exclude<NodeMajor, 20>): MatrixRow[] => [
  { key: `lamina-node${major}`, runtime: `lamina-node${major}`, label: `nodejs${major}.x: lamina RIC`, functionName: `ColdLaminaNode${major}`, lambdaRuntime: `nodejs${major}.x`, client: 'lamina RIC', major },
  { key: `official-node${major}`, runtime: `official-node${major}`, label: `nodejs${major}.x: official aws-lambda-ric@${officialLine(major)}`, functionName: `ColdOfficialNode${major}`, lambdaRuntime: `nodejs${major}.x`, client: `aws-lambda-ric@${officialLine(major)}`, major, official: true },
];

/**
 * Every row, in table order. The first four are the cold scenario's historical rows (their keys
 * and labels are what earlier results quote).
 *
 * @example matrixRows().map((r) => r.key) // ['lamina-ric', 'official', 'official-node20', ...]
 */
export function matrixRows(): MatrixRow[] {
  const python = benchPythonRuntime()?.runtime ?? 'python3.x';
  return [
    { key: 'lamina-ric', runtime: 'lamina-ric', label: 'Node.js: lamina RIC (nodejs20.x)', functionName: 'ColdLaminaRic', lambdaRuntime: 'nodejs20.x', client: 'lamina RIC', major: 20 },
    { key: 'official', runtime: 'official-ric', label: 'Node.js: official aws-lambda-ric@4', functionName: 'ColdOfficial', lambdaRuntime: 'nodejs20.x', client: 'aws-lambda-ric@4 (Lambda ships 3.x on Node 20)' },
    { key: 'official-node20', runtime: 'official-node20', label: 'nodejs20.x: official aws-lambda-ric@3', functionName: 'ColdOfficialNode20', lambdaRuntime: 'nodejs20.x', client: 'aws-lambda-ric@3', major: 20, official: true },
    ...nodeRows(22),
    ...nodeRows(24),
    ...nodeRows(26),
    { key: 'python', runtime: 'python-ric', label: `${python}: lamina Python client`, functionName: 'ColdPython', lambdaRuntime: python, client: 'lamina Python client' },
    { key: 'tiny-c', runtime: 'tiny-c', label: 'custom runtime: bootstrap in C', functionName: 'ColdTinyC', lambdaRuntime: 'provided.al2023', client: 'bootstrap in C' },
    { key: 'node-loop', runtime: 'floor-loop', label: 'custom runtime: node runtime loop', functionName: 'ColdNodeLoop', lambdaRuntime: 'provided.al2023', client: 'node runtime loop (bootstrap)' },
  ];
}

/** The interpreter a row runs on, as the table shows it (`nodes`: the majors' nodes the run prepared). */
export function runsOn(row: MatrixRow, nodes: readonly BenchNode[] = []): string {
  if (row.imageUri !== undefined) return 'container image';
  if (row.runtime === 'python-ric') return benchPythonRuntime()?.python ?? '-';
  if (row.runtime === 'tiny-c') return 'native';
  const node = nodes.find((n) => n.major === (row.major ?? 20));
  if (row.major === undefined || node === undefined) return `node ${process.versions.node} (host)`;
  return node.path === undefined ? '-' : `node ${node.version}${node.source === 'host' ? ' (host)' : ''}`;
}

/** Our client's row and the official client's row of each Node major, when both ran. */
export function majorPairs(rows: readonly MatrixRow[]): { major: NodeMajor; ours: MatrixRow; official: MatrixRow }[] {
  return MATRIX_MAJORS.flatMap((major) => {
    const ours = rows.find((r) => r.major === major && r.official === undefined && r.imageUri === undefined);
    const official = rows.find((r) => r.major === major && r.official === true);
    return ours === undefined || official === undefined ? [] : [{ major, ours, official }];
  });
}

const range = (values: readonly number[]): string => (values.length === 0 ? '-' : `${fmt(Math.min(...values))}-${fmt(Math.max(...values))}`);

/**
 * The lambda-perf style table: one row per runtime and client.
 *
 * @example matrixTable(rows, (key) => measures.get(key), 12, await prepareBenchNodes([20, 22, 24, 26]))
 */
export function matrixTable(rows: readonly MatrixRow[], measures: (key: string) => RowMeasures | undefined, rounds: number, nodes: readonly BenchNode[] = []): Table {
  const pairs = majorPairs(rows);
  return {
    title: `Runtime matrix (ms; ${rounds} cold starts per row under lamina serve with limits, warm p50 of the invokes after each)`,
    columns: ['Lambda runtime', 'client', 'runs on', 'Init Duration p50', 'Init Duration range', 'cold start p50 (caller)', 'warm p50 (caller)', 'Max Memory Used (MB)', 'Init Duration / official'],
    rows: rows.map((row) => {
      const m = measures(row.key);
      const pair = pairs.find((p) => p.ours.key === row.key);
      const ratio = pair === undefined ? undefined : ratioOf(m?.initMs ?? [], measures(pair.official.key)?.initMs ?? []).value;
      return [
        row.lambdaRuntime,
        row.client,
        runsOn(row, nodes),
        fmt(median(m?.initMs ?? [])),
        range(m?.initMs ?? []),
        fmt(median(m?.totalMs ?? [])),
        fmt(median(m?.warmMs ?? []), 2),
        fmt(median(m?.memoryMb ?? []), 0),
        ratio === undefined ? '' : Number.isFinite(ratio) ? `${fmt(ratio, 2)}x` : '-',
      ];
    }),
    notes: [
      'Init Duration: the REPORT line of the cold invoke (spawn to the runtime\'s first /next, sandbox included). Memory: Max Memory Used of that invoke.',
      'Our client\'s nodejsNN.x rows are nodejsNN.x functions: lamina serve starts the client on the node its installer gives that major (the host\'s for its own major, else ~/.cache/lamina/runtimes). The official client\'s rows run on the same node binary (hard-linked into the function\'s code) from a provided.al2023 bootstrap that sets the runtime\'s AWS_EXECUTION_ENV and NODE_PATH and starts the client as Lambda\'s runtime does.',
      'Init Duration / official: the ratio of the medians, our client over the official client Lambda ships for that major (aws-lambda-ric 3.x on 20 and 22, 4.x on 24 and 26), goal <= 0.75.',
      ...(nodes.length === 0 ? [] : [codeCacheNote(nodes)]),
    ],
  };
}

/**
 * Per Node major: our client's Init Duration / the official client's (the target), and the
 * same ratio of the bare starts when they were measured (the clients alone: no platform, no sandbox).
 */
export function matrixTargets(rows: readonly MatrixRow[], measures: (key: string) => RowMeasures | undefined): Target[] {
  return majorPairs(rows).flatMap(({ major, ours, official }) => {
    const ratio = ratioOf(measures(ours.key)?.initMs ?? [], measures(official.key)?.initMs ?? []);
    const targets: Target[] = [{ what: `runtime matrix, nodejs${major}.x: Init Duration, lamina RIC / official ${official.client}`, ratio: ratio.value, goal: '<= 0.75', range: ratio }];
    const bareOurs = measures(ours.key)?.bareMs ?? [];
    const bareOfficial = measures(official.key)?.bareMs ?? [];
    if (bareOurs.length > 0 && bareOfficial.length > 0) {
      const bare = ratioOf(bareOurs, bareOfficial);
      targets.push({ what: `runtime matrix, nodejs${major}.x: bare start (spawn to first /next, no platform), lamina RIC / official ${official.client}`, ratio: bare.value, goal: '<= 0.75', range: bare });
    }
    return targets;
  });
}

/** The matrix chart: Init Duration p50 per row, with the first invoke on top. */
export function matrixChart(rows: readonly MatrixRow[], measures: (key: string) => RowMeasures | undefined, firstInvokeMs: (key: string) => readonly number[]): string {
  return stackedBarChart({
    title: 'Runtime matrix: cold start by runtime and client (median ms)',
    yLabel: 'milliseconds',
    segments: ['Init Duration', 'first invoke (Duration)'],
    bars: rows.map((row) => ({ label: `${row.lambdaRuntime} ${row.client}`, values: [median(measures(row.key)?.initMs ?? []), median(firstInvokeMs(row.key))] })),
  });
}
