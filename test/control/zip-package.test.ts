import { createHash } from 'node:crypto';
import { lstat, mkdtemp, readFile, readdir, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { extractPackage, type PackageResult } from '../../src/control/zip-package.js';
import { COULD_NOT_UNZIP } from '../../src/control/package-limits.js';
import { rawZip } from './raw-zip.js';
import { yazlZip } from './yazl-zip.js';

let work: string;
let target: string;

beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'lamina-zippkg-'));
  target = join(work, 'code');
  // A sentinel beside the target: a zip-slip would land next to it.
  await writeFile(join(work, 'sentinel'), 'untouched');
});

afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

/** After a refusal: the target does not exist, no partial directory is left, the sentinel is as it was. */
async function expectNothingWritten(): Promise<void> {
  expect(await readdir(work)).toEqual(['sentinel']);
  expect(await readFile(join(work, 'sentinel'), 'utf8')).toBe('untouched');
}

function refusal(result: PackageResult): { code: string; message: string; detail: string } {
  if (result.ok) throw new Error(`expected a refusal, got ${JSON.stringify(result.package)}`);
  return result.error;
}

describe('extractPackage with well-formed zips', () => {
  it('extracts files, directories and modes, and reports CodeSha256, CodeSize and the unzipped bytes', async () => {
    const zip = await yazlZip([
      { name: 'bootstrap', data: '#!/bin/sh\necho hi\n', mode: 0o100755 },
      { name: 'lib/', directory: true, mode: 0o40750 },
      { name: 'lib/index.mjs', data: 'export const handler = () => 1;\n' },
      { name: 'readonly.txt', data: 'r', mode: 0o100444 },
      { name: 'nested/deep/a.json', data: '{}' },
    ]);
    const result = await extractPackage(zip, target);
    if (!result.ok) throw new Error(result.error.detail);
    expect(result.package.codeSha256).toBe(createHash('sha256').update(zip).digest('base64'));
    expect(result.package.codeSize).toBe(zip.length);
    expect(result.package.unzippedBytes).toBe(18 + 32 + 1 + 2);
    expect((await stat(join(target, 'bootstrap'))).mode & 0o777).toBe(0o755);
    expect((await stat(join(target, 'readonly.txt'))).mode & 0o777).toBe(0o444);
    expect((await stat(join(target, 'lib'))).mode & 0o777).toBe(0o750);
    expect((await stat(join(target, 'nested/deep'))).mode & 0o777).toBe(0o755);
    expect(await readFile(join(target, 'lib/index.mjs'), 'utf8')).toBe('export const handler = () => 1;\n');
    expect(result.package.files.find((f) => f.path === 'bootstrap')).toEqual({ path: 'bootstrap', kind: 'file', mode: 0o755, size: 18 });
    expect((await readdir(work)).sort()).toEqual(['code', 'sentinel']);
  });

  it('keeps a symlink that stays inside the package as a symlink', async () => {
    const zip = await yazlZip([
      { name: 'vendor/v2/lib.js', data: 'v2' },
      { name: 'current', data: 'vendor/v2', mode: 0o120777 },
      { name: 'vendor/latest', data: './v2/lib.js', mode: 0o120777 },
    ]);
    const result = await extractPackage(zip, target);
    expect(result.ok).toBe(true);
    expect((await lstat(join(target, 'current'))).isSymbolicLink()).toBe(true);
    expect(await readlink(join(target, 'current'))).toBe('vendor/v2');
    expect(await readFile(join(target, 'vendor/latest'), 'utf8')).toBe('v2');
  });

  it('gives a zip made without Unix modes 0644 files and 0755 directories', async () => {
    const result = await extractPackage(rawZip([{ name: 'dir/', unixMode: 0 }, { name: 'dir/a.py', data: Buffer.from('x = 1'), unixMode: 0 }]), target);
    expect(result.ok).toBe(true);
    expect((await stat(join(target, 'dir/a.py'))).mode & 0o777).toBe(0o644);
    expect((await stat(join(target, 'dir'))).mode & 0o777).toBe(0o755);
  });

  it('extracts a stored (uncompressed) zip and an empty one', async () => {
    expect((await extractPackage(await yazlZip([{ name: 'a', data: 'abc' }], false), target)).ok).toBe(true);
    const empty = await extractPackage(await yazlZip([]), join(work, 'empty'));
    expect(empty.ok && empty.package.files).toEqual([]);
  });

  it('refuses to extract over an existing directory (a caller bug, thrown)', async () => {
    await expect(extractPackage(await yazlZip([{ name: 'a', data: 'x' }]), work)).rejects.toThrow(/exists already/);
  });
});

describe('extractPackage refuses hostile and broken zips and writes nothing', () => {
  const slips = ['../escape.txt', 'lib/../../escape.txt', '/tmp/escape.txt', 'C:/escape.txt', 'C:escape.txt', '..\\escape.txt', 'a\\..\\..\\escape.txt'];
  for (const name of slips) {
    it(`refuses the zip-slip entry ${JSON.stringify(name)}`, async () => {
      const error = refusal(await extractPackage(rawZip([{ name: 'ok.txt', data: Buffer.from('fine') }, { name, data: Buffer.from('pwned') }]), target));
      expect(error.code).toBe('LAMINA_ERR_LAMBDA_UNSAFE_ZIP_ENTRY');
      await expectNothingWritten();
      expect(await stat(join(work, '..', 'escape.txt')).catch(() => undefined)).toBeUndefined();
    });
  }

  it('judges the name it extracts: a harmless raw name whose Info-ZIP Unicode path field says ../', async () => {
    const raw = Buffer.from('harmless.txt');
    const unicode = Buffer.from('../escape.txt');
    const field = Buffer.alloc(4 + 5 + unicode.length);
    field.writeUInt16LE(0x7075, 0);
    field.writeUInt16LE(5 + unicode.length, 2);
    field.writeUInt8(1, 4);
    field.writeUInt32LE(crc32(raw), 5);
    unicode.copy(field, 9);
    const error = refusal(await extractPackage(rawZip([{ name: 'harmless.txt', data: Buffer.from('pwned'), extra: field }]), target));
    expect(error.code).toBe('LAMINA_ERR_LAMBDA_UNSAFE_ZIP_ENTRY');
    expect(error.detail).toContain('../escape.txt');
    await expectNothingWritten();
  });

  it('refuses a symlink to /etc/passwd and one that climbs out', async () => {
    for (const [name, link] of [['passwd', '/etc/passwd'], ['lib/up', '../../sentinel']] as const) {
      const error = refusal(await extractPackage(await yazlZip([{ name: 'a.txt', data: 'a' }, { name, data: link, mode: 0o120777 }]), target));
      expect(error.code).toBe('LAMINA_ERR_LAMBDA_UNSAFE_ZIP_ENTRY');
      expect(error.detail).toContain(link);
      await expectNothingWritten();
    }
  });

  it('refuses a link that leaves through another link (l -> . then out -> l/..)', async () => {
    const zip = await yazlZip([{ name: 'l', data: '.', mode: 0o120777 }, { name: 'out', data: 'l/..', mode: 0o120777 }]);
    const error = refusal(await extractPackage(zip, target));
    expect(error.code).toBe('LAMINA_ERR_LAMBDA_UNSAFE_ZIP_ENTRY');
    expect(error.detail).toContain("'out'");
    await expectNothingWritten();
  });

  it('refuses an entry written through a symlink entry (link first or last in the archive)', async () => {
    for (const order of [0, 1]) {
      const entries = [{ name: 'out', data: Buffer.from('.'), unixMode: 0o120777 }, { name: 'out/passwd', data: Buffer.from('root::0:0') }];
      const error = refusal(await extractPackage(rawZip(order === 0 ? entries : entries.reverse()), target));
      expect(error.code).toBe('LAMINA_ERR_LAMBDA_UNSAFE_ZIP_ENTRY');
      await expectNothingWritten();
    }
  });

  it('refuses a 1 GB-claimed bomb with a tiny compressed size before writing anything', async () => {
    const zip = rawZip([{ name: 'bomb', data: Buffer.alloc(1024), deflate: true, uncompressedSize: 1_073_741_824 }]);
    expect(zip.length).toBeLessThan(200);
    const error = refusal(await extractPackage(zip, target));
    expect(error.code).toBe('LAMINA_ERR_LAMBDA_UNZIPPED_TOO_LARGE');
    expect(error.message).toBe('Unzipped size must be smaller than 262144000 bytes');
    await expectNothingWritten();
  });

  it('stops a bomb whose header understates its size at the first byte too many', async () => {
    // 64 MiB of zeros deflate to about 64 KB; the header says 10 bytes.
    const zip = rawZip([{ name: 'bomb', data: Buffer.alloc(64 * 1024 * 1024), deflate: true, uncompressedSize: 10 }]);
    const error = refusal(await extractPackage(zip, target));
    expect(error.code).toBe('LAMINA_ERR_LAMBDA_INVALID_ZIP');
    expect(error.detail).toContain('more than the 10 bytes');
    await expectNothingWritten();
  });

  it('counts the layers against the unzipped limit', async () => {
    const zip = await yazlZip([{ name: 'a', data: Buffer.alloc(1000) }]);
    expect(refusal(await extractPackage(zip, target, { unzippedBytes: 5000, layerBytes: 4001 })).code).toBe('LAMINA_ERR_LAMBDA_UNZIPPED_TOO_LARGE');
    await expectNothingWritten();
    expect((await extractPackage(zip, target, { unzippedBytes: 5000, layerBytes: 4000 })).ok).toBe(true);
  });

  it('refuses truncated archives at every cut', async () => {
    const zip = await yazlZip([{ name: 'a.txt', data: 'hello '.repeat(50) }, { name: 'b.txt', data: 'world' }]);
    for (const cut of [0, 10, 40, Math.floor(zip.length / 2), zip.length - 30, zip.length - 1]) {
      const error = refusal(await extractPackage(zip.subarray(0, cut), target));
      expect(error.code, `cut at ${cut}`).toBe('LAMINA_ERR_LAMBDA_INVALID_ZIP');
      expect(error.message).toBe(COULD_NOT_UNZIP);
      await expectNothingWritten();
    }
  });

  it('refuses bytes that are not a zip', async () => {
    expect(refusal(await extractPackage(Buffer.from('PK not really a zip at all, just text'), target)).code).toBe('LAMINA_ERR_LAMBDA_INVALID_ZIP');
    await expectNothingWritten();
  });

  it('refuses a corrupt CRC after the first entry was written, and removes what was written', async () => {
    const zip = rawZip([
      { name: 'first.txt', data: Buffer.from('fine'), deflate: true },
      { name: 'second.txt', data: Buffer.from('corrupted'), deflate: true, crc: 0xdeadbeef },
    ]);
    const error = refusal(await extractPackage(zip, target));
    expect(error.code).toBe('LAMINA_ERR_LAMBDA_INVALID_ZIP');
    expect(error.detail).toContain('CRC-32');
    await expectNothingWritten();
  });

  it('refuses corrupt deflate data', async () => {
    const error = refusal(await extractPackage(rawZip([{ name: 'a', data: Buffer.from([0xff, 0xff, 0xff, 0xff]), method: 8, uncompressedSize: 100 }]), target));
    expect(error.code).toBe('LAMINA_ERR_LAMBDA_INVALID_ZIP');
    await expectNothingWritten();
  });

  it('refuses duplicate entries, also after normalising the name, and a file used as a directory', async () => {
    for (const names of [['a.txt', 'a.txt'], ['lib/a.txt', './lib//a.txt'], ['lib', 'lib/a.txt']]) {
      const error = refusal(await extractPackage(rawZip(names.map((name) => ({ name, data: Buffer.from(name) }))), target));
      expect(error.code, names.join(' + ')).toBe('LAMINA_ERR_LAMBDA_INVALID_ZIP');
      await expectNothingWritten();
    }
  });

  it('refuses encrypted entries and unknown compression methods', async () => {
    expect(refusal(await extractPackage(rawZip([{ name: 'secret', data: Buffer.alloc(20), flags: 0x1, uncompressedSize: 8 }]), target)).detail).toContain('encrypted');
    expect(refusal(await extractPackage(rawZip([{ name: 'lzma', data: Buffer.from('x'), method: 14 }]), target)).detail).toContain('compression method 14');
    await expectNothingWritten();
  });

  it('refuses more entries than the bound before reading them', async () => {
    const zip = rawZip(Array.from({ length: 11 }, (_, i) => ({ name: `f${i}`, data: Buffer.from('x') })));
    expect(refusal(await extractPackage(zip, target, { maxEntries: 10 })).code).toBe('LAMINA_ERR_LAMBDA_TOO_MANY_ZIP_ENTRIES');
    await expectNothingWritten();
    expect((await extractPackage(zip, target, { maxEntries: 11 })).ok).toBe(true);
  });

  it('refuses device and FIFO entries', async () => {
    const error = refusal(await extractPackage(rawZip([{ name: 'fifo', unixMode: 0o010644 }]), target));
    expect(error.code).toBe('LAMINA_ERR_LAMBDA_UNSAFE_ZIP_ENTRY');
    await expectNothingWritten();
  });
});
