/**
 * Whole-emulator peers (serverless-offline, lambda-local) through the interface of
 * bench/peers/types.ts. The adapters live in bench/peers/index.ts (another part of the harness,
 * possibly absent): a missing module or an `available()` reason becomes "peer skipped: <reason>".
 */
import type { Peer } from '../peers/types.js';

export interface LoadedPeers {
  readonly peers: readonly Peer[];
  readonly skipped: readonly string[];
}

function isPeerList(value: unknown): value is () => Peer[] {
  return typeof value === 'function';
}

/**
 * The peers that can run here, and why the others cannot.
 *
 * @example
 * const { peers, skipped } = await loadPeers(); // skipped: ['peer skipped: ...']
 */
export async function loadPeers(specifier = '../peers/index.js'): Promise<LoadedPeers> {
  let listed: Peer[];
  try {
    const module = (await import(specifier)) as { listPeers?: unknown };
    if (!isPeerList(module.listPeers)) return { peers: [], skipped: [`peer skipped: ${specifier} does not export listPeers()`] };
    listed = module.listPeers();
  } catch (error) {
    const reason = (error as { code?: string }).code === 'ERR_MODULE_NOT_FOUND' ? 'the peer adapters (bench/peers/index.ts) are not built' : (error as Error).message;
    return { peers: [], skipped: [`peer skipped: ${reason}`] };
  }
  const peers: Peer[] = [];
  const skipped: string[] = [];
  for (const peer of listed) {
    let reason: string | undefined;
    try {
      reason = await peer.available();
    } catch (error) {
      reason = `available() failed: ${(error as Error).message}`;
    }
    if (reason === undefined) peers.push(peer);
    else skipped.push(`peer skipped: ${peer.name}: ${reason}`);
  }
  return { peers, skipped };
}
