/** Well-formed zips for tests, written by yazl (hostile ones come from ./raw-zip.ts). */
import { ZipFile } from 'yazl';

/** A real zip from yazl: files with modes, directories, symlinks (mode 0o120777, data = target). */
export async function yazlZip(entries: readonly { name: string; data?: string | Buffer; mode?: number; directory?: boolean }[], compress = true): Promise<Buffer> {
  const zip = new ZipFile();
  for (const entry of entries) {
    if (entry.directory) zip.addEmptyDirectory(entry.name, { mode: entry.mode ?? 0o40755 });
    else zip.addBuffer(Buffer.isBuffer(entry.data) ? entry.data : Buffer.from(entry.data ?? ''), entry.name, { mode: entry.mode ?? 0o100644, compress });
  }
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
