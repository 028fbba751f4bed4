/**
 * Who is on the other end of a Runtime API connection, for environments that share the host's
 * loopback (no root, or `--no-isolation`; docs/isolation.md). The connecting socket is looked up in
 * /proc/net/tcp{,6} by its ports, and accepted only when a process of the environment's own
 * process tree holds it. A runtime of another function connecting to this listener is refused
 * before a byte is read, so it cannot take this environment's invocations.
 *
 * Runs once per connection (runtimes keep theirs open): a read of /proc/net/tcp, which costs the
 * kernel a walk of its whole connection hash (about 5 ms on a 24 GB machine), so it is read off
 * the event loop, and a walk of the environment's few processes' fd tables (under 1 ms).
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

/** Enough to stop a fork bomb from turning a connection check into a long walk. */
const MAX_PROCESSES = 2048;

function portOf(hexAddress: string): number {
  return Number.parseInt(hexAddress.slice(hexAddress.lastIndexOf(':') + 1), 16);
}

/** The inode in one /proc/net/tcp{,6} text of the socket with local port `peerPort`, remote `serverPort`. */
function findInode(text: string, peerPort: number, serverPort: number): number | undefined {
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    const local = fields[1];
    const remote = fields[2];
    const inode = fields[9];
    if (local === undefined || remote === undefined || inode === undefined) continue;
    if (portOf(local) === peerPort && portOf(remote) === serverPort) return Number(inode);
  }
  return undefined;
}

/**
 * The inode of the socket whose own port is `peerPort` and which is connected to `serverPort`
 * on this host, or undefined when there is none (it closed, or it is in another network namespace).
 * IPv4 first (the listener is on 127.0.0.1), IPv6 only when not found there.
 *
 * @example
 * await peerSocketInode(41234, 9001); // 1234567
 */
export async function peerSocketInode(peerPort: number, serverPort: number): Promise<number | undefined> {
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await readFile(table, 'latin1').catch(() => '');
    const inode = findInode(text, peerPort, serverPort);
    if (inode !== undefined) return inode;
  }
  return undefined;
}

/** Does a process of the tree rooted at `rootPid` hold socket `inode`? */
export function treeHoldsSocket(rootPid: number, inode: number): boolean {
  const wanted = `socket:[${inode}]`;
  const pending = [rootPid];
  let seen = 0;
  while (pending.length > 0 && seen < MAX_PROCESSES) {
    const pid = pending.pop() as number;
    seen += 1;
    try {
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        try {
          if (readlinkSync(`/proc/${pid}/fd/${fd}`) === wanted) return true;
        } catch {
          // closed meanwhile
        }
      }
      for (const task of readdirSync(`/proc/${pid}/task`)) {
        const children = readFileSync(`/proc/${pid}/task/${task}/children`, 'latin1').trim();
        if (children !== '') for (const child of children.split(' ')) pending.push(Number(child));
      }
    } catch {
      // the process is gone
    }
  }
  return false;
}

/**
 * A connection check for one environment: true when the connecting socket belongs to its tree.
 *
 * @example
 * const check = connectionFromTree(() => sandbox.pid);
 * if (!(await check(socket.remotePort, socket.localPort))) socket.destroy();
 */
export function connectionFromTree(rootPid: () => number | undefined): (peerPort: number, serverPort: number) => Promise<boolean> {
  return async (peerPort, serverPort) => {
    const inode = await peerSocketInode(peerPort, serverPort);
    // Read after the table: a sandbox's pid may arrive from the spawner after its first connection.
    const pid = rootPid();
    if (pid === undefined || pid <= 0) return false;
    return inode !== undefined && treeHoldsSocket(pid, inode);
  };
}
