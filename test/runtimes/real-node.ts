/**
 * A real Node.js major for end-to-end tests: installed once into the real cache root (later runs
 * find it there), or the reason it could not be (no registry), for the test to skip with.
 */
import { ensureNode, type ResolvedNode } from '../../src/runtimes/node-installer.js';
import { progressLine } from '../../src/runtimes/progress-line.js';

export interface RealNode {
  node: ResolvedNode | undefined;
  unavailable: string;
}

/** @example const real = await realNode(22); */
export async function realNode(major: number): Promise<RealNode> {
  try {
    return { node: await ensureNode(major, { onProgress: progressLine() }), unavailable: '' };
  } catch (error) {
    return { node: undefined, unavailable: error instanceof Error ? error.message : String(error) };
  }
}

/** Skip the running test, saying why, when the major is not there; else its interpreter. */
export function nodeOrSkip(real: RealNode, context: { skip(): void }): ResolvedNode | undefined {
  if (real.node === undefined) {
    console.log(`skipped: the Node.js runtime is not installed and the registry cannot be reached: ${real.unavailable}`);
    context.skip();
  }
  return real.node;
}
