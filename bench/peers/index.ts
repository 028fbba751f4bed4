/**
 * The whole-emulator peers the harness benchmarks side by side with Lamina (issue 5). Each is
 * installed on demand into ~/.cache/lamina-bench/peers/ by its `available()`, never as a
 * dependency of Lamina.
 */
import { lambdaLocalPeer } from './lambda-local.js';
import { serverlessOfflinePeer } from './serverless-offline.js';
import type { Peer } from './types.js';

/**
 * @example
 * for (const peer of listPeers()) console.log(peer.name, (await peer.available()) ?? 'ready');
 */
export function listPeers(): Peer[] {
  return [serverlessOfflinePeer(), lambdaLocalPeer()];
}
