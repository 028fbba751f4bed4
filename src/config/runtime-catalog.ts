/**
 * The `Runtime` identifiers Lambda knows, and what Lamina does with each: runs it (Node.js and
 * Python on Lamina's runtime interface clients, `provided*` on the function's bootstrap), runs it
 * with a warning (Lambda has deprecated it), or refuses it with the way out (docs/runtimes.md).
 *
 * Deprecation dates are Lambda's, from the AWS Lambda Developer Guide pages "Lambda runtimes"
 * (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html, supported and deprecated
 * runtime tables) and "Runtime deprecation" (runtime-support-policy). A date in the future is
 * Lambda's planned deprecation: the runtime loads quietly until then. Update this table when
 * Lambda publishes new dates.
 */

/** How Lamina starts a runtime of this family. */
export type RuntimeRunner = 'node' | 'python' | 'bootstrap';

export interface RuntimeEntry {
  readonly name: string;
  readonly runner: RuntimeRunner;
  /** Lambda's deprecation date (YYYY-MM-DD), past or planned; undefined when none is published. */
  readonly deprecated?: string;
  /** In preview on Lambda. */
  readonly preview?: true;
  /** For deprecated runtimes of a Python version: run only on that exact interpreter (no fallback to python3). */
  readonly exactInterpreter?: true;
}

const node = (name: string, deprecated?: string, preview?: true): RuntimeEntry => ({ name, runner: 'node', ...(deprecated === undefined ? {} : { deprecated }), ...(preview === undefined ? {} : { preview }) });
const python = (name: string, deprecated: string, exactInterpreter?: true): RuntimeEntry => ({ name, runner: 'python', deprecated, ...(exactInterpreter === undefined ? {} : { exactInterpreter }) });

/** Every runtime Lamina runs, newest first within a family (the first one is the one to move to). */
export const RUNTIME_CATALOG: readonly RuntimeEntry[] = [
  node('nodejs26.x', undefined, true),
  node('nodejs24.x', '2028-04-30'),
  node('nodejs22.x', '2027-04-30'),
  node('nodejs20.x', '2026-04-30'),
  // Deprecated on Lambda, still run on their own Node major (the official binaries exist for both).
  node('nodejs18.x', '2025-09-01'),
  node('nodejs16.x', '2024-06-12'),
  python('python3.14', '2030-06-30'),
  python('python3.13', '2029-06-30'),
  python('python3.12', '2028-10-31'),
  python('python3.11', '2026-06-30'),
  python('python3.10', '2026-06-30'),
  // Lamina ships no Python: these run only where the machine has that very interpreter.
  python('python3.9', '2025-12-15', true),
  python('python3.8', '2024-10-14', true),
  { name: 'provided.al2023', runner: 'bootstrap', deprecated: '2029-06-30' },
  { name: 'provided.al2', runner: 'bootstrap', deprecated: '2026-06-30' },
  { name: 'provided', runner: 'bootstrap', deprecated: '2024-01-08' },
];

/**
 * Runtimes Lambda retired long ago and Lamina does not run (the runtime interface clients need a
 * newer language version), with Lambda's deprecation date.
 */
export const RETIRED_RUNTIMES: Readonly<Record<string, string>> = {
  'nodejs14.x': '2023-12-04',
  'nodejs12.x': '2023-03-31',
  'nodejs10.x': '2021-07-30',
  'nodejs8.10': '2020-03-06',
  'nodejs6.10': '2019-08-12',
  'nodejs4.3': '2020-03-05',
  'nodejs4.3-edge': '2020-03-05',
  nodejs: '2016-10-31',
  'python3.7': '2023-12-04',
  'python3.6': '2022-07-18',
  'python2.7': '2021-07-15',
};

/** Language families Lambda offers that Lamina has no runtime for. */
const OTHER_FAMILIES: readonly { readonly pattern: RegExp; readonly language: string; readonly hint: string }[] = [
  { pattern: /^java\d/, language: 'Java', hint: 'e.g. a GraalVM native image, or a JVM started by the bootstrap' },
  { pattern: /^dotnet(core)?\d/, language: '.NET', hint: 'e.g. a Native AOT build named bootstrap' },
  { pattern: /^ruby\d/, language: 'Ruby', hint: 'e.g. a bootstrap script that starts ruby with a runtime loop' },
  { pattern: /^go1\.x$/, language: 'Go', hint: 'GOOS=linux go build -o bootstrap, as Lambda itself asks since go1.x was deprecated on 2024-01-08' },
];

/** What the template loader makes of a `Runtime` value. */
export type RuntimeVerdict =
  | { readonly ok: true; readonly entry: RuntimeEntry; readonly warning: string | undefined }
  | { readonly ok: false; readonly problem: string };

/** The runtime to move to within a family (the newest one that is not in preview). */
function newest(runner: RuntimeRunner): string {
  return RUNTIME_CATALOG.find((e) => e.runner === runner && e.preview === undefined)?.name ?? 'provided.al2023';
}

/** Names of every runtime Lamina runs, in the catalogue's order. */
export const RUNNABLE_RUNTIMES: readonly string[] = RUNTIME_CATALOG.map((e) => e.name);

/** `YYYY-MM-DD` of a date in UTC (Lambda's dates are days, not instants). */
const day = (when: Date): string => when.toISOString().slice(0, 10);

/**
 * The verdict on a `Runtime` identifier at a given date: runnable (with a deprecation warning
 * once Lambda's date has passed), or a problem that says what to use instead.
 *
 * @example
 * classifyRuntime('nodejs24.x', new Date('2026-11-29')); // { ok: true, entry, warning: undefined }
 * classifyRuntime('java21'); // { ok: false, problem: 'java21 (Java) is not run by Lamina: ...' }
 */
export function classifyRuntime(name: string, now: Date = new Date()): RuntimeVerdict {
  const entry = RUNTIME_CATALOG.find((e) => e.name === name);
  if (entry !== undefined) {
    const past = entry.deprecated !== undefined && entry.deprecated <= day(now);
    const warning = past ? `${name} is deprecated on Lambda since ${entry.deprecated} (AWS "Lambda runtimes" page); Lamina still runs it, but new functions should use ${newest(entry.runner)}` : undefined;
    return { ok: true, entry, warning };
  }
  // Own keys only: `toString` or `__proto__` are names like any other, not the object's methods.
  const retired = Object.hasOwn(RETIRED_RUNTIMES, name) ? RETIRED_RUNTIMES[name] : undefined;
  if (retired !== undefined) {
    const to = name.startsWith('nodejs') ? newest('node') : newest('python');
    return { ok: false, problem: `${name} was deprecated on Lambda on ${retired} and Lamina does not run it; move the function to ${to}` };
  }
  const family = OTHER_FAMILIES.find((f) => f.pattern.test(name));
  if (family !== undefined) {
    return {
      ok: false,
      problem: `${name} (${family.language}) is not run by Lamina: use Runtime: provided.al2023 with an executable bootstrap in the code directory (${family.hint}), or package the function as a container image (PackageType: Image)`,
    };
  }
  return { ok: false, problem: `${JSON.stringify(name)} is not a runtime Lamina knows; supported runtimes: ${RUNNABLE_RUNTIMES.join(', ')}` };
}

/**
 * The Node.js major of a `nodejsNN.x` runtime, or undefined for other runtimes.
 *
 * @example nodeMajorOf('nodejs24.x') // 24
 */
export function nodeMajorOf(runtime: string): number | undefined {
  const match = /^nodejs(\d+)\.x$/.exec(runtime);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}
