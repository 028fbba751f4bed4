/**
 * Containers left behind by a platform that did not stop cleanly (killed, crashed): every container
 * Lamina starts carries its platform's pid in a label, and at the next start the containers whose
 * platform is no longer running are removed.
 */
import { existsSync } from 'node:fs';
import { OWNER_LABEL } from './container-sandbox.js';
import { runEngine, type ContainerEngine } from './engine.js';

/** Is this pid a running process (other than a zombie)? */
function alive(pid: number): boolean {
  return pid > 0 && existsSync(`/proc/${pid}`);
}

/**
 * Remove the stale containers; resolves to how many were removed.
 *
 * @example
 * const removed = await removeStaleContainers(engine); // 2 after a crash with two environments
 */
export async function removeStaleContainers(engine: ContainerEngine, isAlive: (pid: number) => boolean = alive): Promise<number> {
  const listing = await runEngine(engine, ['ps', '--all', '--filter', `label=${OWNER_LABEL}`, '--format', `{{.Names}} {{index .Labels "${OWNER_LABEL}"}}`]);
  if (listing.code !== 0) return 0;
  const stale: string[] = [];
  for (const line of listing.stdout.split('\n')) {
    const [name, pid] = line.trim().split(/\s+/);
    if (name !== undefined && name !== '' && !isAlive(Number(pid))) stale.push(name);
  }
  if (stale.length === 0) return 0;
  const removal = await runEngine(engine, ['rm', '--force', '--time', '0', ...stale]);
  return removal.code === 0 ? stale.length : 0;
}
