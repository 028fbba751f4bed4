/**
 * Well-formed zips for tests, written by yazl: files with modes, directories and symlinks
 * (mode 0o120777, data = target). Hostile archives come from test/control/raw-zip.ts.
 */
import { ZipFile } from 'yazl';

export interface ZipFileEntry {
  readonly name: string;
  readonly data?: string | Buffer;
  readonly mode?: number;
  readonly directory?: boolean;
}

/**
 * @example
 * const zip = await yazlZip([{ name: 'bootstrap', data: '#!/bin/sh\n', mode: 0o100755 }]);
 */
export async function yazlZip(entries: readonly ZipFileEntry[], compress = true): Promise<Buffer> {
  const zip = new ZipFile();
  for (const entry of entries) {
    if (entry.directory === true) zip.addEmptyDirectory(entry.name, { mode: entry.mode ?? 0o40755 });
    else zip.addBuffer(Buffer.isBuffer(entry.data) ? entry.data : Buffer.from(entry.data ?? ''), entry.name, { mode: entry.mode ?? 0o100644, compress });
  }
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
