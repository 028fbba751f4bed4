import { describe, expect, it } from 'vitest';
import { ByteBudgetError, ZipReadError, listEntries, openEntry, readEntry } from '../../src/control/zip-reader.js';
import { rawZip } from './raw-zip.js';

async function drain(stream: AsyncIterable<unknown>): Promise<number> {
  let bytes = 0;
  for await (const chunk of stream) bytes += (chunk as Buffer).length;
  return bytes;
}

describe('zip-reader', () => {
  it('streams an entry whose bytes and CRC match its header, counting them in the budget', async () => {
    const { zipfile, entries } = await listEntries(rawZip([{ name: 'a', data: Buffer.alloc(5000, 7), deflate: true }]), 10);
    const budget = { remaining: 5000, counted: 0 };
    expect(await drain(await openEntry(zipfile, entries[0]!, budget))).toBe(5000);
    expect(budget).toEqual({ remaining: 0, counted: 5000 });
    zipfile.close();
  });

  it('stops an entry that takes the package over its budget, whatever its header says', async () => {
    const { zipfile, entries } = await listEntries(rawZip([{ name: 'a', data: Buffer.alloc(5000, 7), deflate: true }]), 10);
    await expect(drain(await openEntry(zipfile, entries[0]!, { remaining: 4999, counted: 0 }))).rejects.toBeInstanceOf(ByteBudgetError);
    zipfile.close();
  });

  it('fails an entry shorter than its header declares', async () => {
    const { zipfile, entries } = await listEntries(rawZip([{ name: 'a', data: Buffer.from('abc'), deflate: true, uncompressedSize: 4 }]), 10);
    await expect(drain(await openEntry(zipfile, entries[0]!, { remaining: 100, counted: 0 }))).rejects.toThrow(/holds 3 bytes, its header declares 4/);
    zipfile.close();
  });

  it('reports the count without reading entries when there are too many', async () => {
    const listed = await listEntries(rawZip([{ name: 'a' }, { name: 'b' }, { name: 'c' }]), 2);
    expect(listed.tooMany).toBe(true);
    expect(listed.entries).toEqual([]);
    expect(listed.zipfile.entryCount).toBe(3);
    listed.zipfile.close();
  });

  it('caps what it reads whole (a symlink target)', async () => {
    const { zipfile, entries } = await listEntries(rawZip([{ name: 'l', data: Buffer.alloc(5000, 0x61), unixMode: 0o120777 }]), 10);
    await expect(readEntry(zipfile, entries[0]!, { remaining: 1e6, counted: 0 }, 4096)).rejects.toBeInstanceOf(ZipReadError);
    zipfile.close();
  });

  it('turns yauzl\'s refusals of the archive into ZipReadError', async () => {
    await expect(listEntries(Buffer.from('not a zip'), 10)).rejects.toBeInstanceOf(ZipReadError);
  });
});
