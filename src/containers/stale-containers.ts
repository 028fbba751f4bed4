/**
 * Containers left behind by a platform that did not stop cleanly (killed, crashed): every container
 * Lamina starts carries its platform's pid (a label for the engine's, the name for runc's), and at
 * the next start the containers whose platform is no longer running are removed.
 */
import { existsSync } from 'node:fs';
import { OWNER_LABEL } from './container-sandbox.js';
import { runEngine, type ContainerEngine } from './engine.js';
import { removeStaleRuncContainers } from './runc-direct.js';

/** Is this pid a running process (other than a zombie)? */
function alive(pid: number): boolean {
  return pid > 0 && existsSync(`/proc/${pid}`);
}

/**
 * Remove the stale containers (the engine's, and those started with runc directly); resolves to
 * how many were removed.
 *
 * @example
 * const removed = await removeStaleContainers(engine); // 2 after a crash with two environments
 */
export async function removeStaleContainers(engine: ContainerEngine, isAlive: (pid: number) => boolean = alive): Promise<number> {
  const direct = engine.name === 'podman' && process.getuid?.() === 0 ? removeStaleRuncContainers(isAlive) : 0;
  const listing = await runEngine(engine, ['ps', '--all', '--filter', `label=${OWNER_LABEL}`, '--format', `{{.Names}} {{index .Labels "${OWNER_LABEL}"}}`]);
  if (listing.code !== 0) return direct;
  const stale: string[] = [];
  for (const line of listing.stdout.split('\n')) {
    const [name, pid] = line.trim().split(/\s+/);
    if (name !== undefined && name !== '' && !isAlive(Number(pid))) stale.push(name);
  }
  // One at a time: an engine refuses the whole list when one of them is already gone.
  let removed = direct;
  for (const name of stale) if ((await runEngine(engine, ['rm', '--force', '--time', '0', name])).code === 0) removed += 1;
  return removed;
}
