/**
 * The file format of the embedded S3 server (docs/s3-server.md): an object's (or part's) body,
 * then its metadata as JSON, then the JSON's length as 4 bytes big-endian. The metadata comes
 * last so that a body is streamed straight to disk and described once it is complete.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, createWriteStream, fstatSync, openSync, readSync } from 'node:fs';
import { open, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { S3Error } from './s3-errors.js';

/**
 * Open a file and read the metadata at its end; undefined when the file is not one. The caller
 * streams the body from the open handle and closes it.
 *
 * @example const opened = await readTrailer<ObjectMeta>(path); // { meta, bodyBytes, fd }
 */
export async function readTrailer<T>(path: string): Promise<{ meta: T; bodyBytes: number; fd: FileHandle } | undefined> {
  const fd = await open(path, 'r');
  try {
    const { size } = await fd.stat();
    if (size < 4) throw new Error('short');
    const lenBuf = Buffer.alloc(4);
    await fd.read(lenBuf, 0, 4, size - 4);
    const len = lenBuf.readUInt32BE(0);
    if (len > size - 4) throw new Error('bad length');
    const json = Buffer.alloc(len);
    await fd.read(json, 0, len, size - 4 - len);
    return { meta: JSON.parse(json.toString('utf8')) as T, bodyBytes: size - 4 - len, fd };
  } catch {
    await fd.close();
    return undefined;
  }
}

/**
 * The metadata of a file, read from its end only (at start, to build the index: objects may be
 * gigabytes).
 *
 * @example const meta = readTrailerSync<ObjectMeta>(join(dir, 'objects', name));
 */
export function readTrailerSync<T>(path: string): T | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const { size } = fstatSync(fd);
    const lenBuf = Buffer.alloc(4);
    if (size < 4 || readSync(fd, lenBuf, 0, 4, size - 4) !== 4) return undefined;
    const len = lenBuf.readUInt32BE(0);
    if (len > size - 4) return undefined;
    const json = Buffer.alloc(len);
    if (readSync(fd, json, 0, len, size - 4 - len) !== len) return undefined;
    return JSON.parse(json.toString('utf8')) as T;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Write `source` to a new file in `tmpDir`, then `finish(bytes)` gives the metadata to append (it
 * may throw, e.g. a checksum mismatch: nothing is kept). Returns the temporary path, fsynced.
 *
 * @throws S3Error EntityTooLarge past `maxBytes` (the file is removed).
 * @example const { path, meta } = await writeObjectFile(tmp, req, 5 * 1024 ** 3, (size) => ({ size }));
 */
export async function writeObjectFile<T>(tmpDir: string, source: Readable, maxBytes: number, finish: (bytes: number) => T): Promise<{ path: string; meta: T }> {
  const path = join(tmpDir, randomBytes(12).toString('hex'));
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      bytes += chunk.length;
      if (bytes > maxBytes) cb(new S3Error('LAMINA_ERR_S3_ENTITY_TOO_LARGE', `Your proposed upload exceeds the maximum allowed size (${maxBytes} bytes).`));
      else cb(null, chunk);
    },
  });
  try {
    await pipeline(source, counter, createWriteStream(path));
    const meta = finish(bytes);
    const json = Buffer.from(JSON.stringify(meta), 'utf8');
    const len = Buffer.alloc(4);
    len.writeUInt32BE(json.length);
    const fd = await open(path, 'a');
    try {
      await fd.write(Buffer.concat([json, len]));
      await fd.sync();
    } finally {
      await fd.close();
    }
    return { path, meta };
  } catch (err) {
    await rm(path, { force: true });
    throw err;
  }
}
