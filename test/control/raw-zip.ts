/**
 * A zip writer for hostile archives: every header field is the test's to choose, so names can
 * climb out, sizes and CRCs can lie, and flags can claim encryption. Well-formed zips in the tests
 * come from yazl; this writes only what yazl refuses to.
 */
import { crc32, deflateRawSync } from 'node:zlib';

export interface RawEntry {
  readonly name: string;
  readonly data?: Buffer;
  /** Deflate the data (method 8); otherwise store it (method 0). */
  readonly deflate?: boolean;
  /** Override the method written in the headers. */
  readonly method?: number;
  /** Override what the headers declare. */
  readonly uncompressedSize?: number;
  readonly crc?: number;
  /** A Unix mode with its type bits (0o100644, 0o120777, ...); 0 writes a DOS-made entry. */
  readonly unixMode?: number;
  readonly flags?: number;
  /** Extra fields, written in both headers. */
  readonly extra?: Buffer;
}

/** The run of fields both headers hold, in the same order (local header at 6, central at 8); time and date stay 0. */
function writeShared(header: Buffer, at: number, f: { flags: number; method: number; crc: number; compressed: number; size: number; nameLength: number }): void {
  header.writeUInt16LE(f.flags, at);
  header.writeUInt16LE(f.method, at + 2);
  header.writeUInt32LE(f.crc >>> 0, at + 8);
  header.writeUInt32LE(f.compressed, at + 12);
  header.writeUInt32LE(f.size, at + 16);
  header.writeUInt16LE(f.nameLength, at + 20);
}

/**
 * A complete zip of these entries.
 *
 * @example
 * rawZip([{ name: '../evil', data: Buffer.from('x') }]);
 */
export function rawZip(entries: readonly RawEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8');
    const data = entry.data ?? Buffer.alloc(0);
    const body = entry.deflate ? deflateRawSync(data) : data;
    const method = entry.method ?? (entry.deflate ? 8 : 0);
    const crc = entry.crc ?? crc32(data);
    const size = entry.uncompressedSize ?? data.length;
    const flags = (entry.flags ?? 0) | 0x800;
    const extra = entry.extra ?? Buffer.alloc(0);
    const shared = { flags, method, crc, compressed: body.length, size, nameLength: name.length };
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    writeShared(local, 6, shared);
    local.writeUInt16LE(extra.length, 28);
    locals.push(local, name, extra, body);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    const unixMode = entry.unixMode ?? 0o100644;
    central.writeUInt16LE(unixMode === 0 ? 20 : 0x0314, 4);
    central.writeUInt16LE(20, 6);
    writeShared(central, 8, shared);
    central.writeUInt16LE(extra.length, 30);
    central.writeUInt32LE((unixMode << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name, extra);
    offset += 30 + name.length + extra.length + body.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}
