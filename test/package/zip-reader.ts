/**
 * Reads a zip's central directory (names and unix modes), enough to check what yazl wrote without
 * a zip library: End Of Central Directory record, then one central file header per entry.
 */

export interface ZipEntry {
  readonly name: string;
  /** `st_mode` from the high 16 bits of the external attributes, when made by unix. */
  readonly unixMode: number | undefined;
  readonly madeByUnix: boolean;
  readonly uncompressedSize: number;
}

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;

export function readZipEntries(zip: Buffer): ZipEntry[] {
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i -= 1) {
    if (zip.readUInt32LE(i) === EOCD_SIGNATURE) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error('not a zip: no end of central directory record');
  const count = zip.readUInt16LE(eocd + 10);
  let offset = zip.readUInt32LE(eocd + 16);
  const entries: ZipEntry[] = [];
  for (let i = 0; i < count; i += 1) {
    if (zip.readUInt32LE(offset) !== CENTRAL_SIGNATURE) throw new Error(`bad central directory header at ${offset}`);
    const madeBy = zip.readUInt16LE(offset + 4);
    const uncompressedSize = zip.readUInt32LE(offset + 24);
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    const external = zip.readUInt32LE(offset + 38);
    const madeByUnix = madeBy >> 8 === 3;
    entries.push({
      name: zip.toString('utf8', offset + 46, offset + 46 + nameLength),
      unixMode: madeByUnix ? external >>> 16 : undefined,
      madeByUnix,
      uncompressedSize,
    });
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}
