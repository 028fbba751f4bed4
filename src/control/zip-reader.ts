/**
 * Reading a zip held in memory with yauzl, promise-shaped and distrustful: the entries of the
 * central directory, and each entry's data streamed through a counter that checks the bytes
 * against the header's size and CRC-32 as they come, so a lying header (a zip bomb) is caught
 * after at most one byte too many, never after inflating what it hides.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { crc32 } from 'node:zlib';
import yauzl from 'yauzl';

/** A zip that cannot be read as its headers say: corrupt, truncated, lying sizes, bad CRC. */
export class ZipReadError extends Error {
  override readonly name = 'ZipReadError';
}

/** The whole package went over its byte budget while streaming. */
export class ByteBudgetError extends Error {
  override readonly name = 'ByteBudgetError';
  constructor(readonly counted: number) {
    super(`over budget after ${counted} bytes`);
  }
}

/**
 * Open a zip buffer and list its entries (names left undecoded: zip-entry-path.ts decodes them).
 * The zip stays open for `openEntry` until `close`.
 *
 * @example
 * const { zipfile, entries } = await listEntries(buffer, 250_000);
 */
export async function listEntries(zip: Buffer, maxEntries: number): Promise<{ zipfile: yauzl.ZipFile; entries: yauzl.Entry[]; tooMany: boolean }> {
  const zipfile = await yauzl.fromBufferPromise(zip, { lazyEntries: true, decodeStrings: false, validateEntrySizes: false, autoClose: false }).catch((err: unknown) => {
    throw new ZipReadError(err instanceof Error ? err.message : String(err));
  });
  if (zipfile.entryCount > maxEntries) return { zipfile, entries: [], tooMany: true };
  const entries = await new Promise<yauzl.Entry[]>((resolve, reject) => {
    const found: yauzl.Entry[] = [];
    zipfile.on('entry', (entry: yauzl.Entry) => {
      found.push(entry);
      zipfile.readEntry();
    });
    zipfile.on('end', () => resolve(found));
    zipfile.on('error', (err: Error) => reject(new ZipReadError(err.message)));
    zipfile.readEntry();
  });
  return { zipfile, entries, tooMany: false };
}

/** Shared across a package's entries: how many uncompressed bytes may still come. */
export interface ByteBudget {
  remaining: number;
  counted: number;
}

/**
 * Counts an entry's bytes as they stream: more than the header declares, or more than the
 * package's budget, stops the stream at once; at the end, fewer bytes or another CRC-32 than
 * the header declares fail it.
 */
class EntryCounter extends Transform {
  private bytes = 0;
  private crc = 0;

  constructor(
    private readonly entry: yauzl.Entry,
    private readonly budget: ByteBudget,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    this.budget.counted += chunk.length;
    this.budget.remaining -= chunk.length;
    if (this.budget.remaining < 0) return done(new ByteBudgetError(this.budget.counted));
    if (this.bytes > this.entry.uncompressedSize) return done(new ZipReadError(`entry holds more than the ${this.entry.uncompressedSize} bytes its header declares`));
    this.crc = crc32(chunk, this.crc);
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    if (this.bytes !== this.entry.uncompressedSize) return done(new ZipReadError(`entry holds ${this.bytes} bytes, its header declares ${this.entry.uncompressedSize}`));
    if (this.crc >>> 0 !== this.entry.crc32 >>> 0) return done(new ZipReadError(`entry CRC-32 ${this.crc >>> 0} differs from its header's ${this.entry.crc32 >>> 0}`));
    done();
  }
}

/**
 * An entry's uncompressed data, counted against its header and the package's budget. Errors of
 * the inflater (a corrupt deflate stream, a truncated archive) come out as ZipReadError.
 *
 * @example
 * await pipeline(await openEntry(zipfile, entry, budget), createWriteStream(path));
 */
export async function openEntry(zipfile: yauzl.ZipFile, entry: yauzl.Entry, budget: ByteBudget): Promise<Transform> {
  const raw = await new Promise<NodeJS.ReadableStream & { destroy(error?: Error): unknown; on(event: 'error', listener: (err: Error) => void): unknown }>((resolve, reject) => {
    zipfile.openReadStream(entry, (err, stream) => (err ? reject(new ZipReadError(err.message)) : resolve(stream)));
  });
  const counter = new EntryCounter(entry, budget);
  raw.on('error', (err: Error) => counter.destroy(err instanceof ZipReadError ? err : new ZipReadError(err.message)));
  counter.on('close', () => raw.destroy());
  raw.pipe(counter);
  return counter;
}

/**
 * An entry's whole data, for a symlink's target (small; the cap keeps a hostile "link" from
 * being read into memory whole).
 *
 * @example
 * const target = (await readEntry(zipfile, entry, budget, 4096)).toString('utf8');
 */
export async function readEntry(zipfile: yauzl.ZipFile, entry: yauzl.Entry, budget: ByteBudget, cap: number): Promise<Buffer> {
  if (entry.uncompressedSize > cap) throw new ZipReadError(`a symlink of ${entry.uncompressedSize} bytes is over ${cap}`);
  const stream = await openEntry(zipfile, entry, budget);
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
