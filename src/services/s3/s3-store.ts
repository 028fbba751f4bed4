/**
 * The embedded S3 server's storage (docs/s3-server.md): one directory per bucket under the state
 * directory, one file per object named by the SHA-256 of its key (a key never becomes a path, so
 * `../../etc/passwd` is just a name), in the format of ./object-file.ts. A file is written beside,
 * fsynced, then renamed into place: an object is whole or absent after a crash, and one the server
 * answered 200 for survives a restart.
 * An index in memory, rebuilt from the files at start, serves listings.
 */
import { createHash } from 'node:crypto';
import { createReadStream, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, type ReadStream } from 'node:fs';
import { rename, rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { readTrailer, readTrailerSync, writeObjectFile } from './object-file.js';
import { S3Error } from './s3-errors.js';
import type { ObjectMeta, PartMeta, UploadMeta } from './s3-types.js';

interface BucketState {
  readonly name: string;
  readonly created: number;
  readonly dir: string;
  readonly objects: Map<string, ObjectMeta>;
  readonly uploads: Map<string, UploadMeta>;
}

const hashName = (key: string): string => createHash('sha256').update(key, 'utf8').digest('hex');

export class S3Store {
  readonly #root: string;
  readonly #tmp: string;
  readonly #buckets = new Map<string, BucketState>();
  /**
   * The last step of every object write and delete (rename or unlink, then the index), one at a
   * time: two PutObjects of one key racing leave the file and the index agreeing on the same one.
   */
  #commits: Promise<unknown> = Promise.resolve();

  #commit<T>(step: () => Promise<T>): Promise<T> {
    const next = this.#commits.then(step, step);
    this.#commits = next.catch(() => undefined);
    return next;
  }

  /** Open (creating) the storage under `root` and index what it holds. */
  constructor(root: string) {
    this.#root = root;
    this.#tmp = join(root, 'tmp');
    // Half-written files of a previous run are garbage: nothing was acknowledged for them.
    rmSync(this.#tmp, { recursive: true, force: true });
    mkdirSync(this.#tmp, { recursive: true });
    mkdirSync(join(root, 'buckets'), { recursive: true });
    for (const name of readdirSync(join(root, 'buckets'))) {
      const dir = join(root, 'buckets', name);
      let created: number;
      try {
        created = (JSON.parse(readFileSync(join(dir, 'bucket.json'), 'utf8')) as { created: number }).created;
      } catch {
        continue;
      }
      const state: BucketState = { name, created, dir, objects: new Map(), uploads: new Map() };
      for (const file of readdirSync(join(dir, 'objects'))) {
        const meta = readTrailerSync<ObjectMeta>(join(dir, 'objects', file));
        if (meta !== undefined && hashName(meta.key) === file) state.objects.set(meta.key, meta);
      }
      for (const id of readdirSync(join(dir, 'uploads'))) {
        try {
          state.uploads.set(id, JSON.parse(readFileSync(join(dir, 'uploads', id, 'upload.json'), 'utf8')) as UploadMeta);
        } catch {
          // An upload whose record is unreadable was never acknowledged.
        }
      }
      this.#buckets.set(name, state);
    }
  }

  bucketNames(): { name: string; created: number }[] {
    return [...this.#buckets.values()].map((b) => ({ name: b.name, created: b.created })).sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  hasBucket(name: string): boolean {
    return this.#buckets.has(name);
  }

  /** The bucket or NoSuchBucket. */
  bucket(name: string): BucketState {
    const b = this.#buckets.get(name);
    if (b === undefined) throw new S3Error('LAMINA_ERR_S3_NO_SUCH_BUCKET', 'The specified bucket does not exist', { BucketName: name });
    return b;
  }

  /** Create a bucket (its name already checked against S3's rules, so safe as a directory name). */
  createBucket(name: string, now = Date.now()): boolean {
    if (this.#buckets.has(name)) return false;
    const dir = join(this.#root, 'buckets', name);
    mkdirSync(join(dir, 'objects'), { recursive: true });
    mkdirSync(join(dir, 'uploads'), { recursive: true });
    writeFileSync(join(dir, 'bucket.json'), JSON.stringify({ created: now }));
    this.#buckets.set(name, { name, created: now, dir, objects: new Map(), uploads: new Map() });
    return true;
  }

  deleteBucket(name: string): void {
    const b = this.bucket(name);
    if (b.objects.size > 0 || b.uploads.size > 0) throw new S3Error('LAMINA_ERR_S3_BUCKET_NOT_EMPTY', 'The bucket you tried to delete is not empty', { BucketName: name });
    this.#buckets.delete(name);
    rmSync(b.dir, { recursive: true, force: true });
  }

  /**
   * Store an object from a stream; `finish(bytes)` builds its metadata once the body is in.
   *
   * @example await store.putObject('photos', 'a.jpg', req, 5 * 1024 ** 3, (size) => ({ key, size, ... }));
   */
  async putObject(bucket: string, key: string, source: Readable, maxBytes: number, finish: (bytes: number) => ObjectMeta): Promise<ObjectMeta> {
    const b = this.bucket(bucket);
    const { path, meta } = await writeObjectFile(this.#tmp, source, maxBytes, finish);
    await this.#commit(async () => {
      await rename(path, join(b.dir, 'objects', hashName(key)));
      b.objects.set(key, meta);
    });
    return meta;
  }

  /** Open an object for reading: its metadata and a stream of `[start, end]` of its body. */
  async openObject(bucket: string, key: string, range?: (size: number) => { start: number; end: number } | undefined): Promise<{ meta: ObjectMeta; range: { start: number; end: number } | undefined; body: ReadStream | undefined }> {
    const b = this.bucket(bucket);
    const opened = b.objects.has(key) ? await readTrailer<ObjectMeta>(join(b.dir, 'objects', hashName(key))).catch(() => undefined) : undefined;
    if (opened === undefined) throw new S3Error('LAMINA_ERR_S3_NO_SUCH_KEY', 'The specified key does not exist.', { Key: key });
    const { meta, bodyBytes, fd } = opened;
    let wanted: { start: number; end: number } | undefined;
    try {
      wanted = range?.(meta.size);
    } catch (err) {
      await fd.close();
      throw err;
    }
    if (bodyBytes === 0 || (wanted !== undefined && wanted.end < wanted.start)) {
      await fd.close();
      return { meta, range: wanted, body: undefined };
    }
    // The open file is read, not the path: a PutObject renaming over it meanwhile does not mix bodies.
    const body = createReadStream('', { fd, start: wanted?.start ?? 0, end: wanted?.end ?? bodyBytes - 1, autoClose: true });
    return { meta, range: wanted, body };
  }

  head(bucket: string, key: string): ObjectMeta | undefined {
    return this.bucket(bucket).objects.get(key);
  }

  /** Delete an object; its metadata when it existed. */
  async deleteObject(bucket: string, key: string): Promise<ObjectMeta | undefined> {
    const b = this.bucket(bucket);
    return this.#commit(async () => {
      const meta = b.objects.get(key);
      if (meta === undefined) return undefined;
      b.objects.delete(key);
      await unlink(join(b.dir, 'objects', hashName(key))).catch(() => undefined);
      return meta;
    });
  }

  /** The bucket's keys in UTF-8 binary order, as S3 lists them. */
  sortedKeys(bucket: string): string[] {
    return [...this.bucket(bucket).objects.keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  }

  createUpload(bucket: string, upload: UploadMeta): void {
    const b = this.bucket(bucket);
    const dir = join(b.dir, 'uploads', upload.uploadId);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'upload.json'), JSON.stringify(upload));
    b.uploads.set(upload.uploadId, upload);
  }

  upload(bucket: string, uploadId: string): UploadMeta {
    const upload = this.bucket(bucket).uploads.get(uploadId);
    if (upload === undefined) throw new S3Error('LAMINA_ERR_S3_NO_SUCH_UPLOAD', 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.', { UploadId: uploadId });
    return upload;
  }

  async putPart(bucket: string, uploadId: string, partNumber: number, source: Readable, maxBytes: number, finish: (bytes: number) => PartMeta): Promise<PartMeta> {
    this.upload(bucket, uploadId);
    const { path, meta } = await writeObjectFile(this.#tmp, source, maxBytes, finish);
    await rename(path, join(this.bucket(bucket).dir, 'uploads', uploadId, `part-${partNumber}`));
    return meta;
  }

  async part(bucket: string, uploadId: string, partNumber: number): Promise<PartMeta | undefined> {
    const opened = await readTrailer<PartMeta>(join(this.bucket(bucket).dir, 'uploads', uploadId, `part-${partNumber}`)).catch(() => undefined);
    await opened?.fd.close();
    return opened?.meta;
  }

  /** A stream of one part's body (for assembling the object). */
  async partBody(bucket: string, uploadId: string, partNumber: number): Promise<Readable> {
    const opened = await readTrailer<PartMeta>(join(this.bucket(bucket).dir, 'uploads', uploadId, `part-${partNumber}`));
    if (opened === undefined) throw new S3Error('LAMINA_ERR_S3_INVALID_PART', 'One or more of the specified parts could not be found.');
    if (opened.bodyBytes === 0) {
      await opened.fd.close();
      return Readable.from([]);
    }
    return createReadStream('', { fd: opened.fd, start: 0, end: opened.bodyBytes - 1, autoClose: true });
  }

  async removeUpload(bucket: string, uploadId: string): Promise<void> {
    const b = this.bucket(bucket);
    b.uploads.delete(uploadId);
    await rm(join(b.dir, 'uploads', uploadId), { recursive: true, force: true });
  }
}
