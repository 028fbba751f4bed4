/**
 * A template's deployment packages (docs/deployment-packages.md, "Templates"): a zip `CodeUri` /
 * `ContentUri` / `Content`, a CloudFormation `Code: { S3Bucket, S3Key }` naming a bucket of the
 * template (read from the embedded S3's files), and inline `Code: { ZipFile }` source. Zips are
 * extracted with the management API's package code and limits into `<root>/<sha256 hex>`, keyed
 * by digest: the same zip is extracted once, and a changed zip gets a new directory.
 *
 * The template loader is synchronous and extraction is not, so loading runs twice when a
 * template has zips that are not extracted yet (`loadTemplatePackaged` in ./sam-template.ts): the
 * first pass records them (`pending`), `prepare` extracts them, the second pass finds them.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkZippedSize, codeSha256 } from '../control/package-limits.js';
import { extractPackage } from '../control/zip-package.js';
import { readTrailerSync } from '../services/s3/object-file.js';
import type { ObjectMeta } from '../services/s3/s3-types.js';

/** Extracted code: its directory, and Lambda's `CodeSha256` and `CodeSize` of the zip. */
export interface PackagedCode {
  readonly dir: string;
  readonly sha256: string;
  readonly size: number;
}

export type PackageLookup =
  | { readonly kind: 'ready'; readonly code: PackagedCode }
  /** Not extracted yet: `prepare` will. */
  | { readonly kind: 'pending' }
  | { readonly kind: 'refused'; readonly message: string };

/**
 * @example
 * const packages = new TemplatePackages(join(stateDir, 'template-packages'), join(stateDir, 's3'));
 * packages.zipFile('/project/build/fn.zip'); // { kind: 'pending' } the first time
 */
export class TemplatePackages {
  readonly #root: string;
  readonly #s3Root: string | undefined;
  readonly #pending = new Map<string, Buffer>();
  readonly #refused = new Map<string, string>();

  constructor(root: string, s3Root?: string) {
    this.#root = root;
    this.#s3Root = s3Root;
  }

  /** Zips recorded by a pass that `prepare` has not extracted yet. */
  get pending(): boolean {
    return this.#pending.size > 0;
  }

  /** A local zip file (a path ending in `.zip`). */
  zipFile(path: string): PackageLookup {
    let zip: Buffer;
    try {
      zip = readFileSync(path);
    } catch (error) {
      return { kind: 'refused', message: `zip ${path} cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` };
    }
    return this.#lookup(zip);
  }

  /** An object of the embedded S3 server, read from its files (the server is not running yet). */
  s3Object(bucket: string, key: string): PackageLookup {
    const where = `s3://${bucket}/${key}`;
    if (this.#s3Root === undefined) return { kind: 'refused', message: `${where}: the embedded S3 is not available here` };
    const file = join(this.#s3Root, 'buckets', bucket, 'objects', createHash('sha256').update(key, 'utf8').digest('hex'));
    const meta = existsSync(file) ? readTrailerSync<ObjectMeta>(file) : undefined;
    if (meta === undefined || meta.key !== key) {
      return { kind: 'refused', message: `${where} does not exist in the embedded S3 (${this.#s3Root}); upload it (aws s3 cp fn.zip ${where} --endpoint-url ...) and start again` };
    }
    return this.#lookup(readFileSync(file).subarray(0, meta.size));
  }

  /**
   * CloudFormation's inline `ZipFile`: the source written as `fileName` (index.js, index.py) in a
   * directory keyed by the source's digest; `CodeSha256` is the digest of the source bytes (the
   * zip CloudFormation would make is not reproducible byte for byte).
   */
  inline(source: string, fileName: string): PackagedCode {
    const bytes = Buffer.from(source, 'utf8');
    const sha256 = codeSha256(bytes);
    const dir = join(this.#root, `inline-${createHash('sha256').update(fileName).update('\0').update(bytes).digest('hex')}`);
    if (!existsSync(dir)) {
      const partial = `${dir}.partial-${process.pid}`;
      rmSync(partial, { recursive: true, force: true });
      mkdirSync(partial, { recursive: true });
      writeFileSync(join(partial, fileName), bytes, { mode: 0o644 });
      try {
        renameSync(partial, dir);
      } catch (error) {
        // Another process wrote the same source first: its directory is this one.
        rmSync(partial, { recursive: true, force: true });
        if (!existsSync(dir)) throw error;
      }
    }
    return { dir, sha256, size: bytes.length };
  }

  #lookup(zip: Buffer): PackageLookup {
    const tooLarge = checkZippedSize(zip.length, 'CreateFunction');
    if (tooLarge !== undefined) return { kind: 'refused', message: `${tooLarge.message} (${tooLarge.detail})` };
    const hex = createHash('sha256').update(zip).digest('hex');
    const refused = this.#refused.get(hex);
    if (refused !== undefined) return { kind: 'refused', message: refused };
    const dir = join(this.#root, hex);
    if (existsSync(dir)) return { kind: 'ready', code: { dir, sha256: codeSha256(zip), size: zip.length } };
    this.#pending.set(hex, zip);
    return { kind: 'pending' };
  }

  /** Extract every pending zip; refusals are remembered for the next pass to report. */
  async prepare(): Promise<void> {
    mkdirSync(this.#root, { recursive: true });
    for (const [hex, zip] of this.#pending) {
      const dir = join(this.#root, hex);
      if (existsSync(dir)) continue;
      // Another `lamina serve` on the same state directory may extract the same zip meanwhile: its copy is this one.
      const result = await extractPackage(zip, dir).catch((error: unknown) => {
        if (existsSync(dir)) return undefined;
        throw error;
      });
      if (result !== undefined && !result.ok) this.#refused.set(hex, `${result.error.message} (${result.error.detail})`);
    }
    this.#pending.clear();
  }
}
